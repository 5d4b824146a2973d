from django.core.management.base import BaseCommand
from tqdm import tqdm

from recognition import versions
from recognition.models import ReencodeJob


class Command(BaseCommand):
    help = (
        "Re-encode every stored face photo into the encoding version the settings ask for "
        "(FACE_ENCODING_VERSION), then switch the gallery to it. Recognition goes on in the "
        "current version meanwhile. --background queues it for the workers instead."
    )

    def add_arguments(self, parser):
        # not --version: Django's own option
        parser.add_argument(
            "--to", dest="target", default=None, metavar="VERSION", help="default: FACE_ENCODING_VERSION"
        )
        parser.add_argument("--background", action="store_true", help="queue the job for the workers and return")

    def handle(self, target, background, **options):
        from recognition.reencoding import reencode_needed, reencode_run

        target = target or versions.wanted()
        if not reencode_needed(target=target):
            self.stdout.write(f"Every encoding is already {target}; nothing to do.")
            return
        running = ReencodeJob.objects.filter(
            target=target, status__in=[ReencodeJob.Status.QUEUED, ReencodeJob.Status.RUNNING]
        ).first()
        if running:
            # the workers have it already (they start one after an upgrade): never two at once
            self.stdout.write(f"Job {running.pk} is already re-encoding into {target}; see the Encodings page.")
            return
        if background:
            from recognition.reencoding import reencode_start

            job = reencode_start(target=target)
            self.stdout.write(f"Queued job {job.pk}: {job.total} photos into {target}.")
            return
        job = ReencodeJob.objects.create(target=target, status=ReencodeJob.Status.RUNNING, total=_total())
        quiet = options["verbosity"] == 0
        with tqdm(total=job.total, unit="photo", disable=quiet, file=self.stderr) as bar:
            while True:
                finished = reencode_run(job=job, seconds=2.0)
                bar.update(job.done - bar.n)
                if finished:
                    break
        self.stdout.write(
            f"Re-encoded {job.total} photos into {target}; the gallery now searches it"
            + (f" ({job.missing} photos could not be read and left the gallery)." if job.missing else ".")
        )


def _total():
    from recognition.models import FacePhoto

    return FacePhoto.objects.exclude(encoding=None).count()
