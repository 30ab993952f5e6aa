"""Benchmark: the whole daily pipeline over the fixture site scaled to ≥ 5,000 items.

    .venv/bin/python bench/pipeline.py [--pages 5000] [--sources 4] [--no-baseline]

The fixture site is copied to a temporary folder and ``--pages`` extra articles are
generated into it (``fixture_site.generate.generate_bench``), split over ``--sources``
sitemaps so the flow runs several crawl tasks. Elasticsearch is ``TINRADAR_ES_URL`` when
set, else a local node started for the run. Prints items/min end to end and the time
per stage, then the same work done by a plain script in the same process (one crawl
call, ``nlp.Analyzer``, ``Indexer``: no Prefect, no run files) and the ratio, so the cost
of orchestration and of keeping every stage on disk is measured, not assumed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tinradar.settings import Settings  # noqa: E402

DAY = date(2021, 9, 3)
LOOKBACK = 20


def build_site(root: Path, pages: int, sources: int) -> Path:
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
            f'    sitemaps: ["{{base_url}}/bench/sitemap-{k}.xml"]',
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


def start_es(settings: Settings) -> tuple[Settings, object | None]:
    if os.environ.get("TINRADAR_ES_URL"):
        return settings, None
    from index.node import LocalNode, free_port

    node = LocalNode(settings, port=free_port())
    status = node.start()
    return settings.model_copy(update={"es_url": status.url}), node


def baseline(settings: Settings, registry: Path, base_url: str, work: Path) -> dict[str, float]:
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
        variables={"base_url": base_url},
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--sources", type=int, default=4)
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="tinradar-bench-pipeline-"))
    settings = Settings(data_dir=tmp / "data", es_index_prefix="bench-pipeline", concurrency_per_domain=8)
    from flows.prefect_env import configure_prefect

    configure_prefect(settings)
    registry = build_site(tmp / "site", args.pages, args.sources)
    settings, node = start_es(settings)
    from fixture_site.server import serve_fixture_site
    from flows.pipeline import daily_pipeline

    cached_before = encoder_cache_size(settings)
    try:
        with serve_fixture_site(root=tmp / "site", slow_seconds=1.0) as base_url:
            t0 = time.perf_counter()
            summary = daily_pipeline(
                day=DAY,
                lookback_days=LOOKBACK,
                sources_file=registry,
                variables={"base_url": base_url},
                settings=settings,
                retries=0,
                retry_delay_seconds=0,
                chunk_size=1000,
            )
            total = time.perf_counter() - t0
            c = summary.counts
            items = c.analysed
            print(f"pipeline: {args.pages} bench pages over {args.sources} sources (sitemaps)")
            print(
                f"  items analysed+indexed: {items} (crawled {c.crawled}, new {c.indexed_new}, failed sources {len(summary.failed_sources)})"
            )
            print(
                f"  end to end: {total:.1f} s → {items / total * 60:,.0f} items/min (incl. Prefect's temporary server start)"
            )
            for stage, secs in summary.stage_seconds.items():
                print(f"  {stage:8s} {secs:7.1f} s  ({secs / max(total, 1e-9):.0%})")
            print(
                f"  encoder {settings.encoder}: {encoder_cache_size(settings) - cached_before} vectors newly embedded "
                f"(cache {settings.cache_dir / 'encoder'} held {cached_before} before the run)"
            )
            if not args.no_baseline:
                base_settings = settings.model_copy(
                    update={"es_index_prefix": "bench-baseline", "data_dir": tmp / "base"}
                )
                work = tmp / "baseline"
                work.mkdir()
                b = baseline(base_settings, registry, base_url, work)
                b_total = b["crawl"] + b["analyse"] + b["index"]
                print(
                    f"baseline (plain calls, same process): {int(b['items'])} items in {b_total:.1f} s → {b['items'] / b_total * 60:,.0f} items/min"
                )
                for stage in ("crawl", "analyse", "index"):
                    print(f"  {stage:8s} {b[stage]:7.1f} s")
                print(f"ratio pipeline/baseline (items/min): {(items / total) / (b['items'] / b_total):.2f}")
    finally:
        if node is not None:
            node.stop()  # type: ignore[attr-defined]
            shutil.rmtree(node.node_dir, ignore_errors=True)  # type: ignore[attr-defined]
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
