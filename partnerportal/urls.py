from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from instances.services.webhooks import WEBHOOK_PATH
from instances.views.webhooks import green_api_webhook

urlpatterns = [
    path("", include("accounts.urls")),
    path("instances/", include("instances.urls")),
    # Customer links: the token in the path is the capability (instances/urls_public.py).
    path("l/", include("instances.urls_public")),
    path("admin/", admin.site.urls),
    # Green API's webhooks, authenticated by each instance's token (instances/services/webhooks.py).
    path(WEBHOOK_PATH, green_api_webhook, name="green_api_webhook"),
]

# Our error pages (core/views.py); the 405 page comes from core/middleware.py.
handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"

if settings.GREEN_API_SANDBOX:
    urlpatterns.append(path("sandbox/", include("sandbox.urls")))
