"""The daily pipeline end to end: fixture site → crawl → analyse → a real Elasticsearch → report.

Real parts only: the fixture site on 127.0.0.1, the Scrapy crawler in its child
process, the NLP models, the session's Elasticsearch node and a Prefect test server.
"""

from __future__ import annotations

import json
import socket

import pytest
import yaml

from fixture_site.generate import load_content
from flows.demo import DEMO_DAY, DEMO_LOOKBACK_DAYS, FIXTURE_REGISTRY

pytestmark = [pytest.mark.usefixtures("prefect_harness"), pytest.mark.slow]

PLANTED = set(load_content()["planted_claims"])


@pytest.fixture(scope="module")
def site() -> str:
    from fixture_site.server import serve_fixture_site

    with serve_fixture_site(slow_seconds=2.0) as base_url:
        yield base_url


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(settings, site, **kwargs):
    from flows.pipeline import daily_pipeline

    kwargs.setdefault("sources_file", FIXTURE_REGISTRY)
    return daily_pipeline(
        day=DEMO_DAY,
        lookback_days=DEMO_LOOKBACK_DAYS,
        variables={"base_url": site, **kwargs.pop("extra_vars", {})},
        settings=settings,
        retries=kwargs.pop("retries", 0),
        retry_delay_seconds=0,
        **kwargs,
    )


def _count(client, settings) -> int:
    from index.templates import alias_name

    client.indices.refresh(index=alias_name(settings))
    return client.count(index=alias_name(settings))["count"]


def test_fixture_site_end_to_end_and_rerun(es_settings, es_client, site):
    from flows.report import daily_report
    from index.search import SearchQuery, search, stats

    summary = _run(es_settings, site)

    assert summary.ok, summary.to_markdown()
    c = summary.counts
    assert c.crawled >= 40
    assert c.analysed == c.crawled - c.duplicates
    assert c.indexed_new == c.analysed and c.pending == 0
    assert _count(es_client, es_settings) == c.indexed_new
    assert (summary.run_dir / "summary.json").exists()

    # every planted rumor is found and named with its known claim
    found = stats(es_client, es_settings, SearchQuery(limit=0)).by_claim
    assert set(found) >= PLANTED, f"claims found: {found}"
    # …and they lead the risk ranking: the top flagged items are mostly planted rumors
    top = search(es_client, es_settings, SearchQuery(sort="risk", limit=15)).hits
    top_claims = {cid for h in top for cid in h.doc.claim_ids}
    assert len(top_claims & PLANTED) >= 5, top_claims
    assert sum(bool(set(h.doc.claim_ids) & PLANTED) for h in top) >= 10

    report = daily_report(day=DEMO_DAY, settings=es_settings, pdf=False, email=False)
    data = json.loads((report.folder / "data.json").read_text(encoding="utf-8"))
    assert not report.empty and data["total_today"] == report.items_today > 0
    top_ids = [cl["claim_id"] for it in data["top_items"] for cl in it["claims"]]
    assert "son-duong-total-lockdown-hoax" in top_ids
    html = report.html.read_text(encoding="utf-8")
    assert "Sơn Dương" in html and "son-duong-total-lockdown-hoax" in html
    assert any(s["key"] == "son-duong-total-lockdown-hoax" for s in data["spikes"])

    # a rerun of the same day changes no count
    before = stats(es_client, es_settings, SearchQuery(limit=0))
    again = _run(es_settings, site)
    assert again.counts.indexed_new == 0 and again.counts.pending == 0
    after = stats(es_client, es_settings, SearchQuery(limit=0))
    assert after.total == before.total and after.by_claim == before.by_claim and after.by_source == before.by_source


def test_a_broken_source_is_isolated_and_named(es_settings, es_client, site, tmp_path):
    from flows.report import daily_report

    registry = yaml.safe_load(FIXTURE_REGISTRY.read_text(encoding="utf-8"))
    entries = registry["sources"] if isinstance(registry, dict) else registry
    good = next(e for e in entries if e.get("kind") == "news" and e.get("enabled", True))
    broken = json.loads(json.dumps(good).replace("{base_url}", "{dead_url}"))
    broken["id"] = "nguon-hong"
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": [good, broken]}, allow_unicode=True), encoding="utf-8")

    summary = _run(
        es_settings,
        site,
        sources_file=path,
        retries=1,
        extra_vars={"dead_url": f"http://127.0.0.1:{_closed_port()}"},
    )

    by_id = {s.source_id: s for s in summary.sources}
    assert by_id["nguon-hong"].status in ("down", "failed") and by_id["nguon-hong"].error
    assert by_id[good["id"]].status in ("ok", "partial") and by_id[good["id"]].items > 0
    assert summary.counts.indexed_new == by_id[good["id"]].items - summary.counts.duplicates
    assert _count(es_client, es_settings) == summary.counts.indexed_new
    html = daily_report(day=DEMO_DAY, settings=es_settings, pdf=False, email=False).html.read_text(encoding="utf-8")
    assert "nguon-hong" in html and "không thu thập được" in html


def test_elasticsearch_down_loses_nothing_and_next_run_picks_up(es_settings, es_client, site):
    from flows.pipeline import PipelineFailed
    from flows.runstore import pending_work

    registry = yaml.safe_load(FIXTURE_REGISTRY.read_text(encoding="utf-8"))
    entries = registry["sources"] if isinstance(registry, dict) else registry
    source = next(e["id"] for e in entries if e.get("kind") == "social" and e.get("enabled", True))
    down = es_settings.model_copy(update={"es_url": f"http://127.0.0.1:{_closed_port()}", "es_request_timeout": 2.0})

    with pytest.raises(PipelineFailed) as failed:
        _run(down, site, sources=[source], retries=1)

    kept = failed.value.summary
    assert "Elasticsearch" in str(failed.value) and "next run" in str(failed.value)
    assert kept.counts.analysed > 0 and kept.counts.pending == kept.counts.analysed
    assert len(pending_work(es_settings).unindexed) >= 1

    # Elasticsearch is back: the next run (nothing new to crawl) indexes what was kept
    summary = _run(es_settings, site, sources=[source])
    assert summary.counts.picked_up == kept.counts.analysed
    assert summary.counts.pending == 0 and not pending_work(es_settings)
    assert _count(es_client, es_settings) == kept.counts.analysed


def test_analyse_stage_on_a_local_dask_cluster(tmp_path):
    """The scaling path: the analyse stage's tasks run on Dask worker processes."""
    from prefect_dask import DaskTaskRunner

    from flows import runstore
    from flows.pipeline import analyse_stage
    from tinradar.ids import news_id
    from tinradar.schema import Document, Kind, utc_now
    from tinradar.settings import Settings

    settings = Settings(data_dir=tmp_path / "data")
    texts = [
        "KHẨN: tiêm vắc xin COVID-19 gây vô sinh, hiếm muộn, chia sẻ gấp cho mọi người!!!",
        "UBND huyện Sơn Dương thông báo lịch tiêm vắc xin COVID-19 mũi 1 tại Trung tâm Y tế huyện.",
        "Vắc xin COVID có gắn chip theo dõi, đừng đi tiêm, share ngay kẻo muộn!!!",
    ]
    docs = [
        Document(
            id=news_id(f"https://x.vn/{i}"),
            url=f"https://x.vn/{i}",
            source_id="t",
            kind=Kind.SOCIAL,
            text=t,
            fetched_at=utc_now(),
        )
        for i, t in enumerate(texts)
    ]
    chunks = [tmp_path / "docs-000.jsonl", tmp_path / "docs-001.jsonl"]
    runstore.write_jsonl(chunks[0], docs[:2])
    runstore.write_jsonl(chunks[1], docs[2:])

    runner = DaskTaskRunner(cluster_kwargs={"n_workers": 1, "threads_per_worker": 1, "processes": True})
    results = analyse_stage.with_options(task_runner=runner)(settings, chunks)

    assert {k: r.analysed for k, r in results.items()} == {str(chunks[0]): 2, str(chunks[1]): 1}
    items = [i for c in chunks for i in runstore.read_scored(runstore.scored_path_for(c))[0]]
    assert [i.document.id for i in items] == [d.id for d in docs]
    rumor, notice, chip = (i.analysis for i in items)
    assert rumor.rumor_risk > notice.rumor_risk and chip.rumor_risk > notice.rumor_risk
    assert {m.claim_id for m in rumor.matched_claims} >= {"vaccine-infertility"}


def test_due_only_crawls_just_the_sources_their_cadence_makes_due(es_settings, es_client, site):
    from crawlers.registry import load_registry
    from flows import runstore
    from tinradar.schema import utc_now

    sources = [s for s in load_registry(FIXTURE_REGISTRY, {"base_url": site}) if s.enabled]
    due = next(s for s in sources if s.kind == "social")
    runstore.record_crawled(es_settings, [s.id for s in sources if s.id != due.id], utc_now())

    summary = _run(es_settings, site, due_only=True)

    assert [s.source_id for s in summary.sources] == [due.id] and summary.sources[0].items > 0
    assert set(summary.not_due) == {s.id for s in sources} - {due.id}
    assert summary.counts.indexed_new > 0 and summary.ok
    assert "not due by cadence" in summary.to_markdown()
    assert runstore.read_last_crawled(es_settings)[due.id] == summary.started_at

    again = _run(es_settings, site, due_only=True)
    assert again.sources == [] and len(again.not_due) == len(sources) and again.counts.crawled == 0
    named = _run(es_settings, site, sources=[due.id], due_only=True)
    assert [s.source_id for s in named.sources] == [due.id], "a source named on the command line is always crawled"


def _overlaps(spans: list[tuple[float, float, str]]) -> list[tuple[str, str]]:
    """Pairs of spans with different labels that overlap in time."""
    spans = sorted(spans)
    found = []
    for i, (_start, end, label) in enumerate(spans):
        for other_start, _, other in spans[i + 1 :]:
            if other_start >= end:
                break
            if other != label:
                found.append((label, other))
    return found


def test_crawl_and_analyse_on_two_dask_worker_processes(es_settings, es_client):
    """``--dask ADDRESS``: both stages run on a real two-process cluster, and politeness holds across workers.

    Every fixture source is on one host, so the host locks must crawl them one at a time,
    whichever worker runs them: checked on the fixture site's own request log (requests
    for two sections of the site never overlap) and on the locks' record.
    """
    from distributed import LocalCluster

    from crawlers.registry import load_registry
    from fixture_site.server import serve_fixture_site
    from flows.politeness import read_record
    from flows.runstore import read_documents

    log: list[tuple[float, float, str]] = []
    with (
        serve_fixture_site(slow_seconds=2.0, request_log=log, delay_seconds=0.5) as site,
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
    ):
        summary = _run(es_settings, site, dask_address=cluster.scheduler_address)
        workers = set(cluster.scheduler_info["workers"])

    enabled = sorted(s.id for s in load_registry(FIXTURE_REGISTRY, {"base_url": site}) if s.enabled)
    # every source crawled once, by the cluster's workers
    assert sorted(s.source_id for s in summary.sources) == enabled
    assert all(s.status in ("ok", "partial") and s.items > 0 for s in summary.sources), summary.to_markdown()
    holds = read_record(summary.run_dir)
    assert sorted(h["source_id"] for h in holds) == enabled
    assert {h["lock"] for h in holds} == {"dask"} and {h["worker"] for h in holds} == workers
    # no item duplicated: each document once in the index, and every unique crawled one is there
    ids = [d.id for path in summary.run_dir.glob("crawl-*.jsonl") for d in read_documents(path)[0]]
    assert summary.counts.crawled == len(ids) and summary.counts.duplicates == len(ids) - len(set(ids))
    assert summary.ok and summary.counts.indexed_new == summary.counts.analysed == len(set(ids))
    assert _count(es_client, es_settings) == len(set(ids))
    # politeness, from the locks' record: one source on the host at a time…
    assert _overlaps([(h["acquired"], h["released"], h["source_id"]) for h in holds]) == []
    # …and from what the site saw. Every answer takes half a second, so a crawl's requests
    # spread over seconds; of the six outlets' own folders (robots.txt and the shared
    # bad-input routes left out), no request overlaps one for another outlet, and in time
    # order each source's requests come in one unbroken run (no more runs than sources).
    outlets = {"tinnhanh", "baotantrao", "sonduong", "tinsoc", "forum", "tg"}
    seen = [(start, end, path.split("/")[1]) for start, end, path in sorted(log) if path.split("/")[1] in outlets]
    assert {label for _, _, label in seen} == outlets
    overlapping = _overlaps(seen)
    assert overlapping == [], f"two sources fetched from one host at the same time: {overlapping[:10]}"
    runs = [label for n, (_, _, label) in enumerate(seen) if n == 0 or seen[n - 1][2] != label]
    assert len(runs) <= len(enabled), f"two sources fetched from one host at the same time: {runs}"
