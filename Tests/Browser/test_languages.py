"""Languages: zenith's portal speaks Spanish to a Spanish browser; an admin offers Portuguese
and a subscriber switches to it from the footer (a plain form, no JavaScript needed)."""

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

import harness
from harness import html_lang, switch_language






def test_zenith_in_spanish_then_a_subscriber_switches_to_portuguese(server, new_browser):
    # The admin offers Portuguese too (zenith's demo: Spanish, with English offered).
    admin = new_browser(1280, 900)
    harness.sign_in(admin, server, "zenith", "admin")
    harness.open_page(admin, server.url("zenith", "/admin/settings/languages"))
    checkbox = admin.find_element(By.CSS_SELECTOR, "input[name=offered][value=pt-BR]")
    if not checkbox.is_selected():
        harness.click_like_a_user(admin, checkbox)
    harness.submit(admin, "Save")
    assert "Saved" in admin.find_element(By.CSS_SELECTOR, ".notice").text

    # A Spanish browser gets zenith's portal in Spanish, signed out and signed in.
    driver = new_browser(1280, 900, lang="es-ES")
    harness.open_page(driver, server.url("zenith", "/portal/login"))
    assert html_lang(driver) == "es"
    assert driver.find_element(By.TAG_NAME, "h1").text == "Inicia sesión en Zenith Networks"
    harness.fill(driver, "field-identifier", "lodge@zenith.example")
    harness.fill(driver, "field-password", harness.PASSWORD)
    harness.submit(driver, "Entrar")
    assert driver.execute_script("return location.pathname") == "/portal"
    assert driver.find_element(By.TAG_NAME, "h1").text.startswith("Hola, ")
    harness.save_screenshot(driver, "zenith-dashboard-es-1280")

    # The footer's switcher: Portuguese, stored with the account.
    switch_language(driver, "pt-BR")
    assert driver.execute_script("return location.pathname") == "/portal"
    assert html_lang(driver) == "pt-BR"
    assert driver.find_element(By.TAG_NAME, "h1").text.startswith("Olá, ")
    assert "Solicitações" in driver.find_element(By.CSS_SELECTOR, "header nav").get_attribute("textContent")
    harness.open_page(driver, server.url("zenith", "/portal/work-orders"))
    assert driver.find_element(By.TAG_NAME, "h1").text == "Solicitações"
    assert not harness.page_errors(driver)

    # Stored, not just a cookie: a fresh Spanish browser signing in as the same person sees Portuguese.
    other = new_browser(1280, 900, lang="es-ES")
    harness.open_page(other, server.url("zenith", "/portal/login"))
    harness.fill(other, "field-identifier", "lodge@zenith.example")
    harness.fill(other, "field-password", harness.PASSWORD)
    harness.submit(other, "Entrar")
    assert html_lang(other) == "pt-BR"

    # And back to Spanish from the profile page's own form.
    harness.open_page(driver, server.url("zenith", "/portal/profile"))
    Select(driver.find_element(By.ID, "field-language")).select_by_value("es")
    harness.submit(driver, "Salvar idioma")
    assert driver.execute_script("return location.pathname") == "/portal/profile"
    assert html_lang(driver) == "es"


def test_a_spanish_subscribers_work_order_email_is_spanish_and_opens_a_spanish_page(server, new_browser):
    # zenith's subscriber (Spanish, the tenant's default) submits a work order from the portal.
    driver = new_browser(1280, 900, lang="es-ES")
    harness.open_page(driver, server.url("zenith", "/portal/login"))
    harness.fill(driver, "field-identifier", "lodge@zenith.example")
    harness.fill(driver, "field-password", harness.PASSWORD)
    harness.submit(driver, "Entrar")
    harness.open_page(driver, server.url("zenith", "/portal/work-orders/new"))
    since = server.smtp.count()
    harness.fill(driver, "field-title", "La antena se movió con el viento")
    categories = Select(driver.find_element(By.ID, "field-category"))
    categories.select_by_index(len(categories.options) - 1)
    harness.fill(driver, "field-description", "La antena del tejado apunta ahora al vecino.")
    harness.submit(driver, "Enviar")

    # The confirmation arrives in Spanish: subject, both parts, button and Content-Language.
    mail = harness.wait_for_message(server, "lodge@zenith.example", r"^Hemos recibido tu solicitud #\d+: La antena se movió", since)
    assert str(mail.message["Content-Language"]) == "es"
    assert mail.text.startswith("Hola, "), mail.text
    assert "Nuestro equipo la revisará" in mail.text
    assert '<html lang="es">' in mail.html
    assert mail.button()["text"] == "Ver la solicitud"
    assert "work order" not in mail.text.lower() and "View the work order" not in mail.html

    # Its link opens the work order, in Spanish.
    link = mail.action_link()
    assert link.startswith(server.url("zenith", "/portal/work-orders/")), link
    harness.open_page(driver, link)
    assert html_lang(driver) == "es"
    assert driver.title.startswith("Solicitud #"), driver.title
    assert "La antena se movió con el viento" in driver.find_element(By.TAG_NAME, "main").text
    assert not harness.page_errors(driver)


def test_staff_member_switches_the_console_to_spanish_and_keeps_it_after_signing_in_again(server, new_browser):
    # zenith's technician with an English browser: the console starts in English.
    driver = new_browser(1280, 900, lang="en-US")
    harness.sign_in(driver, server, "zenith", "technician")
    assert html_lang(driver) == "en"
    assert driver.find_element(By.TAG_NAME, "h1").text == "Command centre"

    # My account → Language: Spanish.
    harness.open_page(driver, server.url("zenith", "/admin/account"))
    Select(driver.find_element(By.ID, "field-language")).select_by_value("es")
    harness.submit(driver, "Save language")
    assert driver.execute_script("return location.pathname") == "/admin/account"
    assert html_lang(driver) == "es"
    assert driver.find_element(By.TAG_NAME, "h1").text == "Mi cuenta"
    assert "Órdenes de trabajo" in driver.find_element(By.CSS_SELECTOR, "header nav").get_attribute("textContent")
    assert not harness.page_errors(driver)

    # Signed out (the header's button, now in Spanish), then in again from a fresh English
    # browser: the choice was stored with the account, not only in this browser.
    sign_out = driver.find_element(By.XPATH, "//header//nav//button[normalize-space()='Cerrar sesión']")
    old = driver.find_element(By.TAG_NAME, "html")
    harness.click_like_a_user(driver, sign_out)
    harness.wait_for(driver, harness.left_the_page(old))
    assert driver.execute_script("return location.pathname") == "/admin/login"
    other = new_browser(1280, 900, lang="en-US")
    harness.sign_in(other, server, "zenith", "technician")
    assert html_lang(other) == "es"
    assert other.find_element(By.TAG_NAME, "h1").text == "Centro de control"
    harness.open_page(other, server.url("zenith", "/admin/work-orders"))
    assert other.find_element(By.TAG_NAME, "h1").text == "Órdenes de trabajo"
    harness.save_screenshot(other, "zenith-console-es-1280")
    assert not harness.page_errors(other)


def test_staff_give_a_spanish_and_an_english_answer_and_an_english_subscriber_reads_the_english_one(server, new_browser):
    # zenith's admin adds a question in Spanish (the default) with its English version beside it.
    admin = new_browser(1280, 900, lang="en-US")
    harness.sign_in(admin, server, "zenith", "admin")
    harness.open_page(admin, server.url("zenith", "/admin/settings/faq"))
    assert admin.find_element(By.CSS_SELECTOR, "label[for='field-answer_en']").text == "Answer — English"
    harness.fill(admin, "field-question", "¿Puedo pausar el servicio en verano?")
    harness.fill(admin, "field-answer", "Sí, hasta tres meses al año sin coste.")
    harness.fill(admin, "field-question_en", "Can I pause my service for the summer?")
    harness.fill(admin, "field-answer_en", "Yes, for up to three months a year at no cost.")
    harness.submit(admin, "Add question")
    assert "Question added." in admin.find_element(By.CSS_SELECTOR, ".notice").text

    # A subscriber whose browser asks for English reads the English question and answer.
    english = new_browser(1280, 900, lang="en-US")
    harness.open_page(english, server.url("zenith", "/portal/login"))
    harness.fill(english, "field-identifier", "ravi@zenith.example")
    harness.fill(english, "field-password", harness.PASSWORD)
    harness.submit(english, "Sign in")
    harness.open_page(english, server.url("zenith", "/portal/support"))
    # Answers sit in closed <details>: read the text the page holds, shown or not.
    main = english.find_element(By.TAG_NAME, "main").get_attribute("textContent")
    assert "Can I pause my service for the summer?" in main
    assert "Yes, for up to three months a year at no cost." in main
    assert "pausar" not in main
    assert not harness.page_errors(english)

    # A Spanish one reads the Spanish.
    spanish = new_browser(1280, 900, lang="es-ES")
    harness.open_page(spanish, server.url("zenith", "/portal/login"))
    harness.fill(spanish, "field-identifier", "sofia@zenith.example")
    harness.fill(spanish, "field-password", harness.PASSWORD)
    harness.submit(spanish, "Entrar")
    harness.open_page(spanish, server.url("zenith", "/portal/support"))
    assert "¿Puedo pausar el servicio en verano?" in spanish.find_element(By.TAG_NAME, "main").text
