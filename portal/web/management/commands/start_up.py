import io

from django.core.management import call_command
from django.core.management.base import BaseCommand

# what Celery beat does in a production setup, done once at each start of the embedded one
PERIODIC = [
    ("close_days", "--days", "31"),
    ("kiosk_snapshots_expire",),
    ("captures_expire",),
    ("reconcile",),
    # stored encodings into the version the settings ask for (nothing to do unless it changed)
    ("reencode",),
    ("import_archives_expire",),
    ("merges_expire",),
    ("visitors_erase",),
    ("review_expire",),
]


class Command(BaseCommand):
    help = (
        "Everything `make run` does before serving, in one process (Django boots once and the face engine "
        "is not loaded unless encodings must be redone): migrate, the admin account, the periodic work; "
        "then the address and a new admin password, framed, last."
    )

    def add_arguments(self, parser):
        parser.add_argument("--url", default="", help="the portal's address, printed in the frame")

    def handle(self, *args, url, **options):
        quiet = {"verbosity": 0, "stdout": io.StringIO(), "stderr": self.stderr}
        call_command("migrate", "--noinput", **quiet)
        admin = io.StringIO()
        call_command("ensure_admin", stdout=admin, stderr=self.stderr)
        for name, *arguments in PERIODIC:
            call_command(name, *arguments, **quiet)
        lines = [line for line in admin.getvalue().splitlines() if line.strip()]
        if url:
            lines += [f"Portal: {url}", f"Organization pages: {url}org/"]
        self.stdout.write(frame(lines))


def frame(lines):
    """Lines in a box, so that a generated password does not scroll away unnoticed."""
    if not lines:
        return ""
    width = max(len(line) for line in lines)
    rule = "+" + "-" * (width + 2) + "+"
    return "\n".join([rule, *(f"| {line.ljust(width)} |" for line in lines), rule])
