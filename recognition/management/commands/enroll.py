from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from portal.people.models import Person
from recognition import imaging
from recognition.models import FacePhoto
from recognition.services import person_photo_add, upload_limits

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"}


def person_folders(root):
    return sorted(p for p in Path(root).iterdir() if p.is_dir() and not p.name.startswith("."))


def photo_files(folder):
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


class Command(BaseCommand):
    help = (
        "Enroll people from a folder: one sub-folder per person (folder name = name, underscores read as "
        "spaces; employee ID = folder name). Photos are encoded here, with the workers' engine and rules."
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
        from recognition.processing import face_photo_encode  # loads dlib: only when the command runs

        root = Path(directory)
        if not root.is_dir():
            raise CommandError(f"{directory} is not a folder.")
        if per_person is not None and per_person < 1:
            raise CommandError("--per-person must be at least 1.")
        plan = []
        for folder in person_folders(root):
            files = photo_files(folder)
            plan.append((folder, files[:per_person] if per_person else files))
        total = sum(len(files) for _, files in plan)
        counts, reasons = Counter(), Counter()
        people = set()
        limits = upload_limits()
        with tqdm(total=total, unit="photo", disable=options["verbosity"] == 0, file=self.stderr) as bar:
            for folder, files in plan:
                person, created = Person.objects.get_or_create(
                    employee_id=folder.name, defaults={"name": folder.name.replace("_", " ")}
                )
                counts["people created" if created else "people existing"] += 1
                for path in files:
                    bar.set_postfix_str(path.name[-30:])
                    outcome = self._enroll(person, path, limits, face_photo_encode)
                    if outcome.startswith("rejected: "):
                        counts["rejected"] += 1
                        reasons[outcome.removeprefix("rejected: ")] += 1
                    else:
                        counts[outcome] += 1
                        if outcome == "enrolled":
                            people.add(person.pk)
                    bar.update(1)
        self.stdout.write(
            f"{counts['enrolled']} photo(s) enrolled for {len(people)} person(s); "
            f"{counts['already enrolled']} already enrolled; {counts['rejected']} rejected; "
            f"{counts['people created']} person(s) created."
        )
        for reason, n in reasons.most_common():
            self.stdout.write(f"  rejected {n}: {reason}")

    def _enroll(self, person, path, limits, encode):
        data = path.read_bytes()
        try:
            imaging.decode(data, limits)
        except imaging.ImageRejected as exc:
            return f"rejected: {exc.message}"
        photo, created = person_photo_add(person=person, data=data, filename=path.name, queue=False)
        if not created and photo.status == FacePhoto.Status.ACCEPTED:
            return "already enrolled"
        if photo.status != FacePhoto.Status.QUEUED and photo.status != FacePhoto.Status.REJECTED:
            return "already enrolled"
        photo = encode(photo=photo)
        if photo.status == FacePhoto.Status.ACCEPTED:
            return "enrolled"
        return f"rejected: {photo.reason}"
