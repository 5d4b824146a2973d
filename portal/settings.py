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


def _gallery_shared_dir(raw, *, broker, shm="/dev/shm"):
    """The folder of the machine's one gallery file (GALLERY_SHARED_DIR), or "" for a gallery per process.

    Unset: on with separate workers (a broker) where shared memory is (shm/portal-gallery-<uid>); off when
    tasks run in this process (one process: nothing to share). "off" turns it off. The folder is made
    now (only its owner may enter: face encodings) and must be writable: a folder that is not stops
    start-up here, instead of every worker quietly keeping a gallery of its own.
    """
    raw = raw.strip()
    if raw.lower() in {"off", "0", "no", "false"}:
        return ""
    # one default folder per user: a command run first as root must not take the workers' folder
    folder = raw or (os.path.join(shm, f"portal-gallery-{os.getuid()}") if broker and os.path.isdir(shm) else "")
    if not folder:
        return ""
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        usable = os.path.isdir(folder) and os.access(folder, os.W_OK | os.X_OK)
        problem = "is not a folder this user may write"
    except OSError as exc:
        usable, problem = False, f"cannot be made ({exc.strerror or exc})"
    if not usable:
        named = "GALLERY_SHARED_DIR" if raw else f"GALLERY_SHARED_DIR (unset: {folder} with a broker)"
        raise ImproperlyConfigured(
            f"{named}: {folder!r} {problem}. Name a folder every worker process of this "
            "machine may write (in /dev/shm), or set GALLERY_SHARED_DIR=off for a gallery per process."
        )
    return folder


def _media_bucket(bucket, *, sendfile, signed):
    """The storages that put media in an S3-compatible bucket (django-storages over boto3).

    "default" holds every uploaded or generated file; "replaced" the files written again under
    the same name (a camera's latest picture: one PUT replaces the object whole). Objects are
    private (no ACL given: the bucket's own, which should be private); the portal reads them
    and answers after its role checks, or redirects to a signed address valid
    MEDIA_S3_SIGNED_URL_SECONDS.
    """
    try:
        import boto3  # noqa: F401
        import storages  # noqa: F401
    except ImportError:
        raise ImproperlyConfigured(
            "MEDIA_S3_BUCKET is set but django-storages or boto3 is not installed (pip install -r requirements.txt)."
        ) from None
    if sendfile:
        raise ImproperlyConfigured(
            f"MEDIA_SENDFILE={sendfile!r} hands a proxy a file in a folder; with MEDIA_S3_BUCKET there is none. "
            "Leave MEDIA_SENDFILE empty (the portal streams the object) or set MEDIA_S3_SIGNED_URL_SECONDS."
        )
    if signed > 7 * 24 * 3600:
        raise ImproperlyConfigured(f"MEDIA_S3_SIGNED_URL_SECONDS={signed}: a signed address lives at most 7 days.")
    endpoint = env_str("MEDIA_S3_ENDPOINT_URL").strip()
    if endpoint and (urlsplit(endpoint).scheme not in {"http", "https"} or not urlsplit(endpoint).hostname):
        raise ImproperlyConfigured(f"MEDIA_S3_ENDPOINT_URL={endpoint!r}: expected http(s)://host[:port].")
    key, secret = env_str("MEDIA_S3_ACCESS_KEY_ID"), env_str("MEDIA_S3_SECRET_ACCESS_KEY")
    if bool(key) != bool(secret):
        raise ImproperlyConfigured(
            "Set both MEDIA_S3_ACCESS_KEY_ID and MEDIA_S3_SECRET_ACCESS_KEY, or neither (boto3's own "
            "credentials: AWS_* variables, ~/.aws, the machine's role)."
        )
    options = {
        "bucket_name": bucket,
        "endpoint_url": endpoint or None,
        "region_name": env_str("MEDIA_S3_REGION").strip() or None,
        "access_key": key or None,
        "secret_key": secret or None,
        "location": env_str("MEDIA_S3_PREFIX").strip().strip("/"),
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": signed or 60,
        # signature version 4: what AWS regions since 2014 and MinIO accept (boto3 may otherwise sign v2)
        "signature_version": "s3v4",
        # Django's own rule: a name already taken gets a new one, never overwrites (photos, captures)
        "file_overwrite": False,
        # an object read by a worker (a video for PyAV, a ZIP) spills to a temporary file past 8 MB
        "max_memory_size": 8 * 1024 * 1024,
    }
    backend = "storages.backends.s3.S3Storage"
    return {
        "default": {"BACKEND": backend, "OPTIONS": options},
        "replaced": {"BACKEND": backend, "OPTIONS": {**options, "file_overwrite": True}},
    }


def _database_pool(options):
    """DATABASE_POOL_MAX > 0: Django's psycopg connection pool, that many connections a process at most.

    A process's threads then share a few connections instead of holding one
    each (docs/scale.md: a fleet's connections against PostgreSQL's limit).
    Django requires persistent connections off with a pool.
    """
    size = env_int("DATABASE_POOL_MAX", 0, minimum=0)
    if not size:
        return {}
    options["pool"] = {"min_size": 1, "max_size": size, "timeout": env_int("DATABASE_POOL_TIMEOUT", 10, minimum=1)}
    return {"CONN_MAX_AGE": 0}


# SQLite (the embedded setup): in-process tasks, beat's schedule and requests write at once. A
# transaction takes the write lock when it begins (IMMEDIATE): one that read first and wrote later
# would otherwise fail at once with "database is locked" when another wrote meanwhile (SQLite cannot
# wait there); begun as a writer, it waits its turn, up to the timeout.
SQLITE_OPTIONS = {"timeout": 20, "transaction_mode": "IMMEDIATE"}


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
        } | _database_pool(options)
    if parts.scheme == "sqlite":
        # sqlite:///relative/path or sqlite:////absolute/path
        path = url[len("sqlite:///") :]
        if not path:
            raise ImproperlyConfigured(f"DATABASE_URL={url!r} names no file (sqlite:///path/to/db.sqlite3).")
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": path, "OPTIONS": SQLITE_OPTIONS}
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
    "portal.org",
    "portal.recovery",
    "portal.access",
    "portal.cameras",
    "portal.review",
    "portal.employees",
    "portal.requests",
    "portal.clockin",
    "recognition",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "portal.api",
]

MIDDLEWARE = [
    "portal.web.middleware.nul_refusing_middleware",
    "django.middleware.security.SecurityMiddleware",
    "portal.web.middleware.security_headers_middleware",
    # first after security: a database or broker outage answers 503, not 500
    "portal.recovery.outage.OutageMiddleware",
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
# Django's four checks on every password set through a form or ensure_admin
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 10, minimum=8)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Failed sign-ins (portal.accounts.throttling): past these counts within
# LOGIN_LOCKOUT_SECONDS the account, or the address, must wait for the window
# to end. Wrong API tokens, kiosk tokens and pairing codes count per address.
LOGIN_FAILURES_PER_ACCOUNT = env_int("LOGIN_FAILURES_PER_ACCOUNT", 5, minimum=1)
LOGIN_FAILURES_PER_ADDRESS = env_int("LOGIN_FAILURES_PER_ADDRESS", 20, minimum=1)
SECRET_FAILURES_PER_ADDRESS = env_int("SECRET_FAILURES_PER_ADDRESS", 20, minimum=1)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 900, minimum=1)
# Proxies in front of the portal that append to X-Forwarded-For (nginx: 1);
# 0 trusts only REMOTE_ADDR. Decides the address the limits count against.
TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0, minimum=0)

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
                "portal.employees.context_processors.bell",
                "portal.org.context_processors.organization",
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
            "OPTIONS": SQLITE_OPTIONS,
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- people, time, files --------------------------------------------------

# English and Simplified Chinese; a third language is one more line here and a
# catalogue under locale/ (manage.py makemessages -l <code>).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates and times in each language's way (portal/formats/<lang>/formats.py, on top of
# Django's own): ISO dates and 24-hour times in English, 2026年3月2日 09:15 in Chinese.
FORMAT_MODULE_PATH = ["portal.formats"]
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
    # files written again under the same name (a camera's latest picture), replaced whole
    "replaced": {"BACKEND": "portal.core.storage.ReplacingFileSystemStorage"},
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
# Face photos are personal data: each stored file is served only by the view of
# what it belongs to (a photo, a capture, an export), after checking the user's
# right to it (portal.core.files); nothing serves the media folder as a whole.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
# Behind nginx, "x-accel-redirect" lets the proxy send the bytes once the view
# has said yes (an `internal` location at MEDIA_ACCEL_PREFIX aliased to
# MEDIA_ROOT); "x-sendfile" does the same for Apache and lighttpd.
MEDIA_SENDFILE = env_str("MEDIA_SENDFILE", "").strip().lower()
if MEDIA_SENDFILE not in {"", "x-accel-redirect", "x-sendfile"}:
    raise ImproperlyConfigured(f"MEDIA_SENDFILE={MEDIA_SENDFILE!r}: empty, x-accel-redirect or x-sendfile.")
MEDIA_ACCEL_PREFIX = env_str("MEDIA_ACCEL_PREFIX", "/protected-media/")
# Or media in an S3-compatible bucket (AWS S3, MinIO, Ceph, ...) instead of a
# folder shared by every machine: see _media_bucket.
MEDIA_S3_BUCKET = env_str("MEDIA_S3_BUCKET").strip()
MEDIA_S3_SIGNED_URL_SECONDS = env_int("MEDIA_S3_SIGNED_URL_SECONDS", 0, minimum=0)
if MEDIA_S3_BUCKET:
    STORAGES.update(_media_bucket(MEDIA_S3_BUCKET, sendfile=MEDIA_SENDFILE, signed=MEDIA_S3_SIGNED_URL_SECONDS))

# --- e-mail -------------------------------------------------------------------

# Invitations, password resets and notifications go out through Django's e-mail
# framework. With EMAIL_HOST set: that SMTP server. Without it (the embedded
# default) every message is written to a file in EMAIL_FILE_PATH and admins read
# them on the outbox page (/employees/outbox/), so nothing is lost.
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL exclude each other: set one.")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20, minimum=1)
EMAIL_FILE_PATH = Path(env_str("EMAIL_FILE_PATH", str(BASE_DIR / "mail")))
EMAIL_BACKEND = env_str("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.filebased.EmailBackend"
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "attendance-portal@localhost")
# the portal's own address, for links in e-mails sent outside a request (reminders)
PORTAL_URL = env_str("PORTAL_URL", "http://127.0.0.1:8000")
# how long an invitation link or code and a password-reset link work
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 14 * 24 * 3600, minimum=600)

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
# The second font of the chain, for every letter the first lacks: the CJK fonts have
# no Latin Extended-A (Czech ř, č, ů, Ě; Polish ł, ś; Turkish ğ, ı), which printed
# nothing in PDFs and boxes in pictures. `make` installs Debian's fonts-dejavu-core.
PORTAL_FALLBACK_FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/noto/NotoSans-Regular.ttf",
]
PORTAL_FALLBACK_FONT_PATH = env_str("PORTAL_FALLBACK_FONT_PATH") or next(
    (path for path in PORTAL_FALLBACK_FONT_CANDIDATES if Path(path).is_file()), ""
)

# --- recognition ------------------------------------------------------------

# Largest side of the copy that face detection runs on; boxes are mapped back.
FACE_DETECT_MAX_SIDE = env_int("FACE_DETECT_MAX_SIDE", 1024, minimum=160)
# How sure recognition must be: strict, balanced or lenient, each a threshold
# measured on real faces (recognition/decision.py MODES, README "Accuracy").
FACE_MATCH_MODE = env_str("FACE_MATCH_MODE", "balanced").strip().lower()
if FACE_MATCH_MODE not in {"strict", "balanced", "lenient"}:
    raise ImproperlyConfigured(f"FACE_MATCH_MODE={FACE_MATCH_MODE!r}: use strict, balanced or lenient.")
# The network that encodes faces: onnx (the same weights as dlib's, 5-10x faster
# on ONNX Runtime, graph generated from the installed model file) or dlib.
FACE_ENCODER = env_str("FACE_ENCODER", "onnx").strip().lower()
if FACE_ENCODER not in {"onnx", "dlib"}:
    raise ImproperlyConfigured(f"FACE_ENCODER={FACE_ENCODER!r}: use onnx or dlib.")
# Where the generated ONNX graph is kept (made once, rebuilt when the model file changes).
FACE_ENCODER_CACHE = Path(env_str("FACE_ENCODER_CACHE", str(BASE_DIR / ".cache" / "encoders")))
# ONNX Runtime threads per worker process (like OPENBLAS_NUM_THREADS: one per process).
FACE_ENCODER_THREADS = env_int("FACE_ENCODER_THREADS", 1, minimum=1)
# How a face becomes an encoding: OpenCV Zoo's SFace by default (measured ahead of dlib's
# ResNet on every accuracy figure, docs/recognition-models.md), or dlib's plain or mirror
# version (recognition/encoders.py). Changing it re-encodes every stored photo in the
# background (manage.py reencode; an upgrade from dlib's does so on its own); thresholds
# belong to a version.
ENCODING_VERSIONS = (
    "dlib_face_recognition_resnet_model_v1",
    "dlib_face_recognition_resnet_model_v1+mirror",
    "opencv_zoo_sface_2021dec",
)
FACE_ENCODING_VERSION = env_str("FACE_ENCODING_VERSION", ENCODING_VERSIONS[2]).strip()
if FACE_ENCODING_VERSION not in ENCODING_VERSIONS:
    raise ImproperlyConfigured(f"FACE_ENCODING_VERSION={FACE_ENCODING_VERSION!r}: use {', '.join(ENCODING_VERSIONS)}.")
# What finds faces in uploads, kiosk frames, videos and camera streams: yunet (OpenCV Zoo's
# YuNet: faces from about 20 px, with the landmarks SFace aligns on, a third of HOG's CPU)
# or hog (dlib's).
FACE_DETECTOR = env_str("FACE_DETECTOR", "yunet").strip().lower()
if FACE_DETECTOR not in {"hog", "yunet"}:
    raise ImproperlyConfigured(f"FACE_DETECTOR={FACE_DETECTOR!r}: use hog or yunet.")
# Experts only: the largest distance to a person's average face accepted, instead
# of the mode's (look-alikes still get a stricter one). Unset: the mode decides.
FACE_MATCH_THRESHOLD = env_float("FACE_MATCH_THRESHOLD", None, minimum=0.1, maximum=2.0)  # SFace: 0-2

# --- enrollment -------------------------------------------------------------

# Quality checks on enrollment photos (recognition/quality.py); the defaults
# pass 99.7% of the single-face LFW photos (faces about 100 px wide).
ENROLL_MIN_FACE_PX = env_int("ENROLL_MIN_FACE_PX", 80, minimum=20)
ENROLL_MIN_SHARPNESS = env_float("ENROLL_MIN_SHARPNESS", 50.0, minimum=0.0, maximum=100000.0)
ENROLL_MIN_BRIGHTNESS = env_float("ENROLL_MIN_BRIGHTNESS", 40.0, minimum=0.0, maximum=255.0)
ENROLL_MAX_BRIGHTNESS = env_float("ENROLL_MAX_BRIGHTNESS", 220.0, minimum=0.0, maximum=255.0)
# Closer than this to a photo the person already has: a copy that adds nothing.
# a merge of two records can be undone for this many days
PEOPLE_MERGE_UNDO_DAYS = env_int("PEOPLE_MERGE_UNDO_DAYS", 30, minimum=1)
# unset: the encoding version's (0.15 for dlib's, recognition/decision.py CALIBRATIONS)
ENROLL_NEAR_DUPLICATE_DISTANCE = env_float("ENROLL_NEAR_DUPLICATE_DISTANCE", None, minimum=0.0, maximum=2.0)
ENROLL_RECOMMENDED_PHOTOS = env_int("ENROLL_RECOMMENDED_PHOTOS", 3, minimum=1)
# Bulk import of a ZIP: its size, its number of entries, and the total size
# once uncompressed (a zip-bomb guard, read from the archive's directory).
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 500 * 1024 * 1024, minimum=1024)
IMPORT_MAX_FILES = env_int("IMPORT_MAX_FILES", 5000, minimum=1)
IMPORT_MAX_UNCOMPRESSED_BYTES = env_int("IMPORT_MAX_UNCOMPRESSED_BYTES", 2 * 1024 * 1024 * 1024, minimum=1024)
# Rows of people.csv: an archive with more is refused at once, before a worker
# spends minutes on it.
IMPORT_MAX_CSV_ROWS = env_int("IMPORT_MAX_CSV_ROWS", 5000, minimum=1)
# Uploaded ZIPs (everyone's face photos) are deleted this many days after the
# import; the job and its report stay.
IMPORT_ARCHIVE_KEEP_DAYS = env_int("IMPORT_ARCHIVE_KEEP_DAYS", 2, minimum=0)

# --- from a decided face to what it causes ------------------------------------

# recognition hands every sighting to this one callable (see portal/routing.py);
# empty: sightings cause nothing
SIGHTING_ROUTER = env_str("SIGHTING_ROUTER", "portal.routing.sighting_route")

# --- attendance -------------------------------------------------------------

# A person recognized again within this many seconds gets no second event.
ATTENDANCE_COOLDOWN_SECONDS = env_int("ATTENDANCE_COOLDOWN_SECONDS", 60, minimum=0)
# How far back HR may have stored days recomputed after a schedule or calendar change (days).
ATTENDANCE_RECOMPUTE_MAX_DAYS = env_int("ATTENDANCE_RECOMPUTE_MAX_DAYS", 366, minimum=0)

# --- phone clock-in -----------------------------------------------------------

# A phone's location known less precisely than this (metres) is not enough to clock in by.
PHONE_CLOCKIN_MAX_ACCURACY_M = env_int("PHONE_CLOCKIN_MAX_ACCURACY_M", 500, minimum=10)

# --- kiosks -------------------------------------------------------------------

# How long an admin's pairing code stays usable.
KIOSK_PAIRING_MINUTES = env_int("KIOSK_PAIRING_MINUTES", 15, minimum=1)
# The submit request waits up to this long for the worker's answer, so that a
# kiosk usually needs one round trip; after that the kiosk polls.
KIOSK_RESULT_WAIT_SECONDS = env_float("KIOSK_RESULT_WAIT_SECONDS", 3.0, minimum=0.0, maximum=20.0)
# The kiosk stops waiting for an answer (server unreachable or still working)
# after this long and asks the person to try again.
KIOSK_GIVE_UP_SECONDS = env_int("KIOSK_GIVE_UP_SECONDS", 20, minimum=5)
# Frames per attempt (combined into one decision), their width and size limit.
KIOSK_FRAMES = env_int("KIOSK_FRAMES", 3, minimum=1)
KIOSK_MAX_FRAMES = 8
KIOSK_FRAME_WIDTH = env_int("KIOSK_FRAME_WIDTH", 480, minimum=160)
KIOSK_FRAME_MAX_BYTES = env_int("KIOSK_FRAME_MAX_BYTES", 1024 * 1024, minimum=10_000)
# At a door, an attempt whose first frame is recognized with room to spare (CAMERA_CONFIDENT_MARGIN)
# is decided by that frame alone: the person waits, the further frames' faces are not encoded.
KIOSK_EARLY_DECISION = env_bool("KIOSK_EARLY_DECISION", True)
# Pictures of kiosk attempts are deleted after this many days (the events stay).
KIOSK_SNAPSHOT_RETENTION_DAYS = env_int("KIOSK_SNAPSHOT_RETENTION_DAYS", 30, minimum=0)
# Captures (uploads, kiosk attempts, camera tracks: rows, frames, files) are deleted after
# this many days; the events stay, without their capture. 0 keeps them for ever.
CAPTURE_RETENTION_DAYS = env_int("CAPTURE_RETENTION_DAYS", 400, minimum=0)

# --- cameras ------------------------------------------------------------------

# A runner (`manage.py cameras run`) holds each camera it reads with a lease it
# renews; a runner that dies loses its cameras to another within this time.
CAMERA_LEASE_SECONDS = env_int("CAMERA_LEASE_SECONDS", 30, minimum=3)
# Reconnecting to a stream that dropped waits 1 s, then twice as long each time, up to this.
CAMERA_RECONNECT_MAX_SECONDS = env_int("CAMERA_RECONNECT_MAX_SECONDS", 30, minimum=1)
# Opening a stream and reading from it give up after this long (the camera shows the error).
CAMERA_TIMEOUT_SECONDS = env_int("CAMERA_TIMEOUT_SECONDS", 10, minimum=1)
# A face not seen for this long ends its track, which is then decided once.
CAMERA_TRACK_GAP_SECONDS = env_float("CAMERA_TRACK_GAP_SECONDS", 1.0, minimum=0.1, maximum=30.0)
# ... and not before this many analysed frames without it: analysis falling behind (1 frame a
# second on a loaded runner) must not cut one person's pass into several tracks.
CAMERA_TRACK_GAP_FRAMES = env_int("CAMERA_TRACK_GAP_FRAMES", 2, minimum=0)
# A new track of a face within the encoding version's same-person distance of one last seen less than this long
# ago is a piece of the same pass: one decision for all the pieces (one event, no stranger to
# review if a piece was recognized); a stranger's pass is decided this long after it was last seen.
CAMERA_PASS_SECONDS = env_float("CAMERA_PASS_SECONDS", 4.0, minimum=0.0, maximum=60.0)
# One analysed frame decides a pass (a door opens at once) when its face is recognized at least
# this much inside the rule's threshold; doubtful faces and strangers wait for more frames.
# In dlib's units: read on the encoding version's scale (decision.Calibration.scale, 2 for SFace).
CAMERA_CONFIDENT_MARGIN = env_float("CAMERA_CONFIDENT_MARGIN", 0.05, minimum=0.0, maximum=0.3)
# Below this many analysed frames a second a camera's health says its analysis is too slow to
# follow people (the tracker was tested to keep one pass at 1 a second).
CAMERA_MIN_ANALYSED_FPS = env_float("CAMERA_MIN_ANALYSED_FPS", 1.0, minimum=0.1, maximum=30.0)
# A camera read for this long without a face found says so on its health, with the likely cause.
CAMERA_NO_FACE_MINUTES = env_float("CAMERA_NO_FACE_MINUTES", 30.0, minimum=0.1)
# A track seen in fewer analysed frames is not decided: a face caught in one frame only is
# mostly a passing blur or a false detection, and would only add unknown faces to review.
CAMERA_TRACK_MIN_FRAMES = env_int("CAMERA_TRACK_MIN_FRAMES", 2, minimum=1)
# A pass seen in this many analysed frames is decided at once when its best faces together are
# recognized (besides a single confident frame: CAMERA_CONFIDENT_MARGIN). 0: off.
CAMERA_DECIDE_AFTER_FRAMES = env_int("CAMERA_DECIDE_AFTER_FRAMES", 3, minimum=0)
# The smallest copy of a frame faces are looked for on (1: full size). Each stream's own scale is
# chosen from its minimum face size (the face still fills the detector's window: YuNet 20 px, HOG 80) and never
# goes below this; faces smaller still are found by zooming into areas that moved, not whole frames.
CAMERA_DETECT_SCALE = env_float("CAMERA_DETECT_SCALE", 0.5, minimum=0.1, maximum=1.0)
# How often the runner writes each camera's health (rates, last picture).
CAMERA_HEALTH_SECONDS = env_float("CAMERA_HEALTH_SECONDS", 2.0, minimum=0.2, maximum=60.0)
# Fernet keys (comma-separated; the first encrypts, every one decrypts) for secrets stored encrypted,
# such as camera passwords (portal/core/secrets.py); empty: a key derived from SECRET_KEY.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS", [])
# Where a camera may be (portal/cameras/addresses.py): IP addresses, networks (10.20.0.0/16) or host
# names, comma-separated; empty: any host but loopback, link-local, unspecified and multicast addresses.
CAMERA_ALLOWED_HOSTS = env_list("CAMERA_ALLOWED_HOSTS", [])
# ... and on which ports (554, 8000-8099); empty: any port but the portal's own services' (database,
# broker, cache, MQTT, e-mail), so that a camera's address cannot talk to them.
CAMERA_ALLOWED_PORTS = env_list("CAMERA_ALLOWED_PORTS", [])
for _entry in CAMERA_ALLOWED_PORTS:
    _low, _, _high = _entry.partition("-")
    if not (_low.isdigit() and (_high or _low).isdigit() and 0 < int(_low) <= int(_high or _low) <= 65535):
        raise ImproperlyConfigured(f"CAMERA_ALLOWED_PORTS: {_entry!r} is not a port (554) or a range (8000-8099).")

# --- doors and access ---------------------------------------------------------

# Door commands (unlock, lockdown) over MQTT: empty host turns MQTT off.
DOOR_MQTT_HOST = env_str("DOOR_MQTT_HOST", "")
DOOR_MQTT_PORT = env_int("DOOR_MQTT_PORT", 1883, minimum=1)
DOOR_MQTT_USERNAME = env_str("DOOR_MQTT_USERNAME", "")
DOOR_MQTT_PASSWORD = env_str("DOOR_MQTT_PASSWORD", "")
# {door} is the door's controller id (or its database id)
DOOR_MQTT_TOPIC = env_str("DOOR_MQTT_TOPIC", "portal/doors/{door}/command")
# MQTT commands are signed like the webhook (portal/access/signing.py): the agent acts only on what verifies.
DOOR_MQTT_SECRET = env_str("DOOR_MQTT_SECRET", "")
if DOOR_MQTT_HOST and not DOOR_MQTT_SECRET:
    raise ImproperlyConfigured(
        "DOOR_MQTT_HOST is set but DOOR_MQTT_SECRET is not: anyone on the broker could open doors."
    )
# Door agents report door states here ({door}: the door's controller id); `manage.py doors listen` reads them.
DOOR_MQTT_REPORT_TOPIC = env_str("DOOR_MQTT_REPORT_TOPIC", "portal/doors/{door}/report")
# A door agent not heard from (reports or heartbeats) for this long is shown offline.
DOOR_AGENT_OFFLINE_SECONDS = env_int("DOOR_AGENT_OFFLINE_SECONDS", 30, minimum=5)
# One `doors listen` consumes the reports; a standby takes over within this many seconds of its death.
DOOR_LISTENER_LEASE_SECONDS = env_int("DOOR_LISTENER_LEASE_SECONDS", 15, minimum=3)
# TLS to the broker: its CA (empty: the system's), and a client certificate if the broker asks for one.
DOOR_MQTT_TLS = env_bool("DOOR_MQTT_TLS", False)
DOOR_MQTT_CA_FILE = env_str("DOOR_MQTT_CA_FILE", "")
DOOR_MQTT_CERT_FILE = env_str("DOOR_MQTT_CERT_FILE", "")
DOOR_MQTT_KEY_FILE = env_str("DOOR_MQTT_KEY_FILE", "")
# ... and over an HTTP webhook signed with HMAC-SHA256 (portal/access/signing.py): empty URL turns it off.
DOOR_WEBHOOK_URL = env_str("DOOR_WEBHOOK_URL", "")
DOOR_WEBHOOK_SECRET = env_str("DOOR_WEBHOOK_SECRET", "")
if DOOR_WEBHOOK_URL and not DOOR_WEBHOOK_SECRET:
    raise ImproperlyConfigured("DOOR_WEBHOOK_URL is set but DOOR_WEBHOOK_SECRET is not: the controller must verify.")
# A command not delivered this long after the decision is dropped: a door never opens late.
DOOR_COMMAND_MAX_AGE_SECONDS = env_float("DOOR_COMMAND_MAX_AGE_SECONDS", 5.0, minimum=0.1, maximum=300.0)
# Door-command deliveries go to one Celery queue per channel, "<this>-mqtt" and "<this>-webhook"
# (empty: "<CELERY_QUEUE>-doors"), so a broker that does not answer never delays the other channel.
DOOR_COMMAND_QUEUE = env_str("DOOR_COMMAND_QUEUE", "")
# The process that grants an attempt (a worker, the camera runner) publishes its unlock itself as soon
# as the decision commits, one try; the queue above only retries what that try did not deliver.
# 0: every command through the queue (workers that cannot reach the door controllers).
DOOR_COMMAND_SEND_AT_ONCE = env_bool("DOOR_COMMAND_SEND_AT_ONCE", True)
# Alerts (unknown face refused repeatedly, lockdown, failing deliveries) as a signed webhook; empty: portal only.
ALERT_WEBHOOK_URL = env_str("ALERT_WEBHOOK_URL", "")
ALERT_WEBHOOK_SECRET = env_str("ALERT_WEBHOOK_SECRET", "")
if ALERT_WEBHOOK_URL and not ALERT_WEBHOOK_SECRET:
    raise ImproperlyConfigured("ALERT_WEBHOOK_URL is set but ALERT_WEBHOOK_SECRET is not.")
# An alert when one door refuses unrecognized faces this many times within this many minutes.
# An alert the webhook could not take is retried (by its task and the periodic sweep) for this long.
ALERT_DELIVERY_MAX_AGE_SECONDS = env_int("ALERT_DELIVERY_MAX_AGE_SECONDS", 86400, minimum=60)
ALERT_UNKNOWN_REFUSALS = env_int("ALERT_UNKNOWN_REFUSALS", 3, minimum=1)
ALERT_UNKNOWN_MINUTES = env_int("ALERT_UNKNOWN_MINUTES", 5, minimum=1)
# Badge PINs (portal/access/pins.py): at least this many digits; past BADGE_PIN_FREE_FAILURES wrong PINs
# for a badge (BADGE_PIN_KIOSK_FREE_FAILURES at one kiosk) each attempt waits twice as long as the last,
# up to BADGE_PIN_MAX_WAIT_SECONDS; security is alerted at BADGE_PIN_ALERT_FAILURES in a row. The counts
# last BADGE_PIN_WINDOW_SECONDS after the last wrong PIN. A refused attempt answers after
# BADGE_FAILURE_MIN_SECONDS, whether the badge exists or not.
BADGE_PIN_MIN_LENGTH = env_int("BADGE_PIN_MIN_LENGTH", 6, minimum=4)
BADGE_PIN_FREE_FAILURES = env_int("BADGE_PIN_FREE_FAILURES", 3, minimum=1)
BADGE_PIN_KIOSK_FREE_FAILURES = env_int("BADGE_PIN_KIOSK_FREE_FAILURES", 10, minimum=1)
BADGE_PIN_ALERT_FAILURES = env_int("BADGE_PIN_ALERT_FAILURES", 10, minimum=1)
BADGE_PIN_MAX_WAIT_SECONDS = env_int("BADGE_PIN_MAX_WAIT_SECONDS", 900, minimum=1)
BADGE_PIN_WINDOW_SECONDS = env_int("BADGE_PIN_WINDOW_SECONDS", 3600, minimum=60)
BADGE_FAILURE_MIN_SECONDS = env_float("BADGE_FAILURE_MIN_SECONDS", 1.0, minimum=0.0, maximum=10.0)
# Visitors' face photos and encodings are erased this many days after their pass ends.
VISITOR_RETENTION_DAYS = env_int("VISITOR_RETENTION_DAYS", 7, minimum=0)

# --- unknown faces to review and videos ----------------------------------------

# Unknown faces (a kiosk, a camera, an upload that records attendance) within this distance of an
# open review entry's mean encoding join it. Unset: the active encoding version's balanced
# threshold, where a face is taken for an enrolled person's (recognition.versions.review_group_distance).
REVIEW_GROUP_DISTANCE = env_float("REVIEW_GROUP_DISTANCE", None, minimum=0.1, maximum=2.0)  # SFace: 0-2
# Review entries (the face's picture, encoding and sightings) are erased this many days after last seen.
REVIEW_RETENTION_DAYS = env_int("REVIEW_RETENTION_DAYS", 30, minimum=0)
# Videos to recognize: the largest file, the longest duration, and the frames analysed per second.
VIDEO_MAX_BYTES = env_int("VIDEO_MAX_BYTES", 200 * 1024 * 1024, minimum=1024)
VIDEO_MAX_SECONDS = env_int("VIDEO_MAX_SECONDS", 600, minimum=1)
VIDEO_ANALYSE_FPS = env_float("VIDEO_ANALYSE_FPS", 5.0, minimum=0.1, maximum=60.0)
# Faces narrower than this (pixels of the video frame) are not tracked.
VIDEO_MIN_FACE_PX = env_int("VIDEO_MIN_FACE_PX", 40, minimum=20)

# --- reports ----------------------------------------------------------------

# Printed at the top of every PDF timesheet until the organization's settings page names it.
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
# One gallery per machine (docs/scale.md): every worker process and camera runner of a machine maps
# one file in this folder instead of holding its own copy; a change is written in place (its own rows)
# on x86-64, as a whole new file elsewhere. On by default with a broker, off embedded.
GALLERY_SHARED_DIR = _gallery_shared_dir(env_str("GALLERY_SHARED_DIR", ""), broker=bool(CELERY_BROKER_URL))
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Results live on the rows (FacePhoto, Capture), not in a result backend.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# read by Celery's Django fixup: keep a worker's database connection across tasks instead of closing
# it around each one (a new PostgreSQL connection for every task, ~10 ms of a door's wait); when it
# goes is decided around each task as around a request (portal/celery.py)
CELERY_DB_REUSE_MAX = 1_000_000
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "portal")
# Work a person at a kiosk (or a door) waits for has its own queue, and long
# jobs (imports, exports, videos) another, so that nothing waits behind an
# import. A worker started without -Q reads all three.
CELERY_KIOSK_QUEUE = env_str("CELERY_KIOSK_QUEUE", CELERY_TASK_DEFAULT_QUEUE + "-kiosk")
CELERY_BULK_QUEUE = env_str("CELERY_BULK_QUEUE", CELERY_TASK_DEFAULT_QUEUE + "-bulk")
_DOORS_QUEUE = DOOR_COMMAND_QUEUE or CELERY_TASK_DEFAULT_QUEUE + "-doors"
DOOR_COMMAND_QUEUES = {channel: f"{_DOORS_QUEUE}-{channel}" for channel in ("mqtt", "webhook")}
CELERY_TASK_QUEUES = {
    name: {}
    for name in (CELERY_KIOSK_QUEUE, CELERY_TASK_DEFAULT_QUEUE, CELERY_BULK_QUEUE, *DOOR_COMMAND_QUEUES.values())
}
CELERY_TASK_ROUTES = {
    "recognition.tasks.process_capture": {"queue": CELERY_KIOSK_QUEUE},
    "portal.people.tasks.run_import": {"queue": CELERY_BULK_QUEUE},
    "portal.reports.tasks.report_export_task": {"queue": CELERY_BULK_QUEUE},
    "recognition.tasks.reencode_photos": {"queue": CELERY_BULK_QUEUE},
    "recognition.tasks.process_video": {"queue": CELERY_BULK_QUEUE},
    "portal.attendance.tasks.summaries_recompute_task": {"queue": CELERY_BULK_QUEUE},
}
# Redis hands an unacknowledged task to another worker after this many seconds:
# longer than the longest task (an import's 3 h 5 min hard limit), or a slow
# import would run twice. Work a dead worker held does not wait for it: the
# reconciler frees it after the task's own hard limit.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 4 * 3600, minimum=60),
    # a broker that does not answer fails a post in seconds (the row waits for the reconciler)
    "socket_connect_timeout": 3,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# `celery -A portal beat` sends these; each feature adds its own key below.
CELERY_BEAT_SCHEDULE = {}
# the gallery's change log: old entries go (a process that far behind reloads once)
CELERY_BEAT_SCHEDULE["gallery-changes-prune"] = {
    "task": "recognition.tasks.gallery_changes_prune_task",
    "schedule": crontab(hour=3, minute=40),
}
# daily: captures older than CAPTURE_RETENTION_DAYS
CELERY_BEAT_SCHEDULE["captures-expire"] = {
    "task": "recognition.tasks.captures_expire_task",
    "schedule": crontab(hour=3, minute=50),
}
# at :05 every hour: calendar days close just after midnight, overnight shifts
# once their working day is over
CELERY_BEAT_SCHEDULE["attendance-close-days"] = {
    "task": "portal.attendance.tasks.attendance_days_close_task",
    "schedule": crontab(minute=5),
}
# at :20 every hour, once the days are closed: "no check-out yesterday" to each
# employee concerned (told once per day, however often it runs)
CELERY_BEAT_SCHEDULE["missing-checkouts-remind"] = {
    "task": "portal.employees.tasks.missing_checkouts_remind_task",
    "schedule": crontab(minute=20),
}
CELERY_BEAT_SCHEDULE["report-exports-expire"] = {
    "task": "portal.reports.tasks.report_exports_expire_task",
    "schedule": crontab(hour=3, minute=15),
}
CELERY_BEAT_SCHEDULE["import-archives-expire"] = {
    "task": "portal.people.tasks.import_archives_expire_task",
    "schedule": crontab(hour=3, minute=25),
}
# daily: records merged into others, once PEOPLE_MERGE_UNDO_DAYS have passed
CELERY_BEAT_SCHEDULE["people-merges-expire"] = {
    "task": "portal.people.tasks.person_merges_expire_task",
    "schedule": crontab(hour=3, minute=30),
}
# Recovery (portal.recovery): queued rows not sent for the grace period are sent
# again, rows a dead worker held are freed after their task's hard limit.
RECOVERY_INTERVAL_SECONDS = env_int("RECOVERY_INTERVAL_SECONDS", 30, minimum=1)
RECOVERY_QUEUED_GRACE_SECONDS = env_int("RECOVERY_QUEUED_GRACE_SECONDS", 30, minimum=1)
CELERY_BEAT_SCHEDULE["recovery-reconcile"] = {
    "task": "portal.recovery.tasks.work_reconcile_task",
    "schedule": float(RECOVERY_INTERVAL_SECONDS),
    # a pass that waited longer than its interval is replaced by the next one
    "options": {"expires": float(RECOVERY_INTERVAL_SECONDS)},
}
# hourly: pictures of kiosk attempts older than KIOSK_SNAPSHOT_RETENTION_DAYS
CELERY_BEAT_SCHEDULE["kiosk-snapshots-expire"] = {
    "task": "portal.kiosks.tasks.kiosk_snapshots_expire",
    "schedule": 3600.0,
}
# hourly: a phone clock-in's location waits on the attempt only until its selfie is decided
CELERY_BEAT_SCHEDULE["phone-places-forget"] = {
    "task": "portal.clockin.tasks.phone_places_forget_task",
    "schedule": 3600.0,
}
# door commands whose task was lost (broker down) are delivered or expired; operator unlocks end
CELERY_BEAT_SCHEDULE["door-commands-sweep"] = {
    "task": "portal.access.tasks.sweep_door_commands",
    "schedule": 2.0,
}
# hourly: visitors' faces erased VISITOR_RETENTION_DAYS after their pass
CELERY_BEAT_SCHEDULE["visitors-erase"] = {
    "task": "portal.access.tasks.erase_visitors",
    "schedule": 3600.0,
}

# hourly: unknown faces last seen more than REVIEW_RETENTION_DAYS ago
CELERY_BEAT_SCHEDULE["review-expire"] = {
    "task": "portal.review.tasks.review_expire_task",
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
# Requests of one client (kiosk, token, user, address) that may wait for a result
# at once; more answer at once and the client polls (portal.core.waits).
WAIT_PER_CLIENT_MAX = env_int("WAIT_PER_CLIENT_MAX", 4, minimum=0)
# Requests that may wait at once in one web server process: keep it below
# gunicorn's --threads, so that pages and /healthz always find a free thread.
WAIT_THREADS_MAX = env_int("WAIT_THREADS_MAX", 12, minimum=0)
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
    # the API's description is for its users (every URL checks the role): a signed-in user or a token
    "SERVE_PERMISSIONS": ["portal.api.permissions.HasARole"],
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

# --- browser security headers ------------------------------------------------

# Sent on every answer by portal.web.middleware. Scripts only from the portal's
# own files (no page has an inline script; keep it so); inline style attributes
# are allowed because face boxes and charts are placed with them. data: and
# blob: images are the kiosk's greeting photo and the webcam's shots.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# the webcam is used by the kiosk, the enrollment page and phone clock-in; the location by
# phone clock-in alone: on this origin only
PERMISSIONS_POLICY = (
    "camera=(self), microphone=(), geolocation=(self), payment=(), usb=(), serial=(), bluetooth=(), "
    "display-capture=(), interest-cohort=()"
)
# pages and answers that show people: never kept in a browser's cache
NO_STORE_PATHS = ("/people/", "/api/", "/recognize/", "/attendance/", "/media/", "/kiosk/", "/admin/")

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
    # values in messages are escaped (portal.core.logs): a line feed in a name cannot forge a line
    "formatters": {
        "plain": {
            "class": "portal.core.logs.SafeFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s: %(message)s",
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
if CELERY_TASK_ALWAYS_EAGER:
    # tasks run in the web process here (and beat's schedule with them, portal.core.periodic): their
    # failures are logged, not every success (the door sweep's, every 2 s, would bury the server's lines)
    LOGGING["loggers"] = {"celery.app.trace": {"level": "WARNING"}}
