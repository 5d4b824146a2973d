"""The three pages static/js/job_progress.js polls answer the same fields, read in the reader's language."""

import pytest
from django.urls import reverse
from django.utils import translation

from portal.accounts.roles import HR
from portal.core.jobs import give_up
from portal.core.messages import message_text
from portal.people.jobs import IMPORT
from portal.people.models import ImportJob
from recognition.jobs import REENCODE, VIDEO
from recognition.models import ReencodeJob, VideoJob
from tests.factories import make_user

# what the script reads (status, percent, done, total), and what the pages say when the job broke
pytestmark = pytest.mark.django_db

FIELDS = {"id", "status", "done", "total", "percent", "error"}


def _broken(job_kind, row):
    job_kind.model.objects.filter(pk=row.pk).update(status=job_kind.working, done=3, total=4)
    give_up(job_kind, row.pk, job_kind.broken)
    return row.pk


@pytest.mark.parametrize(
    "job_kind, make, url_name, extra",
    [
        (IMPORT, lambda: ImportJob.objects.create(filename="people.zip"), "people:import-status", set()),
        (VIDEO, lambda: VideoJob.objects.create(filename="walk.mp4"), "video-status", set()),
        (REENCODE, lambda: ReencodeJob.objects.create(target="sface"), "encodings-job-status", {"target", "missing"}),
    ],
)
def test_a_broken_jobs_progress_answers_every_field_the_script_reads_in_the_readers_language(
    client, job_kind, make, url_name, extra
):
    client.force_login(make_user("root", superuser=True) if job_kind is REENCODE else make_user("hr", role=HR))
    pk = _broken(job_kind, make())
    url = reverse(url_name, args=[pk])
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").json()
    assert set(english) == FIELDS | extra
    assert (english["id"], english["status"], english["done"], english["total"]) == (pk, "failed", 3, 4)
    assert english["percent"] == 75 and english["error"] == str(job_kind.broken)
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-Hans").json()
    assert chinese["error"] != english["error"]
    with translation.override("zh-hans"):
        assert chinese["error"] == message_text(job_kind.broken)
