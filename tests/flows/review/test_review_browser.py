"""The review desk in a real headless Chromium (Debian's chromium + chromedriver, Selenium).

The app runs under uvicorn on 127.0.0.1 (free port, in a thread) against the real test
node. Screenshots of the queue and an item page go to ``$TINRADAR_SCREENSHOT_DIR`` when
it is set (for people to look at), else to the test's temporary directory.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from flows.report.render import CHROMIUM_QUIET_FLAGS
from flows.review.app import create_app
from flows.review.users import Role, UserStore, users_file
from index import review as store
from tests.flows.review import seed
from tests.flows.review.live import serve_in_thread
from tinradar.schema import ReviewStatus

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists() or not CHROMEDRIVER.exists(),
        reason="Debian chromium/chromium-driver not installed (apt-get install -y chromium chromium-driver)",
    ),
]

#: Cheap argon2 parameters keep logins fast here; test_review_users checks the real ones.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
PASSWORDS = {"lan": "mat-khau-lan-1", "minh": "mat-khau-minh-2"}


@pytest.fixture
def loaded(es_client, es_settings) -> dict[str, str]:
    return seed.load(es_client, es_settings, seed.standard_items())


@pytest.fixture
def live_url(es_settings, es_client, loaded) -> Iterator[str]:
    """The review desk served by uvicorn in a thread."""
    users = UserStore(users_file(es_settings), FAST_HASHER)
    for name, password in PASSWORDS.items():
        users.add(name, password, Role.REVIEWER)
    app = create_app(es_settings, client=es_client, users=users)
    with serve_in_thread(app) as url:
        yield url


@pytest.fixture
def new_browser(tmp_path) -> Iterator[Callable[[], object]]:
    """Factory of headless Chromium sessions, each with a fresh profile; all quit afterwards."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    drivers = []

    def make() -> object:
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        profile = tmp_path / f"profile-{len(drivers)}"
        for flag in (
            "--headless=new",
            *CHROMIUM_QUIET_FLAGS,
            "--disable-sync",
            "--window-size=1366,1000",
            "--lang=vi",
            f"--user-data-dir={profile}",
        ):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
        driver.set_page_load_timeout(30)
        drivers.append(driver)
        return driver

    yield make
    for driver in drivers:
        driver.quit()


@pytest.fixture
def shots(tmp_path) -> Path:
    target = Path(os.environ.get("TINRADAR_SCREENSHOT_DIR") or tmp_path / "shots")
    target.mkdir(parents=True, exist_ok=True)
    return target


def _login(driver, base: str, name: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(base + "/")
    assert "/login" in driver.current_url  # every page needs a login
    driver.find_element(By.ID, "username").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(PASSWORDS[name])
    _click_and_load(driver, driver.find_element(By.ID, "login-submit"), "queue-count")


def _wait_for(driver, element_id: str):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, 15).until(ec.presence_of_element_located((By.ID, element_id)))


def _click_and_load(driver, element, element_id: str):
    """Click something that loads a new page, then wait for ``element_id`` on *that* page.

    Waiting for the id alone races: when the old page has the same id (the queue after
    "apply filters"), it is found at once and the rows read next go stale mid-read.
    The old page is marked with a window property that a new document does not have.
    Selenium's ``staleness_of`` is not used: while Chrome swaps documents, asking an old
    element anything may fail with "Node with given id does not belong to the document"
    (an inspector error, not a stale-element error), which ``staleness_of`` lets through.
    """
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    driver.execute_script("window.__tinradarOldPage = true;")
    element.click()

    def _new_page(drv) -> bool:
        try:
            return drv.execute_script("return document.readyState === 'complete' && window.__tinradarOldPage !== true;")
        except WebDriverException:  # the page is being swapped: ask again
            return False

    WebDriverWait(driver, 15).until(_new_page)
    return _wait_for(driver, element_id)


def _row_ids(driver) -> list[str]:
    from selenium.webdriver.common.by import By

    return [row.get_attribute("data-id") for row in driver.find_elements(By.CSS_SELECTOR, "#queue tbody tr")]


def _full_screenshot(driver, path: Path) -> None:
    """Whole page, not just the viewport: grow the window to the document's height first."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1366, max(800, min(int(height) + 40, 4000)))
    driver.save_screenshot(str(path))
    driver.set_window_size(1366, 1000)


def test_login_filter_open_decide_and_leave_queue(live_url, new_browser, loaded, es_client, es_settings, shots):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    driver = new_browser()
    _login(driver, live_url, "lan")
    assert _row_ids(driver)[0] == loaded["hi1"]  # riskiest first
    _full_screenshot(driver, shots / "queue.png")

    Select(driver.find_element(By.ID, "f-source")).select_by_value("fb-page-a")
    _click_and_load(driver, driver.find_element(By.ID, "apply-filters"), "queue")
    assert _row_ids(driver) == [loaded["hi1"], loaded["mid2"]]
    assert "source=fb-page-a" in driver.current_url

    _click_and_load(
        driver, driver.find_element(By.CSS_SELECTOR, f'tr[data-id="{loaded["hi1"]}"] a.item-link'), "decide-form"
    )
    assert driver.find_element(By.ID, "item-title").text == "Trực thăng phun thuốc khử trùng tối nay"
    page = driver.find_element(By.TAG_NAME, "body").text
    assert "Kêu gọi chia sẻ gấp" in page  # cues
    assert "11:00 20/08/2021" in page  # published 04:00 UTC, shown in Asia/Ho_Chi_Minh
    assert "Sơn Dương" in page  # places
    assert "Bài khác trong cùng cụm (2)" in page
    _full_screenshot(driver, shots / "item.png")

    driver.find_element(By.CSS_SELECTOR, "label.v-confirmed_false").click()
    driver.find_element(By.ID, "note").send_keys("Đã xác minh: không có kế hoạch phun thuốc.")
    _click_and_load(driver, driver.find_element(By.ID, "decide-submit"), "queue-count")
    assert "source=fb-page-a" in driver.current_url  # back to the filtered queue
    assert "Đã lưu" in driver.find_element(By.CLASS_NAME, "flash").text
    assert _row_ids(driver) == [loaded["mid2"]]  # the decided item left the queue
    item = store.get_item(es_client, es_settings, loaded["hi1"])
    assert (item.review.status, item.review.by) == (ReviewStatus.CONFIRMED_FALSE, "lan")


def test_two_reviewers_same_item(live_url, new_browser, loaded, es_client, es_settings, shots):
    from selenium.webdriver.common.by import By

    first, second = new_browser(), new_browser()
    _login(first, live_url, "lan")
    _login(second, live_url, "minh")
    for driver in (first, second):
        driver.get(f"{live_url}/item/{loaded['hi2']}")
        _wait_for(driver, "decide-form")
    first.find_element(By.CSS_SELECTOR, "label.v-misleading").click()
    _click_and_load(first, first.find_element(By.ID, "decide-submit"), "queue-count")
    second.find_element(By.CSS_SELECTOR, "label.v-accurate").click()
    message = _click_and_load(second, second.find_element(By.ID, "decide-submit"), "conflict").text
    _full_screenshot(second, shots / "conflict.png")
    assert "vừa được người khác quyết định" in message
    assert "lan" in message and "Gây hiểu lầm" in message and "chưa được lưu" in message
    assert second.find_element(By.ID, "current-status").text == "Gây hiểu lầm"
    item = store.get_item(es_client, es_settings, loaded["hi2"])
    assert (item.review.status, item.review.by) == (ReviewStatus.MISLEADING, "lan")


def test_markup_in_crawled_text_is_shown_and_never_run(live_url, new_browser, loaded, shots):
    from selenium.webdriver.common.by import By

    driver = new_browser()
    _login(driver, live_url, "lan")
    queue_cell = driver.find_element(By.CSS_SELECTOR, f'tr[data-id="{loaded["xss"]}"] a.item-link').text
    assert "<script>document.title='PWNED'</script>" in queue_cell
    driver.get(f"{live_url}/item/{loaded['xss']}")
    body = _wait_for(driver, "item-text")
    time.sleep(0.3)  # give an onerror handler the chance to fire, were there one
    assert "<script>window.__pwned = 1;" in body.text
    assert "<img src=x onerror=" in body.text
    assert driver.find_element(By.ID, "item-title").text.startswith("<b>Tin nóng</b> <script>")
    assert driver.find_elements(By.CSS_SELECTOR, "#item-text img, #item-text script, #item-title b") == []
    assert driver.execute_script("return window.__pwned === undefined")
    assert "PWNED" not in driver.title
    _full_screenshot(driver, shots / "xss-item.png")
