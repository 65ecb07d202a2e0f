"""Wire paths the emulator does not know get its plain 404 text, never a page echoing the path."""

from typing import Any

import pytest
import requests

from tests.sandbox.conftest import Wire


@pytest.fixture(autouse=True)
def _debug_on(settings: Any) -> None:
    # The emulator only runs with DEBUG on, where Django's own 404 page prints the path.
    settings.DEBUG = True


def test_unknown_wire_paths_answer_plain_not_found(wire: Wire, instance: dict[str, Any]) -> None:
    token = instance["apiTokenInstance"]
    prefix = f"/waInstance{instance['idInstance']}"
    paths = [
        # Green API's JavaScript SDK deletes a notification with the receipt id after the token.
        f"{prefix}/deleteNotification/{token}/5",
        f"{prefix}/getStateInstance/{token}/",
        f"{prefix}/{token}",
        f"/v3{prefix}/qr/{token}/extra",
        f"/partner/getInstances/{wire.partner_token}/more",
        f"/nothing/here/{token}%0A{token}",
        "/",
    ]
    for path in paths:
        for verb in ("GET", "POST", "DELETE"):
            response = requests.request(verb, f"{wire.base_url}{path}", data=b"{}", timeout=10)

            assert (response.status_code, response.text) == (404, "Not found"), (verb, path)
            assert response.headers["Content-Type"].startswith("text/plain"), (verb, path)
            assert token not in response.text
            assert wire.partner_token not in response.text
