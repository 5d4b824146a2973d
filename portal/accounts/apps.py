from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"


    def ready(self):
        from portal.accounts import (
            language,  # noqa: F401  (connects the sign-in signal)
            throttling,  # noqa: F401  (counts failed sign-ins)
        )
