"""Keyboard use: the skip link comes first and works, and focus is always visible."""

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

import harness

FOCUSED = """
const el = document.activeElement;
const style = getComputedStyle(el);
const rect = el.getBoundingClientRect();
return {
  tag: el.tagName.toLowerCase(), text: (el.textContent || el.value || '').trim().slice(0, 60),
  id: el.id, outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth) || 0,
  boxShadow: style.boxShadow, inViewport: rect.right > 0 && rect.bottom > 0 && rect.left < innerWidth && rect.top < innerHeight,
};
"""


def press(driver, key):
    ActionChains(driver).send_keys(key).perform()
    return driver.execute_script(FOCUSED)


def visibly_focused(focused) -> bool:
    return (focused["outlineStyle"] != "none" and focused["outlineWidth"] > 0) or focused["boxShadow"] not in ("", "none")


def test_focus_is_visible_on_the_login_page(server, new_browser):
    for width in (360, 1280):
        driver = new_browser(width, 800)
        harness.open_page(driver, server.url("acme", "/portal/login"))

        first = press(driver, Keys.TAB)
        assert first["text"] == "Skip to main content", f"first Tab went to {first}"
        assert first["inViewport"], "the skip link stays off screen when focused"
        assert visibly_focused(first), f"no visible focus on the skip link: {first}"

        # Every further stop until the submit button shows where focus is.
        stops = []
        for _ in range(12):
            focused = press(driver, Keys.TAB)
            stops.append(focused)
            assert visibly_focused(focused), f"no visible focus at {width} px on {focused}"
            if focused["tag"] == "button" and focused["text"] == "Sign in":
                break
        else:
            raise AssertionError(f"Tab never reached the Sign in button: {[s['text'] or s['id'] for s in stops]}")
        harness.save_screenshot(driver, f"acme-login-focus-{width}", full_page=False)


def test_skip_link_moves_focus_to_main(server, new_browser):
    driver = new_browser(1280, 800)
    harness.open_page(driver, server.url("acme", "/portal/login"))
    press(driver, Keys.TAB)
    focused = press(driver, Keys.ENTER)
    assert focused["id"] == "main", f"after the skip link, focus is on {focused}"
    after = press(driver, Keys.TAB)
    assert after["id"] == "field-identifier", f"the next Tab after skipping went to {after}"
