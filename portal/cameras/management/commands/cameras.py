import signal
import time

from django.core.management.base import BaseCommand, CommandError

from portal.cameras.models import Camera


class Command(BaseCommand):
    help = (
        "Cameras. `cameras run`: the stream runner, a long-running process that reads the cameras it holds "
        "a lease on, tracks faces and decides each person passing once (run several, on several machines, "
        "to share the cameras). `cameras list`: each camera, who holds it and its health."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="read the cameras (until stopped)")
        run.add_argument("--max-cameras", type=int, default=None, help="hold at most this many cameras")
        run.add_argument("--seconds", type=float, default=None, help="stop after this long (tests, benchmarks)")
        sub.add_parser("list", help="each camera, who holds it and its health")

    def handle(self, *args, action, **options):
        if action == "list":
            return self._list()
        return self._run(options["max_cameras"], options["seconds"])

    def _list(self):
        for camera in Camera.objects.all():
            state = "connected" if camera.connected else (camera.last_error or "not connected")
            self.stdout.write(
                f"{camera.pk}\t{camera.name}\t{camera.kind}\t{camera.safe_url}\t"
                f"{'enabled' if camera.enabled else 'disabled'}\t{camera.lease_holder or '-'}\t{state}"
            )

    def _run(self, limit, seconds):
        if limit is not None and limit < 1:
            raise CommandError("--max-cameras must be at least 1.")
        # loads dlib and the gallery's encoder, as a worker does at start
        from portal.cameras.analysis import TrackAnalysis, warm_up
        from portal.cameras.runner import Runner

        warm_up()

        runner = Runner(analyser=TrackAnalysis, limit=limit)
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: runner.stop())
        self.stdout.write(f"camera runner {runner.holder}: running", ending="\n")
        self.stdout.flush()
        runner.run(until=None if seconds is None else time.monotonic() + seconds)
