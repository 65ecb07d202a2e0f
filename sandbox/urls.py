"""The emulator's URLs, mounted at /sandbox/ only when GREEN_API_SANDBOX is on."""

from django.urls import path, re_path

from sandbox import control, phone, views_instance, views_partner, views_unknown

urlpatterns = [
    # The wire API, shaped like api.green-api.com (docs/greenapi.md §1).
    path("partner/<str:method>/<str:token>", views_partner.partner_call),
    path("waInstance<str:id_instance>/<str:method>/<str:token>", views_instance.instance_call),
    path(
        "v3/waInstance<str:id_instance>/<str:method>/<str:token>",
        views_instance.instance_call,
        {"v3": True},
    ),
    # The virtual phone and the control API (docs/sandbox.md).
    path("phone/scan", phone.scan),
    path("phone/pair", phone.pair),
    path("control/instances/<str:id_instance>", control.instance_detail),
    path("control/instances/<str:id_instance>/state", control.instance_state),
    path("control/instances/<str:id_instance>/outgoing", control.instance_outgoing),
    path("control/messages/<str:id_message>", control.message_status),
    path("control/faults", control.faults),
    path("control/calls", control.calls),
    path("control/listing", control.listing),
    # Last: any other path, newlines included, gets the plain 404 (sandbox/views_unknown.py).
    re_path(r"^[\s\S]*$", views_unknown.unknown_path),
]
