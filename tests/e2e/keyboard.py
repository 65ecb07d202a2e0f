"""Driving a page with the keyboard alone: Tab (or Shift+Tab) to a control, and its focus ring."""

from __future__ import annotations

from playwright.sync_api import Locator, Page

# The focused element, and whether it shows it: the browser's :focus-visible ring (an outline)
# or a box-shadow of the site's own. None when nothing has the focus (the body has it).
_FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow !== 'none';
  return {
    html: el.outerHTML.slice(0, 100),
    ring: el.matches(':focus-visible') && (outline || shadow),
  };
}"""


def focused(page: Page) -> dict[str, object] | None:
    """What has the keyboard's focus: its HTML's start and whether a focus ring shows."""
    found = page.evaluate(_FOCUSED)
    return None if found is None else dict(found)


def assert_focus_visible(page: Page) -> None:
    seen = focused(page)
    assert seen is not None, "nothing has the focus"
    assert seen["ring"], f"the focused control shows no focus ring: {seen['html']}"


def tab_to(page: Page, target: Locator, *, backwards: bool = False, most: int = 80) -> int:
    """Press Tab (Shift+Tab backwards) until `target` has the focus, as a keyboard user would,
    and check that its focus shows. Returns how many presses it took."""
    key = "Shift+Tab" if backwards else "Tab"
    target.wait_for(state="visible")
    for presses in range(most + 1):
        if target.evaluate("el => el === document.activeElement"):
            assert_focus_visible(page)
            return presses
        page.keyboard.press(key)
    raise AssertionError(f"{most} presses of {key} never reached {target}; at {focused(page)}")
