"""`make run`'s server: Django's development server (as `runserver`, static files included), plus,
in the embedded setup, Celery beat's schedule run by this very process (portal.core.periodic)."""

from celery import current_app as app  # the project's, made current by portal/__init__.py
from django.conf import settings
from django.core.management import get_commands, load_command_class

from portal.core import periodic

# the runserver that wins among the installed apps (whitenoise's, which serves the static files)
Runserver = type(load_command_class(get_commands()["runserver"], "runserver"))


class Command(Runserver):
    help = (
        "runserver, and with no broker (the embedded default) the periodic work beat does in production: "
        "days closed, pictures expired after their retention, lost door commands and queued work sent again."
    )

    def inner_run(self, *args, **options):
        # here, not in handle(): with the autoreloader this runs in the serving child, restarted with it
        if settings.CELERY_TASK_ALWAYS_EAGER:
            periodic.start_thread(app)
        super().inner_run(*args, **options)
