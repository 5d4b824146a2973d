"""Settings for the portal: one file, every value from the environment.

With no environment at all the portal runs embedded: SQLite in the project
folder, Celery tasks executed in-process, DEBUG on. DATABASE_URL and
CELERY_BROKER_URL switch to PostgreSQL and a real broker with separate
worker processes. A value that cannot be understood stops start-up with
ImproperlyConfigured instead of being silently replaced by a default.
"""

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name, default=""):
    return os.environ.get(name, default)


def env_bool(name, default):
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use 1/0, true/false, yes/no or on/off.")


def env_int(name, default, *, minimum=None):
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} is below the minimum of {minimum}.")
    return value


def env_float(name, default, *, minimum=None, maximum=None):
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number.") from None
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ImproperlyConfigured(f"{name}={value} must lie between {minimum} and {maximum}.")
    return value


def env_list(name, default):
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_from_url(url):
    """DATABASE_URL -> a DATABASES entry; postgres:// and sqlite:/// only."""
    parts = urlsplit(url)
    if parts.scheme in {"postgres", "postgresql", "pgsql"}:
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ImproperlyConfigured(f"DATABASE_URL={url!r} names no database (postgres://user@host:5432/NAME).")
        options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    if parts.scheme == "sqlite":
        # sqlite:///relative/path or sqlite:////absolute/path
        path = url[len("sqlite:///") :]
        if not path:
            raise ImproperlyConfigured(f"DATABASE_URL={url!r} names no file (sqlite:///path/to/db.sqlite3).")
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": path, "OPTIONS": {"timeout": 20}}
    raise ImproperlyConfigured(
        f"DATABASE_URL={url!r}: unsupported scheme {parts.scheme!r}; use postgres://… or sqlite:///…"
    )


# --- core -----------------------------------------------------------------

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG=0.")
    SECRET_KEY = "dev-only-insecure-key-set-SECRET_KEY-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG=0 (comma-separated host names).")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "portal.accounts.admin_app.PortalAdminConfig",  # the Django admin, opened by role
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "portal.accounts",
    "portal.people",
    "portal.attendance",
    "portal.reports",
    "portal.web",
    "portal.kiosks",
    "recognition",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "portal.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # the language from the browser (Accept-Language) or the switcher's cookie
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # a signed-in user's own choice of language wins over the browser's
    "portal.accounts.language.user_language_middleware",
    "portal.api.throttling.kiosk_throttle_middleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

AUTHENTICATION_BACKENDS = ["portal.accounts.backends.RoleBackend"]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.accounts.context_processors.roles",
            ],
        },
    },
]

# --- database -------------------------------------------------------------

DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": database_from_url(DATABASE_URL)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "db.sqlite3",
            # in-process tasks write while a request holds the database
            "OPTIONS": {"timeout": 20},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- people, time, files --------------------------------------------------

# English and Simplified Chinese; a third language is one more line here and a
# catalogue under locale/ (manage.py makemessages -l <code>).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
try:
    import zoneinfo

    zoneinfo.ZoneInfo(TIME_ZONE)
except Exception:
    raise ImproperlyConfigured(
        f"TIME_ZONE={TIME_ZONE!r} is not a known time zone (for example Europe/Berlin)."
    ) from None

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# In development WhiteNoise serves straight from the source folders, so that
# gunicorn with DEBUG=1 works without collectstatic.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
# Face photos are personal data: they are served only to signed-in users by
# portal.web.views.media, never as public static files.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media/"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Uploads: bytes and pixels. The pixel limit guards against decompression bombs.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
UPLOAD_MAX_PIXELS = env_int("UPLOAD_MAX_PIXELS", 40_000_000, minimum=10_000)
# Let Django accept the body; the views refuse too-large files with a message.
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- fonts ------------------------------------------------------------------

# One font for every name in every script (Latin with accents, Cyrillic, Greek,
# Chinese, Japanese, Korean): the annotated pictures and the PDF files use it.
# `make` installs Debian's fonts-wqy-zenhei; the first of these found is used
# unless PORTAL_FONT_PATH names another (a .ttf/.otf, or a .ttc collection with
# PORTAL_FONT_INDEX choosing the face). A missing file stops start-up (a
# system check, portal/web/checks.py).
PORTAL_FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
]
PORTAL_FONT_PATH = env_str("PORTAL_FONT_PATH") or next(
    (path for path in PORTAL_FONT_CANDIDATES if Path(path).is_file()), ""
)
PORTAL_FONT_INDEX = env_int("PORTAL_FONT_INDEX", 0, minimum=0)

# --- recognition ------------------------------------------------------------

# Largest side of the copy that face detection runs on; boxes are mapped back.
FACE_DETECT_MAX_SIDE = env_int("FACE_DETECT_MAX_SIDE", 1024, minimum=160)
# How sure recognition must be: strict, balanced or lenient, each a threshold
# measured on real faces (recognition/decision.py MODES, README "Accuracy").
FACE_MATCH_MODE = env_str("FACE_MATCH_MODE", "balanced").strip().lower()
if FACE_MATCH_MODE not in {"strict", "balanced", "lenient"}:
    raise ImproperlyConfigured(f"FACE_MATCH_MODE={FACE_MATCH_MODE!r}: use strict, balanced or lenient.")
# Experts only: the largest distance to a person's average face accepted, instead
# of the mode's (look-alikes still get a stricter one). Unset: the mode decides.
FACE_MATCH_THRESHOLD = env_float("FACE_MATCH_THRESHOLD", None, minimum=0.1, maximum=1.0)

# --- enrollment -------------------------------------------------------------

# Quality checks on enrollment photos (recognition/quality.py); the defaults
# pass 99.7% of the single-face LFW photos (faces about 100 px wide).
ENROLL_MIN_FACE_PX = env_int("ENROLL_MIN_FACE_PX", 80, minimum=20)
ENROLL_MIN_SHARPNESS = env_float("ENROLL_MIN_SHARPNESS", 50.0, minimum=0.0, maximum=100000.0)
ENROLL_MIN_BRIGHTNESS = env_float("ENROLL_MIN_BRIGHTNESS", 40.0, minimum=0.0, maximum=255.0)
ENROLL_MAX_BRIGHTNESS = env_float("ENROLL_MAX_BRIGHTNESS", 220.0, minimum=0.0, maximum=255.0)
# Closer than this to a photo the person already has: a copy that adds nothing.
ENROLL_NEAR_DUPLICATE_DISTANCE = env_float("ENROLL_NEAR_DUPLICATE_DISTANCE", 0.15, minimum=0.0, maximum=1.0)
ENROLL_RECOMMENDED_PHOTOS = env_int("ENROLL_RECOMMENDED_PHOTOS", 3, minimum=1)
# Bulk import of a ZIP: its size, its number of entries, and the total size
# once uncompressed (a zip-bomb guard, read from the archive's directory).
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 500 * 1024 * 1024, minimum=1024)
IMPORT_MAX_FILES = env_int("IMPORT_MAX_FILES", 5000, minimum=1)
IMPORT_MAX_UNCOMPRESSED_BYTES = env_int("IMPORT_MAX_UNCOMPRESSED_BYTES", 2 * 1024 * 1024 * 1024, minimum=1024)

# --- attendance -------------------------------------------------------------

# A person recognized again within this many seconds gets no second event.
ATTENDANCE_COOLDOWN_SECONDS = env_int("ATTENDANCE_COOLDOWN_SECONDS", 60, minimum=0)

# --- kiosks -------------------------------------------------------------------

# How long an admin's pairing code stays usable.
KIOSK_PAIRING_MINUTES = env_int("KIOSK_PAIRING_MINUTES", 15, minimum=1)
# The submit request waits up to this long for the worker's answer, so that a
# kiosk usually needs one round trip; after that the kiosk polls.
KIOSK_RESULT_WAIT_SECONDS = env_float("KIOSK_RESULT_WAIT_SECONDS", 3.0, minimum=0.0, maximum=20.0)
# Frames per attempt (combined into one decision), their width and size limit.
KIOSK_FRAMES = env_int("KIOSK_FRAMES", 3, minimum=1)
KIOSK_MAX_FRAMES = 8
KIOSK_FRAME_WIDTH = env_int("KIOSK_FRAME_WIDTH", 480, minimum=160)
KIOSK_FRAME_MAX_BYTES = env_int("KIOSK_FRAME_MAX_BYTES", 1024 * 1024, minimum=10_000)
# Pictures of kiosk attempts are deleted after this many days (the events stay).
KIOSK_SNAPSHOT_RETENTION_DAYS = env_int("KIOSK_SNAPSHOT_RETENTION_DAYS", 30, minimum=0)

# --- reports ----------------------------------------------------------------

# Printed at the top of every PDF timesheet.
ORGANIZATION_NAME = env_str("ORGANIZATION_NAME", "Attendance portal")
# Exports with more rows than this are written by a worker (progress page and
# a download link); smaller ones are answered at once.
REPORT_EXPORT_INLINE_ROWS = env_int("REPORT_EXPORT_INLINE_ROWS", 5000, minimum=0)
# A PDF timesheet longer than this many pages is exported as a ZIP of one PDF
# per person: the PDF library keeps a document's pages in memory (measured:
# 44 MB for the CJK font plus 18 kB a page, so 200 pages peak at 47 MB).
REPORT_PDF_MAX_PAGES = env_int("REPORT_PDF_MAX_PAGES", 200, minimum=1)
# Export files are removed this many days after they were made.
REPORT_EXPORT_KEEP_DAYS = env_int("REPORT_EXPORT_KEEP_DAYS", 7, minimum=1)

# --- Celery -----------------------------------------------------------------

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
if CELERY_BROKER_URL:
    scheme = urlsplit(CELERY_BROKER_URL).scheme
    if scheme not in {"redis", "rediss", "amqp", "amqps", "pyamqp"}:
        raise ImproperlyConfigured(
            f"CELERY_BROKER_URL={CELERY_BROKER_URL!r}: use redis://host:6379/0 or amqp://user:pass@host:5672//"
        )
    if not DATABASE_URL:
        raise ImproperlyConfigured(
            "CELERY_BROKER_URL is set but DATABASE_URL is not: separate workers must share the "
            "database with the web server, so set DATABASE_URL=postgres://… as well."
        )
# No broker: run tasks in the calling process, so a new user needs no server.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Results live on the rows (FacePhoto, Capture), not in a result backend.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "portal")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# `celery -A portal beat` sends these; each feature adds its own key below.
CELERY_BEAT_SCHEDULE = {}
# at :05 every hour: calendar days close just after midnight, overnight shifts
# once their working day is over
CELERY_BEAT_SCHEDULE["attendance-close-days"] = {
    "task": "portal.attendance.tasks.attendance_days_close_task",
    "schedule": crontab(minute=5),
}
CELERY_BEAT_SCHEDULE["report-exports-expire"] = {
    "task": "portal.reports.tasks.report_exports_expire_task",
    "schedule": crontab(hour=3, minute=15),
}
# hourly: pictures of kiosk attempts older than KIOSK_SNAPSHOT_RETENTION_DAYS
CELERY_BEAT_SCHEDULE["kiosk-snapshots-expire"] = {
    "task": "portal.kiosks.tasks.kiosk_snapshots_expire",
    "schedule": 3600.0,
}

# --- API ------------------------------------------------------------------

# Requests allowed per principal: one bucket per API token, per kiosk, per
# signed-in user, per anonymous address ("N/second", "N/minute", "N/hour", "N/day").
API_THROTTLE_RATES = {
    "token": env_str("API_THROTTLE_TOKEN", "600/minute"),
    "kiosk": env_str("API_THROTTLE_KIOSK", "120/minute"),
    "user": env_str("API_THROTTLE_USER", "600/minute"),
    "anon": env_str("API_THROTTLE_ANON", "60/minute"),
}
for _scope, _rate in API_THROTTLE_RATES.items():
    _count, _, _period = _rate.partition("/")
    if not _count.isdigit() or not _period or _period[0] not in "smhd":
        raise ImproperlyConfigured(f"API_THROTTLE_{_scope.upper()}={_rate!r}: use N/second, N/minute, N/hour or N/day.")
# The request counts live in Django's cache: without CACHE_URL each web server
# process counts on its own; with a shared Redis the limits hold across them all.
CACHE_URL = env_str("CACHE_URL")
if CACHE_URL:
    if urlsplit(CACHE_URL).scheme not in {"redis", "rediss"}:
        raise ImproperlyConfigured(f"CACHE_URL={CACHE_URL!r}: use redis://host:6379/1")
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
# Longest `?wait=` a client may ask for; below gunicorn's 30 s worker timeout.
API_WAIT_MAX_SECONDS = env_int("API_WAIT_MAX_SECONDS", 20, minimum=0)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # first: its WWW-Authenticate header turns "not signed in" into 401
        "portal.api.auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["portal.api.permissions.IsAdmin"],
    "DEFAULT_THROTTLE_CLASSES": ["portal.api.throttling.PrincipalRateThrottle"],
    "DEFAULT_THROTTLE_RATES": API_THROTTLE_RATES,
    "DEFAULT_PAGINATION_CLASS": "portal.api.pagination.PagePagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "portal.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "portal.api.errors.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Attendance portal API",
    "DESCRIPTION": "People, enrollment photos, recognition, 1:1 verification and attendance. "
    "Send `Authorization: Bearer <token>` (an admin creates tokens); every error is "
    '`{"error": {"code", "message", "fields"}}`.',
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # the Swagger UI files come from the drf-spectacular-sidecar package: no CDN
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "PhotoStatusEnum": "recognition.models.FacePhoto.Status",
        "CaptureStatusEnum": "recognition.models.Capture.Status",
        "EventStatusEnum": ["created", "cooldown"],
        "AttendanceDirectionEnum": "portal.attendance.models.AttendanceEvent.Direction",
        "KioskDirectionEnum": "portal.kiosks.models.Kiosk.Direction",
        "KioskModeEnum": "portal.kiosks.models.Kiosk.Mode",
    },
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums"],
    "PATH_CONVERTER_OVERRIDES": {
        "api_id": {"type": "integer", "minimum": 1, "maximum": 999_999_999_999_999_999},
        "api_format": {"type": "string", "enum": ["csv", "xlsx", "pdf"]},
    },
}

# --- production -------------------------------------------------------------

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 3600, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    # the header only allows preloading; submitting the domain stays a separate, manual step
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
