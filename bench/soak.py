"""Soak: the hourly schedule over the fixture site for many simulated hours, under faults.

    .venv/bin/python bench/soak.py [--hours 48]

The clock is injected: each simulated hour is one ``daily_pipeline(due_only=True, now=...)``
run, back to back, so 48 hours take minutes. The fixture site is copied to a temporary
folder and grows by one article an hour (so every hour has something new to index). An
own Elasticsearch node is started (never ``TINRADAR_ES_URL``'s). Faults, placed by the
length of the soak (``schedule``):

* Elasticsearch stopped as the index stage starts (its bulk fails), restarted an hour later;
* a source answering 500 for six hours (a server that answers only 500);
* a source whose layout changes (its pages lose their article markup, the content moves
  to a script): no article can be read from its pages, so it shows as ``down`` with the
  reason (``no_body``, "layout changed?") in every hour from then on;
* the flood-stage disk watermark: the indices turn read-only (``read_only_allow_delete``,
  what Elasticsearch sets at the flood stage) for one hour: writes are dead-lettered, then
  replayed when it clears;
* the process killed (SIGKILL) in the middle of the analyse stage, then restarted.

Reviewers set verdicts after the first hour. At the end the dead letters are replayed once
(``tinradar index replay``) and the soak prints: items crawled, indexed exactly once,
duplicates, lost, dead letters left, reviewer verdicts intact — and exits 1 unless lost = 0,
duplicates = 0 and the verdicts are intact.
"""

from __future__ import annotations

import argparse
import atexit
import multiprocessing as mp
import os
import re
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tinradar.settings import Settings  # noqa: E402

FLAKY_SOURCE = "tinsoc24h"
LAYOUT_SOURCE = "sonduong-portal"
GROWING_SOURCE = "tinnhanh-suc-khoe"
LOOKBACK = 20


@dataclass
class Schedule:
    """Which simulated hour each fault hits (0-based), for a soak of ``hours``."""

    hours: int
    es_down: int = 1
    flaky: range = field(default_factory=lambda: range(0))
    layout_from: int = 0
    flood: int = 0
    kill: int = 0

    @classmethod
    def for_hours(cls, hours: int) -> Schedule:
        start = max(1, hours // 8)
        return cls(
            hours=hours,
            es_down=1,
            flaky=range(start, min(hours, start + 6)),
            layout_from=hours // 2,
            flood=max(2, round(hours * 0.55)),
            kill=max(3, round(hours * 0.75)),
        )


#: The district portal after its redesign: the content is rendered by a script, not in the page.
_NEW_LAYOUT = (
    "<!doctype html><html><head><title>Cổng mới</title></head><body>"
    "<div id='app' data-layout='v2'></div><script src='/app.js'></script></body></html>"
)

# --- the site ------------------------------------------------------------------------------


def build_site(root: Path) -> tuple[Path, Path]:
    """The fixture site copied twice: as it is, and with the layout source's pages changed."""
    from fixture_site.generate import SITE

    site, changed = root / "site", root / "site-v2"
    shutil.copytree(SITE, site)
    shutil.copytree(SITE, changed)
    for page in (changed / "sonduong").rglob("*.html"):
        page.write_text(_NEW_LAYOUT, encoding="utf-8")
    return site, changed


def add_article(site: Path, hour: int, when: datetime) -> str:
    """One new article in the Tin Nhanh health feed (text from an existing one, new sentence and url)."""
    folder = site / "tinnhanh" / "suc-khoe"
    template = (folder / "vac-xin-covid-19-khong-gay-vo-sinh.html").read_text(encoding="utf-8")
    name = f"soak-{hour:03d}.html"
    title = f"Bản tin sức khỏe số {hour}: cập nhật tiêm chủng tại Tuyên Quang"
    page = template.replace("vac-xin-covid-19-khong-gay-vo-sinh.html", name)  # its canonical URL too
    page = re.sub(r"<title>.*?</title>", f"<title>{title}</title>", page, count=1, flags=re.S)
    page = re.sub(r"<h1([^>]*)>.*?</h1>", rf"<h1\1>{title}</h1>", page, count=1, flags=re.S)
    page = page.replace("</p>", f" Bản tin cập nhật lúc {when:%H giờ ngày %d/%m}, số {hour}.</p>", 1)
    (folder / name).write_text(page, encoding="utf-8")
    rss = site / "tinnhanh" / "rss" / "suc-khoe.rss"
    url = f"http://fixture.local/tinnhanh/suc-khoe/{name}"
    item = (
        f"<item><title>{title}</title><link>{url}</link><guid>{url}</guid>"
        f"<pubDate>{when:%a, %d %b %Y %H:%M:%S %z}</pubDate></item>\n"
    )
    text = rss.read_text(encoding="utf-8")
    rss.write_text(text.replace("</description>\n", "</description>\n" + item, 1), encoding="utf-8")
    return url


def add_portal_article(site: Path, changed: Path, hour: int, when: datetime) -> None:
    """One new article on the district portal: in its layout on ``site``, in the new one on ``changed``.

    Its sitemaps are re-pointed to an hour-tagged URL (the site answers 304 to a known one)."""
    name = f"soak-{hour:03d}.html"
    # the portal's pages are in a legacy 8-bit encoding: edit them byte for byte (latin-1), in ASCII
    template = (site / "sonduong" / "tin-tuc" / "ke-hoach-tiem-vac-xin-dot-5.html").read_text(encoding="latin-1")
    good = template.replace("ke-hoach-tiem-vac-xin-dot-5.html", name)
    good = re.sub(
        r'(<td class="tieude">)(.*?)(</td>)',
        rf"\1Thong bao so {hour} cua UBND huyen Son Duong\3",
        good,
        count=1,
        flags=re.S,
    )
    good = good.replace("</p>", f" Cap nhat so {hour} luc {when:%H:%M %d/%m}.</p>", 1)
    # lastmod on the real clock: the crawler skips sitemap entries older than its last (real) visit
    entry = f"<url><loc>http://fixture.local/sonduong/tin-tuc/{name}</loc><lastmod>{datetime.now(UTC).isoformat()}</lastmod></url>\n"
    for root, page in ((site, good), (changed, None)):
        folder = root / "sonduong"
        if page is not None:
            (folder / "tin-tuc" / name).write_text(page, encoding="latin-1")
        else:
            (folder / "tin-tuc" / name).write_text(_NEW_LAYOUT, encoding="utf-8")
        urlset = folder / "sitemap-tin-tuc.xml"
        text = urlset.read_text(encoding="utf-8")
        urlset.write_text(text.replace('0.9">\n', '0.9">\n' + entry, 1), encoding="utf-8")
        index = folder / "sitemap.xml"
        text = re.sub(r"sitemap-tin-tuc\.xml[^<]*", f"sitemap-tin-tuc.xml?h={hour}", index.read_text(encoding="utf-8"))
        index.write_text(text, encoding="utf-8")


def build_registry(root: Path, only: list[str] | None = None) -> Path:
    """The fixture registry (or ``only`` those sources), every source hourly; the flaky and
    layout sources on their own hosts."""
    from flows.demo import FIXTURE_REGISTRY

    data = yaml.safe_load(FIXTURE_REGISTRY.read_text(encoding="utf-8"))
    entries = data["sources"] if isinstance(data, dict) else data
    entries = [e for e in entries if only is None or e["id"] in only]
    for entry in entries:
        entry["cadence"] = "hourly"
        if entry["id"] == GROWING_SOURCE:  # the site answers 304 to a known URL: a fresh one each hour
            entry["feeds"] = [f + "?h={hour}" for f in entry["feeds"]]
        if entry["id"] == LAYOUT_SOURCE:
            entry["sitemaps"] = [f + "?h={hour}" for f in entry["sitemaps"]]
        host = {FLAKY_SOURCE: "{flaky_url}", LAYOUT_SOURCE: "{layout_url}"}.get(entry["id"])
        if host:
            for key, value in list(entry.items()):
                if isinstance(value, list):
                    entry[key] = [_swap(v, host) for v in value]
                elif isinstance(value, str):
                    entry[key] = _swap(value, host)
    path = root / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": entries}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _swap(value: object, host: str) -> object:
    if isinstance(value, str):
        return value.replace("{base_url}", host)
    if isinstance(value, dict):
        return {k: _swap(v, host) for k, v in value.items()}
    return value


@contextmanager
def error_server() -> Iterator[str]:
    """A host that answers every request with HTTP 500 (a source's server in trouble)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"<html><body>500 Internal Server Error</body></html>"
            self.send_response(500)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# --- one simulated hour ----------------------------------------------------------------------


def run_hour(settings: Settings, registry: Path, variables: dict[str, str], now: datetime) -> object:
    from flows.pipeline import PipelineFailed, daily_pipeline

    try:
        return daily_pipeline(
            day=now.astimezone(settings.tz).date(),
            lookback_days=LOOKBACK,
            sources_file=registry,
            variables=variables,
            settings=settings,
            retries=0,
            retry_delay_seconds=0,
            due_only=True,
            now=now,
        )
    except PipelineFailed as exc:
        return exc.summary


def _child_hour(settings_json: str, registry: str, variables: dict[str, str], now_iso: str) -> None:
    """A pipeline run in its own process (to be killed mid-analyse)."""
    from flows.prefect_env import configure_prefect

    os.setpgrp()  # its own process group: the kill takes its crawlers and Prefect server with it
    settings = Settings.model_validate_json(settings_json)
    configure_prefect(settings)
    run_hour(settings, Path(registry), variables, datetime.fromisoformat(now_iso))


def killed_hour(settings: Settings, registry: Path, variables: dict[str, str], now: datetime) -> bool:
    """Run an hour in a child process and SIGKILL it once the analyse stage has its chunks; True if killed there."""
    runs = settings.data_dir / "runs"
    before = set(runs.rglob("docs-*.jsonl")) if runs.exists() else set()
    ctx = mp.get_context("spawn")
    child = ctx.Process(
        target=_child_hour, args=(settings.model_dump_json(), str(registry), variables, now.isoformat())
    )
    child.start()
    killed = False
    deadline = time.monotonic() + 600
    while child.is_alive() and time.monotonic() < deadline:
        fresh = [p for p in runs.rglob("docs-*.jsonl") if p not in before] if runs.exists() else []
        if fresh and not any(p.with_name(p.name.replace("docs-", "scored-")).exists() for p in fresh):
            os.killpg(child.pid or 0, signal.SIGKILL)
            killed = True
            break
        time.sleep(0.05)
    child.join(timeout=30)
    return killed


def set_read_only(settings: Settings, on: bool) -> None:
    """What the flood-stage watermark does to every index on the full disk (and what clears it)."""
    from elasticsearch import Elasticsearch

    client = Elasticsearch(**settings.es_client_kwargs())
    try:
        client.indices.put_settings(
            index=f"{settings.es_index_prefix}-*",
            settings={"index.blocks.read_only_allow_delete": True if on else None},
        )
    finally:
        client.close()


def stop_when_indexing(node: object, runs: Path, before: set[Path], hour_over: threading.Event) -> None:
    """Stop the node as soon as the run's analysed chunks exist (its index stage is starting)."""
    while not hour_over.is_set():
        if runs.exists() and any(p not in before for p in runs.rglob("scored-*.jsonl")):
            node.stop()  # type: ignore[attr-defined]
            return
        time.sleep(0.05)


# --- the verdicts and the tally ------------------------------------------------------------


def set_verdicts(settings: Settings, n: int = 5) -> dict[str, str]:
    from elasticsearch import Elasticsearch

    from index.review import decide, get_item
    from index.templates import alias_name
    from tinradar.schema import ReviewStatus

    client = Elasticsearch(**settings.es_client_kwargs())
    client.indices.refresh(index=alias_name(settings))
    hits = client.search(index=alias_name(settings), size=n)["hits"]["hits"]
    verdicts = [ReviewStatus.CONFIRMED_FALSE, ReviewStatus.ACCURATE, ReviewStatus.MISLEADING, ReviewStatus.IRRELEVANT]
    done: dict[str, str] = {}
    for k, hit in enumerate(hits):
        item = get_item(client, settings, hit["_id"])
        if item is None:
            continue
        status = verdicts[k % len(verdicts)]
        outcome = decide(
            client,
            settings,
            hit["_id"],
            status=status,
            note="soak",
            by="soak-reviewer",
            seq_no=item.seq_no,
            primary_term=item.primary_term,
        )
        if outcome.applied:
            done[hit["_id"]] = status.value
    client.close()
    return done


@dataclass
class Tally:
    crawled: int
    once: int
    duplicates: int
    lost: int
    dead_letters: int
    verdicts_intact: bool
    verdicts: int

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.duplicates == 0 and self.verdicts_intact


def tally(settings: Settings, verdicts: dict[str, str]) -> Tally:
    from elasticsearch import Elasticsearch

    from flows import runstore
    from index.deadletter import DeadLetterBox
    from index.review import get_item
    from index.templates import alias_name

    crawled: set[str] = set()
    for path in (settings.data_dir / "runs").rglob("crawl-*.jsonl"):
        docs, _bad = runstore.read_documents(path)
        crawled.update(d.id for d in docs)
    client = Elasticsearch(**settings.es_client_kwargs())
    client.indices.refresh(index=alias_name(settings))
    hits = client.search(index=alias_name(settings), size=10_000, source=False)["hits"]["hits"]
    copies = Counter(h["_id"] for h in hits)
    intact = all(
        (item := get_item(client, settings, doc_id)) is not None and item.review.status.value == status
        for doc_id, status in verdicts.items()
    )
    client.close()
    return Tally(
        crawled=len(crawled),
        once=sum(1 for d in crawled if copies.get(d) == 1),
        duplicates=sum(n - 1 for n in copies.values() if n > 1),
        lost=sum(1 for d in crawled if d not in copies),
        dead_letters=DeadLetterBox(settings).count(),
        verdicts_intact=bool(verdicts) and intact,
        verdicts=len(verdicts),
    )


# --- the soak -----------------------------------------------------------------------------------


#: The sources of a short soak: the growing one, the failing one, the changing one, one social.
SHORT = [GROWING_SOURCE, FLAKY_SOURCE, LAYOUT_SOURCE, "forum-phonui"]


def _reason(error: str) -> str:
    """A source's error for the hour line: its English half when it has one (after " / "), shortened."""
    return error.rsplit(" / ", 1)[-1][:100]


def soak(hours: int, workdir: Path, log: bool = True, sources: list[str] | None = None) -> Tally:
    from fixture_site.server import serve_fixture_site
    from flows.demo import DEMO_DAY
    from flows.prefect_env import configure_prefect
    from index.node import LocalNode, free_port

    plan = Schedule.for_hours(hours)
    # social sources refuse the public default salt: a throwaway one for this soak
    os.environ.setdefault("TINRADAR_AUTHOR_SALT", "soak-" + secrets.token_urlsafe(24))
    base = Settings(data_dir=workdir / "data", es_index_prefix="soak", es_heap="256m", es_request_timeout=10.0)
    configure_prefect(base)
    node = LocalNode(base, port=free_port())
    atexit.register(node.stop)  # an interrupted soak must not leave its node behind
    status = node.start(timeout=400)
    settings = base.model_copy(update={"es_url": status.url})
    site, changed = build_site(workdir)
    registry = build_registry(workdir, sources)
    start = datetime.combine(DEMO_DAY, datetime.min.time(), tzinfo=settings.tz)
    verdicts: dict[str, str] = {}
    say = print if log else (lambda *a, **k: None)
    t0 = time.monotonic()
    try:
        with (
            serve_fixture_site(site, slow_seconds=2.0) as base_url,
            serve_fixture_site(changed, slow_seconds=2.0) as changed_url,
            error_server() as broken_url,
        ):
            for hour in range(hours):
                now = start + timedelta(hours=hour)
                add_article(site, hour, now)
                add_portal_article(site, changed, hour, now)
                variables = {
                    "hour": str(hour),
                    "base_url": base_url,
                    "flaky_url": broken_url if hour in plan.flaky else base_url,
                    "layout_url": changed_url if hour >= plan.layout_from else base_url,
                }
                faults = []
                if hour == plan.es_down + 1 and not node.status().running:
                    node.start(timeout=400)
                    faults.append("ES restarted")
                if hour == plan.flood:
                    set_read_only(settings, True)
                    faults.append("flood stage: indices read-only")
                hour_over = threading.Event()
                if hour == plan.es_down:
                    runs = settings.data_dir / "runs"
                    before = set(runs.rglob("scored-*.jsonl")) if runs.exists() else set()
                    threading.Thread(
                        target=stop_when_indexing, args=(node, runs, before, hour_over), daemon=True
                    ).start()
                    faults.append("ES stopped as the index stage starts")
                if hour == plan.kill:
                    killed = killed_hour(settings, registry, variables, now)
                    faults.append(f"process killed mid-analyse ({'yes' if killed else 'missed'}), restarted")
                summary = run_hour(settings, registry, variables, now)
                hour_over.set()
                if hour == plan.flood:
                    set_read_only(settings, False)
                if hour == 0:
                    verdicts = set_verdicts(settings)
                c = summary.counts  # type: ignore[attr-defined]
                states = ", ".join(
                    f"{s.source_id}={s.status}" + (f" ({_reason(s.error)})" if s.error else "")
                    for s in summary.sources  # type: ignore[attr-defined]
                    if s.status not in ("ok",)
                )
                say(
                    f"h{hour:02d} {now:%d/%m %H:%M} crawled {c.crawled:3d} new {c.indexed_new:3d} "
                    f"dead-lettered {c.dead_lettered:3d} picked up {c.picked_up:3d} pending {c.pending:3d}"
                    + (f" | {'; '.join(faults)}" if faults else "")
                    + (f" | {states}" if states else ""),
                    flush=True,
                )
            if not node.status().running:
                node.start(timeout=400)
            from elasticsearch import Elasticsearch

            from index.indexer import Indexer

            client = Elasticsearch(**settings.es_client_kwargs())
            Indexer(client, settings).replay()  # what ``tinradar index replay`` does
            client.close()
            result = tally(settings, verdicts)
    finally:
        node.stop()
        shutil.rmtree(node.node_dir, ignore_errors=True)
    say(f"{hours} simulated hours in {time.monotonic() - t0:.0f} s")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hours", type=int, default=48)
    parser.add_argument("--short", action="store_true", help="only four sources (what the test runs)")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a terminated soak still stops its node
    workdir = Path(tempfile.mkdtemp(prefix="tinradar-soak-"))
    try:
        t = soak(args.hours, workdir, sources=SHORT if args.short else None)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"items crawled:          {t.crawled}")
    print(f"indexed exactly once:   {t.once}")
    print(f"duplicates:             {t.duplicates}")
    print(f"lost:                   {t.lost}")
    print(f"dead letters left:      {t.dead_letters}")
    print(f"reviewer verdicts:      {'intact' if t.verdicts_intact else 'CHANGED OR MISSING'} ({t.verdicts})")
    return 0 if t.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
