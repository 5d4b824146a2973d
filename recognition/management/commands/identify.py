import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from recognition import gallery, imaging
from recognition.management.commands.enroll import IMAGE_SUFFIXES
from recognition.services import upload_limits


def image_paths(arguments):
    for argument in arguments:
        path = Path(argument)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in IMAGE_SUFFIXES:
                    yield str(child)
        elif path.is_file():
            yield argument
        else:
            raise CommandError(f"{argument}: no such file or folder.")


class Command(BaseCommand):
    help = (
        "Identify the faces in images: one CSV line per face, path,name,distance "
        "(name 'unknown' when nobody enrolled matches; 'path,no_faces_found,' when there is no face). "
        "Uses the workers' engine and decision rule; records no attendance."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="image files or folders")

    def handle(self, paths, **options):
        from portal.people.models import Person
        from recognition import processing  # loads dlib: only when the command runs

        known = gallery.current()
        rule = processing.decision_rule()
        names = dict(Person.objects.values_list("pk", "name"))
        limits, detect = upload_limits(), processing.detect_options()
        from recognition import engine

        for path in image_paths(paths):
            try:
                _, faces = engine.faces_in_bytes(Path(path).read_bytes(), limits, detect)
            except imaging.ImageRejected as exc:
                print(f"WARNING: {path}: {exc.message}", file=sys.stderr)
                continue
            if not faces:
                self.stdout.write(f"{path},no_faces_found,")
                continue
            for face in faces:
                match = known.search(face.encoding, rule)
                name = names.get(match.person_id, "unknown") if match.accepted else "unknown"
                distance = "" if match.distance is None else f"{match.distance:.4f}"
                self.stdout.write(f"{path},{name},{distance}")
