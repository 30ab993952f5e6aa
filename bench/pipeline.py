"""Benchmark: the whole daily pipeline over the fixture site scaled to ≥ 5,000 items.

    .venv/bin/python bench/pipeline.py [--pages 5000] [--sources 4] [--no-baseline]
    .venv/bin/python bench/pipeline.py --pages 1000 --hosts 2 --workers 0,1,2 --no-baseline
    .venv/bin/python bench/pipeline.py --pages 300 --no-baseline --cache-dir /tmp/enc-cache   # cold, then warm

The fixture site is copied to a temporary folder and ``--pages`` extra articles are
generated into it (``fixture_site.generate.generate_bench``), split over ``--sources``
sitemaps so the flow runs several crawl tasks. Elasticsearch is ``TINRADAR_ES_URL`` when
set, else a local node started for the run. Prints items/min end to end and the time
per stage, then the same work done by a plain script in the same process (one crawl
call, ``nlp.Analyzer``, ``Indexer``: no Prefect, no run files) and the ratio, so the cost
of orchestration and of keeping every stage on disk is measured, not assumed.

``--workers 0,1,2`` runs the pipeline once per entry: 0 in the flow's own threads, N on a
local Dask cluster of N worker processes (one thread each) that runs both the crawl and
the analyse stage (``daily_pipeline(dask_address=…)``); every run has its own data folder
and index prefix, and the same Elasticsearch node. ``--hosts H`` serves the site H times
(H ports: H hosts to the crawl's politeness locks) and spreads the sources over them, so
crawls can run side by side; with one host they run one after the other by design.

``--cache-dir`` gives the runs their own cache folder (the encoder's vectors, the registry's
vectors): an empty one measures a cold encoder, the same one again a warm one, and no other
process writing to the shared cache meanwhile inflates the count of vectors embedded. That
count is the encoder's own (texts that went through the engine) when the flow runs in this
process, else the rows the run added to the cache. The load average is printed before and
after each run: on a shared machine it says what the figures are worth; so is the run's CPU
time (this process, its other processes, the Elasticsearch node when the bench started it),
which other jobs move less than the wall clock.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tinradar.settings import Settings  # noqa: E402

DAY = date(2021, 9, 3)
LOOKBACK = 20


def build_site(root: Path, pages: int, sources: int, hosts: int = 1) -> Path:
    """Copy the fixture site, add ``pages`` articles, split them over ``sources`` sitemaps; return the registry."""
    from fixture_site import generate as fixture_gen

    shutil.copytree(fixture_gen.SITE, root)
    urls = fixture_gen.generate_bench(root, pages)
    lines = ["sources:"]
    for k in range(sources):
        part = urls[k::sources]
        xml = fixture_gen.sitemap([(f"{fixture_gen.BASE}/{u}", None) for u in part])
        (root / "bench" / f"sitemap-{k}.xml").write_text(xml, encoding="utf-8")
        lines += [
            f"  - id: bench-{k}",
            f"    name: Bench {k}",
            "    kind: news",
            f'    sitemaps: ["{{{_host_var(k % hosts)}}}/bench/sitemap-{k}.xml"]',
            "    verified: true",
        ]
    registry = root / "bench-sources.yaml"
    registry.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return registry


def encoder_cache_size(settings: Settings) -> int:
    """Vectors in the encoder's on-disk cache (all versions): how much of the run was embedded anew."""
    import sqlite3

    total = 0
    for path in (settings.cache_dir / "encoder").glob("*.sqlite"):
        with sqlite3.connect(path) as db:
            total += db.execute("SELECT COUNT(*) FROM vec").fetchone()[0]
    return total


def embedded_in_process() -> int | None:
    """Texts this process's analysers sent through the encoder (None when none was loaded here)."""
    from flows.tasks import _ANALYZERS

    counts = [a.encoder.embedded for a in _ANALYZERS.values() if a.encoder is not None]
    return sum(counts) if counts else None


def cpu_seconds() -> dict[str, float]:
    """CPU time (user + system) so far: this process, its children (reaped and live: crawls,
    analysis processes, Dask workers), and the Elasticsearch node when this bench started it."""
    import resource

    import psutil  # type: ignore[import-untyped]

    me = psutil.Process()
    own = resource.getrusage(resource.RUSAGE_SELF)
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = {"flow": own.ru_utime + own.ru_stime, "children": reaped.ru_utime + reaped.ru_stime, "es": 0.0}
    for child in me.children(recursive=True):
        try:
            t = child.cpu_times()
            is_es = "elasticsearch" in " ".join(child.cmdline()).lower()
        except psutil.Error:
            continue
        out["es" if is_es else "children"] += t.user + t.system
    return out


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def _host_var(n: int) -> str:
    return "base_url" if n == 0 else f"host_{n}_url"


def start_es(settings: Settings) -> tuple[Settings, object | None]:
    if os.environ.get("TINRADAR_ES_URL"):
        return settings, None
    from index.node import LocalNode, free_port

    node = LocalNode(settings, port=free_port())
    status = node.start()
    return settings.model_copy(update={"es_url": status.url}), node


def baseline(
    settings: Settings, registry: Path, base_url: str, work: Path, variables: dict[str, str] | None = None
) -> dict[str, float]:
    """The same crawl → analyse → index as plain calls: the floor the flow is compared with."""
    from datetime import datetime, timedelta
    from datetime import time as dtime

    from crawlers.runner import crawl
    from flows.runstore import read_documents
    from index.client import connect
    from index.indexer import Indexer
    from index.templates import ensure_templates
    from nlp import Analyzer
    from tinradar.schema import ScoredItem

    out: dict[str, float] = {}
    t0 = time.perf_counter()
    since = datetime.combine(DAY - timedelta(days=LOOKBACK), dtime.min, tzinfo=settings.tz)
    crawl(
        settings,
        sources_file=registry,
        since=since,
        out_path=work / "all.jsonl",
        variables=variables or {"base_url": base_url},
        use_state=False,
    )
    docs, _ = read_documents(work / "all.jsonl")
    out["crawl"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    analyzer = Analyzer(settings)
    items = []
    for i in range(0, len(docs), settings.nlp_batch_size):
        batch = docs[i : i + settings.nlp_batch_size]
        items += [ScoredItem(document=d, analysis=a) for d, a in zip(batch, analyzer.analyze(batch), strict=True)]
    out["analyse"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    client = connect(settings)
    ensure_templates(client, settings)
    Indexer(client, settings).index(items)
    out["index"] = time.perf_counter() - t0
    out["items"] = len(items)
    return out


def run_once(
    settings: Settings,
    registry: Path,
    variables: dict[str, str],
    workers: int,
    pages: int,
    sources: int,
    chunk_size: int,
    save: Path | None = None,
    check: Path | None = None,
) -> float:
    """One pipeline run (threads when ``workers`` is 0, else a LocalCluster of that many processes); prints its figures."""
    from contextlib import nullcontext

    from flows.pipeline import daily_pipeline

    cluster_cm: object = nullcontext(None)
    if workers:
        from distributed import LocalCluster

        cluster_cm = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
    cached_before = encoder_cache_size(settings)
    embedded_before = embedded_in_process() or 0
    load_before = load()
    cpu_before = cpu_seconds()
    with cluster_cm as cluster:  # type: ignore[attr-defined]
        t0 = time.perf_counter()
        summary = daily_pipeline(
            day=DAY,
            lookback_days=LOOKBACK,
            sources_file=registry,
            variables=variables,
            settings=settings,
            retries=0,
            retry_delay_seconds=0,
            chunk_size=chunk_size,
            dask_address=cluster.scheduler_address if cluster is not None else None,
        )
        total = time.perf_counter() - t0
        cpu = {k: v - cpu_before[k] for k, v in cpu_seconds().items()}
    c = summary.counts
    items = c.analysed
    where = f"Dask LocalCluster, {workers} worker process(es) × 1 thread" if workers else "the flow's threads (no Dask)"
    print(f"pipeline on {where}: {pages} bench pages over {sources} sources, {len(variables)} host(s)")
    print(
        f"  items analysed+indexed: {items} (crawled {c.crawled}, new {c.indexed_new}, failed sources {len(summary.failed_sources)})"
    )
    print(f"  end to end: {total:.1f} s → {items / total * 60:,.0f} items/min (incl. Prefect's temporary server start)")
    for stage, secs in summary.stage_seconds.items():
        print(f"  {stage:8s} {secs:7.1f} s  ({secs / max(total, 1e-9):.0%})", flush=True)
    in_process = embedded_in_process()
    added = encoder_cache_size(settings) - cached_before
    embedded = f"{in_process - embedded_before} texts through the engine" if in_process is not None else "?"
    print(
        f"  encoder {settings.encoder}: {embedded}, {added} vectors added to the cache "
        f"(cache {settings.cache_dir / 'encoder'} held {cached_before} before the run)"
    )
    print(
        f"  CPU time: {sum(cpu.values()):.1f} s = this process {cpu['flow']:.1f} s + its other processes "
        f"{cpu['children']:.1f} s + Elasticsearch {cpu['es']:.1f} s (the node only when started by this bench)"
    )
    print(f"  load average (1/5/15 min) before {load_before}, after {load()}; {os.cpu_count()} cores")
    if save is not None or check is not None:
        compare_analyses(settings, save, check)
    return items / total * 60


def run_analyses(settings: Settings) -> list[dict[str, object]]:
    """Every analysis the run wrote (its scored chunks), by document id, ``analyzed_at`` left out."""
    from flows.runstore import read_scored

    rows = []
    for path in sorted(settings.data_dir.rglob("scored-*.jsonl")):
        items, _ = read_scored(path)
        rows += [i.analysis.model_dump(mode="json", exclude={"analyzed_at"}) for i in items]
    return sorted(rows, key=lambda r: str(r["doc_id"]))


def compare_analyses(settings: Settings, save: Path | None, check: Path | None) -> None:
    """``--save-analyses``: keep this run's analyses; ``--check-analyses``: say whether they are those of the file.

    A speed change must leave every score, cue, claim, cluster and note as it was: this
    compares the whole flow's output (clusters from Elasticsearch included), not the analyser alone.
    """
    save_or_check(run_analyses(settings), save, check)


def save_or_check(rows: list[dict[str, object]], save: Path | None, check: Path | None) -> bool:
    """Write ``rows`` (analyses as JSON, in document order) to ``save`` and/or compare them with the
    file ``check``, printing what differs (the first five documents, by field); False when any does.
    Shared by this bench and ``bench/analyse.py``."""
    import json

    if save is not None:
        save.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
        print(f"  {len(rows)} analyses written to {save}")
    if check is None:
        return True
    ref = json.loads(check.read_text(encoding="utf-8"))
    differ = [(r, a) for r, a in zip(ref, rows, strict=False) if r != a]
    if len(ref) != len(rows) or differ:
        print(f"  analyses DIFFER from {check}: {len(differ)} of {len(rows)} ({len(ref)} in the file)")
        for r, a in differ[:5]:
            print(f"    {r['doc_id']}: {[k for k in r if r[k] != a.get(k)]}")
        return False
    print(f"  analyses identical to {check}: {len(rows)}")
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--sources", type=int, default=4)
    parser.add_argument("--hosts", type=int, default=1, help="serve the site this many times (one host each)")
    parser.add_argument(
        "--workers", default="0", help="comma list: 0 = the flow's threads, N = a local Dask cluster of N processes"
    )
    parser.add_argument("--chunk-size", type=int, default=1000, help="documents per analyse task")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument(
        "--cache-dir", type=Path, default=None, help="the runs' cache folder (encoder vectors); default the settings'"
    )
    parser.add_argument("--save-analyses", type=Path, default=None, help="write the (last) run's analyses here")
    parser.add_argument("--check-analyses", type=Path, default=None, help="compare each run's analyses with this file")
    args = parser.parse_args()
    runs = [int(w) for w in args.workers.split(",")]

    tmp = Path(tempfile.mkdtemp(prefix="tinradar-bench-pipeline-"))
    settings = Settings(data_dir=tmp / "data", es_index_prefix="bench-pipeline", concurrency_per_domain=8)
    from flows.prefect_env import configure_prefect

    configure_prefect(settings)
    registry = build_site(tmp / "site", args.pages, args.sources, args.hosts)
    settings, node = start_es(settings)
    from fixture_site.server import serve_fixture_site

    try:
        with ExitStack() as servers:
            variables = {
                _host_var(n): servers.enter_context(serve_fixture_site(root=tmp / "site", slow_seconds=1.0))
                for n in range(args.hosts)
            }
            base_url = variables["base_url"]
            for n, workers in enumerate(runs):
                update: dict[str, object] = {"data_dir": tmp / f"data-{n}", "es_index_prefix": f"bench-pipeline-{n}"}
                if args.cache_dir is not None:
                    update["cache_dir"] = args.cache_dir
                run_settings = settings.model_copy(update=update)
                items_per_min = run_once(
                    run_settings,
                    registry,
                    variables,
                    workers,
                    args.pages,
                    args.sources,
                    args.chunk_size,
                    args.save_analyses,
                    args.check_analyses,
                )
            if not args.no_baseline:
                base_settings = settings.model_copy(
                    update={"es_index_prefix": "bench-baseline", "data_dir": tmp / "base"}
                )
                work = tmp / "baseline"
                work.mkdir()
                b = baseline(base_settings, registry, base_url, work, variables)
                b_total = b["crawl"] + b["analyse"] + b["index"]
                print(
                    f"baseline (plain calls, same process): {int(b['items'])} items in {b_total:.1f} s → {b['items'] / b_total * 60:,.0f} items/min"
                )
                for stage in ("crawl", "analyse", "index"):
                    print(f"  {stage:8s} {b[stage]:7.1f} s")
                print(
                    f"ratio pipeline (last run)/baseline (items/min): {items_per_min / (b['items'] / b_total * 60):.2f}"
                )
    finally:
        if node is not None:
            node.stop()  # type: ignore[attr-defined]
            shutil.rmtree(node.node_dir, ignore_errors=True)  # type: ignore[attr-defined]
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
