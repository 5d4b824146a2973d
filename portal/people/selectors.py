"""Reading people for the pages: the directory with enrollment states."""

from django.conf import settings
from django.db.models import Case, CharField, Count, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from portal.core.messages import message_text
from portal.people.models import Department, Person
from portal.people.search import person_search
from recognition.models import FacePhoto

NOT_ENROLLED = "none"
ENROLLING = "enrolling"
ENROLLED = "enrolled"
ATTENTION = "attention"
STATES = {
    NOT_ENROLLED: _("not enrolled"),
    ENROLLING: _("enrolling"),
    ENROLLED: _("enrolled"),
    ATTENTION: _("needs attention"),
}
PENDING = [FacePhoto.Status.QUEUED, FacePhoto.Status.ENCODING]


def _photo_count(**filters: object) -> Coalesce:
    # a subquery per count rather than joins, so the state can be grouped on
    counted = (
        FacePhoto.objects.filter(person=OuterRef("pk"), **filters)
        .order_by()
        .values("person")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def person_directory(
    *, query: str = "", department: Department | None = None, state: str | None = None
) -> tuple[QuerySet[Person], dict[str, int]]:
    """People with their photo counts and enrollment state:

    not enrolled: no photo; enrolling: a photo is being encoded; needs
    attention: a look-alike awaits a decision, or fewer accepted photos than
    recommended; enrolled: otherwise.
    """
    # visitors have a gallery identity but are no staff (see portal.access.visitors)
    people = (
        Person.objects.filter(merged_into=None, visitor=None)
        .select_related("department")
        .annotate(
            n_photos=_photo_count(),
            n_accepted=_photo_count(status=FacePhoto.Status.ACCEPTED),
            n_pending=_photo_count(status__in=PENDING),
            n_review=_photo_count(status=FacePhoto.Status.REVIEW),
            face_thumb=Subquery(
                FacePhoto.objects.filter(person=OuterRef("pk"), status=FacePhoto.Status.ACCEPTED)
                .exclude(thumb_small="")
                .order_by("created_at", "id")
                .values("pk")[:1]
            ),
        )
    )
    people = people.annotate(
        state=Case(
            When(n_photos=0, then=Value(NOT_ENROLLED)),
            When(n_pending__gt=0, then=Value(ENROLLING)),
            When(n_review__gt=0, then=Value(ATTENTION)),
            When(n_accepted__lt=settings.ENROLL_RECOMMENDED_PHOTOS, then=Value(ATTENTION)),
            default=Value(ENROLLED),
            output_field=CharField(),
        )
    )
    if query:
        people = person_search(people, query)
    if department:
        people = people.filter(department=department)
    counts = dict(people.order_by().values_list("state").annotate(n=Count("pk")))
    if state:
        people = people.filter(state=state)
    return people.order_by("sort_key", "name", "pk"), {key: counts.get(key, 0) for key in STATES}


def person_photos(person: Person) -> QuerySet[FacePhoto]:
    return person.photos.select_related("lookalike").order_by("created_at", "id")


def photo_summary(photo: FacePhoto) -> dict[str, object]:
    """What the person page's script needs to redraw a photo."""
    return {
        "id": photo.pk,
        "status": photo.status,
        "status_label": photo.get_status_display(),
        "reason": message_text(photo.reason),
        "box": photo.box,
        "width": photo.width,
        "height": photo.height,
        "box_style": box_style(photo),
    }


def box_style(photo: FacePhoto) -> str:
    """CSS placing the face box over the thumbnail, in percent of the image."""
    if not photo.box or not photo.width or not photo.height:
        return ""
    top, right, bottom, left = photo.box
    return (
        f"left:{100 * left / photo.width:.2f}%;top:{100 * top / photo.height:.2f}%;"
        f"width:{100 * (right - left) / photo.width:.2f}%;height:{100 * (bottom - top) / photo.height:.2f}%"
    )
