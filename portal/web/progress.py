"""What a job's page polls while a worker runs it (static/js/job_progress.js).

An import, a video and a re-encoding answer the same fields, because one script reads
them all: change them here and in the script together.
"""

from django.http import JsonResponse

from portal.core.messages import message_text


def job_progress_response(job, **extra) -> JsonResponse:
    """The job's status and progress; `extra` adds what one kind of job tells besides."""
    return JsonResponse(
        {
            "id": job.pk,
            "status": job.status,
            "done": job.done,
            "total": job.total,
            "percent": job.percent,
            "error": message_text(job.error),  # stored as a code: in the reader's language
            **extra,
        }
    )
