"""Kiosk admin pages: register, pair a browser (one-time code), revoke. Admins only."""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.accounts.roles import ADMIN, has_role
from portal.kiosks.models import Kiosk, language_choices
from portal.kiosks.selectors import attempt_decision
from portal.kiosks.services import KioskError, kiosk_pairing_create, kiosk_revoke
from recognition.results import CaptureResult


def kiosk_state(kiosk):
    if kiosk.revoked:
        return f"revoked {timezone.localtime(kiosk.revoked_at):%Y-%m-%d %H:%M}"
    return "paired" if kiosk.paired else "not paired"


@admin.register(Kiosk)
class KioskAdmin(admin.ModelAdmin):
    list_display = ["name", "location", "mode", "direction", "liveness", "state", "last_seen_at"]
    list_filter = ["mode", "direction", "liveness"]
    search_fields = ["name", "location"]
    fields = [
        "name",
        "location",
        "mode",
        "direction",
        "liveness",
        "language",
        "door",
        "door_side",
        "state",
        "pairing",
        "paired_at",
        "last_seen_at",
        "recent_attempts",
    ]
    readonly_fields = ["state", "pairing", "paired_at", "last_seen_at", "recent_attempts"]

    # kiosks are devices at the doors: admins only, not HR
    def has_module_permission(self, request):
        return has_role(request.user, ADMIN)

    def has_view_permission(self, request, obj=None):
        return has_role(request.user, ADMIN)

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "language":  # the portal's languages, read at run time (no choices on the model)
            return forms.TypedChoiceField(
                choices=language_choices, required=False, label=db_field.verbose_name, help_text=db_field.help_text
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_fields(self, request, obj=None):
        return self.fields if obj else ["name", "location", "mode", "direction", "liveness"]

    @admin.display(description=gettext_lazy("state"))
    def state(self, kiosk):
        return kiosk_state(kiosk)

    @admin.display(description=gettext_lazy("pairing"))
    def pairing(self, kiosk):
        if kiosk.revoked:
            return _("Revoked kiosks cannot be paired again; register a new one.")
        return format_html(
            '<a class="button" href="{}">Pair a browser</a> &nbsp; <a class="button" href="{}">Revoke</a>',
            reverse("admin:kiosks_kiosk_pair", args=[kiosk.pk]),
            reverse("admin:kiosks_kiosk_revoke", args=[kiosk.pk]),
        )

    @admin.display(description=gettext_lazy("recent attempts"))
    def recent_attempts(self, kiosk):
        rows = []
        for capture in kiosk.captures.select_related("claimed_person")[:20]:
            face = (capture.face_result or CaptureResult()).first
            decision, refusal = attempt_decision(capture)
            decision = f"{decision}: {refusal}" if refusal else decision
            picture = (
                format_html('<a href="{}">picture</a>', reverse("media-capture", args=[capture.pk, "image"]))
                if capture.image
                else "deleted"
            )
            rows.append(
                (
                    f"{timezone.localtime(capture.created_at):%Y-%m-%d %H:%M:%S}",
                    face.name or "-",
                    decision,
                    "" if face.distance is None else face.distance,
                    face.direction or capture.direction or "",
                    picture,
                )
            )
        if not rows:
            return "none yet"
        body = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows)
        return format_html(
            "<table><tr><th>time</th><th>person</th><th>decision</th><th>distance</th><th>direction</th>"
            "<th>snapshot</th></tr>{}</table>",
            body,
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/pair/", view(self.pair_view), name="kiosks_kiosk_pair"),
            path("<int:pk>/revoke/", view(self.revoke_view), name="kiosks_kiosk_revoke"),
            *super().get_urls(),
        ]

    def _kiosk(self, request, pk):
        if not self.has_change_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        return get_object_or_404(Kiosk, pk=pk)

    def pair_view(self, request, pk):
        """GET: explain; POST: a new one-time code and link for the device."""
        kiosk = self._kiosk(request, pk)
        context = {
            **self.admin_site.each_context(request),
            "kiosk": kiosk,
            "opts": self.model._meta,
            "title": _("Pair a browser with %(name)s") % {"name": kiosk},
        }
        if request.method == "POST":
            try:
                pairing, code = kiosk_pairing_create(kiosk=kiosk, created_by=request.user)
            except KioskError as exc:
                messages.error(request, exc.message)
                return redirect("admin:kiosks_kiosk_change", kiosk.pk)
            context.update(
                code=f"{code[:4]}-{code[4:]}",
                link=request.build_absolute_uri(reverse("kiosk-pair-code", args=[code])),
                entry=request.build_absolute_uri(reverse("kiosk-pair")),
                expires_at=pairing.expires_at,
            )
        return TemplateResponse(request, "kiosks/admin_pair.html", context)

    def revoke_view(self, request, pk):
        kiosk = self._kiosk(request, pk)
        if request.method == "POST":
            kiosk_revoke(kiosk=kiosk)
            messages.success(
                request, _("%(name)s is revoked: its browser can no longer submit anything.") % {"name": kiosk}
            )
            return redirect("admin:kiosks_kiosk_change", kiosk.pk)
        context = {
            **self.admin_site.each_context(request),
            "kiosk": kiosk,
            "opts": self.model._meta,
            "title": _("Revoke %(name)s?") % {"name": kiosk},
        }
        return TemplateResponse(request, "kiosks/admin_revoke.html", context)
