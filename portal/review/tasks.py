from celery import shared_task


@shared_task
def review_expire_task():
    """Hourly (CELERY_BEAT_SCHEDULE): unknown faces past REVIEW_RETENTION_DAYS are erased."""
    from portal.review.services import review_expire

    return review_expire()
