"""Real article pages and what a careful reader sees on each (``manifest.jsonl``).

Pages marked ``held_out`` (1: measured first on the extractor as it was, 2: recorded after
the fix that batch led to, 3: five pages of five outlets new to the set, 2026-12-05, 4: five
pages of four more new outlets, the same day, 5: two more pages, Kênh 14 and GenK's 2026
layout, the same day, 6: Soha's 2026 layout, recorded after batch 5's fixes, 7: VnExpress
2026's VnE-GO podcast page, 8: Bộ Y tế's COVID-19 portal, 2021, the first .gov.vn page, 9: Thanh Niên's 2026 layout) had
their expected values committed before the extractor ever ran on them. Two kinds of entries: pages recorded here (``file``: a gzipped copy, with the repository,
commit and path it came from and the page's own URL) and the nine pages of
``../shared/fixtures/real-pages`` (``shared``: the file name there; title, date, lead and
sentences come from that folder's manifest, only the extra checks are here). Those nine
are read from ``../shared`` and never copied.

``score_page`` extracts one page and checks it; ``markdown_table`` is the table printed by
the test and kept in ``docs/crawlers.md`` (``python -m tests.crawlers.real_pages``).
``not_captions``, where a page lists them, are texts that must not come back as captions
(another story's teaser title under its linked thumbnail is not a caption of this page).
``author`` and ``via``, where a page names them, are the whole value a reviewer should see
(every writer, every source, nothing else): a credit that keeps page furniture ("Copy
link", a photo credit, a menu heading) fails, not only one that misses the name.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawlers.dates import parse_when
from crawlers.extract import Extracted, extract_article
from tinradar.settings import VN_TZ

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[2] / "../shared/fixtures/real-pages"
CHECKS = ("title", "first", "last", "minute", "clean", "captions", "author", "via")


def _ws(text: str | None) -> str:
    return " ".join((text or "").split())


def load_pages() -> list[dict[str, Any]]:
    """Every page's expectations, the shared ones merged with their manifest (skipped
    when ``../shared`` is not there)."""
    shared_manifest = SHARED / "manifest.jsonl"
    shared = (
        {json.loads(line)["file"]: json.loads(line) for line in shared_manifest.read_text("utf-8").splitlines()}
        if shared_manifest.is_file()
        else {}
    )
    pages = []
    for line in (HERE / "manifest.jsonl").read_text("utf-8").splitlines():
        entry = json.loads(line)
        if "shared" in entry:
            if entry["shared"] not in shared:
                continue
            entry = {**shared[entry["shared"]], "published_precision": "minute", **entry, "file": entry["shared"]}
        pages.append(entry)
    return pages


def page_bytes(page: dict[str, Any]) -> bytes:
    if "shared" in page:
        return (SHARED / page["shared"]).read_bytes()
    return gzip.decompress((HERE / page["file"]).read_bytes())


@dataclass
class Score:
    page: dict[str, Any]
    extracted: Extracted
    results: dict[str, bool]

    @property
    def misses(self) -> list[str]:
        return [name for name, ok in self.results.items() if not ok]


def _minute_ok(page: dict[str, Any], e: Extracted) -> bool:
    """The minute the page shows (or, for a day-only page, that day and no pretended time)."""
    expected = parse_when(page["published"], tz=VN_TZ)
    if expected is None or e.published_at is None or e.published_precision.value != page["published_precision"]:
        return False
    if page["published_precision"] == "minute":
        return e.published_at.replace(second=0, microsecond=0) == expected.value
    return e.published_at.date() == expected.value.date()


def _clean_ok(page: dict[str, Any], text: str) -> bool:
    """No caption, credit, byline, source or related line in the text, which opens with
    the lead (or the first sentence) and closes with the article's last line."""
    opening = _ws(page.get("lead") or page["first_sentence"])
    closing = _ws(page.get("ends_with") or page["last_sentence"])
    noise_free = all(_ws(noise) not in text for noise in page.get("not_in_body", []))
    return noise_free and text.startswith(opening[:60]) and text.endswith(closing)


def score_page(page: dict[str, Any]) -> Score:
    e = extract_article(page_bytes(page), page["url"], tz=VN_TZ)
    text = _ws(e.text)
    captions = [_ws(c) for c in e.captions]
    results = {
        "title": e.title == page["title"],
        "first": _ws(page["first_sentence"]) in text,
        "last": _ws(page["last_sentence"]) in text,
        "minute": _minute_ok(page, e),
        "clean": _clean_ok(page, text),
        "captions": all(any(_ws(c) in got for got in captions) for c in page.get("captions", []))
        and not any(_ws(c) in captions for c in page.get("not_captions", [])),
        "author": page.get("author") is None or page["author"] == e.byline,
        "via": page.get("via") is None or page["via"] == e.via,
    }
    return Score(page, e, results)


def markdown_table(scores: list[Score]) -> str:
    """One row per page and a total row: what ``tinradar extract`` gets right."""
    head = "| page | outlet | published (source) | " + " | ".join(CHECKS) + " |"
    rows = [head, "|" + "---|" * (len(CHECKS) + 3)]
    for s in scores:
        e = s.extracted
        when = e.published_at.isoformat(timespec="minutes") if e.published_at else "—"
        if e.published_precision.value == "day" and e.published_at:
            when = e.published_at.date().isoformat() + " (day)"
        marks = " | ".join("✓" if s.results[c] else "✗" for c in CHECKS)
        held = f" (held out {s.page['held_out']})" if s.page.get("held_out") else ""
        rows.append(f"| {s.page['file']}{held} | {s.page['outlet']} | {when} ({e.published_source}) | {marks} |")
    totals = " | ".join(f"{sum(s.results[c] for s in scores)}/{len(scores)}" for c in CHECKS)
    rows.append(f"| **{len(scores)} pages** | {len({s.page['outlet'] for s in scores})} outlets | | {totals} |")
    return "\n".join(rows)
