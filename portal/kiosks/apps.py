from django.apps import AppConfig


class KiosksConfig(AppConfig):
    name = "portal.kiosks"
    label = "kiosks"
    verbose_name = "Kiosks"
