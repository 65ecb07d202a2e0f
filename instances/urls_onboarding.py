"""The onboarding page and customer links of one instance (inside the `instances` namespace)."""

from django.urls import path

from instances.views import links, onboarding

urlpatterns = [
    path("<int:id_instance>/connect/", onboarding.connect, name="connect"),
    path("<int:id_instance>/connect/status/", onboarding.connect_status, name="connect_status"),
    path("<int:id_instance>/connect/qr.png", onboarding.connect_qr, name="connect_qr"),
    path("<int:id_instance>/connect/code/", onboarding.connect_code, name="connect_code"),
    path("<int:id_instance>/connect/logout/", onboarding.connect_logout, name="connect_logout"),
    path("<int:id_instance>/connect/reboot/", onboarding.connect_reboot, name="connect_reboot"),
    path("<int:id_instance>/connect/hosted-qr/", links.hosted_qr, name="hosted_qr"),
    path("<int:id_instance>/links/issue/", links.link_issue, name="link_issue"),
    path("<int:id_instance>/links/revoke/", links.link_revoke, name="link_revoke"),
]
