"""API tokens in the admin pages: an admin makes one (its key is shown once) and revokes it."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.accounts.roles import ADMIN, has_role
from portal.api.models import ApiToken
from portal.api.services import api_token_create, api_token_revoke


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "prefix", "active", "created_by", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["role", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "role"]
        return ["name", "role", "prefix", "created_by", "created_at", "last_used_at", "revoked_at"]

    def get_readonly_fields(self, request, obj=None):
        # a token's role is fixed: a new role is a new token
        if obj is None:
            return []
        return ["role", "prefix", "created_by", "created_at", "last_used_at", "revoked_at"]

    @admin.display(boolean=True)
    def active(self, token):
        return token.active

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        token, key = api_token_create(name=obj.name, role=obj.role, created_by=request.user)
        for field in ApiToken._meta.concrete_fields:
            setattr(obj, field.attname, getattr(token, field.attname))
        obj._state.adding = False
        messages.warning(
            request,
            _("The key of “%(name)s” is %(key)s — copy it now: it is not shown again.")
            % {"name": token.name, "key": key},
        )

    # admins only, whatever the model permissions of the "Admin" group say
    def has_module_permission(self, request):
        return has_role(request.user, ADMIN)

    def has_view_permission(self, request, obj=None):
        return has_role(request.user, ADMIN)

    def has_add_permission(self, request):
        return has_role(request.user, ADMIN)

    def has_change_permission(self, request, obj=None):
        return has_role(request.user, ADMIN)

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the row says who had access and when

    @admin.action(description=gettext_lazy("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(token=token)
        self.message_user(request, _("Revoked at %(time)s.") % {"time": f"{timezone.localtime():%H:%M}"})
