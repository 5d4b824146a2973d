"""Any change to who is recognizable invalidates every worker's gallery.

Signals rather than service calls because the Django admin edits people
directly; the bump runs inside the same transaction as the change.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from portal.people.models import Person


@receiver(post_save, sender=Person)
@receiver(post_delete, sender=Person)
def person_changed(sender, instance, **kwargs):
    from recognition.models import GalleryVersion

    GalleryVersion.bump()
