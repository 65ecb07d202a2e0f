from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("accounts.urls")),
    path("instances/", include("instances.urls")),
    path("admin/", admin.site.urls),
]

if settings.GREEN_API_SANDBOX:
    urlpatterns.append(path("sandbox/", include("sandbox.urls")))
