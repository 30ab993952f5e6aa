"""The queue filters by risk level and by how an item relates to a known claim (real node, the desk
through its HTTP interface): each filter lists exactly its items, with the other filters and across
pages; the menus say the choice in the desk's words; a value it cannot use is named and left out."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from flows.review.presentation import RISK_LABELS, STANCE_LABELS
from tests.flows.review import seed
from tests.flows.review.test_review_names import _count, _notices
from tests.flows.review.test_review_web import app, browser, clock, login, users  # noqa: F401  (fixtures)
from tinradar.schema import ClaimMatch, ScoredItem, Stance

CLAIM = "helicopter-disinfectant-spraying"


def _with(key: str, risk: float, stance: Stance | None, *, source: str = "fb-page-a", hours: float = 1) -> ScoredItem:
    """One item of ``risk`` that matches ``CLAIM`` with ``stance`` (no claim when None)."""
    it = seed.item(key, risk=risk, source=source, hours=hours)
    matches = [ClaimMatch(claim_id=CLAIM, similarity=0.8, stance=stance)] if stance else []
    return it.model_copy(update={"analysis": it.analysis.model_copy(update={"matched_claims": matches})})


def _items() -> list[ScoredItem]:
    """Levels × stances, on two sources and two days (20 and 21 August, board time)."""
    return [
        _with("h-rep", 0.95, Stance.REPEATS, source="fb-page-a", hours=1),
        _with("h-ref", 0.85, Stance.REFUTES, source="fb-page-b", hours=2),
        _with("h-none", 0.80, None, source="fb-page-a", hours=3),
        _with("m-rep", 0.55, Stance.REPEATS, source="fb-page-b", hours=4),
        _with("m-ref", 0.50, Stance.REFUTES, source="fb-page-a", hours=5),
        _with("m-ask", 0.45, Stance.ASKS, source="fb-page-a", hours=30),  # the next day
        _with("l-rep", 0.10, Stance.REPEATS, source="fb-page-a", hours=6),  # low: never in the queue
        _with("old", 0.90, Stance.REPEATS, source="fb-page-b", hours=7),  # its stance is removed below
    ]


def load_items(es_client, es_settings) -> dict[str, str]:
    """Index ``_items``, then make "old" a match stored before stances were read (as test_item_stance
    does; no painless on the node); returns key → document id."""
    ids = seed.load(es_client, es_settings, _items())
    found = es_client.search(index=f"{es_settings.es_index_prefix}-*", query={"ids": {"values": [ids["old"]]}})
    index = found["hits"]["hits"][0]["_index"]
    source = es_client.get(index=index, id=ids["old"])["_source"]
    for match in source["matched_claims"]:
        match.pop("stance", None)
    es_client.index(index=index, id=ids["old"], document=source, refresh=True)
    return ids


@pytest.fixture
def ids(es_client, es_settings) -> dict[str, str]:
    return load_items(es_client, es_settings)


@pytest.fixture
def lan(app) -> TestClient:  # noqa: F811
    client = browser(app)
    assert login(client, "lan").status_code == 303
    return client


def _rows(page: str) -> list[str]:
    return re.findall(r'<tr data-id="([^"]+)">', page)


def _options(page: str, select_id: str) -> list[tuple[str, str, bool]]:
    """(value, text, selected) of each option of one of the queue's menus, unescaped."""
    block = page[page.index(f'id="{select_id}"') :]
    block = block[: block.index("</select>")]
    return [
        (html.unescape(value), html.unescape(text).strip(), "selected" in attrs)
        for value, attrs, text in re.findall(r'<option value="([^"]*)"([^>]*)>([^<]*)</option>', block)
    ]


def _back(page: str, doc_id: str) -> dict[str, list[str]]:
    """The query of the queue that the link to one item leads back to."""
    link = re.search(rf'<a class="item-link" href="(/item/{doc_id}\?back=[^"]+)"', page)
    assert link, "no link to the item"
    back = parse_qs(urlsplit(html.unescape(link.group(1))).query)["back"][0]
    return parse_qs(urlsplit(back).query)


def _keys(ids: dict[str, str], page: str) -> set[str]:
    by_id = {v: k for k, v in ids.items()}
    return {by_id[i] for i in _rows(page)}


FILTERED = {
    "risk=high": {"h-rep", "h-ref", "h-none", "old"},
    "risk=medium": {"m-rep", "m-ref", "m-ask"},
    "stance=repeats": {"h-rep", "m-rep"},  # not "old": its stance is unknown, and the row says so
    "stance=refutes": {"h-ref", "m-ref"},
    "stance=asks": {"m-ask"},
    "risk=high&stance=repeats": {"h-rep"},
    "risk=medium&stance=refutes": {"m-ref"},
    "risk=high&stance=asks": set(),
    # with the other filters
    "risk=medium&source=fb-page-a": {"m-ref", "m-ask"},
    "stance=refutes&source=fb-page-b": {"h-ref"},
    "risk=medium&day=2021-08-20": {"m-rep", "m-ref"},
    "stance=repeats&day=2021-08-20&source=fb-page-b": {"m-rep"},
    f"stance=repeats&claim={CLAIM}": {"h-rep", "m-rep"},
    "risk=high&status=all&mode=uncertain": {"h-rep", "h-ref", "h-none", "old"},
    # the calendar's ends: the last day has no next day to stop before (it was a 500 page)
    "day=9999-12-31": set(),
    "day=0001-01-01": set(),
}


@pytest.mark.parametrize("query", list(FILTERED))
def test_each_filter_lists_exactly_its_items(query, lan, ids):
    page = lan.get(f"/?{query}")
    assert page.status_code == 200
    assert _notices(page.text) == []
    assert _keys(ids, page.text) == FILTERED[query]
    assert _count(page.text) == len(FILTERED[query])


def test_the_form_shows_the_choice_in_the_desks_words(lan, ids):
    page = lan.get("/?risk=medium&stance=refutes").text
    assert _options(page, "f-risk") == [
        ("", "Tất cả", False),
        ("high", RISK_LABELS["high"], False),
        ("medium", RISK_LABELS["medium"], True),
    ]
    assert _options(page, "f-stance") == [
        ("", "Tất cả", False),
        ("repeats", "Có vẻ nhắc lại tin đồn", False),
        ("refutes", "Có vẻ bác bỏ tin đồn", True),
        ("asks", "Có vẻ hỏi lại tin đồn", False),
    ]
    unfiltered = lan.get("/").text
    assert [o[2] for o in _options(unfiltered, "f-risk") + _options(unfiltered, "f-stance")] == [False] * 7
    # the link to an item brings the reviewer back to the same filtered queue
    assert _back(page, ids["m-ref"]) == {"risk": ["medium"], "stance": ["refutes"], "page": ["1"]}


BAD = {
    "risk=severe": 'Bỏ qua bộ lọc mức rủi ro "severe": không có mức rủi ro này.',
    "risk=low": 'Bỏ qua bộ lọc mức rủi ro "low": hàng đợi chỉ có bài rủi ro trung bình và cao.',
    "risk=Cao": 'Bỏ qua bộ lọc mức rủi ro "Cao": không có mức rủi ro này.',
    "stance=denies": 'Bỏ qua bộ lọc cách bài nói về tin đồn "denies": không có lựa chọn này.',
    "stance=unknown": 'Bỏ qua bộ lọc cách bài nói về tin đồn "unknown": không có lựa chọn này.',
}


@pytest.mark.parametrize("query", list(BAD))
def test_an_unknown_value_is_named_and_the_queue_is_unfiltered(query, lan, ids):
    page = lan.get(f"/?{query}")
    assert page.status_code == 200
    assert _notices(page.text) == [BAD[query]]
    assert _keys(ids, page.text) == {"h-rep", "h-ref", "h-none", "m-rep", "m-ref", "m-ask", "old"}
    old = page.text[page.text.index(f'<tr data-id="{ids["old"]}">') :]
    assert f'title="{STANCE_LABELS["unknown"]}"' in old[: old.index("</tr>")], "why stance=repeats leaves it out"
    # the menu does not pretend the value was chosen, and links drop it
    key = query.split("=")[0]
    assert [o for o in _options(page.text, f"f-{key}") if o[2]] == []
    assert _back(page.text, ids["h-rep"]) == {}


def test_bad_values_are_escaped_and_good_ones_kept(lan, ids):
    attack = '"><script>alert(1)</script>'
    page = lan.get("/", params={"risk": attack, "stance": "<b>x</b>", "source": "fb-page-b"})
    assert page.status_code == 200
    assert "<script>alert(1)" not in page.text and "<b>x</b>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert _notices(page.text) == [
        f'Bỏ qua bộ lọc mức rủi ro "{attack}": không có mức rủi ro này.',
        'Bỏ qua bộ lọc cách bài nói về tin đồn "<b>x</b>": không có lựa chọn này.',
    ]
    assert _keys(ids, page.text) == {"h-ref", "m-rep", "old"}
    # one good, one bad: the good one still filters
    both = lan.get("/?risk=high&stance=maybe").text
    assert _notices(both) == ['Bỏ qua bộ lọc cách bài nói về tin đồn "maybe": không có lựa chọn này.']
    assert _keys(ids, both) == {"h-rep", "h-ref", "h-none", "old"}


def test_pages_keep_the_filters(app, es_client, es_settings):  # noqa: F811
    """27 high repeats among medium questions: 25 a page, the next page's link keeps both filters."""
    items = [_with(f"rep{n:02d}", 0.9, Stance.REPEATS, hours=n / 10) for n in range(27)]
    items += [_with(f"ask{n}", 0.5, Stance.ASKS, hours=n / 10) for n in range(3)]
    items += [_with(f"href{n}", 0.9, Stance.REFUTES, hours=n / 10) for n in range(3)]
    ids = seed.load(es_client, es_settings, items)
    client = browser(app)
    assert login(client, "lan").status_code == 303
    first = client.get("/?risk=high&stance=repeats").text
    assert _count(first) == 27 and len(_rows(first)) == 25
    link = re.search(r'<a href="([^"]+)" rel="next" id="next-page">', first)
    assert link, "no link to the next page"
    query = parse_qs(urlsplit(html.unescape(link.group(1))).query)
    assert query == {"risk": ["high"], "stance": ["repeats"], "page": ["2"]}
    second = client.get(html.unescape(link.group(1))).text
    assert len(_rows(second)) == 2 and 'rel="prev"' in second
    seen = set(_rows(first)) | set(_rows(second))
    assert seen == {ids[f"rep{n:02d}"] for n in range(27)}
