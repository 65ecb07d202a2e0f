from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "People and tenancy"
    default = True

    def ready(self) -> None:
        # Audit receivers for the login signals of Django and django-axes.
        from accounts import audit  # noqa: F401


class PortalAdminConfig(admin_apps.AdminConfig):
    """Django's admin on a site that only superusers may use (see accounts/admin_site.py)."""

    default = False
    default_site = "accounts.admin_site.PortalAdminSite"
