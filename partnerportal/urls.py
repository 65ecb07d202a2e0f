from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("accounts.urls")),
    path("instances/", include("instances.urls")),
    path("usage/", include("billing.urls")),
    path("alerts/", include("alerts.urls")),
    # Customer links: the token in the path is the capability (instances/urls_public.py).
    path("l/", include("instances.urls_public")),
    path("admin/", admin.site.urls),
    # /healthz, /readyz, /metrics and Green API's webhooks: settings.MACHINE_ROUTES.
]

# Our error pages (core/views.py); the 405 page comes from core/middleware.py.
handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"

if settings.GREEN_API_SANDBOX:
    urlpatterns.append(path("sandbox/", include("sandbox.urls")))
