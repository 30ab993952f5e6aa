"""The crawl state does not outlive the index it fed (principle 3: nothing is lost).

A node whose data was wiped, a new cluster, or TinRadar's indices deleted: the crawl state
still says "already have it" for items the index no longer holds. The daily flow reads the
index's epoch (``index.epoch``) and a source's state built for another one starts fresh.
Real parts only: the fixture site on 127.0.0.1, the crawler's child process, the session's
Elasticsearch node and a Prefect test server.
"""

from __future__ import annotations

import json

import pytest
import yaml

from flows.demo import DEMO_DAY, DEMO_LOOKBACK_DAYS, FIXTURE_REGISTRY

pytestmark = [pytest.mark.usefixtures("prefect_harness"), pytest.mark.slow]


@pytest.fixture(scope="module")
def site() -> str:
    from fixture_site.server import serve_fixture_site

    with serve_fixture_site() as base_url:
        yield base_url


def _run(settings, site, **kwargs):
    from flows.pipeline import daily_pipeline

    return daily_pipeline(
        day=DEMO_DAY,
        lookback_days=DEMO_LOOKBACK_DAYS,
        sources_file=FIXTURE_REGISTRY,
        variables={"base_url": site},
        settings=settings,
        retries=0,
        retry_delay_seconds=0,
        **kwargs,
    )


def _ids(client, settings) -> set[str]:
    """The ids of every document the index holds."""
    from index.templates import index_pattern

    client.indices.refresh(index=index_pattern(settings), allow_no_indices=True)
    answer = client.search(index=index_pattern(settings), size=10_000, source=False, allow_no_indices=True)
    return {hit["_id"] for hit in answer["hits"]["hits"]}


def _drop_indices(client, settings, pattern: str) -> None:
    """Delete indices as a board starting over would (``DELETE {prefix}-*``)."""
    client.options(ignore_status=404).indices.delete(index=pattern, expand_wildcards="all")


def _assert_nothing_refetched(summary) -> None:
    """A re-run over an intact index: no item fetched again, no state reset, no note."""
    assert summary.counts.crawled == 0, summary.to_markdown()
    assert all(s.items == 0 and s.state_reset is None for s in summary.sources)
    skips = summary.skipped_total()
    assert skips.get("not_modified", 0) + skips.get("already_seen", 0) > 0, skips
    assert summary.state_reset_line() == "" and "new index" not in summary.to_markdown()


def test_deleted_indices_are_crawled_again_and_an_intact_index_is_not(es_settings, es_client, site):
    first = _run(es_settings, site)
    assert first.ok, first.to_markdown()
    ids = _ids(es_client, es_settings)
    assert len(ids) == first.counts.indexed_new >= 40
    assert all(s.state_reset is None for s in first.sources), "a first crawl has nothing to reset"

    # the index is intact: today's incremental crawl, nothing fetched again
    _assert_nothing_refetched(_run(es_settings, site))
    assert _ids(es_client, es_settings) == ids

    # the board deletes TinRadar's indices (the epoch marker with them) and runs again
    _drop_indices(es_client, es_settings, f"{es_settings.es_index_prefix}-*")
    assert _ids(es_client, es_settings) == set()
    again = _run(es_settings, site)
    assert again.ok, again.to_markdown()
    assert _ids(es_client, es_settings) == ids, "the same items, under the same ids, and no more"
    assert again.counts.indexed_new == len(ids)
    crawled = [s for s in again.sources if s.items]
    assert crawled and all(s.state_reset == "new_index" for s in again.sources)
    line = again.state_reset_line()
    assert "Chỉ mục mới" in line and "new index" in line and all(s.source_id in line for s in again.sources)
    assert line in again.to_markdown()
    assert json.loads((again.run_dir / "summary.json").read_text(encoding="utf-8"))["sources"][0]["state_reset"]

    # said once: the next run trusts the state built for this index
    _assert_nothing_refetched(_run(es_settings, site))
    assert _ids(es_client, es_settings) == ids


def _one_news_source() -> str:
    registry = yaml.safe_load(FIXTURE_REGISTRY.read_text(encoding="utf-8"))
    entries = registry["sources"] if isinstance(registry, dict) else registry
    return next(e["id"] for e in entries if e.get("kind") == "news" and e.get("enabled", True))


def _make_legacy(settings, source_id: str) -> None:
    """Rewrite the source's state as a TinRadar from before epochs wrote it (no ``index_epoch``)."""
    from crawlers.state import state_dir

    path = state_dir(settings.data_dir) / f"{source_id}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data.pop("index_epoch"), "the flow records the epoch its state was built for"
    assert data["seen"]
    path.write_text(json.dumps(data), encoding="utf-8")


def test_a_state_from_before_epochs_is_kept_only_while_the_index_holds_its_source(es_settings, es_client, site):
    from crawlers.state import load_state
    from index.epoch import epoch_index, index_epoch
    from index.templates import index_pattern

    source = _one_news_source()
    first = _run(es_settings, site, sources=[source])
    ids = _ids(es_client, es_settings)
    assert first.sources[0].items > 0 and len(ids) == first.counts.indexed_new

    # an older state, the index holds the source's documents: adopted, nothing fetched again
    _make_legacy(es_settings, source)
    _assert_nothing_refetched(_run(es_settings, site, sources=[source]))
    assert load_state(es_settings.data_dir, source).index_epoch == index_epoch(es_client, es_settings)

    # an older state, the documents are gone (the epoch marker left in place): fetched again
    _make_legacy(es_settings, source)
    _drop_indices(es_client, es_settings, index_pattern(es_settings))
    assert es_client.indices.exists(index=epoch_index(es_settings))
    again = _run(es_settings, site, sources=[source])
    assert again.sources[0].state_reset == "not_in_index" and again.sources[0].items == first.sources[0].items
    assert _ids(es_client, es_settings) == ids
    assert source in again.state_reset_line()


def test_a_reset_over_documents_still_there_duplicates_nothing_and_keeps_the_verdicts(es_settings, es_client, site):
    """Only the marker is gone (the documents are not): the items are fetched again, each lands on
    its own id, and a reviewer's verdict stays as it was (the indexer never writes ``review``)."""
    from index import review as store
    from index.epoch import epoch_index
    from tinradar.schema import ReviewStatus

    source = _one_news_source()
    first = _run(es_settings, site, sources=[source])
    ids = _ids(es_client, es_settings)
    judged = sorted(ids)[0]
    store.ensure_audit_index(es_client, es_settings)
    seen = store.get_item(es_client, es_settings, judged)
    outcome = store.decide(
        es_client, es_settings, judged, status=ReviewStatus.CONFIRMED_FALSE, note="", by="lan",
        seq_no=seen.seq_no, primary_term=seen.primary_term,
    )  # fmt: skip
    assert outcome.applied

    _drop_indices(es_client, es_settings, epoch_index(es_settings))
    again = _run(es_settings, site, sources=[source])
    assert again.sources[0].state_reset == "new_index" and again.sources[0].items == first.sources[0].items
    assert again.counts.indexed_new == 0 and _ids(es_client, es_settings) == ids
    assert store.get_item(es_client, es_settings, judged).review.status == ReviewStatus.CONFIRMED_FALSE


def test_an_hourly_due_only_run_crawls_at_once_the_sources_whose_items_the_index_lost(es_settings, es_client, site):
    """``serve`` runs ``--due-only`` every hour: a daily or weekly source crawled an hour ago is not
    due, but when the index lost its items (wiped node, new cluster) it must not wait for its cadence."""
    first = _run(es_settings, site, due_only=True)
    assert first.ok and not first.not_due, first.to_markdown()
    ids = _ids(es_client, es_settings)
    assert ids

    # an hour later: nothing is due, and nothing is fetched
    later = _run(es_settings, site, due_only=True)
    assert later.not_due and not later.sources, later.to_markdown()

    # the indices are gone: every source whose state outlived them is crawled now
    _drop_indices(es_client, es_settings, f"{es_settings.es_index_prefix}-*")
    again = _run(es_settings, site, due_only=True)
    assert again.ok, again.to_markdown()
    assert not again.not_due and {s.source_id for s in again.sources} == set(later.not_due)
    assert all(s.state_reset == "new_index" for s in again.sources)
    assert _ids(es_client, es_settings) == ids

    # and after that the cadence rules again
    assert not _run(es_settings, site, due_only=True).sources
