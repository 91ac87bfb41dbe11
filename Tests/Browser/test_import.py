"""An admin imports subscribers from a CSV file through the real pages at 360 px: upload,
column mapping, dry run, import. Every step's page is checked like the pages in pages.py
(no horizontal scrolling, accessibility basics, no console errors or CSP violations)."""

import uuid

from selenium.webdriver.common.by import By

import harness


def _check(driver, name: str) -> None:
    harness.save_screenshot(driver, name)
    problems = harness.page_problems(driver)
    assert not problems, f"{name}:\n  " + "\n  ".join(problems)


def test_admin_imports_a_csv_file(server, new_browser, tmp_path):
    driver = new_browser(360, 800)
    harness.sign_in(driver, server, "acme", "admin")
    harness.set_viewport(driver, 360, 800)

    marker = uuid.uuid4().hex[:6]
    # BOM, semicolons, a quoted line break, a duplicate email and a bad email.
    rows = [
        "Account #;Household;E-mail;Phone number;Plan;MAC",
        f"BT-{marker}-1;Browser Farm;farm-{marker}@example.net;+1 555 0100;Farm 100;\"00:1A:2B:3C:{marker[:2]}:01\"",
        f"BT-{marker}-2;\"Long\nName Household\";home-{marker}@example.net;;Home 25;",
        f"BT-{marker}-3;Duplicate;FARM-{marker}@example.net;;;",
        f"BT-{marker}-4;Bad Email;not-an-email;;;",
    ]
    path = tmp_path / "subscribers.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(rows).encode() + b"\r\n")

    harness.open_page(driver, server.url("acme", "/admin/import"))
    _check(driver, "acme-import-flow-upload-360")
    driver.find_element(By.ID, "field-file").send_keys(str(path))
    harness.submit(driver, "Upload and match columns")

    assert driver.find_element(By.TAG_NAME, "h1").text == "Import: match the columns"
    body = driver.find_element(By.TAG_NAME, "main").text
    assert "4 data rows" in body and "semicolons" in body
    _check(driver, "acme-import-flow-mapping-360")
    selected = {el.get_attribute("name"): el.get_attribute("value")
                for el in driver.find_elements(By.CSS_SELECTOR, "main select")}
    assert selected == {"map_0": "account_number", "map_1": "organization_name", "map_2": "email",
                        "map_3": "phone", "map_4": "service_plan", "map_5": "equipment_mac"}

    harness.submit(driver, "Dry run (change nothing)")
    assert driver.find_element(By.TAG_NAME, "h1").text == "Import: dry run"
    _check(driver, "acme-import-flow-dry-run-360")
    totals = {el.get_attribute("data-total"): el.text for el in driver.find_elements(By.CSS_SELECTOR, "[data-total]")}
    assert (totals["created"], totals["duplicates"], totals["errors"]) == ("2", "1", "1"), totals

    harness.submit(driver, "Import the good rows")
    assert driver.find_element(By.TAG_NAME, "h1").text == "Import finished"
    _check(driver, "acme-import-flow-done-360")
    totals = {el.get_attribute("data-total"): el.text for el in driver.find_elements(By.CSS_SELECTOR, "[data-total]")}
    assert totals["created"] == "2" and totals["customers_created"] == "2", totals

    # The new account is there for the staff console.
    harness.open_page(driver, server.url("acme", f"/admin/customers?q=BT-{marker}-1"))
    assert "Browser Farm" in driver.find_element(By.TAG_NAME, "main").text
