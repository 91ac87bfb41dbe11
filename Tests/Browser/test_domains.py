"""An admin adds a custom domain on a phone-sized screen, reads the DNS records to create,
asks for verification (the real system resolver answers: the name is under .invalid, so it
cannot be verified) and removes the domain again."""

import secrets

from selenium.webdriver.common.by import By

import harness


def test_add_verify_and_remove_a_domain_at_360(server, signed_in):
    driver = signed_in("admin", "zenith")
    harness.set_viewport(driver, 360, 800)
    domain = f"customer-portal-{secrets.token_hex(4)}.zenith-wireless-networks.invalid"

    harness.open_page(driver, server.url("zenith", "/admin/domains"))
    harness.fill(driver, "field-domain", domain.upper())
    harness.submit(driver, "Add domain")
    main = driver.find_element(By.TAG_NAME, "main").text
    assert f"{domain} was added" in main
    assert f"_portico-challenge.{domain}" in main
    assert "portico-verify=" in main
    assert "CNAME" in main
    harness.save_screenshot(driver, "zenith-admin-domains-pending-360")
    # The domain table's cards wrap long names instead of scrolling sideways inside it.
    sideways = driver.execute_script(
        "return Array.from(document.querySelectorAll('main .table-wrap')).map((el) => el.scrollWidth - el.clientWidth)")
    assert sideways and all(extra <= 1 for extra in sideways), f"the domain table scrolls sideways by {sideways} px at 360 px"
    problems = harness.page_problems(driver)
    assert not problems, "\n".join(problems)

    harness.submit(driver, f"Verify {domain} now")
    result = driver.find_element(By.ID, "verification-result").text
    assert f"{domain} is not verified yet" in result or f"{domain} could not be checked" in result, result
    assert "Waiting for DNS verification" in driver.find_element(By.TAG_NAME, "main").text
    problems = harness.page_problems(driver, allow_console=("status of 422", "status of 502"))
    assert not problems, "\n".join(problems)

    driver.find_element(By.XPATH, f"//tr[@id='domain-{domain}']//summary").click()
    harness.submit(driver, f"Remove {domain}")
    assert f"{domain} was removed" in driver.find_element(By.TAG_NAME, "main").text
    assert f"_portico-challenge.{domain}" not in driver.find_element(By.TAG_NAME, "main").text
