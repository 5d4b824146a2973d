"""The interface language: the browser's (Django's LocaleMiddleware), unless the
user chose one with the switcher in the page header, which is remembered for
them (Preference) and follows them to every device they sign in on."""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import translation
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import JavaScriptCatalog, set_language

from portal.accounts.models import Preference

SESSION_KEY = "portal_language"


@require_POST
def language_set(request):
    """Django's set_language (cookie and redirect), plus the user's own preference."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if translation.check_for_language(language) and request.user.is_authenticated:
        Preference.objects.update_or_create(user=request.user, defaults={"language": language})
        request.session[SESSION_KEY] = language
    return response


@receiver(user_logged_in)
def language_restore(sender, request, user, **kwargs):
    """At sign-in, the language the user chose before (kept in the session: no read per request)."""
    language = Preference.objects.filter(user=user).values_list("language", flat=True).first()
    if language and request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = language


_catalog = JavaScriptCatalog.as_view()


@require_GET
def javascript_catalog(request):
    """The scripts' translations (domain djangojs) as a script file: gettext() in the
    pages' own scripts, since the CSP allows no inline script.

    `?language=` asks for one language whatever the browser says: a kiosk set to
    Chinese speaks Chinese in any browser.
    """
    language = request.GET.get("language", "")
    if language in dict(settings.LANGUAGES):
        with translation.override(language):
            return _catalog(request)
    return _catalog(request)


def user_language_middleware(get_response):
    """After authentication: a signed-in user's own choice wins over the browser's."""

    def middleware(request):
        session = getattr(request, "session", None)
        language = session.get(SESSION_KEY) if session is not None else None
        if language and translation.check_for_language(language) and request.user.is_authenticated:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return get_response(request)

    return middleware
