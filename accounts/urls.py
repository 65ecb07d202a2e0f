from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.generic import RedirectView

from accounts.views import account, audit, auth, brand, language, people

# Not namespaced: Django's auth views and LOGIN_URL refer to these names as they are.
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="instances:overview"), name="home"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("login/verify/", auth.login_verify, name="login_verify"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("account/", account.account, name="account"),
    path("account/time-zone/", account.time_zone, name="account_time_zone"),
    path("account/password/", auth.PasswordChangeView.as_view(), name="password_change"),
    path(
        "account/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("account/2fa/start/", account.totp_setup_start, name="totp_setup_start"),
    path("account/2fa/setup/", account.totp_setup_confirm, name="totp_setup_confirm"),
    path("account/2fa/disable/", account.totp_disable, name="totp_disable"),
    path("password-reset/", auth.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("resellers/", people.reseller_list, name="reseller_list"),
    path("resellers/new/", people.reseller_create, name="reseller_create"),
    path("resellers/<int:reseller_id>/", people.reseller_edit, name="reseller_edit"),
    path(
        "resellers/<int:reseller_id>/deactivate/",
        people.reseller_deactivate,
        name="reseller_deactivate",
    ),
    path("resellers/<int:reseller_id>/brand/", brand.reseller_brand, name="reseller_brand"),
    # Public: customer pages show it. The name is random, set by the portal on each upload.
    path("brand/logo/<str:name>", brand.brand_logo, name="brand_logo"),
    path("users/", people.user_list, name="user_list"),
    path("users/new/", people.user_create, name="user_create"),
    path("users/<int:user_id>/", people.user_edit, name="user_edit"),
    path("users/<int:user_id>/deactivate/", people.user_deactivate, name="user_deactivate"),
    path(
        "users/<int:user_id>/password-link/",
        people.user_password_reset,
        name="user_password_reset",
    ),
    path("audit/", audit.audit_log, name="audit_log"),
    # Public: the customer's page has the switcher too.
    path("language/", language.set_language, name="set_language"),
]
