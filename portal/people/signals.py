"""A change to who is recognizable is logged for every worker's gallery.

Signals rather than service calls because the Django admin edits people
directly; the log entry is written inside the same transaction as the
change. Only `active` decides whether a person's templates are searched: a
new name or department changes nothing in any gallery (a new person has no
templates yet, and each accepted photo logs itself).
"""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from portal.people.models import Person


@receiver(pre_save, sender=Person)
def person_saving(sender, instance, update_fields=None, **kwargs):
    if instance.pk is None or (update_fields is not None and "active" not in update_fields):
        instance._active_before = None
        return
    instance._active_before = Person.objects.filter(pk=instance.pk).values_list("active", flat=True).first()


@receiver(post_save, sender=Person)
def person_saved(sender, instance, created=False, **kwargs):
    before = getattr(instance, "_active_before", None)
    if created or before is None or before == instance.active:
        return
    from recognition.models import GalleryVersion

    GalleryVersion.bump(people=[instance.pk])


@receiver(post_delete, sender=Person)
def person_deleted(sender, instance, **kwargs):
    from recognition.models import GalleryVersion

    GalleryVersion.bump(people=[instance.pk])
