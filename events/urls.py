from django.urls import path

from events import views

app_name = "events"
urlpatterns = [
    path("", views.endpoint_list, name="list"),
    path("new/", views.endpoint_create, name="create"),
    path("<int:endpoint_id>/", views.endpoint_detail, name="detail"),
    path("<int:endpoint_id>/events/", views.endpoint_kinds, name="kinds"),
    path("<int:endpoint_id>/rotate/", views.endpoint_rotate, name="rotate"),
    path("<int:endpoint_id>/enable/", views.endpoint_enable, name="enable"),
    path("<int:endpoint_id>/disable/", views.endpoint_disable, name="disable"),
    path("<int:endpoint_id>/delete/", views.endpoint_delete, name="delete"),
    path("<int:endpoint_id>/test/", views.endpoint_test, name="test"),
    path("deliveries/<int:delivery_id>/again/", views.delivery_again, name="again"),
]
