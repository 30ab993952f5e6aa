"""Every drop is counted: a broken line in each stage's input, a failed and an unscored analysis.

An earlier run left work at every stage (a crawl file to split, a chunk to analyse, a
scored chunk to index), each with one line that is not a record; the next run picks it
all up. Real parts: the analyser, the session's Elasticsearch node, a Prefect test
server. The one injected fault is an analyser that raises for one document (nothing
in real input makes it fail on demand).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flows import runstore
from flows.demo import DEMO_DAY
from flows.report.data import ReportData, crawl_status_for
from flows.report.render import render_markdown
from tinradar.ids import news_id
from tinradar.schema import Analysis, Document, Kind, NoteCode, ScoredItem, Sentiment, utc_now

pytestmark = [pytest.mark.usefixtures("prefect_harness"), pytest.mark.slow]

TEXT = (
    "Sở Y tế tỉnh Tuyên Quang thông báo thêm ba ca mắc COVID-19 mới, đều đã được cách ly tập trung tại huyện Sơn Dương."
)
BROKEN = '{"id": "cut-off-mid-line", "text": "Sở Y t\n'


def _doc(key: str, text: str = TEXT) -> Document:
    url = f"https://example.vn/drops/{key}"
    return Document(id=news_id(url), url=url, source_id="drops", kind=Kind.NEWS, text=text, fetched_at=utc_now())


def _scored(doc: Document) -> ScoredItem:
    analysis = Analysis(
        doc_id=doc.id, rumor_risk=0.1, risk_level="low", sentiment=Sentiment.NEU, covid=True, covid_proba=0.9
    )
    return ScoredItem(document=doc, analysis=analysis)


def _with_broken_line(path: Path) -> None:
    with path.open("a", encoding="utf-8") as fh:
        fh.write(BROKEN)


def test_a_broken_line_in_each_stage_is_counted(es_settings, es_client, tmp_path, monkeypatch):
    from flows.pipeline import daily_pipeline
    from nlp.analyzer import Analyzer

    settings = es_settings
    # 1. a crawl file that was never split
    unsplit = runstore.new_run_dir(settings, DEMO_DAY)
    runstore.write_jsonl(unsplit / "crawl-drops.jsonl", [_doc("crawled")])
    _with_broken_line(unsplit / "crawl-drops.jsonl")
    # 2. a chunk that was never analysed: one plain, one empty, one the analyser fails on
    unanalysed = runstore.new_run_dir(settings, DEMO_DAY)
    boom = _doc("boom")
    runstore.write_jsonl(unanalysed / "docs-000.jsonl", [_doc("plain"), _doc("empty", text=""), boom])
    _with_broken_line(unanalysed / "docs-000.jsonl")
    runstore.write_text(unanalysed / runstore.SPLIT_MARKER, "3\n")
    # 3. a scored chunk that was never indexed; one line in the flat form older versions wrote
    unindexed = runstore.new_run_dir(settings, DEMO_DAY)
    runstore.write_jsonl(unindexed / "docs-000.jsonl", [])
    runstore.write_jsonl(unindexed / "scored-000.jsonl", [_scored(_doc("scored"))])
    with (unindexed / "scored-000.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(_scored(_doc("flat")).to_line(), ensure_ascii=False) + "\n")
    _with_broken_line(unindexed / "scored-000.jsonl")
    runstore.write_text(unindexed / runstore.SPLIT_MARKER, "0\n")

    prepare = Analyzer._prepare

    def failing_prepare(self, doc):  # type: ignore[no-untyped-def]
        if doc.id == boom.id:
            raise RuntimeError("injected failure")
        return prepare(self, doc)

    monkeypatch.setattr(Analyzer, "_prepare", failing_prepare)
    nothing_to_crawl = tmp_path / "sources.yaml"
    nothing_to_crawl.write_text("sources: []\n", encoding="utf-8")

    summary = daily_pipeline(
        day=DEMO_DAY, sources_file=nothing_to_crawl, settings=settings, retries=0, retry_delay_seconds=0
    )

    c = summary.counts
    assert (c.unreadable, c.analysis_failed, c.unscored) == (3, 1, 1), summary.to_markdown()
    assert c.picked_up == 6 and c.indexed_new == 6 and c.pending == 0, "every readable line went through"
    markdown = summary.to_markdown()
    assert "| Dòng không đọc được / unreadable lines | 3 |" in markdown
    assert "| Phân tích lỗi / analysis failed | 1 |" in markdown
    assert "| Không chấm điểm / left unscored | 1 |" in markdown

    # the failed and the unscored item are in the index, with the note that says why
    from index.search import SearchQuery, search

    hits = {h.id: h.doc for h in search(es_client, settings, SearchQuery(limit=20)).hits}
    assert [n.code for n in hits[boom.id].notes] == [NoteCode.ANALYSIS_FAILED]
    assert [n.code for n in hits[_doc("empty").id].notes] == [NoteCode.EMPTY_TEXT]
    assert _doc("flat").id in hits, "a flat line left by an older version is indexed, not lost"

    # the report's crawl-status section shows the day's drops
    status = crawl_status_for(settings, DEMO_DAY)
    assert (status.drops.unreadable, status.drops.analysis_failed, status.drops.unscored) == (3, 1, 1)
    data = ReportData(day=DEMO_DAY, generated_at=utc_now(), timezone=settings.timezone, days=[], runs_today=status.runs)
    data.drops = status.drops
    assert "3 dòng dữ liệu không đọc được, 1 tin phân tích lỗi, 1 tin không chấm điểm được" in render_markdown(data)
