"""reboot and logout are GETs that act on the instance, so a failure is never re-sent."""

import pytest

from greenapi import CreateInstanceParams, InstanceClient, Unavailable
from instances.greenapi_factory import client_config, partner_client
from tests.support.sandbox import SandboxControl

pytestmark = pytest.mark.usefixtures("greenapi_settings")


@pytest.mark.parametrize("method", ["reboot", "logout"])
def test_acting_get_is_sent_once_on_a_server_error(
    sandbox: SandboxControl, sandbox_url: str, method: str
) -> None:
    created = partner_client().create_instance(CreateInstanceParams(name="Once"))
    client = InstanceClient(
        base_url=sandbox_url,
        id_instance=created.id_instance,
        api_token=created.api_token,
        type_instance=created.type_instance,
        config=client_config(),
    )
    sandbox.add_fault(method, "http500", times=1)

    with pytest.raises(Unavailable):
        getattr(client, method)()

    assert sandbox.calls(created.id_instance)[method] == 1
