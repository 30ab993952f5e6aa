"""A reviewer writes down a new rumor and an admin approves it, in a real headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from flows.review.app import create_app
from flows.review.users import Role, UserStore, users_file
from index.claims import ClaimStatus, get_claim
from tests.flows.review import seed
from tests.flows.review.live import serve_in_thread
from tests.flows.review.test_review_browser import (  # noqa: F401  (fixtures and helpers)
    FAST_HASHER,
    PASSWORDS,
    _click_and_load,
    _full_screenshot,
    _login,
    _wait_for,
    new_browser,
    pytestmark,
    shots,
)

GUAVA = "Uống nước lá ổi đun sôi ba lần một ngày chữa khỏi COVID-19. Chia sẻ gấp cho người thân!"


@pytest.fixture
def desk(es_settings, es_client) -> Iterator[tuple[str, dict[str, str]]]:
    ids = seed.load(
        es_client,
        es_settings,
        [
            seed.item("oi1", risk=0.8, text=GUAVA, cluster="c-oi", hours=1),
            seed.item("oi2", risk=0.7, text=GUAVA + " !!", cluster="c-oi", hours=2),
            seed.item("known", risk=0.9, text="Tỏi sống chữa khỏi COVID", claim="cure-garlic-saltwater", cluster="c-t"),
        ],
    )
    users = UserStore(users_file(es_settings), FAST_HASHER)
    users.add("lan", PASSWORDS["lan"], Role.REVIEWER)
    users.add("minh", PASSWORDS["minh"], Role.ADMIN)
    with serve_in_thread(create_app(es_settings, client=es_client, users=users)) as url:
        yield url, ids


def test_reviewer_proposes_and_admin_approves_in_the_browser(desk, new_browser, shots, es_client, es_settings) -> None:  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    base, ids = desk
    lan = new_browser()
    _login(lan, base, "lan")
    lan.find_element(By.ID, "f-unlisted").click()
    _click_and_load(lan, lan.find_element(By.ID, "apply-filters"), "queue-count")
    rows = [r.get_attribute("data-id") for r in lan.find_elements(By.CSS_SELECTOR, "#queue tbody tr")]
    assert set(rows) == {ids["oi1"], ids["oi2"]}

    lan.get(f"{base}/item/{ids['oi1']}")
    _wait_for(lan, "propose-form")
    assert lan.find_element(By.ID, "propose-claim").get_attribute("value").startswith("Uống nước lá ổi đun sôi")
    lan.find_element(By.ID, "propose-id").clear()
    lan.find_element(By.ID, "propose-id").send_keys("guava-leaf-water-cure")
    Select(lan.find_element(By.ID, "propose-category")).select_by_value("cure")
    lan.find_element(By.ID, "propose-correction").send_keys("Nước lá ổi không chữa được COVID-19.")
    _full_screenshot(lan, shots / "propose-claim.png")
    _click_and_load(lan, lan.find_element(By.ID, "propose-submit"), "proposal-guava-leaf-water-cure")
    assert "Đã gửi đề xuất" in lan.page_source

    minh = new_browser()
    _login(minh, base, "minh")
    minh.get(base + "/claims")
    _click_and_load(minh, _wait_for(minh, "approve-guava-leaf-water-cure"), "claim-guava-leaf-water-cure")
    assert "Đã duyệt" in minh.page_source
    _full_screenshot(minh, shots / "claims-registry.png")
    record = get_claim(es_client, es_settings, "guava-leaf-water-cure")
    assert record is not None and record.status == ClaimStatus.ACTIVE and record.created_by == "lan"
