"""A subscriber submits a work order with a photo on a phone-sized screen and finds it listed."""

import struct
import tempfile
import zlib
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

import harness


def small_png(path: Path) -> bytes:
    """A real 8×8 PNG, so the browser, the type check and an <img> all agree."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + bytes([200, 80, 40] * 8) for _ in range(8))
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    path.write_bytes(png)
    return png


def test_subscriber_submits_a_work_order_with_a_photo(server, new_browser):
    driver = new_browser(360, 800)
    harness.sign_in(driver, server, "acme", "subscriber")
    harness.open_page(driver, server.url("acme", "/portal/work-orders/new"))

    form = driver.find_element(By.ID, "work-order-form")
    assert form.get_attribute("enctype") == "multipart/form-data"
    harness.fill(driver, "field-title", "Photo of the bent mount")
    harness.fill(driver, "field-description", "The mount bent in the wind; photo attached.")
    category = Select(driver.find_element(By.ID, "field-category"))
    if len(category.options) > 1:
        category.select_by_index(1)
    with tempfile.TemporaryDirectory() as folder:
        photo = Path(folder) / "bent-mount.png"
        content = small_png(photo)
        driver.find_element(By.ID, "field-attachments").send_keys(str(photo))
        harness.submit(driver, "Submit")

    path = driver.execute_script("return location.pathname")
    assert path.startswith("/portal/work-orders/"), path
    links = driver.find_elements(By.CSS_SELECTOR, ".attachments a")
    assert [link.text for link in links] == ["bent-mount.png"]
    sideways = harness.overflow(driver)
    assert sideways["scrollWidth"] <= sideways["innerWidth"], sideways
    harness.save_screenshot(driver, "acme-work-order-with-attachment-360")

    # The link downloads exactly what was sent, as an image, with nosniff.
    result = driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch(arguments[0], {credentials: 'same-origin'}).then(async r => done({
            status: r.status, type: r.headers.get('content-type'), nosniff: r.headers.get('x-content-type-options'),
            bytes: Array.from(new Uint8Array(await r.arrayBuffer()))
        })).catch(e => done({error: String(e)}));
    """, links[0].get_attribute("href"))
    assert result.get("status") == 200, result
    assert result["type"] == "image/png"
    assert result["nosniff"] == "nosniff"
    assert bytes(result["bytes"]) == content

    # Stored under the data directory's files/<tenant>/ with a server-made name.
    stored = [p for p in (server.data_dir / "files").rglob("*") if p.is_file()]
    assert any(p.read_bytes() == content for p in stored)
    assert all(p.name != "bent-mount.png" for p in stored)
    assert not harness.page_errors(driver)
