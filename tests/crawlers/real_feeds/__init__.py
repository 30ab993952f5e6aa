"""Real RSS feeds and sitemaps and what a careful reader sees in each (``manifest.jsonl``).

Every file was recorded, and its expected values written by reading it, before
``crawlers.discovery`` first ran on it (commit 90c1529 holds the manifest alone; the
reader ran afterwards). Each entry names the repository, commit and path the file came
from and the URL it was served at; where the file was kept inside source code (a JS
template literal, an F# sample, a Java string) ``extracted`` says how the text was taken
out. Expected: ``links`` (how many article links), ``first``/``last`` (absolute, as the
spider joins them with the feed URL), ``first_published``/``last_published`` (the instant
with its offset; a time printed without one is in the board's zone, Asia/Ho_Chi_Minh; null
when the file gives none) and ``children`` (a sitemap index's sitemaps).

``score_file`` reads one file with ``read_feed``/``read_sitemap`` and checks it;
``markdown_table`` is the table printed by the test and kept in ``docs/crawlers.md``
(``python -m tests.crawlers.real_feeds``).
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from crawlers.discovery import BrokenSitemap, Link, read_feed, read_sitemap
from tinradar.settings import VN_TZ

HERE = Path(__file__).resolve().parent
CHECKS = ("links", "first", "last", "first_published", "last_published", "children")


def load_files() -> list[dict[str, Any]]:
    return [json.loads(line) for line in (HERE / "manifest.jsonl").read_text("utf-8").splitlines()]


@dataclass(frozen=True)
class Score:
    entry: dict[str, Any]
    links: list[Link]
    children: list[str]
    error: str | None  # a crash of the reader, or BrokenSitemap
    results: dict[str, bool]

    @property
    def right(self) -> bool:
        return all(self.results.values())


def _same_instant(got: datetime | None, expected: str | None) -> bool:
    """Same instant and same offset: "+0700" must not come back as UTC, nor a local time
    printed without an offset as if it were UTC."""
    if expected is None or got is None:
        return got is None and expected is None
    want = datetime.fromisoformat(expected)
    return got == want and got.utcoffset() == want.utcoffset()


def read(entry: dict[str, Any]) -> tuple[list[Link], list[str], str | None]:
    """What the spider gets from the file: links joined with the URL it was served at."""
    body = gzip.decompress((HERE / entry["file"]).read_bytes())
    try:
        if entry["kind"] == "sitemap":
            sitemap = read_sitemap(body, tz=VN_TZ)
            links, children = sitemap.links, sitemap.children
        else:
            links, children = read_feed(body, tz=VN_TZ).links, []
    except BrokenSitemap as exc:
        return [], [], f"BrokenSitemap: {exc}"
    except Exception as exc:  # a crash is a result to report, not to hide
        return [], [], f"{type(exc).__name__}: {exc}"
    joined = [Link(urljoin(entry["url"], link.url), link.published) for link in links]
    return joined, [urljoin(entry["url"], child) for child in children], None


def score_file(entry: dict[str, Any]) -> Score:
    links, children, error = read(entry)
    first, last = (links[0], links[-1]) if links else (None, None)
    results = {
        "links": error is None and len(links) == entry["links"],
        "first": (first.url if first else None) == entry["first"],
        "last": (last.url if last else None) == entry["last"],
        "first_published": _same_instant(first.published if first else None, entry["first_published"]),
        "last_published": _same_instant(last.published if last else None, entry["last_published"]),
        "children": children == entry["children"],
    }
    return Score(entry, links, children, error, results)


def markdown_table(scores: list[Score]) -> str:
    """One row per file and a total row: what discovery gets right on real feeds and sitemaps."""
    head = "| file | outlet | kind | links (expected) | " + " | ".join(CHECKS[1:]) + " |"
    rows = [head, "|" + "---|" * (len(CHECKS) + 3)]
    for s in scores:
        got = f"{len(s.links)} ({s.entry['links']})" + (" crash" if s.error and "Broken" not in s.error else "")
        marks = " | ".join("✓" if s.results[c] else "✗" for c in CHECKS[1:])
        links_mark = "✓" if s.results["links"] else "✗"
        rows.append(f"| {s.entry['file']} | {s.entry['outlet']} | {s.entry['kind']} | {links_mark} {got} | {marks} |")
    totals = " | ".join(f"{sum(s.results[c] for s in scores)}/{len(scores)}" for c in CHECKS[1:])
    right = sum(s.right for s in scores)
    outlets = len({s.entry["outlet"] for s in scores})
    rows.append(
        f"| **{len(scores)} files, {right} fully right** | {outlets} sources | | "
        f"{sum(s.results['links'] for s in scores)}/{len(scores)} | {totals} |"
    )
    return "\n".join(rows)
