from django.core.management.base import BaseCommand

from portal.recovery.services import work_reconcile


class Command(BaseCommand):
    help = (
        "Send again queued work the broker lost and free work a dead worker held "
        "(what the periodic task does; `make run` runs it at start)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--grace", type=int, default=None, help="seconds a queued row may wait unsent")

    def handle(self, *args, grace=None, verbosity=1, **options):
        done = work_reconcile(grace=grace)
        if verbosity:
            for name in done.resent:
                self.stdout.write(f"{name}: sent again {done.resent[name]}, reclaimed {done.reclaimed[name]}")
