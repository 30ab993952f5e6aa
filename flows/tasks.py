"""The pipeline's Prefect tasks: crawl one source, analyse one chunk, index chunks.

Tasks hand each other *file paths*, never lists of documents: what a task produced is
on disk before the next task starts (see ``flows.runstore``), so a crash, an
Elasticsearch outage or a killed worker loses nothing, and a Dask or work-pool worker
only needs the path (on shared storage) and the settings.

Retries are set by the flow (``task.with_options(retries=...)``) so tests and the demo
can retry fast while production waits between attempts.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from elasticsearch import ApiError
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, Field

from crawlers.summary import CrawlSummary
from flows import runstore
from flows.summary import DropCounts, SourceRun, SourceStatus
from tinradar.schema import Claim, Document, ScoredItem
from tinradar.settings import Settings

if TYPE_CHECKING:
    from index.indexer import IndexStats
    from nlp.analyzer import Analyzer


class SourceDown(RuntimeError):
    """A source returned nothing and its requests failed: the site is down or has changed."""


class IndexUnavailable(RuntimeError):
    """Elasticsearch could not be reached or refused the writes; the chunks stay on disk."""


def run_logger() -> logging.Logger | logging.LoggerAdapter[logging.Logger]:
    try:
        return get_run_logger()
    except Exception:  # outside a run (direct call in a unit test)
        return logging.getLogger("tinradar.flows")


# --- crawl ----------------------------------------------------------------------------


def source_run_from(summary: CrawlSummary, source_id: str, written: int) -> SourceRun:
    """Turn the crawler's ``CrawlSummary`` for one source into our ``SourceRun``.

    ``written`` is the number of Documents in the output file (the truth on disk).
    A source that gave nothing while every request failed is *down*: ``SourceDown`` is
    raised so Prefect retries it, and the flow reports it if it stays down. So is a source
    that gave nothing while pages came in but no article could be read from them
    (``no_body``, ``unparseable``): its layout has most likely changed, and a crawl that
    reads no page is broken, not quiet. A source that gave nothing new because everything
    was already seen is fine. Pages that came in unreadable beside good ones make the
    source *partial*; when they are as many as the good ones, ``error`` says the layout
    may have changed.
    """
    entry = summary.source(source_id)
    failed = entry.failed_requests
    failed_total = sum(failed.values())
    unread = entry.extraction_failures
    unread_total = sum(unread.values())
    unread_detail = ", ".join(f"{k}: {v}" for k, v in sorted(unread.items()))
    if written == 0 and (entry.errors or (failed_total and failed_total == entry.total_skipped)):
        detail = "; ".join(entry.errors[:2]) or ", ".join(f"{k}: {v}" for k, v in failed.items())
        raise SourceDown(f"nguồn {source_id} không trả về mục nào / no items ({detail})")
    if written == 0 and unread_total:
        raise SourceDown(
            f"nguồn {source_id}: {unread_total} trang không đọc được nội dung, có thể đã đổi giao diện / "
            f"no article could be read from {unread_total} pages ({unread_detail}): layout changed?"
        )
    errors = len(entry.errors) + failed_total + unread_total
    status = SourceStatus.PARTIAL if errors else SourceStatus.OK
    error = None
    if unread_total and unread_total >= written:
        error = (
            f"{unread_total} trang không đọc được nội dung / pages without a readable article "
            f"({unread_detail}), {written} read: layout changed?"
        )
    return SourceRun(
        source_id=source_id,
        status=status,
        items=written,
        skipped=dict(entry.skipped),
        errors=errors,
        error=error,
        dates_dropped=entry.dates_dropped,
        state_reset=entry.state_reset,
    )


@task(name="crawl-source", cache_policy=NO_CACHE, task_run_name="crawl-{source_id}")
def crawl_source(
    settings: Settings,
    source_id: str,
    run_dir: Path,
    since: datetime | None,
    sources_file: Path,
    variables: dict[str, str] | None = None,
    hosts: list[str] | None = None,
    index_epoch: str | None = None,
    indexed_sources: list[str] | None = None,
) -> SourceRun:
    """Crawl one source in a child process (Twisted's reactor cannot restart in ours).

    ``hosts``: the hosts the source fetches from (``flows.politeness.source_hosts``); the
    crawl holds a lock on each, so no other source's crawl hits them at the same time, on
    this machine or on another Dask worker. ``None`` takes no lock (a lone crawl).

    ``index_epoch``, ``indexed_sources``: the index this crawl feeds (``crawl_index_mark``); the
    source's state is trusted only if it was built for it (``crawlers.state.load_state_for``).
    """
    from crawlers.runner import crawl
    from flows.politeness import host_locks

    out_path = run_dir / f"crawl-{source_id}.jsonl"
    # The lock is taken once the crawl's child process has loaded (it makes no request before):
    # the next source of a host starts up while the previous one still crawls.
    summary = crawl(
        settings,
        sources_file=sources_file,
        source_ids=[source_id],
        since=since,
        out_path=out_path,
        variables=variables,
        gate=lambda: host_locks(source_id, hosts or [], run_dir),
        index_epoch=index_epoch,
        indexed_sources=indexed_sources,
    )
    written = runstore.count_lines(out_path) if out_path.exists() else 0
    result = source_run_from(summary, source_id, written)
    run_logger().info("crawled %s: %d items, %d errors", source_id, result.items, result.errors)
    return result


def crawl_index_mark(settings: Settings, source_ids: list[str]) -> tuple[str | None, list[str] | None]:
    """The epoch of the index a run feeds, and which of ``source_ids`` it holds documents of.

    Read before the crawl so that a state that outlived its index starts fresh
    (``crawlers.state.load_state_for``). Elasticsearch unreachable: (None, None), the states
    are trusted as they are (the crawl goes on; its items wait on disk for the index).
    """
    from index.client import UNREACHABLE, ElasticsearchUnavailable, connect
    from index.epoch import index_epoch, sources_in_index

    try:
        client = connect(settings)
    except ElasticsearchUnavailable as exc:
        run_logger().warning("index epoch unknown, crawl states trusted as they are: %s", exc)
        return None, None
    try:
        epoch = index_epoch(client, settings)
        held = sources_in_index(client, settings, source_ids)
    except (ApiError, *UNREACHABLE) as exc:
        run_logger().warning("index epoch unknown, crawl states trusted as they are: %s", exc)
        return None, None
    finally:
        client.close()
    return epoch, sorted(held)


# --- analyse ----------------------------------------------------------------------------

#: Loaded analysers per worker process. Loading models takes seconds and memory; a
#: worker (this process, or a Dask worker) loads them once and reuses them for every
#: chunk it is given. Keyed by what determines the models.
_ANALYZERS: dict[tuple[str, ...], Analyzer] = {}


def get_analyzer(settings: Settings, claims: Sequence[Claim] | None = None) -> Analyzer:
    """The ``nlp.Analyzer`` for these settings, loaded once per process, clustering in Elasticsearch.

    ``claims``: the registry this run matches against (read from the index at the start
    of the run, ``flows.claims.run_claims``); the analyser swaps its matcher only when the
    registry's content changed. ``None`` keeps what the analyser has (the shipped YAML).
    """
    key = (
        str(settings.models_dir),
        str(settings.claims_file),
        settings.nlp_backend,
        str(settings.transformers_model_dir),
        str(settings.data_dir),
        settings.es_url,
        settings.es_index_prefix,
    )
    if key not in _ANALYZERS:
        from index.clusters import EsClusterStore
        from nlp import Analyzer

        # Repeat clusters live in Elasticsearch, shared by every worker (docs/scaling.md).
        _ANALYZERS[key] = Analyzer(settings, claims=claims, cluster_store=EsClusterStore(settings))
    elif claims is not None:
        _ANALYZERS[key].use_claims(claims)
    return _ANALYZERS[key]


def analyse_documents(
    settings: Settings, docs: list[Document], claims: Sequence[Claim] | None = None
) -> list[ScoredItem]:
    """Analyse in batches of ``nlp_batch_size``; returns ScoredItems in input order."""
    analyzer = get_analyzer(settings, claims)
    items: list[ScoredItem] = []
    size = settings.nlp_batch_size
    for start in range(0, len(docs), size):
        batch = docs[start : start + size]
        analyses = analyzer.analyze(batch)
        items.extend(ScoredItem(document=d, analysis=a) for d, a in zip(batch, analyses, strict=True))
    return items


class AnalyseResult(BaseModel):
    """What one analyse task did with its chunk."""

    analysed: int = 0
    drops: DropCounts = Field(default_factory=DropCounts)


@task(name="analyse-chunk", cache_policy=NO_CACHE, task_run_name="analyse-{docs_path.name}")
def analyse_chunk(settings: Settings, docs_path: Path, claims: list[Claim] | None = None) -> AnalyseResult:
    """Analyse one ``docs-NNN.jsonl`` chunk and write its ``scored-NNN.jsonl``; say what was dropped."""
    docs, bad = runstore.read_documents(docs_path)
    if bad:
        run_logger().warning("%s: %d unreadable lines, not analysed (kept in the file)", docs_path, bad)
    items = analyse_documents(settings, docs, claims)
    n = runstore.write_jsonl(runstore.scored_path_for(docs_path), items)
    failed = sum(1 for item in items if item.analysis.failed)
    unscored = sum(1 for item in items if not item.analysis.scored and not item.analysis.failed)
    if failed:
        run_logger().warning("%s: analysis failed for %d items (indexed with default scores)", docs_path.name, failed)
    run_logger().info("analysed %s: %d items (%d left unscored)", docs_path.name, n, unscored)
    return AnalyseResult(analysed=n, drops=DropCounts(unreadable=bad, analysis_failed=failed, unscored=unscored))


# --- index --------------------------------------------------------------------------------


class IndexResult(BaseModel):
    """What one index task did: its counts, and the items of each chunk it read."""

    indexed: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    dead_lettered: int = 0
    rejected: int = Field(
        default=0,
        description="Items Elasticsearch refused for good (this run's and its replay's): kept aside, not pending",
    )
    replayed: int = Field(default=0, description="Dead letters of earlier runs that are now in the index")
    unreadable: int = Field(default=0, description="Lines of scored chunks (or dead letters) that are not ScoredItems")
    chunks: dict[Path, int] = Field(default_factory=dict, description="Items read per scored chunk")

    def add(self, stats: IndexStats) -> None:
        self.indexed += stats.indexed
        self.updated += stats.updated
        self.unchanged += stats.unchanged
        self.failed += stats.failed
        self.dead_lettered += stats.dead_lettered
        self.rejected += stats.rejected


@task(name="index-chunks", cache_policy=NO_CACHE)
def index_chunks(settings: Settings, scored_paths: list[Path]) -> IndexResult:
    """Index scored chunks (and replay earlier dead letters); mark each chunk that went in whole.

    Raises ``IndexUnavailable`` when Elasticsearch cannot be reached, so Prefect retries
    the task; the chunks stay unmarked on disk and the next run indexes them. A chunk
    with unreadable lines is marked all the same (re-reading will not mend them): they
    are counted, and stay in the chunk file.
    """
    from index.client import UNREACHABLE, ElasticsearchUnavailable, connect
    from index.indexer import Indexer
    from index.templates import TemplateConflict, ensure_templates

    result = IndexResult()
    try:
        client = connect(settings)
        ensure_templates(client, settings)
        indexer = Indexer(client, settings)
        replay = indexer.replay()
        result.replayed, result.unreadable = replay.ok, replay.skipped  # unreadable letters are kept aside
        result.rejected += replay.rejected  # refused for good at this replay: said once, never pending again
        for path in scored_paths:
            items, bad = runstore.read_scored(path)
            if bad:
                run_logger().warning("%s: %d unreadable lines, not indexed (kept in the file)", path, bad)
            stats = indexer.index(items)
            result.add(stats)
            result.unreadable += bad
            result.chunks[path] = len(items)
            # A rejected item is kept in the rejected file: re-reading the chunk would only refuse it again.
            if stats.failed == stats.rejected and not stats.dead_lettered:
                runstore.write_text(runstore.indexed_marker(path), stats.model_dump_json())
    except (ElasticsearchUnavailable, *UNREACHABLE) as exc:  # down, or stalled
        raise IndexUnavailable(f"Elasticsearch không truy cập được / unreachable at {settings.es_url}: {exc}") from exc
    except TemplateConflict as exc:  # an index contradicts the template: nothing written, the chunks wait
        raise IndexUnavailable(f"{exc} — {exc.hint}") from exc
    run_logger().info("indexed: %s", result.model_dump(exclude={"chunks"}))
    return result
