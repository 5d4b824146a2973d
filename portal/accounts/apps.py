from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"


    def ready(self):
        from portal.accounts import throttling  # noqa: F401  (counts failed sign-ins)
