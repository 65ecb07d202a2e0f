"""Django's admin, kept for superusers only; everyone else uses the portal's own pages."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from core.navigation import local_path


class PortalAdminSite(admin.AdminSite):
    site_header = "Partner Portal (superusers)"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_superuser)

    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # The admin's own login form would skip two-factor verification: use the portal's.
        if request.user.is_authenticated:
            # Logged in but not a superuser: sending them to log in again would loop.
            raise PermissionDenied
        next_url = local_path(request, request.GET.get("next", ""))
        next_url = next_url or reverse("admin:index", current_app=self.name)
        return redirect_to_login(next_url)
