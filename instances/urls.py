from django.urls import path

from instances.views import create, detail, listing

app_name = "instances"

urlpatterns = [
    path("", listing.instance_list, name="list"),
    path("new/", create.create, name="create"),
    path("orders/<int:pk>/", create.order_detail, name="order"),
    path("<int:id_instance>/", detail.instance_detail, name="detail"),
]
