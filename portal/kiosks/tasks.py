from celery import shared_task


@shared_task
def kiosk_snapshots_expire():
    """Daily (CELERY_BEAT_SCHEDULE): pictures of kiosk attempts past the retention period go."""
    from portal.kiosks.services import kiosk_snapshots_expire as expire

    return expire()
