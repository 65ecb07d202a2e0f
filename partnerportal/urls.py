from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.cache import cache_control
from django.views.i18n import JavaScriptCatalog

from api.router import api

urlpatterns = [
    path("", include("accounts.urls")),
    path("instances/", include("instances.urls")),
    path("usage/", include("billing.urls")),
    path("alerts/", include("alerts.urls")),
    # API tokens: each user's own (account/api-tokens/) and, for admins, everyone's (api/urls.py).
    path("", include("api.urls")),
    path("events/", include("events.urls")),
    # Customer links: the token in the path is the capability (instances/urls_public.py).
    path("l/", include("instances.urls_public")),
    path("admin/", admin.site.urls),
    # The automation API (api/): bearer tokens, JSON, its OpenAPI document at openapi.json.
    path("api/v1/", api.urls),
    # The scripts' strings in the page's language (static/js: gettext()). Its URL names the
    # language (templates/_scripts_i18n.html), so a browser may keep each for a day.
    path(
        "jsi18n/",
        cache_control(max_age=86400)(JavaScriptCatalog.as_view()),
        name="javascript_catalog",
    ),
    # /healthz, /readyz, /metrics and Green API's webhooks: settings.MACHINE_ROUTES.
]

# Our error pages (core/views.py); the 405 page comes from core/middleware.py.
handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"

if settings.GREEN_API_SANDBOX:
    urlpatterns.append(path("sandbox/", include("sandbox.urls")))
