"""Access pages: the question page, the log and its export, the live view, who is on site, doors, visitors."""

import csv
import io
from types import SimpleNamespace

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from portal.access.forms import AccessFilterForm, ExplainForm, LockdownForm, UnlockForm, VisitorDoorForm, VisitorForm
from portal.access.models import Alert, Door, OperatorAction, Visitor, Zone
from portal.access.selectors import (
    access_event_list,
    access_explain,
    door_states,
    events_door_opened,
    visitor_face_state,
    zone_door_evidence,
    zone_on_site,
    zone_tz,
)
from portal.access.services import (
    door_unlock_operator,
    door_visitor_policy_set,
    passback_reset,
    zone_lockdown,
    zone_lockdown_end,
)
from portal.access.texts import reason_message
from portal.access.transports import channels_configured
from portal.access.visitors import VisitorRefused, visitor_pass_end, visitor_register
from portal.accounts.roles import RECEPTION, SECURITY, has_role, role_required
from portal.core.messages import message_text
from portal.core.spreadsheets import coded, spreadsheet_row
from portal.employees.mail import absolute_link
from portal.kiosks.selectors import person_thumbnail
from recognition import imaging
from recognition.services import upload_read

# headers in the reader's language; the values of result and reason stay codes, for machines
LOG_COLUMNS = [
    gettext_lazy("time"),
    gettext_lazy("door"),
    gettext_lazy("zone"),
    gettext_lazy("direction"),
    gettext_lazy("person"),
    pgettext_lazy("column of an export", "employee_id"),  # a column name machines read, in English
    gettext_lazy("visitor"),
    gettext_lazy("result"),
    gettext_lazy("reason"),
    gettext_lazy("message"),
]


def _actions_translate(actions):
    """The audit trail is stored in English: read in the reader's language."""
    actions = list(actions)
    for action in actions:
        action.action, action.detail = message_text(action.action), message_text(action.detail)
    return actions


def _alerts_translate(alerts):
    """Alerts are stored in English (they also leave by webhook): read in the reader's language."""
    alerts = list(alerts)
    for alert in alerts:
        alert.message = message_text(alert.message)
    return alerts


def _messages_translate(events):
    """Each event's door sentence in the reader's language (stored in English, with its code)."""
    for event in events:
        event.message = reason_message(event.reason, event.message)
        event.explanation = [message_text(sentence) for sentence in event.explanation]
    return events


@role_required(SECURITY)
def doors(request):
    return render(
        request,
        "access/doors.html",
        {
            "zones": Zone.objects.prefetch_related("doors__kiosks"),
            "alerts": _alerts_translate(Alert.objects.select_related("door").filter(acknowledged_at=None)[:50]),
            "actions": _actions_translate(OperatorAction.objects.all()[:20]),
            "unlock_form": UnlockForm(),
            "lockdown_form": LockdownForm(),
            "no_lock": not channels_configured(),
            "door_states": door_states(),
        },
    )


@role_required(SECURITY)
def door_states_view(request):
    """The Doors page's live state table, reloaded every few seconds by door_states.js."""
    return render(request, "access/_door_states.html", {"door_states": door_states()})


@role_required(SECURITY)
@require_POST
def door_visitors(request, pk):
    """Security marks a door as one reception may give visitors, and caps its passes."""
    door = get_object_or_404(Door, pk=pk)
    form = VisitorDoorForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The longest pass is a number of hours from 1 to 8784."))
        return redirect("access-doors")
    door_visitor_policy_set(
        door=door, visitor_door=form.cleaned_data["visitor_door"], max_hours=form.cleaned_data["max_hours"],
        user=request.user,
    )  # fmt: skip
    messages.info(request, _("Visitor passes for %(door)s saved.") % {"door": door.name})
    return redirect("access-doors")


@role_required(SECURITY)
@require_POST
def door_unlock(request, pk):
    door = get_object_or_404(Door, pk=pk)
    form = UnlockForm(request.POST)
    if form.is_valid():
        try:
            door_unlock_operator(door=door, minutes=form.cleaned_data["minutes"], user=request.user)
            messages.info(
                request,
                _("%(door)s unlocked for %(minutes)s minutes.")
                % {"door": door.name, "minutes": form.cleaned_data["minutes"]},
            )
        except ValueError as exc:
            messages.error(request, str(exc))
    return redirect("access-doors")


@role_required(SECURITY)
@require_POST
def zone_lockdown_view(request, pk):
    zone = get_object_or_404(Zone, pk=pk)
    form = LockdownForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("access-doors")
    doors = zone_lockdown(zone=zone, user=request.user, reason=form.cleaned_data["reason"])
    messages.info(request, _("%(zone)s locked down (%(count)s doors).") % {"zone": zone.name, "count": len(doors)})
    return redirect("access-doors")


@role_required(SECURITY)
@require_POST
def zone_release_view(request, pk):
    zone = get_object_or_404(Zone, pk=pk)
    doors = zone_lockdown_end(zone=zone, user=request.user)
    messages.info(
        request, _("Lockdown of %(zone)s ended (%(count)s doors).") % {"zone": zone.name, "count": len(doors)}
    )
    return redirect("access-doors")


@role_required(SECURITY)
@require_POST
def zone_passback_reset_view(request, pk):
    zone = get_object_or_404(Zone, pk=pk)
    passback_reset(zone=zone, user=request.user)
    messages.info(request, _("Anti-passback reset in %(zone)s: everyone may enter again.") % {"zone": zone.name})
    return redirect("access-doors")


@role_required(SECURITY)
@require_POST
def alert_acknowledge(request, pk):
    Alert.objects.filter(pk=pk, acknowledged_at=None).update(acknowledged_at=timezone.now())
    return redirect("access-doors")


@role_required(SECURITY)
def explain(request):
    """Can this person open this door at this time, and why (not)?"""
    form = ExplainForm(request.GET or None)
    verdict = None
    if form.is_bound and form.is_valid():
        door = form.cleaned_data["door"]
        # the form's time is wall-clock in the door's zone
        at = form.cleaned_data["at"].replace(tzinfo=None).replace(tzinfo=zone_tz(door.zone))
        found = access_explain(person=form.cleaned_data["person"], door=door, at=at)
        verdict = SimpleNamespace(
            granted=found.granted,
            reason=found.reason,
            why=[message_text(sentence) for sentence in found.why],
            message=reason_message(found.reason),
        )
    return render(request, "access/explain.html", {"form": form, "verdict": verdict})


def _filtered(request):
    form = AccessFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return form, None
    filters = {k: v for k, v in (form.cleaned_data if form.is_bound else {}).items() if v}
    return form, access_event_list(**filters)


@role_required(SECURITY)
def log(request):
    form, events = _filtered(request)
    page = Paginator(events, 50).get_page(request.GET.get("page")) if events is not None else None
    if page is not None:
        _messages_translate(page)
        page.object_list = events_door_opened(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "access/log.html",
        {"form": form, "page": page, "query": query.urlencode()},
        status=200 if events is not None else 400,
    )


def _row(event):
    # names of doors, zones, people and visitors are typed by people: inert text in a spreadsheet
    return spreadsheet_row(
        [
            timezone.localtime(event.at).isoformat(timespec="seconds"),
            event.door.name,
            event.zone.name,
            coded(event.direction, event.get_direction_display()),
            event.person.name if event.person else "",
            event.person.employee_id if event.person and not event.visitor_id else "",
            event.visitor.name if event.visitor_id else "",
            coded(event.result, event.get_result_display()),
            # the code, as the API gives it, for an English reader ("granted", "no_access"); in words for another
            coded(event.reason, reason_message(event.reason, event.message)),
            reason_message(event.reason, event.message),
        ]
    )


class _Echo:
    def write(self, value):
        return value


@role_required(SECURITY)
def log_export(request, fmt):
    form, events = _filtered(request)
    if events is None:
        return HttpResponse(_("Bad filter."), status=400)
    stamp = f"{timezone.localdate():%Y%m%d}"
    if fmt == "csv":
        writer = csv.writer(_Echo())
        # the byte-order mark tells Excel the file is UTF-8 (as the attendance exports do); bom=0 for machines
        header = [str(c) for c in LOG_COLUMNS]
        if request.GET.get("bom", "1").lower() not in {"0", "false", "no"}:
            header[0] = "\ufeff" + header[0]
        lines = (writer.writerow(r) for r in [header, *(_row(e) for e in events.iterator(chunk_size=2000))])
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet(_("Access log"))
        sheet.append([str(c) for c in LOG_COLUMNS])
        for event in events.iterator(chunk_size=2000):
            sheet.append(_row(event))
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(
            out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    else:
        return HttpResponse(_("Use csv or xlsx."), status=404)
    response["Content-Disposition"] = f'attachment; filename="access-log-{stamp}.{fmt}"'
    return response


@role_required(SECURITY)
def live(request):
    """The latest attempts, as a fragment the log page reloads every few seconds."""
    events = events_door_opened(_messages_translate(list(access_event_list()[:20])))
    return render(request, "access/_live.html", {"events": events})


def _zones_inside():
    """[(zone, inside, the doors' evidence)] for the on-site and muster lists."""
    now = timezone.now()
    found = []
    for zone in Zone.objects.all():
        inside = zone_on_site(zone=zone, now=now)
        found.append((zone, inside, zone_door_evidence(zone=zone, inside=inside, now=now)))
    return found


@role_required(SECURITY)
def on_site(request):
    return render(request, "access/on_site.html", {"zones": _zones_inside(), "now": timezone.localtime()})


@role_required(SECURITY)
def muster(request):
    """The evacuation list: everyone inside, per zone, with their photo; made for printing."""
    zones = [
        (zone, [(event, person_thumbnail(event.person_id)) for event in inside], evidence)
        for zone, inside, evidence in _zones_inside()
    ]
    return render(request, "access/muster.html", {"zones": zones, "now": timezone.localtime()})


@role_required(RECEPTION)
def visitors(request):
    form = VisitorForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            photo = upload_read(form.cleaned_data["photo"])
            visitor = visitor_register(
                name=form.cleaned_data["name"],
                company=form.cleaned_data["company"],
                host=form.cleaned_data["host"],
                doors=form.cleaned_data["doors"],
                valid_from=form.cleaned_data["valid_from"],
                valid_until=form.valid_until,
                photo=photo,
                user=request.user,
                any_door=has_role(request.user, SECURITY),
            )
        except imaging.ImageRejected as exc:
            form.add_error("photo", message_text(exc.message))
        except VisitorRefused as exc:
            form.add_error(None, exc.message)
        else:
            _visitor_registered_say(request, visitor)
            # the pass to print and hand over comes next
            return redirect("access-visitor", pk=visitor.pk)
    now = timezone.now()
    listing = list(Visitor.objects.select_related("host").prefetch_related("doors", "person__photos")[:100])
    for visitor in listing:
        _visitor_state(visitor, now)
    return render(request, "access/visitors.html", {"form": form, "visitors": listing, "now": now})


def _visitor_state(visitor, now):
    """A pass's state for reception, in the words the list and the pass page use."""
    visitor.face = visitor_face_state(visitor)
    visitor.face_reason = message_text(visitor.face.reason) if visitor.face.reason else ""
    visitor.ended = visitor.valid_until <= now
    return visitor


@role_required(RECEPTION)
def visitor_pass(request, pk):
    """The pass to print and hand over. Its QR code is this page's own address: a guard who scans it
    (signed in) sees the pass as it is now, ended or not, and can end it."""
    import segno

    visitor = get_object_or_404(
        Visitor.objects.select_related("host").prefetch_related("doors", "person__photos"), pk=pk
    )
    now = timezone.now()
    _visitor_state(visitor, now)
    address = absolute_link(reverse("access-visitor", args=[visitor.pk]), request=request)
    qr = segno.make(address, error="m").svg_inline(scale=4)
    photo = person_thumbnail(visitor.person_id) if visitor.person_id else None
    return render(
        request,
        "access/visitor_pass.html",
        {"visitor": visitor, "now": now, "qr": mark_safe(qr), "address": address, "photo": photo},  # noqa: S308 - segno's own SVG
    )


@role_required(RECEPTION)
@require_POST
def visitor_end(request, pk):
    visitor = get_object_or_404(Visitor, pk=pk)
    if visitor_pass_end(visitor=visitor, user=request.user):
        ended = _("The pass of %(name)s has ended: no door opens for it any more.")
        messages.info(request, ended % {"name": visitor.name})
    else:
        messages.info(request, _("The pass of %(name)s had already ended.") % {"name": visitor.name})
    return redirect("access-visitors" if request.POST.get("next") == "list" else reverse("access-visitor", args=[pk]))


def _visitor_registered_say(request, visitor):
    """Say what the pass can do now: a pass is valid at doors only once its photo's face is accepted."""
    until = f"{timezone.localtime(visitor.valid_until):%Y-%m-%d %H:%M}"
    face = visitor_face_state(Visitor.objects.prefetch_related("person__photos").get(pk=visitor.pk))
    if face.state == "accepted":
        messages.info(request, _("%(name)s registered until %(until)s.") % {"name": visitor.name, "until": until})
    elif face.state == "refused":
        messages.error(
            request,
            _(
                "%(name)s is registered, but the photo was refused (%(reason)s): the pass opens no door. "
                "Register the visitor again with a new photo."
            )
            % {"name": visitor.name, "reason": message_text(face.reason)},
        )
    else:
        messages.info(
            request,
            _(
                "%(name)s registered until %(until)s. The photo is being checked: the pass opens doors once "
                "the face is accepted (see the list below)."
            )
            % {"name": visitor.name, "until": until},
        )
