"""The API token pages (api/views.py): each user's own under account/, every one for admins."""

from django.urls import path

from api import views

app_name = "api_tokens"
urlpatterns = [
    path("account/api-tokens/", views.token_list, name="list"),
    path("account/api-tokens/new/", views.token_create, name="create"),
    path("account/api-tokens/<int:token_id>/revoke/", views.token_revoke, name="revoke"),
    path("api-tokens/", views.token_all, name="all"),
    path("api-tokens/<int:token_id>/revoke/", views.token_all_revoke, name="all_revoke"),
]
