"""The daily pipeline: crawl every enabled source → analyse → index, as one Prefect flow.

Each source is its own task, retried on failure; a source that still fails is named in
the summary and the others go on. Every stage writes its output to the run folder
before the next stage starts (``flows.runstore``), and each run first finishes what an
earlier run left undone, so an Elasticsearch outage delays items but never loses them.
Document ids are stable, so rerunning a day overwrites instead of duplicating.

Call ``flows.prefect_env.configure_prefect(settings)`` before importing this module
when no Prefect server is configured (the CLI and the demo do).
"""

from __future__ import annotations

import logging
import time as clock
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, ParamSpec, TypeVar, cast

from prefect import Flow, flow, get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.futures import PrefectFuture
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from flows import runstore
from flows.claims import run_claims
from flows.politeness import source_hosts
from flows.summary import RunSummary, SourceRun, SourceStatus
from flows.tasks import (
    AnalyseResult,
    SourceDown,
    analyse_chunk,
    crawl_index_mark,
    crawl_source,
    index_chunks,
    run_logger,
)
from tinradar.schema import Claim, Document, utc_now
from tinradar.settings import Settings

P = ParamSpec("P")
R = TypeVar("R")

#: Crawls run in child processes; three at once keep 2 cores busy without thrashing.
CRAWL_CONCURRENCY = 3
#: Documents per analyse task: big enough to amortise a task, small enough to spread.
DEFAULT_CHUNK_SIZE = 2000


class PipelineFailed(RuntimeError):
    """A stage failed after its retries; ``summary`` says what was done and what is kept."""

    def __init__(self, message: str, summary: RunSummary) -> None:
        super().__init__(message)
        self.summary = summary


def today(settings: Settings) -> date:
    """The board's current day (in its time zone, not UTC)."""
    return datetime.now(settings.tz).date()


@dataclass
class Split:
    """A run's crawl files merged into unique-document chunks."""

    chunks: list[Path]
    crawled: int  # readable documents in the crawl files
    duplicates: int  # of which the same id was seen before (one copy is kept)
    unreadable: int  # lines of the crawl files that are not Documents (left in their file)


def _threads(workers: int) -> TaskRunner[PrefectFuture[Any]]:
    """A thread-pool task runner, typed as ``@flow`` asks (Prefect's own generics disagree: TaskRunner is invariant)."""
    return cast("TaskRunner[PrefectFuture[Any]]", ThreadPoolTaskRunner(max_workers=workers))


def split_run(run_dir: Path, chunk_size: int) -> Split:
    """Merge a run's crawl files into unique-document chunks.

    The same article can come from a feed and a sitemap, or from two sources: one copy
    (the last fetched) is analysed.
    """
    by_id: dict[str, Document] = {}
    crawled = unreadable = 0
    for path in sorted(run_dir.glob("crawl-*.jsonl")):
        docs, bad = runstore.read_documents(path)
        if bad:
            run_logger().warning("%s: %d unreadable lines, not analysed (kept in the file)", path, bad)
        crawled += len(docs)
        unreadable += bad
        for doc in docs:
            prior = by_id.get(doc.id)
            if prior is None or doc.fetched_at >= prior.fetched_at:
                by_id[doc.id] = doc
    docs = list(by_id.values())
    chunks: list[Path] = []
    for n, start in enumerate(range(0, len(docs), chunk_size)):
        path = run_dir / runstore.chunk_name("docs", n)
        runstore.write_jsonl(path, docs[start : start + chunk_size])
        chunks.append(path)
    runstore.write_text(run_dir / runstore.SPLIT_MARKER, f"{len(docs)}\n")
    return Split(chunks=chunks, crawled=crawled, duplicates=crawled - len(docs), unreadable=unreadable)


@flow(name="tinradar-analyse", task_runner=_threads(1))
def analyse_stage(
    settings: Settings, chunks: list[Path], claims: list[Claim] | None = None
) -> dict[str, AnalyseResult | str]:
    """Analyse chunks, one task each; returns the result (or error text) per chunk path.

    A separate flow so its task runner can be swapped without touching the crawl tasks:
    ``analyse_stage.with_options(task_runner=DaskTaskRunner(address=...))`` spreads the
    chunks over a Dask cluster (see docs/scaling.md).
    """
    futures = {str(path): analyse_chunk.submit(settings, path, claims) for path in chunks}
    results: dict[str, AnalyseResult | str] = {}
    for key, future in futures.items():
        try:
            results[key] = future.result()
        except Exception as exc:
            results[key] = f"{type(exc).__name__}: {exc}"
    return results


def _dask_runner(address: str) -> TaskRunner[Any]:
    """A task runner on the Dask cluster at ``address`` (both stages use the same cluster)."""
    from prefect_dask.task_runners import DaskTaskRunner

    return cast("TaskRunner[Any]", DaskTaskRunner(address=address))


@contextmanager
def _dask_cluster(dask_address: str | None) -> Iterator[str | None]:
    """The scheduler address both stages run on; ``"local"`` starts a cluster for this run.

    One cluster for the whole run (not one per stage, as ``DaskTaskRunner(cluster_kwargs=…)``
    would make): the crawl and the analyse stage share its workers, and the analysers a
    worker loaded stay loaded for every chunk it gets.
    """
    if dask_address != "local":
        yield dask_address or None
        return
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:  # type: ignore[no-untyped-call]
        yield str(cluster.scheduler_address)


def _stage(stage: Flow[P, R], address: str | None) -> Flow[P, R]:
    """``stage`` as it is (threads), or with its tasks on the Dask cluster at ``address``."""
    return stage if address is None else stage.with_options(task_runner=_dask_runner(address))


@flow(name="tinradar-crawl", task_runner=_threads(CRAWL_CONCURRENCY))
def crawl_stage(
    settings: Settings,
    since: dict[str, datetime],
    run_dir: Path,
    sources_file: Path,
    variables: dict[str, str] | None,
    hosts: dict[str, list[str]],
    retries: int,
    retry_delay_seconds: float,
    index_epoch: str | None = None,
    indexed_sources: list[str] | None = None,
) -> list[SourceRun]:
    """One task per source (crawled from its ``since``); a failing source becomes a FAILED/DOWN entry, never an exception.

    A separate flow, like ``analyse_stage``, so ``--dask`` can run its tasks on the Dask
    workers. Each task holds the locks of its source's ``hosts`` while it crawls
    (``flows.politeness``): two sources on one host are never crawled at the same time,
    whichever worker runs them. ``index_epoch``, ``indexed_sources``: the index the crawl
    feeds (``flows.tasks.crawl_index_mark``), so a crawl state that outlived it starts fresh.
    """
    task = crawl_source.with_options(retries=retries, retry_delay_seconds=retry_delay_seconds)
    futures = [
        (
            sid,
            task.submit(
                settings, sid, run_dir, start, sources_file, variables, hosts.get(sid), index_epoch, indexed_sources
            ),
        )
        for sid, start in since.items()
    ]
    results: list[SourceRun] = []
    for sid, future in futures:
        try:
            results.append(future.result())
        except Exception as exc:
            status = SourceStatus.DOWN if isinstance(exc, SourceDown) else SourceStatus.FAILED
            results.append(SourceRun(source_id=sid, status=status, error=f"{type(exc).__name__}: {exc}"[:500]))
    return results


@flow(name="tinradar-daily-pipeline", task_runner=_threads(CRAWL_CONCURRENCY))
def daily_pipeline(
    day: date | None = None,
    sources: list[str] | None = None,
    lookback_days: int | None = None,
    sources_file: Path | None = None,
    variables: dict[str, str] | None = None,
    settings: Settings | None = None,
    retries: int = 2,
    retry_delay_seconds: float = 30.0,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    dask_address: str | None = None,
    due_only: bool = False,
    now: datetime | None = None,
) -> RunSummary:
    """Crawl → analyse → index for ``day`` (default: today in the board's time zone).

    Args:
        day: the day the run is for; items published from ``day - lookback_days`` on are crawled.
        sources: source ids to crawl (default: every enabled source of the registry).
        lookback_days: how many days back to crawl (default: ``settings.lookback_days``).
        sources_file: the source registry (default: ``settings.sources_file``).
        variables: values for ``{placeholders}`` in the registry (the demo's ``base_url``).
        settings: TinRadar settings (default: from the environment).
        retries, retry_delay_seconds: per crawl and index task.
        chunk_size: documents per analyse task.
        dask_address: run the analyse stage on a Dask cluster (``"local"`` starts one).
        due_only: crawl only the sources whose cadence (hourly, daily, weekly) says they are
            due since their last good crawl; the scheduled runs of ``tinradar serve`` do.
            Ignored when ``sources`` names sources: those are always crawled.
        now: the run's start time (default: the clock); the soak (``bench/soak.py``) injects
            a simulated hour, which decides which sources are due.
    """
    from crawlers.registry import load_registry, select_sources, split_due

    settings = settings or Settings()
    day = day or today(settings)
    lookback = settings.lookback_days if lookback_days is None else lookback_days
    sources_file = Path(sources_file or settings.sources_file)
    logger = get_run_logger()

    run_dir = runstore.new_run_dir(settings, day)
    # Marked as going, so that a run started meanwhile leaves this folder alone (runstore).
    runstore.claim(run_dir)
    try:
        summary = RunSummary(day=day, run_id=run_dir.name, run_dir=run_dir, started_at=now or utc_now())
        pending = runstore.pending_work(settings, exclude=run_dir)
        if pending:
            logger.warning(
                "Earlier runs left work: %d crawls to split, %d chunks to analyse, %d to index — finishing them now",
                len(pending.unsplit),
                len(pending.unanalysed),
                len(pending.unindexed),
            )

        # 1. crawl --------------------------------------------------------------------------
        t0 = clock.monotonic()
        registry = select_sources(load_registry(sources_file, variables), sources)
        # The crawl state is trusted only for the index that is there now (crawlers.state).
        mark: tuple[str | None, list[str] | None] | None = None
        if due_only and not sources:
            try:
                last_crawled = runstore.read_last_crawled(settings)
            except ValueError as exc:
                logger.warning("%s: every source counts as due", exc)
                last_crawled = {}
            mark = crawl_index_mark(settings, [s.id for s in registry]) if registry else (None, None)
            due, waiting = split_due(registry, last_crawled, summary.started_at)
            # A source whose items the index lost (wiped node, new cluster) is due now, whatever its cadence.
            lost = {s.id for s in waiting if _outlived(settings, s.id, *mark)}
            due_now = {s.id for s in due} | lost
            registry = [s for s in registry if s.id in due_now]
            summary.not_due = [s.id for s in waiting if s.id not in lost]
        # A weekly source looks back over its whole week, whatever the lookback.
        since = {
            s.id: datetime.combine(day - max(timedelta(days=lookback), s.interval), time.min, tzinfo=settings.tz)
            for s in registry
        }
        hosts = {s.id: source_hosts(s) for s in registry}
        if mark is None:
            mark = crawl_index_mark(settings, list(since)) if since else (None, None)
        epoch, indexed = mark
        # The cluster (``--dask``) serves the crawl and the analyse stage, then is let go.
        with _dask_cluster(dask_address) as address:
            summary.sources = _stage(crawl_stage, address)(
                settings, since, run_dir, sources_file, variables, hosts, retries, retry_delay_seconds, epoch, indexed
            )
            crawled_ok = [s.source_id for s in summary.sources if s.status in (SourceStatus.OK, SourceStatus.PARTIAL)]
            runstore.record_crawled(settings, crawled_ok, summary.started_at)
            summary.stage_seconds["crawl"] = clock.monotonic() - t0

            # 2. merge + analyse ------------------------------------------------------------------
            t0 = clock.monotonic()
            split = split_run(run_dir, chunk_size)
            own_chunks = split.chunks
            summary.counts.crawled, summary.counts.duplicates = split.crawled, split.duplicates
            summary.counts.unreadable += split.unreadable
            old_chunks = list(pending.unanalysed)
            for old_run in pending.unsplit:
                old_split = split_run(old_run, chunk_size)
                old_chunks.extend(old_split.chunks)
                summary.counts.unreadable += old_split.unreadable
            to_analyse = old_chunks + own_chunks
            results: dict[str, AnalyseResult | str] = {}
            if to_analyse:
                stage = _stage(analyse_stage, address)
                # Every worker matches the same registry: read once here, from the index.
                known = run_claims(settings)
                if known.note:
                    logger.warning("%s", known.note)
                results = stage(settings, to_analyse, known.claims)
            for key, value in results.items():
                if isinstance(value, str):
                    summary.failures.append(f"Phân tích thất bại / analysis failed for {Path(key).name}: {value}")
                    continue
                summary.counts.add(value.drops)
                if Path(key) in own_chunks:
                    summary.counts.analysed += value.analysed
            summary.stage_seconds["analyse"] = clock.monotonic() - t0

        # 3. index ------------------------------------------------------------------------------
        t0 = clock.monotonic()
        scored = [runstore.scored_path_for(p) for p in to_analyse if runstore.scored_path_for(p).exists()]
        to_index = list(pending.unindexed) + scored
        own_scored = {runstore.scored_path_for(p) for p in own_chunks}
        if to_index:
            task = index_chunks.with_options(retries=retries, retry_delay_seconds=retry_delay_seconds)
            try:
                totals = task(settings, to_index)
            except Exception as exc:
                summary.failures.append(
                    f"Ghi chỉ mục thất bại sau {retries + 1} lần thử / indexing failed after {retries + 1} attempts: {str(exc).rstrip('.')}. "
                    f"Dữ liệu được giữ trong {settings.data_dir / 'runs'}; lượt chạy sau sẽ ghi tiếp "
                    "/ the items are kept on disk and the next run indexes them."
                )
            else:
                c = summary.counts
                c.indexed_new, c.indexed_updated, c.indexed_unchanged = totals.indexed, totals.updated, totals.unchanged
                c.index_failed, c.dead_lettered = totals.failed, totals.dead_lettered
                c.rejected = totals.rejected
                c.picked_up = sum(n for p, n in totals.chunks.items() if p not in own_scored) + totals.replayed
                c.unreadable += totals.unreadable
    finally:
        runstore.release(run_dir)  # over, done or failed: what it left counts as pending, as any run's
    left = runstore.pending_work(settings)
    summary.counts.pending = sum(runstore.count_lines(p) for p in [*left.unindexed, *left.unanalysed])
    summary.stage_seconds["index"] = clock.monotonic() - t0
    summary.finished_at = utc_now()

    _publish(summary, logger)
    if summary.failures:
        raise PipelineFailed(" | ".join(summary.failures), summary)
    return summary


def _outlived(settings: Settings, source_id: str, epoch: str | None, indexed: list[str] | None) -> bool:
    """Whether ``source_id``'s crawl state outlived the index (``crawlers.state.outlived_its_index``)."""
    from crawlers.state import outlived_its_index

    return outlived_its_index(settings.data_dir, source_id, epoch, None if indexed is None else source_id in indexed)


def _publish(summary: RunSummary, logger: logging.Logger | logging.LoggerAdapter[logging.Logger]) -> None:
    """Write the summary to the run folder, the Prefect UI (artifact) and the log."""
    runstore.write_text(summary.run_dir / "summary.json", summary.model_dump_json(indent=2))
    markdown = summary.to_markdown()
    try:
        create_markdown_artifact(markdown, key="tinradar-run-summary", description=f"TinRadar {summary.day}")
    except Exception as exc:  # the artifact is a convenience; the file and log are the record
        logger.warning("could not create the summary artifact: %s", exc)
    down = ", ".join(f"{s.source_id} ({s.status})" for s in summary.failed_sources) or "none"
    logger.info(
        "Run %s for %s: crawled %d, analysed %d, new %d, updated %d, pending %d; sources failing: %s",
        summary.run_id,
        summary.day,
        summary.counts.crawled,
        summary.counts.analysed,
        summary.counts.indexed_new,
        summary.counts.indexed_updated,
        summary.counts.pending,
        down,
    )
