"""Benchmark: TinRadar's news spider vs a minimal Scrapy + trafilatura baseline.

Generates the fixture site plus N extra article pages (default 2,000) in a temporary
folder, serves it locally, and crawls the same sitemap of N pages twice in this run:
once with a plain Scrapy spider that only calls ``trafilatura.extract`` (the baseline),
once with ``crawlers.runner.crawl`` (TinRadar: dates, lead, canonical URLs, dedup, state,
skip accounting, Document validation). Both run in a child process with the same
Scrapy settings; wall time includes process start. Prints pages/s and the ratio, and the
CPU time the child process spent per page (``getrusage`` of the children): on a shared
machine the wall-clock rates move with other people's load, the CPU cost much less.

    .venv/bin/python bench/crawl.py [--pages 2000] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def scrapy_overrides(concurrency: int) -> dict:
    """Identical for both spiders: no throttling, local server, quiet logs."""
    return {
        "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "ROBOTSTXT_OBEY": True,
        "LOG_LEVEL": "ERROR",
        "TELNETCONSOLE_ENABLED": False,
        "COOKIES_ENABLED": False,
        "RETRY_TIMES": 0,
    }


def baseline_child(sitemap_url: str, out_path: str, concurrency: int) -> None:
    """Plain Scrapy + trafilatura: sitemap → pages → extract → JSON lines. Nothing else."""
    import scrapy
    import trafilatura
    from scrapy.crawler import CrawlerProcess
    from scrapy.spiders import SitemapSpider

    out = open(out_path, "w", encoding="utf-8")  # noqa: SIM115 - closed at exit

    class Baseline(SitemapSpider):
        name = "baseline"
        sitemap_urls = [sitemap_url]  # noqa: RUF012 - Scrapy reads a class attribute

        def parse(self, response: scrapy.http.Response) -> None:
            text = trafilatura.extract(response.text, url=response.url, with_metadata=True, output_format="json")
            if text:
                out.write(text.replace("\n", " ") + "\n")

    process = CrawlerProcess(scrapy_overrides(concurrency))
    process.crawl(Baseline)
    process.start()
    out.close()


def _children_cpu() -> float:
    """CPU seconds (user + system) of this process's finished children so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--rounds", type=int, default=2, help="runs of each spider, order alternating; the median rate is reported"
    )
    parser.add_argument("--baseline-child", nargs=2, metavar=("SITEMAP", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline_child:
        baseline_child(*args.baseline_child, args.concurrency)
        return

    from crawlers.runner import crawl
    from fixture_site.generate import generate, generate_bench
    from fixture_site.server import serve_fixture_site
    from tinradar.settings import Settings

    with tempfile.TemporaryDirectory(prefix="tinradar-bench-") as tmp:
        site = Path(tmp) / "site"
        generate(site)
        generate_bench(site, args.pages)
        pages = sum(1 for p in site.rglob("*.html"))
        registry = Path(tmp) / "sources.yaml"
        registry.write_text(
            "sources:\n  - {id: bench, name: Bench, kind: news, sitemaps: ['{base_url}/bench/sitemap.xml']}\n",
            encoding="utf-8",
        )
        settings = Settings(data_dir=Path(tmp) / "data", autothrottle=False)
        base_rates: list[float] = []
        tr_rates: list[float] = []
        base_cpu: list[float] = []
        tr_cpu: list[float] = []
        with serve_fixture_site(site) as base:
            for round_no in range(args.rounds):
                order = ("baseline", "tinradar") if round_no % 2 == 0 else ("tinradar", "baseline")
                for which in order:
                    t0 = time.perf_counter()
                    cpu0 = _children_cpu()
                    if which == "baseline":
                        out = Path(tmp) / "baseline.jsonl"
                        subprocess.run(
                            [
                                sys.executable,
                                __file__,
                                "--concurrency",
                                str(args.concurrency),
                                "--baseline-child",
                                f"{base}/bench/sitemap.xml",
                                str(out),
                            ],
                            check=True,
                        )
                        baseline_n = len(out.read_text(encoding="utf-8").splitlines())
                        base_rates.append(baseline_n / (time.perf_counter() - t0))
                        base_cpu.append((_children_cpu() - cpu0) / baseline_n)
                    else:
                        summary = crawl(
                            settings,
                            sources_file=registry,
                            since=datetime(2000, 1, 1).astimezone(),
                            out_path=Path(tmp) / "tinradar.jsonl",
                            variables={"base_url": base},
                            scrapy_settings=scrapy_overrides(args.concurrency),
                            use_state=False,
                        )
                        tinradar_n = summary.items
                        tr_rates.append(tinradar_n / (time.perf_counter() - t0))
                        tr_cpu.append((_children_cpu() - cpu0) / tinradar_n)
        first = json.loads((Path(tmp) / "tinradar.jsonl").read_text(encoding="utf-8").splitlines()[0])
    base_rate, tr_rate = statistics.median(base_rates), statistics.median(tr_rates)
    print(
        f"TinRadar crawl benchmark — {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, {os.cpu_count()} CPUs, {platform.python_implementation()} {platform.python_version()}"
    )
    print(
        f"site: {pages} HTML pages generated; crawled: the {args.pages} benchmark articles via one sitemap; concurrency {args.concurrency}"
    )
    print(
        f"rounds: {args.rounds} (order alternating); per-run pages/s baseline {[round(r, 1) for r in base_rates]}, TinRadar {[round(r, 1) for r in tr_rates]}"
    )
    print(f"baseline (Scrapy + trafilatura.extract): {baseline_n} pages, median {base_rate:.1f} pages/s")
    print(
        f"TinRadar news spider                   : {tinradar_n} docs, median {tr_rate:.1f} pages/s (skips: {summary.skipped() or 'none'})"
    )
    print(f"ratio TinRadar / baseline: {tr_rate / base_rate:.2f}")
    base_ms, tr_ms = 1000 * statistics.median(base_cpu), 1000 * statistics.median(tr_cpu)
    print(
        f"child CPU per page (median): baseline {base_ms:.2f} ms, TinRadar {tr_ms:.2f} ms; ratio baseline / TinRadar: {base_ms / tr_ms:.2f}"
    )
    print(f"sample document: {first['title'][:60]!r} {first['published_at']}")


if __name__ == "__main__":
    main()
