"""axe-core on every page: no accessibility violation of serious or critical impact.

And, since axe judges the contrast of text only, every field's border at 3:1 or more against
what is behind it (WCAG 1.4.11).

Each page of the access matrix, for each role that may open it, at 390 x 844 and 1366 x 900.
axe-core comes from the npm registry (package.json, installed by `make install` with npm ci);
without it this test is skipped, unless E2E_REQUIRED=1 (CI), where it fails.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page

from tests.e2e.pages import ROLES, Visit, walk
from tests.support.personas import World

# Skipped without Chromium, or failed under E2E_REQUIRED=1: see tests/e2e/conftest.py.
pytestmark = [pytest.mark.e2e, pytest.mark.slow]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")

# Violations only, each with its nodes' selectors; rules tagged experimental stay off.
_RUN_AXE = """async () => {
  const result = await axe.run(document, { resultTypes: ['violations'] });
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    targets: v.nodes.map((node) => node.target.join(' ')),
  }));
}"""


# Each visible text field's or list's border against what is behind it, below 3:1.
_FIELD_BORDERS = """() => {
  const rgb = (color) => color.match(/[\\d.]+/g).map(Number);
  const luminance = ([r, g, b]) => {
    const lin = (c) => (c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  };
  const behind = (el) => {
    for (let node = el.parentElement; node; node = node.parentElement) {
      const color = rgb(getComputedStyle(node).backgroundColor);
      if (color.length < 4 || color[3] > 0) return color;
    }
    return [255, 255, 255];
  };
  const fields = 'select, textarea, input:not([type=hidden], [type=checkbox], [type=radio], ' +
    '[type=submit], [type=button])';
  return [...document.querySelectorAll(fields)]
    .filter((el) => el.getClientRects().length)
    .map((el) => {
      const style = getComputedStyle(el);
      if (parseFloat(style.borderBottomWidth) === 0) return null;
      const [a, b] = [luminance(rgb(style.borderBottomColor)), luminance(behind(el))];
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      return ratio < 3 ? [ratio, el.outerHTML.slice(0, 80)] : null;
    })
    .filter(Boolean);
}"""


@pytest.fixture(scope="module")
def axe_script() -> str:
    if not AXE.exists():
        message = f"{AXE} is missing: run `make install` (npm ci installs axe-core)"
        if os.environ.get("E2E_REQUIRED") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return str(AXE)


@pytest.mark.parametrize("role", ROLES)
def test_no_page_has_a_serious_accessibility_violation(
    browser: Browser, live_server: Any, world: World, role: str, axe_script: str
) -> None:
    found: list[str] = []

    def check(page: Page, visit: Visit) -> None:
        page.add_script_tag(path=axe_script)
        for violation in page.evaluate(_RUN_AXE):
            if violation["impact"] in BLOCKING:
                found.append(
                    f"{visit.label}: {violation['id']} ({violation['impact']}): "
                    f"{violation['help']}; at {violation['targets'][:5]}"
                )

        # axe checks the contrast of text only; a field's border needs 3:1 too (WCAG 1.4.11).
        found.extend(
            f"{visit.label}: a field's border at {ratio:.2f}:1 against its background: {html}"
            for ratio, html in page.evaluate(_FIELD_BORDERS)
        )

    visited = walk(browser, live_server.url, world, role, check, bypass_csp=True)

    assert len(visited) >= 4, visited
    assert not found, "\n".join(found)
