"""COVID-19 relevance on real text: the relevance score's and the topic filter's test on real items.

Relevance is a gate everywhere: ``nlp.covid.covid_probability`` (≥ 0.5) decides which items the
rumor and sentiment e5 views embed and which the claims matcher reads, and the crawlers' topic
filter (``crawlers.topic.is_covid_related``) drops a general section's off-topic items for good.
Both read the kernel's hand-written vocabulary (``tinradar/covid_terms.yaml``). These sets measure
them on real text, labelled blind by reading (``nlp/data/covid_real/GUIDE.md``):

* posts, a seeded random draw of ReINTEL (VLSP 2020) posts, ``train.csv`` and ``unlabeled.csv``
  together, **not** filtered by relevance, one post per near-duplicate group
  (:func:`nlp.groups.dup_key`), no group in two sets: ``dev`` (250, read freely), ``check``
  (250, report only, at most two readings), ``fresh`` (250, read once at the end, no fix fitted).
  Once labelled, a set is frozen as the ids of its committed label file, in its order
  (:func:`nlp.claims_real.committed_posts`); :func:`draw_posts` only made them.
* news, the item titles and descriptions of the real feeds recorded in
  ``tests/crawlers/real_feeds/`` (``feeds_dev`` / ``feeds_check`` by the parity of the link's
  hash, :func:`nlp.claims_real.even_id`, one item per near-duplicate group).
* pages, the real article pages recorded for the extractor's tests (``tests/crawlers/real_pages/``
  and the shared ones in ``../shared/fixtures/real-pages/``), id = the manifest's file name, read
  as the crawlers' pipeline hands them to the topic filter: the extracted title and body text
  (:data:`PageReader`). The extractor is the crawlers' and ``nlp`` may not import it (the
  layering), so the caller passes it in (``tests/nlp/test_covid_real.py`` does; the CLI cannot).
* feeds_covid, the items of COVID-era (2020) feeds found recorded in public code, kept with their
  manifest in ``nlp/data/covid_real/feeds_covid/`` (an RSS reader's output, not feed XML the
  crawlers read), title and description as for the feeds, one item per near-duplicate group.

Only ids and labels are committed (``nlp/data/covid_real/<set>.tsv``: ``id``, ``covid``, ``unsure``)::

    .venv/bin/python -m nlp.covid_real dump --set dev --out /tmp/covid_real_dev.tsv
    .venv/bin/python -m nlp.covid_real report --set dev   # aggregates only

``report`` gives precision, recall and F1 of the COVID class at 0.5: ``covid_proba`` for posts,
``is_covid_related`` (the crawlers' filter, on the title and the description as the pipeline
reads them) and ``covid_proba`` for feed items and pages. Items labelled ``unsure`` count neither way.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import unescape
from pathlib import Path

from nlp.claims_real import DATA_DIR, REPO_ROOT, committed_posts, even_id, read_label_file, reintel_rows, write_dump
from nlp.covid import covid_probability
from nlp.groups import dup_key
from tinradar.covid_terms import on_topic
from tinradar.text import nfc

LABEL_DIR = Path(__file__).resolve().parent / "data" / "covid_real"
FEEDS_DIR = REPO_ROOT / "tests" / "crawlers" / "real_feeds"
POST_SETS = {"dev": 250, "check": 250, "fresh": 250}
FEED_SETS = ("feeds_dev", "feeds_check")
PAGES_DIR = REPO_ROOT / "tests" / "crawlers" / "real_pages"
SHARED_PAGES = REPO_ROOT.parent / "shared" / "fixtures" / "real-pages"
PAGE_SETS = ("pages",)
COVID_FEEDS_DIR = LABEL_DIR / "feeds_covid"
COVID_FEED_SETS = ("feeds_covid",)
SETS = (*POST_SETS, *FEED_SETS, *PAGE_SETS, *COVID_FEED_SETS)

#: ``(html, url) -> (title, text)``: how the crawlers read an article page (their extractor's
#: title and body text, what ``crawlers.pipelines`` passes to ``is_covid_related``).
PageReader = Callable[[bytes, str], tuple[str, str]]


@dataclass(frozen=True)
class Item:
    """One labelled unit: a ReINTEL post (``title`` empty) or a feed item (link as id)."""

    id: str
    title: str
    text: str


def _order(key: str) -> str:
    """The seeded order posts are drawn in (fixed: the draw must never move)."""
    return hashlib.sha256(f"covid-real:{key}".encode()).hexdigest()


def draw_posts(data_dir: Path = DATA_DIR) -> dict[str, list[Item]]:
    """dev, check, fresh: ReINTEL posts (both files) in a seeded order, one per near-duplicate
    group, no group twice; relevance plays no part in the draw. Only for making a NEW set: a
    labelled set is its committed ids (:func:`items`), so a change to ``dup_key`` cannot move it."""
    rows = [*reintel_rows(data_dir, "train.csv"), *reintel_rows(data_dir, "unlabeled.csv")]
    pool = sorted(rows, key=lambda p: _order(p.id))
    seen: set[str] = set()
    sets: dict[str, list[Item]] = {name: [] for name in POST_SETS}
    names = iter(POST_SETS.items())
    name, size = next(names)
    for post in pool:
        key = dup_key(post.text)
        if key in seen:
            continue
        seen.add(key)
        sets[name].append(Item(post.id, "", post.text))
        if len(sets[name]) == size:
            step = next(names, None)
            if step is None:
                break
            name, size = step
    return sets


_TAG = re.compile(r"<[^>]+>")


def _plain(fragment: str) -> str:
    return nfc(" ".join(unescape(_TAG.sub(" ", unescape(fragment))).split()))


def feed_items() -> list[Item]:
    """Every ``<item>`` of the recorded real feeds with its title and description as text, in
    manifest order, one per near-duplicate group. The crawler's own reader
    (``crawlers.discovery.read_feed``) gives the links only, so the item's title and description
    are read here leniently, as the files are (several are not well-formed XML)."""
    manifest = [json.loads(line) for line in (FEEDS_DIR / "manifest.jsonl").read_text("utf-8").splitlines()]
    items: list[Item] = []
    seen: set[str] = set()
    for entry in manifest:
        if entry["kind"] != "feed":
            continue
        body = gzip.decompress((FEEDS_DIR / entry["file"]).read_bytes()).decode("utf-8", "replace")
        for raw in re.findall(r"<item\b.*?</item>", body, flags=re.S | re.I):

            def field(tag: str, raw: str = raw) -> str:
                found = re.search(rf"<{tag}\b[^>]*>(.*?)</{tag}>", raw, flags=re.S | re.I)
                text = found.group(1) if found else ""
                return _plain(re.sub(r"<!\[CDATA\[(.*?)\]\]>", r"\1", text, flags=re.S))

            link, title, text = field("link").strip(), field("title"), field("description")
            key = dup_key(f"{title} {text}")
            if not link or key in seen:
                continue
            seen.add(key)
            items.append(Item(link, title, text))
    return items


_JS_ITEM = re.compile(
    r"link:\s*'(?P<link>[^']*)',\s*title:\s*(?P<title>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"),"
    r"\s*summary:\s*(?P<summary>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")",
    re.S,
)


def _js_string(literal: str) -> str:
    """A quoted JavaScript string literal's text (the files escape only quotes and backslashes)."""
    return re.sub(r"\\(.)", r"\1", literal[1:-1], flags=re.S)


def covid_feed_items() -> list[Item]:
    """Every item of the recorded COVID-era feeds (``feeds_covid/manifest.jsonl``, in its order):
    the link as id, the title and the description (HTML stripped, as :func:`feed_items`), one per
    near-duplicate group."""
    manifest = (COVID_FEEDS_DIR / "manifest.jsonl").read_text("utf-8").splitlines()
    items: list[Item] = []
    seen: set[str] = set()
    for entry in map(json.loads, manifest):
        body = gzip.decompress((COVID_FEEDS_DIR / entry["file"]).read_bytes()).decode("utf-8")
        for found in _JS_ITEM.finditer(body):
            title, text = _plain(_js_string(found["title"])), _plain(_js_string(found["summary"]))
            key = dup_key(f"{title} {text}")
            if key in seen:
                continue
            seen.add(key)
            items.append(Item(found["link"], title, text))
    return items


def page_items(read: PageReader) -> list[Item]:
    """Every recorded real article page (manifest order; a shared page by its file name there),
    read by ``read`` (the crawlers' extractor), one per near-duplicate group. The shared pages are
    part of the set: without ``../shared`` it is a clear error, not a smaller set."""
    items: list[Item] = []
    seen: set[str] = set()
    for line in (PAGES_DIR / "manifest.jsonl").read_text("utf-8").splitlines():
        entry = json.loads(line)
        if "shared" in entry:
            path = SHARED_PAGES / entry["shared"]
            if not path.is_file():
                raise SystemExit(f"{path}: the shared real pages are not available")
            body, name = path.read_bytes(), entry["shared"]
        else:
            body, name = gzip.decompress((PAGES_DIR / entry["file"]).read_bytes()), entry["file"]
        url = entry.get("url") or _shared_url(entry["shared"])
        title, text = read(body, url)
        key = dup_key(f"{title} {text}")
        if key in seen:
            continue
        seen.add(key)
        items.append(Item(name, nfc(title), nfc(text)))
    return items


def _shared_url(name: str) -> str:
    for line in (SHARED_PAGES / "manifest.jsonl").read_text("utf-8").splitlines():
        entry = json.loads(line)
        if entry["file"] == name:
            return str(entry["url"])
    raise SystemExit(f"{name}: not in {SHARED_PAGES / 'manifest.jsonl'}")


def items(name: str, data_dir: Path = DATA_DIR, read_page: PageReader | None = None) -> list[Item]:
    """The items of one set: a post set's are the ids of its committed label file, in its order
    (``nlp.claims_real.committed_posts``); a feed set's, the recorded feeds' items of its parity;
    the pages', the recorded pages read by ``read_page`` (the crawlers' extractor)."""
    if name in POST_SETS:
        return [Item(p.id, "", p.text) for p in committed_posts(name, data_dir, LABEL_DIR)]
    if name in PAGE_SETS:
        if read_page is None:
            raise SystemExit(
                f"the {name} set is read with the crawlers' extractor, which nlp may not import: "
                "measure it with tests/nlp/test_covid_real.py (pytest -s prints the figures)"
            )
        return page_items(read_page)
    if name in COVID_FEED_SETS:
        return covid_feed_items()
    return [i for i in feed_items() if even_id(i.id) == (name == "feeds_dev")]


def dump(name: str, out: Path, data_dir: Path = DATA_DIR, read_page: PageReader | None = None) -> int:
    """Write ``id<TAB>text`` of one set for the people labelling it (``claims_real.write_dump``)."""
    return write_dump(
        out,
        ["id", "text"],
        lambda: ((i.id, " / ".join(t for t in (i.title, i.text) if t)) for i in items(name, data_dir, read_page)),
    )


@dataclass(frozen=True)
class Label:
    covid: bool
    unsure: bool


def load_labels(name: str, directory: Path = LABEL_DIR) -> dict[str, Label]:
    """The committed labels of one set, checked: a bad row is a clear error naming the row."""

    def parse(row: dict[str, str], where: str) -> Label:
        covid, unsure = row.get("covid"), row.get("unsure") or "0"
        if covid not in ("0", "1") or unsure not in ("0", "1"):
            raise SystemExit(f"{where}: covid and unsure must be 0 or 1")
        return Label(covid == "1", unsure == "1")

    return read_label_file(name, directory, parse)


def prf(gold: Sequence[bool], got: Sequence[bool]) -> dict[str, float | int]:
    """Precision, recall and F1 of the COVID class."""
    tp = sum(g and p for g, p in zip(gold, got, strict=True))
    fp = sum(p and not g for g, p in zip(gold, got, strict=True))
    fn = sum(g and not p for g, p in zip(gold, got, strict=True))
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": round(p, 3), "recall": round(r, 3), "f1": round(f, 3)}


def _proba(item: Item) -> bool:
    from nlp.normalize import normalize

    folded = normalize(" \n".join(t for t in (item.title, item.text) if t)).folded
    return covid_probability(folded, article=bool(item.title)) >= 0.5


def _topic(item: Item) -> bool:
    """The crawlers' topic filter (``crawlers.topic.is_covid_related`` is this kernel rule)."""
    return on_topic(item.title, item.text)


def measure(name: str, data_dir: Path = DATA_DIR, read_page: PageReader | None = None) -> dict[str, object]:
    """Figures of the shipped finders on one labelled set; no item is named."""
    labels = load_labels(name)
    chosen = items(name, data_dir, read_page)
    missing = [i.id for i in chosen if i.id not in labels]
    if missing or len(labels) != len(chosen):
        raise SystemExit(f"{name}.tsv labels {len(labels)} ids; the set has {len(chosen)} ({len(missing)} unlabelled)")
    sure = [i for i in chosen if not labels[i.id].unsure]
    gold = [labels[i.id].covid for i in sure]
    finders: dict[str, Callable[[Item], bool]] = {"covid_proba >= 0.5": _proba}
    if name not in POST_SETS:
        finders["is_covid_related"] = _topic
    out: dict[str, object] = {"items": len(chosen), "unsure (left out)": len(chosen) - len(sure), "covid": sum(gold)}
    for label, finder in finders.items():
        out[label] = prf(gold, [finder(i) for i in sure])
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nlp.covid_real", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["dump", "report"])
    parser.add_argument("--set", choices=SETS, default="dev")
    parser.add_argument("--out", type=Path, default=None, help="dump: file to write (outside the repository)")
    parser.add_argument("--data", type=Path, default=DATA_DIR, help="the shared datasets folder")
    args = parser.parse_args(argv)
    if args.command == "report":
        print(json.dumps(measure(args.set, args.data), indent=2, ensure_ascii=False))
        return 0
    if args.out is None:
        parser.error("dump needs --out")
    print(f"{dump(args.set, args.out, args.data)} items written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
