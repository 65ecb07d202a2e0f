from django.urls import path

from instances.views import listing

app_name = "instances"

urlpatterns = [
    path("", listing.instance_list, name="list"),
]
