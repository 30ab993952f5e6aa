"""The daily report names sources as the registry does ("Tin Nhanh – Sức khỏe", not
``tinnhanh-suc-khoe``), collected from a real node; an unknown source or an unreadable registry
leaves the id, never a failed report."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from flows.demo import FIXTURE_REGISTRY, demo_settings
from flows.report import charts
from flows.report.data import ReportData, collect_report
from flows.report.render import chart_uris, render_html, render_markdown
from flows.summary import RunSummary, SourceRun, SourceStatus
from index.indexer import Indexer
from index.templates import ensure_templates
from tests.index.items import make_item
from tinradar.settings import Settings

DAY = date(2021, 9, 3)
NEWS = "tinnhanh-suc-khoe"
FORUM = "forum-phonui"
TELEGRAM = "tg-suckhoecongdong"
NAMES = {
    NEWS: "Tin Nhanh – Sức khỏe",
    FORUM: "Diễn đàn Phố Núi – Chuyện trò linh tinh",
    TELEGRAM: "Sức Khỏe Cộng Đồng (Telegram)",
}


def _day_with_sources(es_client, settings: Settings) -> None:
    """Three flagged items of the day (one from an import, which the registry does not know) and a
    run summary in which the Telegram channel was down."""
    ensure_templates(es_client, settings)
    at = "2021-09-03T10:00:00+07:00"
    items = [
        make_item(1, "Tin khẩn: phong tỏa toàn huyện", risk=0.9, source_id=NEWS, published_at=at),
        make_item(2, "Nghe nói mai đóng chợ", risk=0.6, source_id=FORUM, kind="social", published_at=at),
        make_item(3, "Tin nhập từ tệp", risk=0.8, source_id="import", kind="social", published_at=at),
    ]
    stats = Indexer(es_client, settings).index(items)
    assert stats.failed == 0
    run_dir = settings.data_dir / "runs" / DAY.isoformat() / "r1"
    run_dir.mkdir(parents=True)
    summary = RunSummary(
        day=DAY,
        run_id="r1",
        run_dir=run_dir,
        started_at=datetime(2021, 9, 3, 1, 0, tzinfo=UTC),
        sources=[
            SourceRun(source_id=NEWS, status=SourceStatus.OK, items=1),
            SourceRun(source_id=TELEGRAM, status=SourceStatus.DOWN, error="SourceDown: không trả lời / no answer"),
        ],
    )
    (run_dir / "summary.json").write_text(summary.model_dump_json(), encoding="utf-8")


def test_the_demo_points_the_report_at_its_registry():
    assert demo_settings(Settings()).sources_file == FIXTURE_REGISTRY


def test_the_report_names_its_sources(es_client, es_settings: Settings) -> None:
    # the demo's registry: its URLs are {base_url} placeholders, the names need none
    settings = es_settings.model_copy(update={"sources_file": FIXTURE_REGISTRY})
    _day_with_sources(es_client, settings)
    data = collect_report(es_client, settings, DAY)
    assert data.source_names == NAMES, "every source the report mentions, 'import' left out"
    assert ReportData.model_validate_json(data.model_dump_json()).source_names == NAMES  # kept in data.json

    page = render_html(data)
    assert f'Nguồn: <strong title="{NEWS}">Tin Nhanh – Sức khỏe</strong>' in page
    assert 'Nguồn: <strong title="import">import</strong>' in page
    assert f'<td title="{FORUM}">Diễn đàn Phố Núi – Chuyện trò linh tinh</td>' in page
    assert "nguồn không thu thập được:</strong>\nSức Khỏe Cộng Đồng (Telegram) (không truy cập được)." in page
    assert f'<tr><td>Tin Nhanh – Sức khỏe<br><span class="muted">{NEWS}</span></td><td>Tốt</td>' in page

    text = render_markdown(data)
    assert "— Tin Nhanh – Sức khỏe" in text and "— import" in text
    assert "| Diễn đàn Phố Núi – Chuyện trò linh tinh | 1 |" in text
    assert "**Nguồn không thu thập được:** Sức Khỏe Cộng Đồng (Telegram) (không truy cập được)." in text
    assert f"- Tin Nhanh – Sức khỏe ({NEWS}): Tốt, 1 tin, bài" in text
    for source in (NEWS, FORUM):
        assert f"— {source}" not in text and f"| {source} |" not in text

    # the volume chart's legend names the sources too (its text is drawn as paths: compare charts)
    title = "Số tin, bài theo nguồn trong 7 ngày"
    named = charts.stacked_days(data.volume_by_source_day, data.days, title, labels=NAMES)
    assert chart_uris(data)["volume"] == named
    assert named != charts.stacked_days(data.volume_by_source_day, data.days, title)


@pytest.mark.parametrize("registry", ["sources: [oops", None], ids=["not-yaml", "missing"])
def test_an_unreadable_registry_leaves_ids_and_the_report_is_made(
    registry, es_client, es_settings: Settings, tmp_path: Path, caplog
) -> None:
    path = tmp_path / "sources.yaml"
    if registry is not None:
        path.write_text(registry, encoding="utf-8")
    settings = es_settings.model_copy(update={"sources_file": path})
    _day_with_sources(es_client, settings)
    with caplog.at_level(logging.WARNING, logger="tinradar.sources"):
        data = collect_report(es_client, settings, DAY)
        again = collect_report(es_client, settings, DAY)
    assert data.source_names == again.source_names == {}
    assert len([r for r in caplog.records if r.name == "tinradar.sources"]) == 1
    page = render_html(data)
    assert f'Nguồn: <strong title="{NEWS}">{NEWS}</strong>' in page
    assert f"<tr><td>{NEWS}</td><td>Tốt</td>" in page
    assert f"- {NEWS}: Tốt, 1 tin, bài" in render_markdown(data)
