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


PREVIEW_HEADER = "return getComputedStyle(document.querySelector('#brand-preview .site-header')).backgroundColor;"
PAGE_HEADER = "return getComputedStyle(document.querySelector('body > header.site-header')).backgroundColor;"


def test_branding_editor_previews_unsaved_changes(server, signed_in):
    """The preview follows typed colours and texts and the contrast table reacts, while the
    real page (and the saved branding) stay as they are until the admin saves."""
    driver = signed_in("admin", "acme")
    harness.set_viewport(driver, 1280, 900)
    harness.open_page(driver, server.url("acme", "/admin/branding"))
    page_before = driver.execute_script(PAGE_HEADER)
    preview_before = driver.execute_script(PREVIEW_HEADER)

    harness.fill(driver, "field-color_primary", "#aa0000")
    harness.wait_for(driver, lambda d: d.execute_script(PREVIEW_HEADER) == "rgb(170, 0, 0)")
    assert driver.execute_script(PAGE_HEADER) == page_before, "only the preview changes before saving"
    assert preview_before != "rgb(170, 0, 0)"

    harness.fill(driver, "field-company_name", "Preview Networks")
    harness.wait_for(driver, lambda d: d.find_element(By.CSS_SELECTOR, "#brand-preview .brand__name").text == "Preview Networks")

    harness.fill(driver, "field-color_text", "#dddddd")
    harness.wait_for(driver, lambda d: "too faint" in d.find_element(By.ID, "contrast-table").text)
    harness.save_screenshot(driver, "acme-branding-editor-preview")
    assert not harness.page_errors(driver)

    # Nothing was saved: the portal still shows the demo name.
    harness.open_page(driver, server.url("acme", "/"))
    assert "Acme Wireless" in driver.find_element(By.CSS_SELECTOR, "header .brand__name").text
