"""Fill a portal database with a gallery, in bulk (run as a subprocess with the
stack's environment: `python -m bench.seed GALLERY.npz [--migrate] [--load]`).

--migrate first migrates the database and creates the admin account
(ensure_admin), in this one process to save two start-ups.

The npz holds `encodings` (float32, one row per person) and `names`; row i
becomes person i with one accepted template. Real people's names come first,
synthetic ones are named "Synthetic N". With --load it then times the
gallery's load from the database, as a worker does, and prints JSON.
"""

import json
import os
import sys
import time

import django
import numpy as np


def main(argv):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from portal.people.models import Person
    from recognition import decision, gallery, versions
    from recognition.models import FacePhoto, GalleryVersion

    if "--migrate" in argv:
        call_command("migrate", "--noinput", verbosity=0)
        call_command("ensure_admin", verbosity=0)
    data = np.load(argv[0], allow_pickle=False)
    encodings, names = data["encodings"], list(data["names"])
    start = time.perf_counter()
    batch = 5000
    with transaction.atomic():
        for first in range(0, len(encodings), batch):
            rows = range(first, min(len(encodings), first + batch))
            people = Person.objects.bulk_create(
                [Person(name=names[i] if i < len(names) else f"Synthetic {i}", employee_id=f"bench-{i}") for i in rows]
            )
            FacePhoto.objects.bulk_create(
                [
                    FacePhoto(
                        person=person,
                        image=f"bench/{i}.jpg",  # no file: only the template is searched
                        sha256=f"{i:064x}",
                        status=FacePhoto.Status.ACCEPTED,
                        encoding=encodings[i].tobytes(),
                        model_name=versions.wanted(),
                    )
                    for i, person in zip(rows, people, strict=True)
                ]
            )
        GalleryVersion.bump(encoding_version=versions.wanted())
    figures = {"seeded": len(encodings), "seed_seconds": round(time.perf_counter() - start, 2)}
    if "--load" in argv:
        start = time.perf_counter()
        loaded = gallery.load(GalleryVersion.current())
        decision.people_of(loaded)  # the rule's average faces: built on the first search after a load
        figures["load_seconds"] = round(time.perf_counter() - start, 3)
        figures["loaded"] = len(loaded)
    print(json.dumps(figures))


if __name__ == "__main__":
    main(sys.argv[1:])
