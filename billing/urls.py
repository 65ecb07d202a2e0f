from django.urls import path

from billing import views

app_name = "billing"
urlpatterns = [
    path("", views.usage, name="usage"),
    path("export/", views.usage_export, name="export"),
    path("resellers/<int:reseller_id>/", views.usage_reseller, name="reseller"),
    path(
        "resellers/<int:reseller_id>/export/",
        views.usage_reseller_export,
        name="reseller_export",
    ),
    path("unassigned/", views.usage_unassigned, name="unassigned"),
    path("unassigned/export/", views.usage_unassigned_export, name="unassigned_export"),
]
