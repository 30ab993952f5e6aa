"""A reviewer ticks the claims an item repeats in a real headless Chromium, and the reading is stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.claims import shipped_claims
from index import review as store
from index.claims import seed as seed_registry
from tests.flows.review.test_review_browser import (  # noqa: F401 (fixtures)
    _click_and_load,
    _full_screenshot,
    _login,
    live_url,
    loaded,
    new_browser,
    pytestmark,
    shots,
)

HELI = "helicopter-disinfectant-spraying"
LOCKDOWN = "son-duong-total-lockdown-hoax"


@pytest.fixture
def registry(es_client, es_settings) -> None:
    seed_registry(es_client, es_settings, shipped_claims(es_settings))


def test_tick_claims_and_save(registry, live_url, new_browser, loaded, es_client, es_settings, shots: Path):  # noqa: F811
    from selenium.webdriver.common.by import By

    driver = new_browser()
    _login(driver, live_url, "lan")
    driver.get(f"{live_url}/item/{loaded['hi1']}")
    form = driver.find_element(By.ID, "claims-form")
    boxes = form.find_elements(By.CSS_SELECTOR, "input[type=checkbox]")
    assert len(boxes) > 40 and not any(b.is_selected() for b in boxes), "nothing ticked when the page opens"
    _full_screenshot(driver, shots / "item-claims.png")
    # the label is the click target, as a reviewer uses it
    for claim_id in (HELI, LOCKDOWN):
        box = driver.find_element(By.ID, f"reading-{claim_id}")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", box)
        box.find_element(By.XPATH, "..").click()
        assert box.is_selected()
    _click_and_load(driver, driver.find_element(By.ID, "claims-submit"), "recorded-claims")
    assert "Đã lưu tin đồn lặp lại" in driver.find_element(By.CLASS_NAME, "flash").text
    recorded = driver.find_element(By.ID, "recorded-claims").text
    assert f"({HELI})" in recorded and f"({LOCKDOWN})" in recorded and "— lan" in recorded
    _full_screenshot(driver, shots / "item-claims-recorded.png")
    reading = store.get_item(es_client, es_settings, loaded["hi1"]).review.claims
    assert reading is not None and reading.ids == [HELI, LOCKDOWN]
