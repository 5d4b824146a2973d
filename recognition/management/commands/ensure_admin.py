import os
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Create the admin account if no superuser exists yet: ADMIN_USERNAME (default 'admin') and "
        "ADMIN_PASSWORD, or a generated password printed once."
    )

    def handle(self, **options):
        users = get_user_model()
        if users.objects.filter(is_superuser=True).exists():
            return
        username = os.environ.get("ADMIN_USERNAME") or "admin"
        password = os.environ.get("ADMIN_PASSWORD")
        generated = not password
        if generated:
            password = secrets.token_urlsafe(12)
        try:
            validate_password(password, users(username=username))
        except ValidationError as exc:
            raise CommandError("ADMIN_PASSWORD is too weak: " + " ".join(exc.messages)) from None
        users.objects.create_superuser(username=username, email="", password=password)
        if generated:
            self.stdout.write(
                self.style.WARNING(
                    f"Created the admin account '{username}' with password: {password}\n"
                    "It is shown only this once; change it after signing in."
                )
            )
        else:
            self.stdout.write(f"Created the admin account '{username}'.")
