"""Create, list or revoke API tokens from the command line (for scripts and first setup)."""

from django.core.management.base import BaseCommand, CommandError

from portal.api.models import ApiToken
from portal.api.services import api_token_create, api_token_revoke


class Command(BaseCommand):
    help = "create NAME --role ROLE (prints the key once) | list | revoke ID"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="make a token and print its key")
        create.add_argument("name")
        create.add_argument("--role", required=True, choices=ApiToken.Role.values)
        sub.add_parser("list", help="every token, without keys")
        revoke = sub.add_parser("revoke", help="stop a token from working")
        revoke.add_argument("id", type=int)

    def handle(self, *args, action, **options):
        if action == "create":
            token, key = api_token_create(name=options["name"], role=options["role"])
            self.stderr.write(f"Token {token.pk} ({token.role}). Keep the key: it is not shown again.")
            self.stdout.write(key)
        elif action == "list":
            for token in ApiToken.objects.all():
                state = "active" if token.active else f"revoked {token.revoked_at:%Y-%m-%d}"
                self.stdout.write(f"{token.pk}\t{token.prefix}…\t{token.role}\t{state}\t{token.name}")
        else:
            token = ApiToken.objects.filter(pk=options["id"]).first()
            if token is None:
                raise CommandError(f"No token {options['id']}.")
            api_token_revoke(token=token)
            self.stdout.write(f"Token {token.pk} revoked.")
