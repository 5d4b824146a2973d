"""Recognize a video (the Recognize page's second form): submit, follow the progress, read who was seen when."""

from django import forms
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from portal.accounts.roles import HR, role_required
from portal.core.files import picture_response
from portal.core.messages import message_text
from portal.web.progress import job_progress_response
from recognition import video
from recognition.models import VideoFace, VideoJob
from recognition.services import video_submit

# HTTP status for each kind of refused video
REJECT_STATUS = {"too_large": 413, "too_many_pixels": 413, "too_long": 422, "not_video": 415, "damaged": 415}


class VideoForm(forms.Form):
    video = forms.FileField(
        label=_("Video"),
        widget=forms.ClearableFileInput(attrs={"accept": "video/*"}),
        help_text=_("MP4, MOV, MKV, WebM, AVI or MPEG. Everyone in it is listed with when they were seen."),
    )
    keep = forms.BooleanField(
        label=_("Keep the video after processing"),
        required=False,
        help_text=_("Off: the video is deleted once processed; the list of who was seen stays."),
    )


@role_required(HR)
@require_POST
def video_recognize(request):
    """The Recognize page's video form: store and queue, then the job's page (or the form again with why not)."""
    from portal.web.views import recognize_page

    form = VideoForm(request.POST, request.FILES)
    if not form.is_valid():
        return recognize_page(request, video_form=form, status=400)
    upload = form.cleaned_data["video"]
    try:
        job = video_submit(file=upload, filename=upload.name, user=request.user, keep=form.cleaned_data["keep"])
    except video.VideoRejected as exc:
        form.add_error("video", message_text(exc.message))
        return recognize_page(request, video_form=form, status=REJECT_STATUS.get(exc.code, 400))
    return redirect("video", pk=job.pk)


@role_required(HR)
def video_page(request, pk):
    job = get_object_or_404(VideoJob, pk=pk)
    faces = sorted(job.faces.select_related("person"), key=lambda f: (f.person_id is None, f.first_seen))
    return render(request, "web/video.html", {"job": job, "faces": faces, "error": message_text(job.error)})


@role_required(HR)
@require_GET
def video_status(request, pk):
    job = get_object_or_404(VideoJob, pk=pk)
    return job_progress_response(job)


def video_face_picture(face):
    return picture_response(face.picture)


@role_required(HR)
@require_GET
def media_video_face(request, pk, face_pk):
    return video_face_picture(get_object_or_404(VideoFace, pk=face_pk, job_id=pk))
