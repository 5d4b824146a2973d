"""Start-up checks: what the portal cannot work without, said before a request fails."""

from pathlib import Path

from django.conf import settings
from django.core import checks

FONT_HINT = (
    "Run `make install` (it installs Debian's fonts-wqy-zenhei), or `apt-get install fonts-wqy-zenhei`, "
    "or set PORTAL_FONT_PATH to a TrueType/OpenType font covering Latin, Cyrillic, Greek and CJK."
)


@checks.register()
def font_present(app_configs=None, **kwargs):
    """Names in every script are drawn with one font; without it pictures and PDFs would show boxes."""
    path = settings.PORTAL_FONT_PATH
    if not path:
        searched = ", ".join(settings.PORTAL_FONT_CANDIDATES)
        return [
            checks.Error(
                f"No font for names in every script was found (looked for {searched}).",
                hint=FONT_HINT,
                id="portal.E001",
            )
        ]
    if not Path(path).is_file():
        return [checks.Error(f"PORTAL_FONT_PATH={path!r} is not a file.", hint=FONT_HINT, id="portal.E002")]
    try:
        from PIL import ImageFont

        ImageFont.truetype(path, 12, index=settings.PORTAL_FONT_INDEX)
    except OSError as exc:
        return [
            checks.Error(
                f"PORTAL_FONT_PATH={path!r} cannot be read as a font ({exc}).", hint=FONT_HINT, id="portal.E003"
            )
        ]
    return []


@checks.register()
def media_bucket_reachable(app_configs=None, **kwargs):
    """With MEDIA_S3_BUCKET every upload and picture goes to the bucket: a wrong name, address or key is
    said once at start-up (manage.py check, migrate, every command), not by each upload failing."""
    if not settings.MEDIA_S3_BUCKET:
        return []
    from botocore.exceptions import BotoCoreError, ClientError
    from django.core.files.storage import default_storage

    try:
        default_storage.connection.meta.client.head_bucket(Bucket=settings.MEDIA_S3_BUCKET)
    except (BotoCoreError, ClientError) as exc:
        return [
            checks.Error(
                f"The media bucket MEDIA_S3_BUCKET={settings.MEDIA_S3_BUCKET!r} cannot be reached ({exc}).",
                hint="Check MEDIA_S3_ENDPOINT_URL, MEDIA_S3_REGION and the keys, and that the bucket exists.",
                id="portal.E004",
            )
        ]
    return []
