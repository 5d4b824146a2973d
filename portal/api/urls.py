from django.urls import path, re_path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from portal.api import (
    access,
    attendance,
    cameras,
    captures,
    clockin,
    kiosks,
    people,
    photos,
    reports,
    requests,
    review,
    tokens,
    videos,
)
from portal.api.errors import not_found

app_name = "api"


class IdConverter:
    """A row id: a whole number a database key can hold. Anything else is a 404,
    not a database overflow (a 500)."""

    regex = "[1-9][0-9]{0,17}"  # at most filters.MAX_ID

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


class FormatConverter:
    regex = "csv|xlsx|pdf"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(IdConverter, "api_id")
register_converter(FormatConverter, "api_format")

urlpatterns = [
    path("v1/me/days/", requests.MyDays.as_view(), name="me-days"),
    path("v1/me/requests/", requests.MyRequests.as_view(), name="me-requests"),
    path("v1/me/requests/missed-punch/", requests.MissedPunchSubmit.as_view(), name="me-missed-punch"),
    path("v1/me/requests/leave/", requests.LeaveSubmit.as_view(), name="me-leave"),
    path("v1/me/requests/overtime/", requests.OvertimeSubmit.as_view(), name="me-overtime"),
    path("v1/me/clock-in/", clockin.MyClockIn.as_view(), name="me-clock-in"),
    path("v1/me/clock-in/<str:client_id>/", clockin.MyClockInDetail.as_view(), name="me-clock-in-detail"),
    path("v1/me/notifications/", requests.MyNotifications.as_view(), name="me-notifications"),
    path("v1/requests/", requests.RequestList.as_view(), name="request-list"),
    path("v1/requests/<api_id:pk>/", requests.RequestDetail.as_view(), name="request-detail"),
    path("v1/requests/<api_id:pk>/approve/", requests.RequestApprove.as_view(), name="request-approve"),
    path("v1/requests/<api_id:pk>/reject/", requests.RequestReject.as_view(), name="request-reject"),
    path("v1/requests/<api_id:pk>/withdraw/", requests.RequestWithdraw.as_view(), name="request-withdraw"),
    path("v1/people/", people.PersonListCreate.as_view(), name="person-list"),
    path("v1/people/<api_id:pk>/", people.PersonDetail.as_view(), name="person-detail"),
    path("v1/people/<api_id:pk>/deactivate/", people.PersonDeactivate.as_view(), name="person-deactivate"),
    path("v1/people/<api_id:person_pk>/photos/", photos.PhotoListCreate.as_view(), name="photo-list"),
    path("v1/people/<api_id:person_pk>/photos/<api_id:pk>/", photos.PhotoDetail.as_view(), name="photo-detail"),
    path("v1/people/<api_id:person_pk>/photos/<api_id:pk>/image/", photos.PhotoImage.as_view(), name="photo-image"),
    path("v1/recognize/", captures.Recognize.as_view(), name="recognize"),
    path("v1/captures/", captures.CaptureList.as_view(), name="capture-list"),
    path("v1/captures/<api_id:pk>/", captures.CaptureDetail.as_view(), name="capture-detail"),
    path("v1/captures/<api_id:pk>/annotated/", captures.CaptureAnnotated.as_view(), name="capture-annotated"),
    path("v1/verify/", captures.Verify.as_view(), name="verify"),
    path("v1/verifications/<api_id:pk>/", captures.VerificationDetail.as_view(), name="verification-detail"),
    path(
        "v1/verifications/<api_id:pk>/annotated/",
        captures.VerificationAnnotated.as_view(),
        name="verification-annotated",
    ),
    path("v1/videos/", videos.VideoListCreate.as_view(), name="video-list"),
    path("v1/videos/<api_id:pk>/", videos.VideoDetail.as_view(), name="video-detail"),
    path(
        "v1/videos/<api_id:pk>/faces/<api_id:face_pk>/picture/",
        videos.VideoFacePicture.as_view(),
        name="video-face-picture",
    ),
    path("v1/review/", review.UnknownFaceList.as_view(), name="review-list"),
    path("v1/review/<api_id:pk>/", review.UnknownFaceDetail.as_view(), name="review-detail"),
    path("v1/review/<api_id:pk>/picture/", review.UnknownFacePicture.as_view(), name="review-picture"),
    path("v1/review/<api_id:pk>/assign/", review.UnknownFaceAssign.as_view(), name="review-assign"),
    path("v1/review/<api_id:pk>/visitor/", review.UnknownFaceVisitor.as_view(), name="review-visitor"),
    path("v1/review/<api_id:pk>/dismiss/", review.UnknownFaceDismiss.as_view(), name="review-dismiss"),
    path("v1/attendance/events/", attendance.EventListCreate.as_view(), name="event-list"),
    path("v1/attendance/events/<api_id:pk>/", attendance.EventDetail.as_view(), name="event-detail"),
    path("v1/attendance/events/<api_id:pk>/correct/", attendance.EventCorrect.as_view(), name="event-correct"),
    path("v1/attendance/events/<api_id:pk>/void/", attendance.EventVoid.as_view(), name="event-void"),
    path("v1/attendance/summaries/", reports.SummaryList.as_view(), name="summary-list"),
    path("v1/reports/export/<api_format:fmt>/", reports.ReportExportCreate.as_view(), name="report-export"),
    path("v1/reports/exports/<api_id:pk>/", reports.ReportExportDetail.as_view(), name="report-export-detail"),
    path(
        "v1/reports/exports/<api_id:pk>/download/",
        reports.ReportExportDownload.as_view(),
        name="report-export-download",
    ),
    path("v1/kiosks/", kiosks.KioskListCreate.as_view(), name="kiosk-list"),
    path("v1/kiosks/<api_id:pk>/", kiosks.KioskDetail.as_view(), name="kiosk-detail"),
    path("v1/kiosks/<api_id:pk>/pairing/", kiosks.KioskPairingCreate.as_view(), name="kiosk-pairing"),
    path("v1/kiosks/<api_id:pk>/revoke/", kiosks.KioskRevoke.as_view(), name="kiosk-revoke"),
    path("v1/cameras/", cameras.CameraListCreate.as_view(), name="camera-list"),
    path("v1/cameras/<api_id:pk>/", cameras.CameraDetail.as_view(), name="camera-detail"),
    path("v1/cameras/<api_id:pk>/picture/", cameras.CameraPicture.as_view(), name="camera-picture"),
    path("v1/tokens/", tokens.TokenListCreate.as_view(), name="token-list"),
    path("v1/tokens/<api_id:pk>/", tokens.TokenDetail.as_view(), name="token-detail"),
    path("v1/access/events/", access.AccessEventList.as_view(), name="access-event-list"),
    path("v1/access/events/<api_id:pk>/", access.AccessEventDetail.as_view(), name="access-event-detail"),
    path("v1/access/doors/", access.DoorList.as_view(), name="door-list"),
    path("v1/access/doors/<api_id:pk>/unlock/", access.DoorUnlock.as_view(), name="door-unlock"),
    path("v1/access/zones/<api_id:pk>/lockdown/", access.ZoneLockdown.as_view(), name="zone-lockdown"),
    path("v1/access/zones/<api_id:pk>/release/", access.ZoneRelease.as_view(), name="zone-release"),
    path("v1/access/explain/", access.Explain.as_view(), name="access-explain"),
    path("v1/access/on-site/", access.OnSite.as_view(), name="access-on-site"),
    path("v1/access/alerts/", access.AlertList.as_view(), name="access-alert-list"),
    path("v1/access/visitors/", access.VisitorListCreate.as_view(), name="visitor-list"),
    path("v1/access/visitors/<api_id:pk>/end/", access.VisitorEnd.as_view(), name="visitor-end"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    re_path(r"^[\s\S]*$", not_found),  # any path at all, line breaks included
]
