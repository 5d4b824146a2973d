from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy, ngettext

from portal.people.forms import MultiplePhotoField
from portal.people.models import Department, Person
from portal.people.search import person_search
from portal.people.services import person_delete
from recognition.lookalikes import person_lookalike
from recognition.models import FacePhoto
from recognition.services import person_photo_add


class PersonAdminForm(forms.ModelForm):
    new_photos = MultiplePhotoField(
        label=gettext_lazy("Add face photos"),
        help_text=gettext_lazy(
            "One or more photos showing only this person's face. Each is checked and encoded by a worker."
        ),
    )

    class Meta:
        model = Person
        fields = ["name", "employee_id", "department", "active"]


def photo_thumbnail(photo, size=96):
    if not photo.image:
        return "-"
    url = reverse("media-photo", args=[photo.pk])
    return format_html('<img src="{}" alt="" style="max-width:{}px;max-height:{}px">', url, size, size)


class FacePhotoInline(admin.TabularInline):
    model = FacePhoto
    fk_name = "person"
    extra = 0
    can_delete = True
    fields = ["thumbnail", "status", "reason", "model_name", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False  # photos are added through the multi-file field, which checks them

    @admin.display(description=gettext_lazy("photo"))
    def thumbnail(self, photo):
        return photo_thumbnail(photo)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    form = PersonAdminForm
    list_display = ["name", "employee_id", "department", "active", "accepted_photos", "pending_photos", "lookalike"]
    readonly_fields = ["lookalike"]
    list_filter = ["active", "department"]
    search_fields = ["name", "employee_id"]
    inlines = [FacePhotoInline]

    def get_search_results(self, request, queryset, search_term):
        """The directory's search: any case, accents optional, Chinese names by pinyin."""
        if not search_term.strip():
            return queryset, False
        return person_search(queryset, search_term), False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("department")
            .annotate(
                n_accepted=Count("photos", filter=Q(photos__status=FacePhoto.Status.ACCEPTED)),
                n_pending=Count(
                    "photos", filter=Q(photos__status__in=[FacePhoto.Status.QUEUED, FacePhoto.Status.ENCODING])
                ),
            )
        )

    @admin.display(description=gettext_lazy("accepted photos"), ordering="n_accepted")
    def accepted_photos(self, person):
        return person.n_accepted

    @admin.display(description=gettext_lazy("being encoded"), ordering="n_pending")
    def pending_photos(self, person):
        return person.n_pending

    @admin.display(description=gettext_lazy("nearest look-alike"))
    def lookalike(self, person):
        # how far this person's average face sits from the nearest other enrolled person's;
        # below decision.LOOKALIKE_RISK the two are easily confused, and recognition is stricter for them
        found = person.pk and person_lookalike(person_id=person.pk)
        if not found:
            return "-"
        other = Person.objects.filter(pk=found.person_id).values_list("name", flat=True).first()
        text = f"{other} ({found.distance:.2f})"
        if found.risk:
            return format_html('<strong style="color:#b00000">{}: look-alike risk</strong>', text)
        return text

    # erasure, as on the person's page: every picture and line that names them
    def delete_model(self, request, obj):
        person_delete(person=obj)

    def delete_queryset(self, request, queryset):
        for person in queryset:
            person_delete(person=person)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        added = 0
        for filename, data in form.cleaned_data.get("new_photos") or []:
            _, created = person_photo_add(person=form.instance, data=data, filename=filename)
            added += created
        if added:
            messages.info(
                request,
                ngettext("%(count)d photo queued for encoding.", "%(count)d photos queued for encoding.", added)
                % {"count": added},
            )


@admin.register(FacePhoto)
class FacePhotoAdmin(admin.ModelAdmin):
    list_display = ["id", "thumbnail", "person", "status", "reason", "created_at"]
    list_filter = ["status"]
    search_fields = ["person__name", "person__employee_id"]
    list_select_related = ["person"]
    fields = ["person", "thumbnail", "status", "reason", "box", "model_name", "created_at", "encoded_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    @admin.display(description=gettext_lazy("photo"))
    def thumbnail(self, photo):
        return photo_thumbnail(photo, 64)
