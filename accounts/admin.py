from typing import TYPE_CHECKING

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import AuditEvent, Reseller, User

if TYPE_CHECKING:
    # django-stubs makes the admin classes generic in their model; Django's are not subscriptable.
    _UserAdmin = UserAdmin[User]
    _AuditEventAdmin = admin.ModelAdmin[AuditEvent]
else:
    _UserAdmin = UserAdmin
    _AuditEventAdmin = admin.ModelAdmin


@admin.register(User)
class PortalUserAdmin(_UserAdmin):
    fieldsets = (*(UserAdmin.fieldsets or ()), (_("Portal"), {"fields": ("role", "reseller")}))
    list_display = ("username", "email", "role", "reseller", "is_active", "is_superuser")
    list_filter = ("role", "is_active", "is_superuser", "reseller")


admin.site.register(Reseller)


@admin.register(AuditEvent)
class AuditEventAdmin(_AuditEventAdmin):
    """Read-only: the trail is written by audit_record and never edited."""

    list_display = ("created_at", "actor_username", "action", "result", "target_label", "reseller")
    list_filter = ("action", "result")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
