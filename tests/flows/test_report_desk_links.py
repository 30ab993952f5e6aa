"""Each flagged item of the daily report links to its page on the review desk when the desk's public
address is configured (``TINRADAR_REVIEW_URL``), collected from a real node; without it, the
report links to the original post only, as before."""

from __future__ import annotations

from datetime import date

from flows.report.data import collect_report
from flows.report.render import render_html, render_markdown
from index.indexer import Indexer
from index.templates import ensure_templates
from tests.index.items import make_item
from tinradar.settings import Settings

DAY = date(2021, 9, 3)


def _flagged_item(es_client, settings: Settings) -> None:
    ensure_templates(es_client, settings)
    item = make_item(1, "Tin khẩn: phong tỏa toàn huyện", risk=0.9, published_at="2021-09-03T10:00:00+07:00")
    assert Indexer(es_client, settings).index([item]).failed == 0


def test_items_link_to_the_review_desk_when_its_address_is_set(es_client, es_settings: Settings) -> None:
    settings = es_settings.model_copy(update={"review_url": "https://duyet.example.vn/ban-duyet/"})
    _flagged_item(es_client, settings)
    data = collect_report(es_client, settings, DAY)
    [item] = data.top_items
    desk = "https://duyet.example.vn/ban-duyet/item/doc-00000001"
    assert item.desk_url == desk
    assert f'<a href="{desk}">Xem trên bàn duyệt</a>' in render_html(data)
    assert f"[Xem trên bàn duyệt]({desk})" in render_markdown(data)
    assert "https://example.vn/tin/1" in render_markdown(data)  # the original post's link stays


def test_no_desk_link_without_its_address(es_client, es_settings: Settings) -> None:
    assert es_settings.review_url is None
    _flagged_item(es_client, es_settings)
    data = collect_report(es_client, es_settings, DAY)
    assert [i.desk_url for i in data.top_items] == [None]
    assert "Xem trên bàn duyệt" not in render_html(data) + render_markdown(data)
