"""`manage.py sync_instances` refreshes the mirror and fails loudly when Green API is down."""

import pytest
from django.core.management import CommandError, call_command

from greenapi import CreateInstanceParams
from instances.greenapi_factory import partner_client
from instances.models import Instance
from tests.support.sandbox import SandboxControl

pytestmark = pytest.mark.usefixtures("greenapi_settings")


def test_command_mirrors_new_instances(
    sandbox: SandboxControl, capsys: pytest.CaptureFixture[str]
) -> None:
    created = partner_client().create_instance(CreateInstanceParams(name="From cron"))

    call_command("sync_instances")

    assert "1 new" in capsys.readouterr().out
    assert Instance.objects.get(pk=created.id_instance).name == "From cron"


def test_command_reports_an_unreachable_green_api(sandbox: SandboxControl) -> None:
    sandbox.add_fault("getInstances", "http502")

    with pytest.raises(CommandError, match="Sync failed: "):
        call_command("sync_instances")
