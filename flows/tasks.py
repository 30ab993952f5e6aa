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


def _as_count(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, dict):
        return sum(_as_count(v) for v in value.values())
    if isinstance(value, list | tuple):
        return len(value)
    return int(value)


def source_run_from(summary: Any, source_id: str, written: int) -> SourceRun:
    """Turn the crawler's ``CrawlSummary`` for one source into our ``SourceRun``.

    ``written`` is the number of Documents in the output file (the truth on disk).
    A source that gave nothing while every request failed is *down*: ``SourceDown`` is
    raised so Prefect retries it, and the flow reports it if it stays down. A source
    that gave nothing new because everything was already seen is fine.
    """
    per_source = _get(summary, "sources")
    entry: Any = None
    if isinstance(per_source, dict):
        entry = per_source.get(source_id)
    elif isinstance(per_source, list):
        entry = next((s for s in per_source if _get(s, "source_id", _get(s, "id")) == source_id), None)
    entry = entry if entry is not None else summary
    skipped_raw = _get(entry, "skipped", {}) or {}
    skipped = {str(k): _as_count(v) for k, v in skipped_raw.items()} if isinstance(skipped_raw, dict) else {}
    errors_raw = _get(entry, "errors", 0)
    errors = _as_count(errors_raw)
    failed_requests = sum(n for reason, n in skipped.items() if is_failure_reason(reason))
    fatal = _get(entry, "fatal", None) or _get(entry, "error", None)
    if written == 0 and (fatal or errors or (failed_requests and failed_requests == sum(skipped.values()))):
        reasons = ", ".join(f"{k}: {v}" for k, v in skipped.items() if is_failure_reason(k))
        detail = fatal or (
            "; ".join(str(e) for e in errors_raw[:2]) if isinstance(errors_raw, list) and errors_raw else reasons
        )
        raise SourceDown(f"nguồn {source_id} không trả về mục nào / no items ({detail})")
    status = SourceStatus.PARTIAL if errors or failed_requests else SourceStatus.OK
    return SourceRun(
        source_id=source_id, status=status, items=written, skipped=skipped, errors=errors + failed_requests
    )


#: Skip reasons that mean a request failed (as opposed to "nothing new": already_seen,
#: not_modified, too_old, off_topic, duplicate_url…).
_FAILURE_REASONS = {
    "timeout",
    "connection_error",
    "redirect_loop",
    "too_large",
    "broken_feed",
    "broken_sitemap",
    "ignored",
}


def is_failure_reason(reason: str) -> bool:
    return reason in _FAILURE_REASONS or reason.startswith(("http_", "error_"))


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
