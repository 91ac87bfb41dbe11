"""The operator console in French: an operator made on the machine signs in (password, then an
authenticator code computed as an app would), switches the console to French with the footer's
switcher (a plain form), and sees the tenant table and a tenant's page in French; the choice
sticks on the next pages, whatever the browser's own language."""

from __future__ import annotations

import re
import secrets

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

import harness
from harness import heading, html_lang, main_text, path, switch_language

PASSWORD = "lantern quartz meadow 42"










def sign_in_new_operator(driver, server) -> None:
    address = f"operator-fr-{secrets.token_hex(4)}@example.net"
    printed = server.cli("operator", "create", "--email", address)
    links = re.findall(r"https?://\S+/operator/setup/\S+", printed)
    assert links, f"no set-up link in:\n{printed}"
    harness.open_page(driver, links[0])
    harness.fill(driver, "field-password", PASSWORD)
    harness.submit(driver, "Continue")
    assert path(driver) == "/operator/enrol", f"set-up led to {path(driver)} ({heading(driver)!r})"
    key = driver.find_element(By.XPATH, "//main//p[starts-with(normalize-space(), 'Key:')]/code").text
    harness.fill(driver, "field-code", harness.totp(key))
    harness.submit(driver, "Continue")
    harness.open_page(driver, server.url("operator", "/operator"))
    assert path(driver) == "/operator" and heading(driver) == "Tenants"




def test_operator_switches_the_console_to_french(server, new_browser):
    driver = new_browser(1280, 900, lang="en-US")
    sign_in_new_operator(driver, server)
    assert html_lang(driver) == "en"

    # The footer's switcher: French, back on the same page.
    switch_language(driver, "fr")
    assert path(driver) == "/operator"
    assert html_lang(driver) == "fr"
    assert heading(driver) == "Clients"
    text = main_text(driver)
    assert "État de la plateforme" in text
    assert "Intégrer un client" in text

    # A tenant's page, reached from the table: in French too.
    harness.open_page(driver, server.url("operator", "/operator/tenants/acme"))
    assert html_lang(driver) == "fr"
    text = main_text(driver)
    assert "Administrateurs" in text
    assert "Lien de choix du mot de passe pour un administrateur" in text
    assert driver.find_element(By.CSS_SELECTOR, "nav.breadcrumbs a").text == "Clients"
    assert driver.find_element(By.CSS_SELECTOR, "form.form button[type=submit]").text == "Générer un lien de choix du mot de passe"

    # The choice sticks: the next pages are French without switching again.
    harness.open_page(driver, server.url("operator", "/operator/tenants/acme/data"))
    assert html_lang(driver) == "fr"
    assert heading(driver).startswith("Données de ")
    harness.open_page(driver, server.url("operator", "/operator/backups"))
    assert html_lang(driver) == "fr"
    assert heading(driver) == "Sauvegardes"
    harness.open_page(driver, server.url("operator", "/operator/reports"))
    assert html_lang(driver) == "fr"
    assert heading(driver) == "Rapports de la plateforme"
    assert "Télécharger le CSV" in main_text(driver)
    assert not harness.page_errors(driver)
