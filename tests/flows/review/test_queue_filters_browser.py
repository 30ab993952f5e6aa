"""A reviewer filters the queue by risk level and stance with the form's menus, in a real headless
Chromium against the desk under uvicorn (real HTTP) and the real test node."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.flows.review.test_queue_filters import load_items
from tests.flows.review.test_review_browser import (  # noqa: F401 (fixtures)
    _click_and_load,
    _full_screenshot,
    _login,
    _row_ids,
    live_url,
    new_browser,
    pytestmark,
    shots,
)


@pytest.fixture
def loaded(es_client, es_settings) -> dict[str, str]:
    """The levels × stances items of ``test_queue_filters`` (``live_url`` serves the desk over them)."""
    return load_items(es_client, es_settings)


def test_choose_risk_and_stance_in_the_menus(live_url, new_browser, loaded, shots: Path):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    driver = new_browser()
    _login(driver, live_url, "lan")
    Select(driver.find_element(By.ID, "f-risk")).select_by_visible_text("Trung bình")
    Select(driver.find_element(By.ID, "f-stance")).select_by_visible_text("Có vẻ bác bỏ tin đồn")
    _click_and_load(driver, driver.find_element(By.ID, "apply-filters"), "queue")
    query = parse_qs(urlsplit(driver.current_url).query)
    assert query["risk"] == ["medium"] and query["stance"] == ["refutes"]
    assert _row_ids(driver) == [loaded["m-ref"]]
    # the menus show what was chosen, on the page the choice made
    assert Select(driver.find_element(By.ID, "f-risk")).first_selected_option.text == "Trung bình"
    assert Select(driver.find_element(By.ID, "f-stance")).first_selected_option.text == "Có vẻ bác bỏ tin đồn"
    _full_screenshot(driver, shots / "queue-risk-stance.png")

    # high risk that repeats the rumor ("old" is high too, but its match has no stance), then everything
    Select(driver.find_element(By.ID, "f-risk")).select_by_value("high")
    Select(driver.find_element(By.ID, "f-stance")).select_by_value("repeats")
    _click_and_load(driver, driver.find_element(By.ID, "apply-filters"), "queue")
    assert _row_ids(driver) == [loaded["h-rep"]]
    _click_and_load(driver, driver.find_element(By.LINK_TEXT, "Bỏ lọc"), "queue")
    assert len(_row_ids(driver)) == 7
