"""The daily pipeline: crawl every enabled source → analyse → index, as one Prefect flow.

Each source is its own task, retried on failure; a source that still fails is named in
the summary and the others go on. A source's documents are analysed as soon as its crawl
ends, while the other sources crawl (``overlap=False``: crawl all, then analyse). Every
stage writes its output to the run folder before the next stage reads it
(``flows.runstore``), and each run first finishes what an earlier run left undone, so an
Elasticsearch outage delays items but never loses them.
Document ids are stable, so rerunning a day overwrites instead of duplicating.

Call ``flows.prefect_env.configure_prefect(settings)`` before importing this module
when no Prefect server is configured (the CLI and the demo do).
"""

from __future__ import annotations

import importlib
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
from prefect.futures import PrefectFuture, as_completed
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from flows import runstore
from flows.claims import run_claims
from flows.politeness import source_hosts
from flows.split import RunSplitter, Split, split_run
from flows.summary import RunSummary, SourceRun, SourceStatus
from flows.tasks import AnalyseResult, SourceDown, analyse_chunk, crawl_source, index_chunks
from tinradar.schema import Claim, utc_now
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


def _threads(workers: int) -> TaskRunner[PrefectFuture[Any]]:
    """A thread-pool task runner, typed as ``@flow`` asks (Prefect's own generics disagree: TaskRunner is invariant)."""
    return cast("TaskRunner[PrefectFuture[Any]]", ThreadPoolTaskRunner(max_workers=workers))


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
) -> list[SourceRun]:
    """One task per source (crawled from its ``since``); a failing source becomes a FAILED/DOWN entry, never an exception.

    A separate flow, like ``analyse_stage``, so ``--dask`` can run its tasks on the Dask
    workers. Each task holds the locks of its source's ``hosts`` while it crawls
    (``flows.politeness``): two sources on one host are never crawled at the same time,
    whichever worker runs them.
    """
    task = crawl_source.with_options(retries=retries, retry_delay_seconds=retry_delay_seconds)
    futures = [
        (sid, task.submit(settings, sid, run_dir, start, sources_file, variables, hosts.get(sid)))
        for sid, start in since.items()
    ]
    results: list[SourceRun] = []
    for sid, future in futures:
        try:
            results.append(future.result())
        except Exception as exc:
            results.append(_crawl_failure(sid, exc))
    return results


def _crawl_failure(source_id: str, exc: Exception) -> SourceRun:
    """A crawl task that failed after its retries, as a FAILED (or DOWN) entry."""
    status = SourceStatus.DOWN if isinstance(exc, SourceDown) else SourceStatus.FAILED
    return SourceRun(source_id=source_id, status=status, error=f"{type(exc).__name__}: {exc}"[:500])


def _import_before_threads() -> None:
    """Import what configures logging on import before crawl and analysis threads run side by side.

    underthesea (word segmentation, imported lazily at the first text analysed) calls
    ``logging.config.dictConfig`` when imported, which flushes every handler while it holds
    the logging lock; Prefect's API log handler then waits for Prefect's log service, which
    a crawl task thread logging at that moment holds while it waits for the logging lock: a
    deadlock (seen in ``bench/pipeline.py``, the analysis of the first chunk never returned).
    Imported here, in the stage's own thread before any task starts, it cannot meet one.
    """
    importlib.import_module("underthesea")


@dataclass
class CrawlAnalysed:
    """What the overlapped crawl + analyse stage did, with its time spans (they overlap)."""

    sources: list[SourceRun]
    split: Split  # this run's crawl files: the whole run's counts, its chunks
    results: dict[str, AnalyseResult | str]  # per chunk path (earlier runs' chunks included)
    crawl_seconds: float  # from the stage's start to the last crawl's end
    analyse_seconds: float  # from the first chunk given to analysis to the last one analysed
    seconds: float  # the stage's wall clock: both together


@flow(name="tinradar-crawl-analyse", task_runner=_threads(CRAWL_CONCURRENCY))
def crawl_analyse_stage(
    settings: Settings,
    since: dict[str, datetime],
    run_dir: Path,
    sources_file: Path,
    variables: dict[str, str] | None,
    hosts: dict[str, list[str]],
    retries: int,
    retry_delay_seconds: float,
    chunk_size: int,
    earlier_chunks: list[Path],
    started_at: datetime,
) -> CrawlAnalysed:
    """Crawl every source and analyse each one's documents as soon as its crawl ends.

    The crawl tasks run as in ``crawl_stage`` (same threads, same host locks); analysis
    runs in a thread of its own, one chunk at a time as in ``analyse_stage``, so the CPU
    work of analysing the first sources fills the time the later ones spend crawling (on
    one host they crawl one after the other). Earlier runs' chunks are analysed first,
    while the crawls start. ``flows.split.RunSplitter`` cuts the chunks ``split_run``
    would cut, at the analyser's batch boundaries, as soon as the crawl files they come
    from are final (in file-name order), so the analyses are those of the sequential
    order; ``split.done`` is written once every crawl has ended, so a run that dies
    before is finished by the next one (``split_run`` keeps the pieces on disk), and one
    that dies later like any other.
    """
    logger = get_run_logger()
    t0 = clock.monotonic()
    _import_before_threads()
    task = crawl_source.with_options(retries=retries, retry_delay_seconds=retry_delay_seconds)
    crawls = {
        task.submit(settings, sid, run_dir, start, sources_file, variables, hosts.get(sid)): sid
        for sid, start in since.items()
    }
    analyses: dict[str, PrefectFuture[AnalyseResult]] = {}
    claims: list[list[Claim]] = []  # the run's registry, read when the first chunk is ready
    first_analysis: list[float] = []
    analysers: ThreadPoolTaskRunner[Any] = ThreadPoolTaskRunner(max_workers=1)
    with analysers:

        def analyse(chunks: list[Path]) -> None:
            if not chunks:
                return
            if not claims:
                known = run_claims(settings)  # every chunk is matched against the same registry
                if known.note:
                    logger.warning("%s", known.note)
                claims.append(known.claims)
                first_analysis.append(clock.monotonic())
            for path in chunks:
                params = {"settings": settings, "docs_path": path, "claims": claims[0]}
                analyses[str(path)] = analysers.submit(analyse_chunk, params)

        analyse(earlier_chunks)
        splitter = RunSplitter(run_dir, list(since), chunk_size, settings.nlp_batch_size)
        crawled: dict[str, SourceRun] = {}
        for future in as_completed(list(crawls)):
            sid = crawls[future]
            try:
                crawled[sid] = future.result()
            except Exception as exc:
                crawled[sid] = _crawl_failure(sid, exc)
            # a failed source's partial file is analysed too, as in split_run
            analyse(splitter.ended_crawl(sid))
        crawl_seconds = clock.monotonic() - t0
        sources = [crawled[sid] for sid in since]
        ok = [s.source_id for s in sources if s.status in (SourceStatus.OK, SourceStatus.PARTIAL)]
        runstore.record_crawled(settings, ok, started_at)
        pieces = len(splitter.split.chunks)
        split = splitter.finish()  # the last pieces; split.done
        analyse(split.chunks[pieces:])
        results: dict[str, AnalyseResult | str] = {}
        for key, analysis in analyses.items():
            try:
                results[key] = analysis.result()
            except Exception as exc:
                results[key] = f"{type(exc).__name__}: {exc}"
    end = clock.monotonic()
    return CrawlAnalysed(
        sources=sources,
        split=split,
        results=results,
        crawl_seconds=crawl_seconds,
        analyse_seconds=end - first_analysis[0] if first_analysis else 0.0,
        seconds=end - t0,
    )


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
    overlap: bool = True,
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
        overlap: analyse each source's documents as soon as its crawl ends, while the
            others crawl (``crawl_analyse_stage``); False runs the stages one after the
            other (crawl every source, then analyse), as ``dask_address`` always does.
            ``bench/pipeline.py --orders`` measures one against the other.
    """
    from crawlers.registry import load_registry, select_sources, split_due

    settings = settings or Settings()
    day = day or today(settings)
    lookback = settings.lookback_days if lookback_days is None else lookback_days
    sources_file = Path(sources_file or settings.sources_file)
    logger = get_run_logger()

    run_dir = runstore.new_run_dir(settings, day)
    summary = RunSummary(day=day, run_id=run_dir.name, run_dir=run_dir, started_at=now or utc_now())
    pending = runstore.pending_work(settings, exclude=run_dir)
    if pending:
        logger.warning(
            "Earlier runs left work: %d crawls to split, %d chunks to analyse, %d to index — finishing them now",
            len(pending.unsplit),
            len(pending.unanalysed),
            len(pending.unindexed),
        )

    # Earlier runs' crawl files are cut into chunks first: their chunks then wait with the
    # others (an overlapped run analyses them while this one crawls).
    for old_run in pending.unsplit:
        summary.counts.unreadable += split_run(old_run, chunk_size).unreadable
    if pending.unsplit:  # a run that died mid-crawl may have left chunks, scored or not
        pending = runstore.pending_work(settings, exclude=run_dir)

    # 1. crawl --------------------------------------------------------------------------
    t0 = clock.monotonic()
    registry = select_sources(load_registry(sources_file, variables), sources)
    if due_only and not sources:
        try:
            last_crawled = runstore.read_last_crawled(settings)
        except ValueError as exc:
            logger.warning("%s: every source counts as due", exc)
            last_crawled = {}
        registry, waiting = split_due(registry, last_crawled, summary.started_at)
        summary.not_due = [s.id for s in waiting]
    # A weekly source looks back over its whole week, whatever the lookback.
    since = {
        s.id: datetime.combine(day - max(timedelta(days=lookback), s.interval), time.min, tzinfo=settings.tz)
        for s in registry
    }
    hosts = {s.id: source_hosts(s) for s in registry}
    old_chunks = list(pending.unanalysed)
    split: Split
    results: dict[str, AnalyseResult | str]
    # The cluster (``--dask``) serves the crawl and the analyse stage, then is let go.
    with _dask_cluster(dask_address) as address:
        if overlap and address is not None:
            logger.info(
                "--dask: crawl, then analysis, one after the other (the overlapped order runs in the flow's own threads)"
            )
        if overlap and address is None:
            # 1+2. crawl and analyse at once ------------------------------------------------
            done = crawl_analyse_stage(
                settings,
                since,
                run_dir,
                sources_file,
                variables,
                hosts,
                retries,
                retry_delay_seconds,
                chunk_size,
                old_chunks,
                summary.started_at,
            )
            summary.sources, split, results = done.sources, done.split, done.results
            # Spans: crawl from the stage's start, analyse from its first chunk; they overlap,
            # and "crawl+analyse" is the wall clock of both together.
            summary.stage_seconds["crawl"] = done.crawl_seconds
            summary.stage_seconds["analyse"] = done.analyse_seconds
            summary.stage_seconds["crawl+analyse"] = done.seconds
        else:
            summary.sources = _stage(crawl_stage, address)(
                settings, since, run_dir, sources_file, variables, hosts, retries, retry_delay_seconds
            )
            crawled_ok = [s.source_id for s in summary.sources if s.status in (SourceStatus.OK, SourceStatus.PARTIAL)]
            runstore.record_crawled(settings, crawled_ok, summary.started_at)
            summary.stage_seconds["crawl"] = clock.monotonic() - t0

            # 2. merge + analyse ------------------------------------------------------------------
            t0 = clock.monotonic()
            split = split_run(run_dir, chunk_size)
            results = {}
            if old_chunks or split.chunks:
                stage = _stage(analyse_stage, address)
                # Every worker matches the same registry: read once here, from the index.
                known = run_claims(settings)
                if known.note:
                    logger.warning("%s", known.note)
                results = stage(settings, old_chunks + split.chunks, known.claims)
            summary.stage_seconds["analyse"] = clock.monotonic() - t0
    own_chunks = split.chunks
    to_analyse = old_chunks + own_chunks
    summary.counts.crawled, summary.counts.duplicates = split.crawled, split.duplicates
    summary.counts.unreadable += split.unreadable
    for key, value in results.items():
        if isinstance(value, str):
            summary.failures.append(f"Phân tích thất bại / analysis failed for {Path(key).name}: {value}")
            continue
        summary.counts.add(value.drops)
        if Path(key) in own_chunks:
            summary.counts.analysed += value.analysed

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
            c.picked_up = sum(n for p, n in totals.chunks.items() if p not in own_scored) + totals.replayed
            c.unreadable += totals.unreadable
    summary.counts.pending = sum(runstore.count_lines(p) for p in runstore.pending_work(settings).unindexed) + sum(
        runstore.count_lines(p) for p in runstore.pending_work(settings).unanalysed
    )
    summary.stage_seconds["index"] = clock.monotonic() - t0
    summary.finished_at = utc_now()

    _publish(summary, logger)
    if summary.failures:
        raise PipelineFailed(" | ".join(summary.failures), summary)
    return summary


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
