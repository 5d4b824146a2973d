"""A person's enrollment photos: upload one or many, list, read, delete."""

import django_filters
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.reverse import reverse

from portal.api.permissions import IsHR
from portal.api.uploads import image_response, read_image
from portal.core.messages import message_text
from portal.people.models import Person
from recognition.models import FacePhoto
from recognition.services import person_photo_add


class PhotoSerializer(serializers.ModelSerializer):
    reason = serializers.SerializerMethodField(help_text="Why the photo was rejected; empty otherwise.")
    image = serializers.SerializerMethodField(help_text="Address of the stored photo.")

    class Meta:
        model = FacePhoto
        fields = ["id", "person", "status", "reason", "model_name", "created_at", "encoded_at", "image"]
        read_only_fields = fields

    def get_image(self, photo) -> str:
        return reverse("api:photo-image", args=[photo.person_id, photo.pk], request=self.context.get("request"))

    def get_reason(self, photo) -> str:
        # stored in English: read in the request's language
        return message_text(photo.reason)


class PhotoUploadSerializer(serializers.Serializer):
    images = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True),
        min_length=1,
        max_length=20,
        help_text="One or more photos, each showing only this person's face.",
    )


class PhotoAddedSerializer(serializers.Serializer):
    photos = PhotoSerializer(many=True)
    added = serializers.IntegerField(help_text="New photos; the rest were already stored for this person.")


class PhotoFilter(django_filters.FilterSet):
    class Meta:
        model = FacePhoto
        fields = ["status"]


def person_of(view):
    return get_object_or_404(Person, pk=view.kwargs["person_pk"])


@extend_schema_view(
    get=extend_schema(summary="A person's photos", description="Each with its status and the reason for a rejection."),
    post=extend_schema(
        summary="Upload photos",
        description="Every file is checked first: if one is refused, none is stored. Accepted files are queued "
        "for encoding (status `queued`); the same picture added twice is stored once.",
        request={"multipart/form-data": PhotoUploadSerializer},
        responses={201: PhotoAddedSerializer},
    ),
)
class PhotoListCreate(generics.ListAPIView):
    permission_classes = [IsHR]
    serializer_class = PhotoSerializer
    filterset_class = PhotoFilter
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no person
            return FacePhoto.objects.none()
        return FacePhoto.objects.filter(person=person_of(self)).order_by("created_at", "id")

    def post(self, request, person_pk):
        person = person_of(self)
        upload = PhotoUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        files = upload.validated_data["images"]
        # read them all before storing any: a bad file loses nothing and stores nothing
        datas = [read_image(file, f"images.{index}") for index, file in enumerate(files)]
        results = [
            person_photo_add(person=person, data=data, filename=file.name or "photo.jpg")
            for file, data in zip(files, datas, strict=True)
        ]
        photos = [photo for photo, _ in results]
        data = {"photos": photos, "added": sum(created for _, created in results)}
        return Response(PhotoAddedSerializer(data, context={"request": request}).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(summary="A photo"),
    delete=extend_schema(summary="Delete a photo", description="Removes the file and the template made from it."),
)
class PhotoDetail(generics.RetrieveDestroyAPIView):
    permission_classes = [IsHR]
    serializer_class = PhotoSerializer

    def get_queryset(self):
        return FacePhoto.objects.filter(person_id=self.kwargs["person_pk"])


class PhotoImage(generics.GenericAPIView):
    permission_classes = [IsHR]

    def get_queryset(self):
        return FacePhoto.objects.filter(person_id=self.kwargs["person_pk"])

    @extend_schema(summary="The photo's file", responses={(200, "image/*"): OpenApiTypes.BINARY})
    def get(self, request, person_pk, pk):
        return image_response(self.get_object().image)
