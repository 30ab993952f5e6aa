"""Benchmark and equality check: the analyser alone over the pipeline bench's documents.

    .venv/bin/python bench/analyse.py --pages 500 --cache-dir /tmp/enc-cache --docs /tmp/docs-500.jsonl --save /tmp/ref.json
    .venv/bin/python bench/analyse.py --pages 500 --cache-dir /tmp/enc-cache --docs /tmp/docs-500.jsonl --check /tmp/ref.json
    .venv/bin/python bench/analyse.py ... --profile /tmp/analyse.prof   # cProfile of the analyse call

The documents are those ``bench/pipeline.py --pages N`` crawls (same fixture site, same
generator): crawled once into ``--docs`` (reused when the file exists), then analysed by one
``nlp.Analyzer`` in batches of ``nlp_batch_size``, as the flow's analyse task does, clustering
in this process (no Elasticsearch). Prints the load time, the analyse time (wall clock and
this process's CPU time) and items/s, the texts the encoder embedded (0 when ``--cache-dir``
is warm) and the load average.

``--save`` writes every analysis (JSON, ``analyzed_at`` left out) and ``--check`` compares
with such a file: a speed change must leave every score, cue, claim and note as it was, to
the last digit. Exits 1 when any analysis differs.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta
from datetime import time as dtime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pipeline import DAY, LOOKBACK, build_site, save_or_check  # noqa: E402
from tinradar.settings import Settings  # noqa: E402


def crawl_docs(settings: Settings, pages: int, sources: int, out: Path) -> None:
    """Crawl the bench site of ``pages`` extra articles into ``out`` (JSON lines)."""
    from crawlers.runner import crawl
    from fixture_site.server import serve_fixture_site

    tmp = Path(tempfile.mkdtemp(prefix="tinradar-bench-analyse-"))
    try:
        registry = build_site(tmp / "site", pages, sources)
        since = datetime.combine(DAY - timedelta(days=LOOKBACK), dtime.min, tzinfo=settings.tz)
        with serve_fixture_site(root=tmp / "site", slow_seconds=1.0) as base_url:
            crawl(
                settings.model_copy(update={"data_dir": tmp / "data"}),
                sources_file=registry,
                since=since,
                out_path=out,
                variables={"base_url": base_url},
                use_state=False,
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--sources", type=int, default=4)
    parser.add_argument("--docs", type=Path, required=True, help="crawled documents (crawled here when missing)")
    parser.add_argument("--cache-dir", type=Path, default=None, help="the encoder's cache folder")
    parser.add_argument("--save", type=Path, default=None, help="write the analyses here")
    parser.add_argument("--check", type=Path, default=None, help="compare the analyses with this file")
    parser.add_argument("--profile", type=Path, default=None, help="cProfile the analyse call into this file")
    parser.add_argument("--repeat", type=int, default=1, help="analyse the documents this many times (timing)")
    args = parser.parse_args()

    update: dict[str, object] = {"concurrency_per_domain": 8}
    if args.cache_dir is not None:
        update["cache_dir"] = args.cache_dir
    settings = Settings().model_copy(update=update)
    if not args.docs.exists():
        crawl_docs(settings, args.pages, args.sources, args.docs)
    from flows.runstore import read_documents
    from nlp import Analyzer

    docs, _ = read_documents(args.docs)
    load_before = "/".join(f"{x:.1f}" for x in os.getloadavg())
    t0 = time.perf_counter()
    analyzer = Analyzer(settings)
    loaded = time.perf_counter() - t0
    embedded_before = analyzer.encoder.embedded if analyzer.encoder is not None else 0
    times: list[float] = []
    cpu: list[float] = []
    analyses = []
    for _ in range(args.repeat):
        profiler = cProfile.Profile() if args.profile else None
        t0, c0 = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        analyses = analyzer.analyze(docs)
        if profiler:
            profiler.disable()
            profiler.dump_stats(args.profile)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    embedded = (analyzer.encoder.embedded if analyzer.encoder is not None else 0) - embedded_before
    best = min(times)
    print(f"{len(docs)} documents; analyser loaded in {loaded:.1f} s")
    print(
        f"  analyse: {', '.join(f'{t:.2f}' for t in times)} s → {len(docs) / best:,.1f} items/s (best), "
        f"{embedded} texts embedded"
    )
    print(
        f"  CPU time of this process: {', '.join(f'{t:.2f}' for t in cpu)} s (less moved by other jobs than the wall clock)"
    )
    print(f"  load average before {load_before}, after {'/'.join(f'{x:.1f}' for x in os.getloadavg())}")

    rows = [a.model_dump(mode="json", exclude={"analyzed_at"}) for a in analyses]
    return 0 if save_or_check(rows, args.save, args.check) else 1


if __name__ == "__main__":
    raise SystemExit(main())
