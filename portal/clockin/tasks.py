from celery import shared_task


@shared_task
def phone_places_forget_task():
    """Hourly (CELERY_BEAT_SCHEDULE): locations of phone clock-ins live only on their events."""
    from portal.clockin.services import phone_places_forget

    return phone_places_forget()
