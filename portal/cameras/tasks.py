"""Camera work a worker does for the pages: as thin as a view, ids only through the broker.

The reader (PyAV) is imported inside the task, so the web process that
queues it never loads it.
"""

from celery import shared_task


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=60, time_limit=90)
def camera_address_test_task(camera_id):
    from portal.cameras.models import AddressTest, Camera
    from portal.cameras.probe import camera_address_test

    # a test delivered twice reads twice, which harms nothing; a camera deleted meanwhile is not read
    camera = Camera.objects.filter(pk=camera_id, address_test=AddressTest.TESTING).first()
    if camera is not None:
        camera_address_test(camera=camera)
