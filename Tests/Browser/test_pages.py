"""Every page in pages.py, at 360 px and 1280 px: no horizontal scrolling, the accessibility
basics, no console errors, no CSP violations; a screenshot of each in artifacts/browser/."""

import pytest
from selenium.webdriver.common.by import By

import harness
from pages import ALL_PAGES, MENU_PAGES, TENANTS, WIDTHS


def _cases():
    for page in ALL_PAGES:
        for tenant in page.tenants:
            for width in (WIDTHS if page.wide else WIDTHS[:1]):
                yield pytest.param(page, tenant, width, id=f"{tenant}-{page.name}-{width}")


@pytest.mark.parametrize("page,tenant,width", list(_cases()))
def test_page(page, tenant, width, server, signed_in):
    driver = signed_in(page.role, tenant)
    harness.set_viewport(driver, width, 800)
    harness.open_page(driver, server.url(tenant, page.path))
    harness.save_screenshot(driver, f"{tenant}-{page.name}-{width}")

    landed = driver.execute_script("return location.pathname")
    if page.lands_on:
        assert landed.startswith(page.lands_on) and landed != page.lands_on, f"{page.path} as {page.role} ended on {landed}"
    else:
        assert landed == page.path, f"{page.path} as {page.role} ended on {landed}"
    problems = harness.page_problems(driver, allow_console=page.allow_console)
    assert not problems, f"{tenant} {page.path} at {width} px:\n  " + "\n  ".join(problems)


# Every link and button of the header menu: inside the viewport, and the element the
# browser finds at its centre (not covered by something else).
MENU_ITEMS = """
return Array.from(document.querySelectorAll('header nav a, header nav button')).map((el) => {
  const r = el.getBoundingClientRect();
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return {label: el.textContent.trim(), left: r.left, right: r.right, top: r.top, bottom: r.bottom,
          reachable: r.width > 0 && r.height > 0 && !!hit && (hit === el || el.contains(hit))};
});
"""


@pytest.mark.parametrize("tenant", TENANTS)
@pytest.mark.parametrize("role", list(MENU_PAGES))
@pytest.mark.parametrize("width", WIDTHS)
def test_menu_fits_the_screen(width, role, tenant, server, signed_in):
    driver = signed_in(role, tenant)
    harness.set_viewport(driver, width, 800)
    harness.open_page(driver, server.url(tenant, MENU_PAGES[role]))
    toggle = driver.find_element(By.CSS_SELECTOR, "header summary.menu__toggle")
    if toggle.is_displayed():
        toggle.click()
        harness.wait_for(driver, lambda d: d.execute_script("return document.querySelector('details.menu').open"))
    harness.save_screenshot(driver, f"{tenant}-{role}-menu-{width}", full_page=False)

    items = driver.execute_script(MENU_ITEMS)
    assert any(item["label"] == "Sign out" for item in items)
    size = driver.execute_script("return [innerWidth, innerHeight]")
    problems = [f"{item['label']!r} at [{item['left']:.0f}..{item['right']:.0f}]" + ("" if item["reachable"] else " (covered or hidden)")
                for item in items
                if item["left"] < 0 or item["right"] > size[0] or not item["reachable"]]
    assert not problems, f"menu items out of reach at {width} px: {', '.join(problems)}"
