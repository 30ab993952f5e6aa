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
from datetime import datetime
from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from crawlers.summary import CrawlSummary
from flows import runstore
from flows.summary import SourceRun, SourceStatus
from tinradar.settings import Settings


class SourceDown(RuntimeError):
    """A source returned nothing and its requests failed: the site is down or has changed."""


class IndexUnavailable(RuntimeError):
    """Elasticsearch could not be reached or refused the writes; the chunks stay on disk."""


def _logger() -> logging.Logger | logging.LoggerAdapter[logging.Logger]:
    try:
        return get_run_logger()
    except Exception:  # outside a run (direct call in a unit test)
        return logging.getLogger("tinradar.flows")


# --- crawl ----------------------------------------------------------------------------


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def source_run_from(summary: CrawlSummary, source_id: str, written: int) -> SourceRun:
    """Turn the crawler's ``CrawlSummary`` for one source into our ``SourceRun``.

    ``written`` is the number of Documents in the output file (the truth on disk).
    A source that gave nothing while every request failed is *down*: ``SourceDown`` is
    raised so Prefect retries it, and the flow reports it if it stays down. A source
    that gave nothing new because everything was already seen is fine.
    """
    entry = summary.source(source_id)
    failed = entry.failed_requests
    failed_total = sum(failed.values())
    if written == 0 and (entry.errors or (failed_total and failed_total == entry.total_skipped)):
        detail = "; ".join(entry.errors[:2]) or ", ".join(f"{k}: {v}" for k, v in failed.items())
        raise SourceDown(f"nguồn {source_id} không trả về mục nào / no items ({detail})")
    errors = len(entry.errors) + failed_total
    status = SourceStatus.PARTIAL if errors else SourceStatus.OK
    return SourceRun(source_id=source_id, status=status, items=written, skipped=dict(entry.skipped), errors=errors)


@task(name="crawl-source", cache_policy=NO_CACHE, task_run_name="crawl-{source_id}")
def crawl_source(
    settings: Settings,
    source_id: str,
    run_dir: Path,
    since: datetime | None,
    sources_file: Path,
    variables: dict[str, str] | None = None,
) -> SourceRun:
    """Crawl one source in a child process (Twisted's reactor cannot restart in ours)."""
    from crawlers.runner import crawl

    out_path = run_dir / f"crawl-{source_id}.jsonl"
    summary = crawl(
        settings,
        sources_file=sources_file,
        source_ids=[source_id],
        since=since,
        out_path=out_path,
        variables=variables,
    )
    written = runstore.count_lines(out_path) if out_path.exists() else 0
    result = source_run_from(summary, source_id, written)
    _logger().info("crawled %s: %d items, %d errors", source_id, result.items, result.errors)
    return result


# --- analyse ----------------------------------------------------------------------------

#: Loaded analysers per worker process. Loading models takes seconds and memory; a
#: worker (this process, or a Dask worker) loads them once and reuses them for every
#: chunk it is given. Keyed by what determines the models.
_ANALYZERS: dict[tuple[str, ...], Any] = {}


def get_analyzer(settings: Settings) -> Any:
    """The ``nlp.Analyzer`` for these settings, loaded once per process."""
    key = (
        str(settings.models_dir),
        str(settings.claims_file),
        settings.nlp_backend,
        str(settings.transformers_model_dir),
        str(settings.data_dir),
    )
    if key not in _ANALYZERS:
        from nlp import Analyzer

        _ANALYZERS[key] = Analyzer(settings)
    return _ANALYZERS[key]


def analyse_documents(settings: Settings, docs: list[Any]) -> list[Any]:
    """Analyse in batches of ``nlp_batch_size``; returns ScoredItems in input order."""
    from tinradar.schema import ScoredItem

    analyzer = get_analyzer(settings)
    items: list[ScoredItem] = []
    size = settings.nlp_batch_size
    for start in range(0, len(docs), size):
        batch = docs[start : start + size]
        analyses = analyzer.analyze(batch)
        items.extend(ScoredItem(document=d, analysis=a) for d, a in zip(batch, analyses, strict=True))
    return items


@task(name="analyse-chunk", cache_policy=NO_CACHE, task_run_name="analyse-{docs_path.name}")
def analyse_chunk(settings: Settings, docs_path: Path) -> int:
    """Analyse one ``docs-NNN.jsonl`` chunk and write its ``scored-NNN.jsonl``; return the count."""
    docs, bad = runstore.read_documents(docs_path)
    if bad:
        _logger().warning("%s: %d unreadable lines skipped", docs_path, bad)
    items = analyse_documents(settings, docs)
    n = runstore.write_scored(runstore.scored_path_for(docs_path), items)
    _logger().info("analysed %s: %d items", docs_path.name, n)
    return n


# --- index --------------------------------------------------------------------------------


def _stat(stats: Any, name: str) -> int:
    return int(_get(stats, name, 0) or 0)


@task(name="index-chunks", cache_policy=NO_CACHE)
def index_chunks(settings: Settings, scored_paths: list[Path]) -> dict[str, Any]:
    """Index scored chunks (and replay earlier dead letters); mark each chunk that went in whole.

    Raises ``IndexUnavailable`` when Elasticsearch cannot be reached, so Prefect retries
    the task; the chunks stay unmarked on disk and the next run indexes them.
    """
    from elasticsearch import ConnectionError as TransportConnectionError

    from index.client import ElasticsearchUnavailable, connect
    from index.indexer import Indexer
    from index.templates import ensure_templates

    totals = {"indexed": 0, "updated": 0, "unchanged": 0, "failed": 0, "dead_lettered": 0, "replayed": 0}
    per_chunk: dict[str, int] = {}
    try:
        client = connect(settings)
        ensure_templates(client, settings)
        indexer = Indexer(client, settings)
        replay = indexer.replay()
        totals["replayed"] = _stat(replay, "indexed") + _stat(replay, "updated") + _stat(replay, "unchanged")
        for path in scored_paths:
            items = runstore.read_scored(path)
            stats = indexer.index(items)
            for key in ("indexed", "updated", "unchanged", "failed", "dead_lettered"):
                totals[key] += _stat(stats, key)
            per_chunk[str(path)] = len(items)
            if not _stat(stats, "failed") and not _stat(stats, "dead_lettered"):
                runstore.write_text(runstore.indexed_marker(path), _dump(stats))
    except (ElasticsearchUnavailable, TransportConnectionError) as exc:
        raise IndexUnavailable(f"Elasticsearch không truy cập được / unreachable at {settings.es_url}: {exc}") from exc
    totals["chunks"] = per_chunk  # type: ignore[assignment]
    _logger().info("indexed: %s", {k: v for k, v in totals.items() if k != "chunks"})
    return totals


def _dump(stats: Any) -> str:
    if hasattr(stats, "model_dump_json"):
        return stats.model_dump_json()
    import json

    return json.dumps(stats if isinstance(stats, dict) else vars(stats), default=str)
