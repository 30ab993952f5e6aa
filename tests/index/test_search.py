"""Analyst search on the real node: folded queries, phrases, filters, highlights, stats."""

from __future__ import annotations

from datetime import date

import pytest

from index.indexer import Indexer
from index.search import SearchQuery, parse_text, search, stats, unfold_fragment
from index.templates import alias_name, ensure_templates
from tests.index.items import make_item

SD = ("Sơn Dương", "08", "076")
HN = ("Hà Nội", "01", None)


@pytest.fixture
def corpus(es_client, es_settings):
    ensure_templates(es_client, es_settings)
    items = [
        make_item(
            1,
            "Tiêm vắc xin COVID-19 gây vô sinh ở phụ nữ, chia sẻ ngay!",
            risk=0.92,
            sentiment="neg",
            claims=["vaccine-infertility"],
            places=[HN],
            kind="social",
            source_id="fb-group",
            published_at="2021-08-05T23:30:00+07:00",
        ),
        make_item(
            2,
            "Huyện Sơn Dương tổ chức tiêm vắc xin cho người dân",
            title="Sơn Dương đẩy nhanh tiêm chủng",
            risk=0.1,
            sentiment="pos",
            places=[SD],
            published_at="2021-08-06T01:00:00+07:00",
        ),
        make_item(
            3,
            "Tối nay trực thăng phun thuốc khử trùng, dân đóng cửa không ra đường",
            risk=0.75,
            claims=["helicopter-disinfectant-spraying"],
            places=[SD],
            kind="social",
            source_id="fb-group",
            published_at="2021-08-06T20:00:00+07:00",
        ),
        make_item(4, "vac xin la gi, co an toan khong", risk=0.5, published_at="2021-08-07T09:00:00+07:00"),
        make_item(5, "Giá rau xanh ở chợ Tuyên Quang ổn định", risk=0.05, published_at="2021-09-01T09:00:00+07:00"),
    ]
    Indexer(es_client, es_settings).index(items)
    # A reviewer already handled item 3.
    hit = es_client.search(index=alias_name(es_settings), query={"ids": {"values": ["doc-00000003"]}})["hits"]["hits"][
        0
    ]
    es_client.update(
        index=hit["_index"], id=hit["_id"], doc={"review": {"status": "confirmed_false", "by": "r1"}}, refresh=True
    )
    return es_settings


def ids(result) -> list[str]:
    return sorted(h.id for h in result.hits)


def test_query_window_is_checked():
    with pytest.raises(ValueError, match="result window"):
        SearchQuery(offset=9_990, limit=20)


def test_parse_text():
    assert parse_text('tiem "vo sinh" vac xin') == (["vo sinh"], "tiem vac xin")
    assert parse_text('"unclosed phrase') == ([], "unclosed phrase")


def test_empty_query_matches_everything_newest_first(es_client, corpus):
    result = search(es_client, corpus, SearchQuery())
    assert result.total == 5
    assert [h.id for h in result.hits][:2] == ["doc-00000005", "doc-00000004"]
    assert "text_folded" not in result.hits[0].doc.model_fields_set  # search-only copy not shown


def test_diacritic_insensitive_and_exact_ranks_first(es_client, corpus):
    folded = search(es_client, corpus, SearchQuery(text="tiem vac xin"))
    assert ids(folded) == ["doc-00000001", "doc-00000002"]
    exact = search(es_client, corpus, SearchQuery(text="vắc xin"))
    # Item 4 was typed without diacritics: found too, but below the exact matches.
    assert ids(exact) == ["doc-00000001", "doc-00000002", "doc-00000004"]
    assert exact.hits[-1].id == "doc-00000004"


def test_highlights_show_the_original_words(es_client, corpus):
    result = search(es_client, corpus, SearchQuery(text="son duong"))
    assert ids(result) == ["doc-00000002"]
    hl = result.hits[0].highlights
    assert hl["title"] == ["<em>Sơn</em> <em>Dương</em> đẩy nhanh tiêm chủng"]
    assert "Huyện <em>Sơn</em> <em>Dương</em>" in hl["text"][0]


def test_unfold_fragment_maps_back_or_leaves_alone():
    assert unfold_fragment("tiem <em>vac</em> xin", "Tiêm vắc xin") == "Tiêm <em>vắc</em> xin"
    assert unfold_fragment("<em>xyz</em>", "Tiêm vắc xin") == "<em>xyz</em>"


def test_quoted_phrase(es_client, corpus):
    assert ids(search(es_client, corpus, SearchQuery(text='"vo sinh"'))) == ["doc-00000001"]
    assert ids(search(es_client, corpus, SearchQuery(text='"sinh vô"'))) == []
    assert ids(search(es_client, corpus, SearchQuery(text='"truc thang" khu trung'))) == ["doc-00000003"]


def test_filters(es_client, corpus):
    def q(**kw):
        return ids(search(es_client, corpus, SearchQuery(**kw)))

    assert q(sources=["fb-group"]) == ["doc-00000001", "doc-00000003"]
    assert q(kinds=["news"]) == ["doc-00000002", "doc-00000004", "doc-00000005"]
    assert q(provinces=["08"]) == ["doc-00000002", "doc-00000003"]  # from the places mentioned
    assert q(districts=["076"]) == ["doc-00000002", "doc-00000003"]
    assert q(risk_min="high") == ["doc-00000001", "doc-00000003"]
    assert q(risk_min="medium") == ["doc-00000001", "doc-00000003", "doc-00000004"]
    assert q(risk_min=0.8) == ["doc-00000001"]  # a score, not a level
    assert q(risk_min="0.5") == ["doc-00000001", "doc-00000003", "doc-00000004"]  # as the CLI passes it
    assert q(sentiments=["neg", "pos"]) == ["doc-00000001", "doc-00000002"]
    assert q(claims=["helicopter-disinfectant-spraying"]) == ["doc-00000003"]
    assert q(statuses=["confirmed_false"]) == ["doc-00000003"]
    assert q(statuses=["new"], risk_min="high") == ["doc-00000001"]  # never reviewed counts as new
    # Days are the board's days: 23:30 on 5 Aug in Hanoi is 5 Aug, not 5 Aug UTC's 16:30.
    assert q(since=date(2021, 8, 6), until=date(2021, 8, 6)) == ["doc-00000002", "doc-00000003"]
    assert q(since="2021-08-05", until="2021-08-05") == ["doc-00000001"]
    assert q(text="vac xin", since=date(2021, 8, 6)) == ["doc-00000002", "doc-00000004"]


def test_sort_by_risk_and_paging(es_client, corpus):
    first = search(es_client, corpus, SearchQuery(sort="risk", limit=2))
    assert [h.id for h in first.hits] == ["doc-00000001", "doc-00000003"] and first.total == 5
    second = search(es_client, corpus, SearchQuery(sort="risk", limit=2, offset=2))
    assert [h.id for h in second.hits] == ["doc-00000004", "doc-00000002"]


def test_stats(es_client, corpus):
    s = stats(es_client, corpus, SearchQuery(since="2021-08-01", until="2021-08-31"))
    assert s.total == 4
    assert s.by_day == {"2021-08-05": 1, "2021-08-06": 2, "2021-08-07": 1}
    assert s.by_source == {"fb-group": 2, "baotuyenquang": 2}
    assert s.by_risk_level == {"high": 2, "low": 1, "medium": 1}
    assert s.by_province == {"08": 2, "01": 1}
    assert s.by_claim == {"helicopter-disinfectant-spraying": 1, "vaccine-infertility": 1}
    assert s.by_status == {"new": 3, "confirmed_false": 1}
    assert stats(es_client, corpus, SearchQuery(text="tiem vac xin")).total == 2


def test_search_before_any_index_exists(es_client, es_settings):
    # No template, no index: an empty answer, not an error.
    assert search(es_client, es_settings, SearchQuery(text="x")).total == 0
    assert stats(es_client, es_settings, SearchQuery()).total == 0


def test_captions_searchable_and_precision_filter(es_client, es_settings):
    """Captions are found (with or without diacritics) but are not the text; the date's
    precision filters: a day-only date is not offered to minute-based views."""
    ensure_templates(es_client, es_settings)
    items = [
        make_item(
            11, "Bài viết có chú thích ảnh", captions=["Ông Nguyễn Văn A phát biểu tại hội nghị. Ảnh: THUẬN VĂN"]
        ),
        make_item(12, "Tin chỉ có ngày đăng", published_precision="day", published_at="2021-08-06T00:00:00+07:00"),
        make_item(13, "Tin không có ngày đăng", published_at=None),
    ]
    Indexer(es_client, es_settings).index(items)
    # A line indexed before the field existed: dated, no precision → counts as minute.
    old = es_client.search(index=alias_name(es_settings), query={"ids": {"values": ["doc-00000011"]}})["hits"]["hits"][
        0
    ]
    es_client.update(index=old["_index"], id=old["_id"], doc={"published_precision": None}, refresh=True)

    def q(**kw):
        return ids(search(es_client, es_settings, SearchQuery(**kw)))

    assert q(text="THUẬN VĂN") == ["doc-00000011"] and q(text="thuan van") == ["doc-00000011"]
    assert q(text='"hội nghị"') == ["doc-00000011"]
    assert q(precisions=["minute"]) == ["doc-00000011"]
    assert q(precisions=["day"]) == ["doc-00000012"]
    assert q(precisions=["none"]) == ["doc-00000013"]
    assert q(precisions=["minute", "day"]) == ["doc-00000011", "doc-00000012"]
    hit = search(es_client, es_settings, SearchQuery(text="thuan van")).hits[0]
    assert hit.doc.captions and not hit.doc.captions_folded  # the folded copy is for search only
