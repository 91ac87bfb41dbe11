"""Two tenants on one server look different."""

import re

from selenium.webdriver.common.by import By

import harness

HEADER_BACKGROUND = """
const style = getComputedStyle(document.querySelector('header.site-header'));
return {color: style.backgroundColor, image: style.backgroundImage};
"""


def header_colour(driver) -> str:
    """The header's background colour; for a gradient, its first colour."""
    background = driver.execute_script(HEADER_BACKGROUND)
    if background["color"] not in ("transparent", "rgba(0, 0, 0, 0)"):
        return background["color"]
    first = re.search(r"rgba?\([^)]*\)", background["image"] or "")
    assert first, f"the header has no background: {background}"
    return first.group(0)


def test_each_tenant_has_its_own_look(server, signed_in):
    driver = signed_in("anonymous")
    colours = {}
    for tenant, company in harness.COMPANY_NAMES.items():
        harness.set_viewport(driver, 1280, 800)
        harness.open_page(driver, server.url(tenant, "/"))
        harness.save_screenshot(driver, f"{tenant}-branding")
        colours[tenant] = header_colour(driver)
        assert company in driver.find_element(By.CSS_SELECTOR, "header .brand__name").text
        assert company in driver.find_element(By.TAG_NAME, "h1").text
        assert company in driver.title
        assert not harness.page_errors(driver)
    assert colours["acme"] != colours["zenith"], f"both headers are {colours['acme']}"
