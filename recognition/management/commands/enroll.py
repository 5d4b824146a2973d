from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from portal.people import imports

IMAGE_SUFFIXES = imports.IMAGE_SUFFIXES  # also what `identify` reads


class Command(BaseCommand):
    help = (
        "Enroll people from a folder: one sub-folder per person (folder name = name, underscores read as "
        "spaces, or employee ID), optionally a people.csv (employee_id,name,department,folder). Photos are "
        "encoded here with the same checks as the import page and the workers."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory")
        parser.add_argument(
            "--per-person",
            type=int,
            default=None,
            metavar="K",
            help="enroll only the first K photos of each person (sorted by file name)",
        )

    def handle(self, directory, per_person, **options):
        root = Path(directory)
        if not root.is_dir():
            raise CommandError(f"{directory} is not a folder.")
        if per_person is not None and per_person < 1:
            raise CommandError("--per-person must be at least 1.")
        plan = imports.folder_plan(root, per_person)
        with tqdm(total=len(plan.entries), unit="photo", disable=options["verbosity"] == 0, file=self.stderr) as bar:

            def progress(done):
                bar.update(done - bar.n)

            report = imports.people_import(plan=plan, on_progress=progress)
        result = report.as_dict()
        self.stdout.write(
            f"{report.accepted} photo(s) enrolled for {len(report.enrolled_people)} person(s); "
            f"{report.already} already enrolled; {result['photos_rejected']} rejected; "
            f"{len(report.duplicates)} flagged as looking like another person; "
            f"{result['people_created_count']} person(s) created."
        )
        for group in result["rejected"]:
            self.stdout.write(f"  rejected {group['count']}: {group['label']}")
            for example in group["examples"]:
                self.stdout.write(f"    {example}")
        for duplicate in report.duplicates:
            self.stdout.write(
                f"  to review: {duplicate['file']} looks like {duplicate['lookalike']}, "
                f"employee {duplicate['lookalike_employee_id']} (distance {duplicate['distance']})"
            )
        for line in report.skipped:
            self.stdout.write(f"  skipped {line['name']}: {line['reason']}")
