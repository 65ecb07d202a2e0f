"""A customer link's pages, addressed by the link's token alone: no login, no instance id."""

from django.urls import path

from instances.views import customer_link

app_name = "public"

urlpatterns = [
    path("<str:token>/", customer_link.link_page, name="link"),
    path("<str:token>/status", customer_link.link_status, name="link_status"),
    path("<str:token>/qr.png", customer_link.link_qr, name="link_qr"),
    path("<str:token>/code", customer_link.link_code, name="link_code"),
]
