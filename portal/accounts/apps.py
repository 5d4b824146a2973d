from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "accounts"
    verbose_name = gettext_lazy("Accounts and roles")

    def ready(self):
        from portal.accounts import (
            language,  # noqa: F401  (connects the sign-in signal)
            throttling,  # noqa: F401  (counts failed sign-ins)
        )
