"""The face encodings page (admins): which version the gallery searches, and re-encoding with progress."""

from django.conf import settings
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from portal.accounts.roles import ADMIN, role_required
from portal.core.messages import message_text
from portal.web.progress import job_progress_response
from recognition import versions
from recognition.models import FacePhoto, ReencodeJob
from recognition.reencoding import reencode_needed, reencode_start


def _errors_translate(jobs):
    """A job's error is stored in English: read in the reader's language."""
    jobs = list(jobs)
    for job in jobs:
        job.error = message_text(job.error)
    return jobs


@role_required(ADMIN)
def encodings(request):
    counts = (
        FacePhoto.objects.exclude(encoding=None)
        .values("model_name")
        .annotate(photos=Count("id"))
        .order_by("model_name")
    )
    context = {
        "active": versions.active(),
        "wanted": versions.wanted(),
        "encoder": settings.FACE_ENCODER,
        "threads": settings.FACE_ENCODER_THREADS,
        "counts": counts,
        "needed": reencode_needed(),
        "jobs": _errors_translate(ReencodeJob.objects.select_related("started_by")[:10]),
        "running": ReencodeJob.objects.filter(
            status__in=[ReencodeJob.Status.QUEUED, ReencodeJob.Status.RUNNING]
        ).first(),
    }
    return render(request, "web/encodings.html", context)


@role_required(ADMIN)
@require_POST
def encodings_reencode(request):
    reencode_start(started_by=request.user)
    return redirect("encodings")


@role_required(ADMIN)
def encodings_job_status(request, pk):
    job = get_object_or_404(ReencodeJob, pk=pk)
    return job_progress_response(job, target=job.target, missing=job.missing)
