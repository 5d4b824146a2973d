"""Recognizing a video: who appears in it, and when.

Submitting answers 202 with the job at once; a worker tracks the faces
through the video and decides each track once. The job's `percent` moves
while it runs; `faces` lists every person found and every stranger, with
the seconds into the video they were first and last seen. A video records
no attendance.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from portal.api.captures import PersonRefSerializer, submitter
from portal.api.errors import ApiError
from portal.api.permissions import IsHR
from portal.core.messages import message_text
from portal.web.videos import REJECT_STATUS, video_face_picture
from recognition import video
from recognition.models import VideoFace, VideoJob
from recognition.services import video_submit


class VideoFaceSerializer(serializers.ModelSerializer):
    person = serializers.SerializerMethodField()
    picture = serializers.SerializerMethodField(help_text="The best picture of the face (JPEG).")

    class Meta:
        model = VideoFace
        fields = ["id", "person", "first_seen", "last_seen", "tracks", "distance", "picture"]
        read_only_fields = fields
        extra_kwargs = {
            "first_seen": {"help_text": "Seconds into the video."},
            "last_seen": {"help_text": "Seconds into the video."},
            "tracks": {"help_text": "Times the face came into the picture."},
        }

    @extend_schema_field(PersonRefSerializer(allow_null=True))
    def get_person(self, face):
        person = face.person
        if person is None:
            return None
        return {"id": person.pk, "name": person.name, "employee_id": person.employee_id}

    def get_picture(self, face) -> str:
        return reverse("api:video-face-picture", args=[face.job_id, face.pk], request=self.context.get("request"))


class VideoJobSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    percent = serializers.IntegerField(read_only=True)
    faces = serializers.SerializerMethodField(help_text="People first (by when first seen), then strangers.")
    kept = serializers.SerializerMethodField(help_text="Whether the video file is still stored.")
    error = serializers.SerializerMethodField(help_text="Why the video could not be recognized (reader's language).")

    class Meta:
        model = VideoJob
        fields = [
            "id", "url", "status", "error", "filename", "duration", "width", "height", "keep", "kept",
            "total", "done", "percent", "result", "created_at", "finished_at", "faces",
        ]  # fmt: skip
        read_only_fields = fields

    def get_url(self, job) -> str:
        return reverse("api:video-detail", args=[job.pk], request=self.context.get("request"))

    def get_error(self, job) -> str:
        return message_text(job.error)

    def get_kept(self, job) -> bool:
        return bool(job.video)

    @extend_schema_field(VideoFaceSerializer(many=True))
    def get_faces(self, job):
        faces = sorted(job.faces.select_related("person"), key=lambda f: (f.person_id is None, f.first_seen))
        return VideoFaceSerializer(faces, many=True, context=self.context).data


class VideoSubmitSerializer(serializers.Serializer):
    video = serializers.FileField(allow_empty_file=True, help_text="MP4, MOV, MKV, WebM, AVI or MPEG.")
    keep = serializers.BooleanField(default=False, help_text="Keep the video file after processing.")


FINISHED = (VideoJob.Status.DONE, VideoJob.Status.FAILED)


class VideoListCreate(generics.ListAPIView):
    permission_classes = [IsHR]
    serializer_class = VideoJobSerializer
    queryset = VideoJob.objects.order_by("-created_at", "-id")
    parser_classes = [MultiPartParser, FormParser]
    error_statuses = (422,)  # a video too long

    @extend_schema(summary="Video recognitions, newest first")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Recognize everyone in a video",
        description="Answers 202 with the job (200 when already finished: the embedded setup runs it at once). "
        "Refused: 413 too large, 422 too long, 415 not a video we can read or damaged, 400 empty.",
        request={"multipart/form-data": VideoSubmitSerializer},
        responses={200: VideoJobSerializer, 202: VideoJobSerializer},
    )
    def post(self, request):
        form = VideoSubmitSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["video"]
        try:
            job = video_submit(
                file=upload,
                filename=upload.name or "video",
                user=submitter(request),
                source="api",
                keep=form.validated_data["keep"],
            )
        except video.VideoRejected as exc:
            message = message_text(exc.message)
            raise ApiError(REJECT_STATUS.get(exc.code, 400), exc.code, message, {"video": [message]}) from None
        data = VideoJobSerializer(job, context={"request": request}).data
        done = job.status in FINISHED
        headers = {"Location": data["url"]} | ({} if done else {"Retry-After": "2"})
        return Response(data, status=status.HTTP_200_OK if done else status.HTTP_202_ACCEPTED, headers=headers)


@extend_schema_view(get=extend_schema(summary="A video recognition's progress and result"))
class VideoDetail(generics.RetrieveAPIView):
    permission_classes = [IsHR]
    serializer_class = VideoJobSerializer
    queryset = VideoJob.objects.all()


class VideoFacePicture(APIView):
    permission_classes = [IsHR]

    @extend_schema(
        summary="The best picture of a face found in a video", responses={(200, "image/jpeg"): OpenApiTypes.BINARY}
    )
    def get(self, request, pk, face_pk):
        return video_face_picture(get_object_or_404(VideoFace, pk=face_pk, job_id=pk))
