"""An instance whose token the mirror does not have gets a clear message, never a 500."""

import pytest
from django.test import Client

from accounts.models import User
from instances.models import Instance
from tests.support.sandbox import SandboxControl

pytestmark = pytest.mark.usefixtures("greenapi_settings")


@pytest.fixture
def tokenless(instance_a: Instance) -> Instance:
    Instance.objects.filter(pk=instance_a.pk).update(api_token="")
    instance_a.refresh_from_db()
    return instance_a


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("post", "state/refresh/", {}),
        ("get", "settings/", {}),
        ("post", "reboot/", {}),
        ("post", "logout/", {}),
        ("post", "delete/", {"confirm_id": "1101000001"}),
        ("get", "connect/", {}),
    ],
)
def test_actions_on_a_tokenless_instance_explain_instead_of_failing(
    admin: User,
    tokenless: Instance,
    sandbox: SandboxControl,
    method: str,
    path: str,
    data: dict[str, str],
) -> None:
    client = Client()
    client.force_login(admin)

    response = getattr(client, method)(f"/instances/{tokenless.pk}/{path}", data, follow=True)

    assert response.status_code in {200, 409}
    assert "no API token for this instance" in response.content.decode()
    assert not Instance.objects.get(pk=tokenless.pk).deleted
    assert sandbox.calls(tokenless.pk) == {}
