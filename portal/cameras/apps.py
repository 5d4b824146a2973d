from django.apps import AppConfig
from django.db.models.signals import post_delete
from django.utils.translation import gettext_lazy as _


def _picture_delete(sender, instance, **kwargs):
    from portal.cameras.pictures import camera_picture_delete

    camera_picture_delete(instance.pk)


class CamerasConfig(AppConfig):
    name = "portal.cameras"
    label = "cameras"
    verbose_name = _("Cameras")

    def ready(self):
        from portal.cameras import texts
        from portal.cameras.erasure import camera_pictures_gone
        from portal.core.erasure import erasure_register
        from portal.core.messages import messages_register

        post_delete.connect(_picture_delete, sender=self.get_model("Camera"), dispatch_uid="camera-picture-delete")
        messages_register(texts.ALL)
        erasure_register(pictures_gone=camera_pictures_gone)
