import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def database_connections_kept_while_usable(task=None, **kwargs):
    """Around each task, as around each web request: a connection older than DATABASE_CONN_MAX_AGE,
    broken (an error since the last commit and no answer now) or left in a transaction is closed,
    and the one kept is checked before its next query (CONN_HEALTH_CHECKS): a restarted PostgreSQL
    costs a task nothing. With DATABASE_POOL_MAX the connection goes back to the pool."""
    if task is not None and getattr(task.request, "is_eager", False):
        return  # in the caller's process and transaction (tests, no broker): theirs to keep
    from django.db import close_old_connections

    close_old_connections()
