from django.urls import include, path

from instances.views import (
    actions,
    assign,
    attention,
    bulk,
    create,
    delete,
    detail,
    export,
    listing,
    overview,
    send_check,
    settings,
    sync,
    token,
)

app_name = "instances"

urlpatterns = [
    path("", listing.instance_list, name="list"),
    path("export.csv", export.instance_export, name="export"),
    path("bulk/new/", bulk.bulk_new, name="bulk_new"),
    path("bulk/<int:pk>/", bulk.bulk_detail, name="bulk"),
    path("bulk/<int:pk>/results.csv", bulk.bulk_results, name="bulk_results"),
    path("bulk/<int:pk>/links.csv", bulk.bulk_links, name="bulk_links"),
    path("overview/", overview.overview, name="overview"),
    path("new/", create.create, name="create"),
    path("attention/", attention.attention_list, name="attention"),
    path("attention/handle/", attention.attention_handle, name="attention_handle"),
    # "Sync now" (POST) and the status the list polls until that sync is done.
    path("sync/", sync.sync_now, name="sync"),
    path("sync/status/", sync.sync_status_fragment, name="sync_status"),
    path("assign/", assign.instance_assign, name="assign"),
    path("orders/<int:pk>/", create.order_detail, name="order"),
    path("orders/<int:pk>/check/", create.order_check, name="order_check"),
    path("<int:id_instance>/", detail.instance_detail, name="detail"),
    path("<int:id_instance>/state/refresh/", detail.state_refresh, name="state_refresh"),
    path("<int:id_instance>/settings/", settings.instance_settings, name="settings"),
    path("<int:id_instance>/reboot/", actions.reboot, name="reboot"),
    path("<int:id_instance>/logout/", actions.logout, name="logout"),
    path("<int:id_instance>/token/", token.token_reveal, name="token"),
    path("<int:id_instance>/delete/", delete.instance_delete_view, name="delete"),
    # A test message (POST) and its status, polled while it travels.
    path("<int:id_instance>/test-message/", send_check.send_test_message, name="test_message"),
    path(
        "<int:id_instance>/test-message/status/",
        send_check.sent_test_message_status,
        name="test_message_status",
    ),
    # The onboarding page and customer links: instances/urls_onboarding.py.
    path("", include("instances.urls_onboarding")),
]
