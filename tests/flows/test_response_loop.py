"""Response times per claim and emerging narratives, on the real node: the figures, the report, the CLI."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.report.data import collect_report
from flows.report.render import chart_uris, render_html, render_markdown
from index.claim_stats import human_delay, timeline
from index.claims import Channel, add_claim, get_claim, record_correction
from index.indexer import Indexer
from index.narratives import emerging
from index.templates import alias_name, ensure_templates
from tests.index.items import make_item
from tinradar.schema import Claim
from tinradar.settings import Settings

VN = "+07:00"
HELI = Claim(
    id="helicopter-spraying-tonight",
    claim="Tối nay trực thăng phun thuốc khử trùng khắp huyện, người dân đóng cửa ở trong nhà.",
    category="policy",
    correction="Không có đợt phun thuốc khử trùng bằng trực thăng nào.",
    debunked_by=["UBND huyện"],
)
SALT = Claim(
    id="salt-water-nose-rinse",
    claim="Rửa mũi bằng nước muối mỗi giờ diệt sạch virus.",
    category="cure",
    correction="Rửa mũi bằng nước muối không phòng được COVID-19.",
    debunked_by=["Bộ Y tế"],
)
DAY5 = date(2021, 8, 9)


def at(day: int, hour: int) -> str:
    return f"2021-08-{4 + day:02d}T{hour:02d}:00:00{VN}"


@pytest.fixture
def story(es_client, es_settings: Settings) -> Settings:
    """Day 1: the helicopter rumor appears (low risk at 09:00, flagged at 15:00); day 2 it spreads and a
    reviewer decides; day 3 the portal answers; it fades. The salt rumor is flagged on day 2, never answered.
    A new narrative (cluster c-new) grows on days 4-5 without a known claim. Two items only refute the
    helicopter rumor (a health station's warning the day before it appears, the portal's answer on day 3):
    they are answers, not posts of the rumor, so no figure below counts them."""
    ensure_templates(es_client, es_settings)
    items = [
        make_item(1, "trực thăng phun thuốc tối nay", risk=0.2, claims=[HELI.id], kind="social", published_at=at(1, 9)),
        make_item(
            2, "Tối nay trực thăng phun thuốc!", risk=0.6, claims=[HELI.id], kind="social", published_at=at(1, 15)
        ),
        make_item(
            3, "Chia sẻ: trực thăng phun thuốc", risk=0.8, claims=[HELI.id], kind="social", published_at=at(2, 8)
        ),
        make_item(
            4, "Đóng cửa, trực thăng phun thuốc", risk=0.8, claims=[HELI.id], kind="social", published_at=at(2, 9)
        ),
        make_item(
            5, "trực thăng phun thuốc thật không", risk=0.5, claims=[HELI.id], kind="social", published_at=at(4, 9)
        ),
        make_item(
            30, "Không có trực thăng phun thuốc nào", risk=0.5, refutes=[HELI.id], kind="news", published_at=at(0, 8)
        ),
        make_item(
            31, "Bác bỏ tin trực thăng phun thuốc", risk=0.5, refutes=[HELI.id], kind="news", published_at=at(3, 8)
        ),
        make_item(6, "Rửa mũi nước muối mỗi giờ", risk=0.7, claims=[SALT.id], kind="social", published_at=at(2, 10)),
        # an emerging narrative: 3 risky posts in one cluster, no claim; it grows on day 5
        make_item(7, "Uống nước lá ổi chữa khỏi", risk=0.6, cluster_id="c-new", kind="social", published_at=at(4, 9)),
        make_item(8, "Uống nước lá ổi chữa khỏi!", risk=0.8, cluster_id="c-new", kind="social", published_at=at(5, 9)),
        make_item(
            9, "Uống nước lá ổi chữa khỏi!!", risk=0.8, cluster_id="c-new", kind="social", published_at=at(5, 10)
        ),
        # a cluster one of whose posts matched a claim is known, and low-risk reposts are no narrative
        make_item(10, "nước muối mỗi giờ", risk=0.6, cluster_id="c-known", kind="social", published_at=at(5, 9)),
        make_item(11, "nước muối mỗi giờ!", risk=0.6, cluster_id="c-known", kind="social", published_at=at(5, 9)),
        make_item(12, "nước muối!", risk=0.6, cluster_id="c-known", claims=[SALT.id], published_at=at(5, 9)),
        *(make_item(20 + i, "Lịch tiêm chủng", risk=0.1, cluster_id="c-low", published_at=at(5, 9)) for i in range(3)),
    ]
    Indexer(es_client, es_settings).index(items)
    verdict_at = datetime(2021, 8, 6, 11, 0, tzinfo=UTC)  # day 2, 18:00 in Vietnam
    es_client.update(
        index=alias_name(es_settings) + "-2021.08",
        id="doc-00000003",
        doc={"review": {"status": "confirmed_false", "by": "r1", "at": verdict_at.isoformat()}},
        refresh=True,
    )
    add_claim(es_client, es_settings, HELI, by="cli:admin")
    add_claim(es_client, es_settings, SALT, by="cli:admin")
    record_correction(
        es_client,
        es_settings,
        HELI.id,
        url="https://sonduong.example/bac-bo",
        channel=Channel.PORTAL,
        published_at=datetime.fromisoformat(at(3, 8)),
        by="admin",
    )
    return es_settings


def test_response_times_of_one_claim(es_client, story: Settings) -> None:
    record = get_claim(es_client, story, HELI.id)
    assert record is not None
    t = timeline(es_client, story, record)
    assert (t.posts, t.flagged_posts) == (5, 4)
    assert t.first_seen == datetime.fromisoformat(at(1, 9))
    assert t.time_to_flag == timedelta(hours=6)
    assert t.time_to_verdict == timedelta(days=1, hours=9)
    assert t.time_to_answer == timedelta(days=1, hours=23)
    before, after = t.around_correction(story.tz)
    assert [d.posts for d in before] == [0, 0, 0, 0, 0, 2, 2]  # days -7..-1: day 1 and day 2
    assert [d.posts for d in after] == [0, 1, 0, 0, 0, 0, 0]  # day 3 (the correction's), day 4, ...
    assert human_delay(t.time_to_answer) == "1 ngày 23 giờ"


def test_documents_written_before_schema_2_count_every_match(es_client, story: Settings) -> None:
    """An item indexed before ``spread_claim_ids`` existed (schema version 1) counts for every claim it
    matched, as it did then; once re-written by the pipeline, its stance decides."""
    index = alias_name(story) + "-2021.08"
    es_client.update(index=index, id="doc-00000030", doc={"schema_version": 1, "spread_claim_ids": None}, refresh=True)
    record = get_claim(es_client, story, HELI.id)
    assert record is not None
    t = timeline(es_client, story, record)
    assert t.posts == 6 and t.first_seen == datetime.fromisoformat(at(0, 8))


def test_emerging_narratives_are_unknown_risky_clusters(es_client, story: Settings) -> None:
    (n,) = emerging(es_client, story, DAY5)
    assert n.cluster_id == "c-new" and n.posts == 3
    assert (n.last_day, n.growth) == (2, 1)
    assert n.per_day[(DAY5 - timedelta(days=1)).isoformat()] == 1


def test_the_report_states_response_times_and_emerging_narratives(es_client, story: Settings) -> None:
    data = collect_report(es_client, story, DAY5)
    assert data.response is not None and data.response.month == "2021-08"
    assert data.response.claims_this_month == 2
    assert data.response.median_to_flag == "3 giờ"  # 6 h (helicopter) and 0 (salt, flagged at once)
    assert data.response.median_to_answer == "1 ngày 23 giờ"  # only the answered one counts
    (open_rumor,) = data.response.unanswered
    assert open_rumor.claim_id == SALT.id and open_rumor.waiting == "3 ngày 14 giờ"  # day 2 10:00 → the end of day 5
    assert data.claim_life is not None and data.claim_life.claim_id == HELI.id
    assert data.claim_life.correction_day == "2021-08-07"
    assert data.claim_life.per_day["2021-08-06"] == 2
    assert [n.cluster_id for n in data.emerging] == ["c-new"]
    # the claim's example says how it relates to the claim (here a repost: no "bác bỏ" beside it)
    assert {c.claim_id: c.example_stance for c in data.claims_seen} == {SALT.id: "repeats"}
    markdown = render_markdown(data)
    assert "trung vị đến khi gắn cờ: 3 giờ; đến khi cải chính: 1 ngày 23 giờ" in markdown
    assert "Chưa trả lời: Rửa mũi bằng nước muối" in markdown and "lưu hành 3 ngày 14 giờ" in markdown
    assert "3 bài trong 7 ngày (2 hôm nay, +1 so với hôm qua)" in markdown
    assert "claim_life" in chart_uris(data)
    html = render_html(data)
    assert "Thời gian phản hồi tin đồn" in html and "chưa có trong danh mục" in html


@pytest.fixture
def story_env(story: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The CLI pointed at the story's node, index prefix and data folder, as a user's env would."""
    for key, value in {
        "TINRADAR_ES_URL": story.es_url,
        "TINRADAR_ES_INDEX_PREFIX": story.es_index_prefix,
        "TINRADAR_DATA_DIR": str(story.data_dir),
    }.items():
        monkeypatch.setenv(key, value)
    return story


def test_search_claim_stats_prints_the_same_figures(story_env: Settings) -> None:
    result = CliRunner().invoke(app, ["search", "--claim", HELI.id, "--stats", "--limit", "0"])
    assert result.exit_code == 0, result.output
    err = result.stderr
    assert "Gắn cờ lần đầu / first flagged:             05/08/2021 15:00  (sau 6 giờ)" in err
    assert "Cải chính được đăng / correction published: 07/08/2021 08:00  (sau 1 ngày 23 giờ)" in err
    assert "7 ngày trước cải chính / posts a day, the 7 days before the correction: 0 0 0 0 0 2 2" in err


def test_claims_show_and_list_label_in_both_languages(story_env: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """``claims show`` and the ``claims list`` table were labelled in Vietnamese only; the words are kept."""
    shown = CliRunner().invoke(app, ["claims", "show", HELI.id])
    assert shown.exit_code == 0, shown.output
    err = shown.stderr
    assert f"{HELI.id} (đang dùng / active, nhóm / group policy)" in err
    assert f"Tin đồn / claim: {HELI.claim}" in err
    assert f"Cải chính / correction: {HELI.correction} (UBND huyện)" in err
    assert (
        "Ban đã trả lời / answered: 07/08/2021 08:00 Cổng thông tin điện tử / portal "
        "https://sonduong.example/bac-bo (ghi bởi / recorded by admin)"
    ) in err
    assert "Lịch sử / history" in err
    assert f"Thời gian phản hồi / response times — {HELI.id} (" in err
    assert "Xuất hiện lần đầu / first seen:             05/08/2021 09:00" in err
    assert "Kết luận đầu tiên / first verdict:          06/08/2021 18:00  (sau 1 ngày 9 giờ)" in err
    monkeypatch.setenv("COLUMNS", "200")  # a wide terminal: each header on one line of the table
    listed = CliRunner().invoke(app, ["claims", "list"])
    assert listed.exit_code == 0, listed.output
    table = listed.stderr
    assert "Danh mục tin đồn / claim registry (" in table
    for header in ("Mã / id", "Trạng thái / status", "Nhóm / group", "Tin đồn / claim", "Cải chính đã đăng / answers"):
        assert f" {header} " in table
    (heli,) = [line for line in table.splitlines() if HELI.id in line]
    assert "đang dùng / active" in heli
