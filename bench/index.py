"""Benchmark: TinRadar's indexer against plain ``helpers.streaming_bulk``, then search latency.

    python bench/index.py [--docs 50000] [--search-docs 100000] [--heap 768m]

Uses ``TINRADAR_ES_URL`` when set, else starts its own local node (``index.node.LocalNode``)
in a temporary data dir and stops it at the end. Both writers get the same synthetic
analysed documents, build the same index documents (``index.docmap.to_source``) inside
the timed section, and write into fresh monthly indices of their own prefix; the runs
alternate (TinRadar, plain, TinRadar, plain) after a warm-up, and the better run of
each counts. The ratio is TinRadar docs/s ÷ plain docs/s (aim: ≥ 0.85). Then 20 typical
analyst queries run against ≥ 100,000 documents and their latency p50/p95 is printed.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from elasticsearch import Elasticsearch, helpers

from fixture_site.generate import load_content
from index.client import connect
from index.docmap import dated_at, to_source
from index.indexer import Indexer
from index.search import SearchQuery, search, stats
from index.templates import alias_name, ensure_templates, index_for
from tinradar.schema import Analysis, ClaimMatch, Document, Location, ScoredItem, risk_level_for
from tinradar.settings import Settings

_VOCABULARY = (
    "người dân tiêm vắc xin phòng COVID-19 huyện Sơn Dương tỉnh Tuyên Quang phong tỏa cách ly y tế "
    "xét nghiệm ca mắc mới khu vực chợ trường học chính quyền thông báo khẩn cấp tin đồn sai sự thật "
    "không chia sẻ thông tin chưa kiểm chứng trực thăng phun thuốc khử trùng ăn tỏi sống súc miệng nước muối "
    "vô sinh hiếm muộn gắn chip theo dõi sóng 5G lây lan virus corona uống nước chanh nóng diệt "
    "bệnh viện bác sĩ khuyến cáo đeo khẩu trang giữ khoảng cách hỗ trợ gia đình khó khăn lương thực"
)
WORDS = _VOCABULARY.split()
SOURCES = [f"src-{i:02d}" for i in range(40)]
CLAIMS = load_content()["planted_claims"]  # the fixture site's known claims
PLACES = [
    ("Sơn Dương", "08", "076"),
    ("Tuyên Quang", "08", None),
    ("Hà Nội", "01", None),
    ("Yên Sơn", "08", "075"),
    ("Hàm Yên", "08", "073"),
    ("TP Hồ Chí Minh", "79", None),
]
START = datetime(2021, 6, 1, tzinfo=UTC)


def synthetic(n: int, offset: int = 0, seed: int = 7) -> list[ScoredItem]:
    rnd = random.Random(seed + offset)
    items = []
    for i in range(offset, offset + n):
        words = rnd.choices(WORDS, k=rnd.randint(40, 160))
        risk = rnd.random()
        when = START + timedelta(minutes=rnd.randint(0, 60 * 24 * 150))
        doc = Document(
            id=f"bench-{i:09d}",
            url=f"https://bench.example.vn/{i}",
            source_id=rnd.choice(SOURCES),
            kind=rnd.choice(["news", "social"]),
            title=" ".join(words[:10]).capitalize(),
            text=" ".join(words),
            published_at=when,
            fetched_at=when + timedelta(hours=2),
            likes=rnd.randint(0, 500),
            shares=rnd.randint(0, 100),
            comments=rnd.randint(0, 50),
        )
        ana = Analysis(
            doc_id=doc.id,
            rumor_risk=risk,
            risk_level=risk_level_for(risk),
            sentiment=rnd.choice(["neg", "neu", "pos"]),
            covid=True,
            covid_proba=0.9,
            cues=["khẳng định tuyệt đối"] if risk > 0.7 else [],
            locations=[
                Location(name=p[0], province_code=p[1], district_code=p[2])
                for p in rnd.sample(PLACES, rnd.randint(0, 2))
            ],
            matched_claims=[ClaimMatch(claim_id=rnd.choice(CLAIMS), similarity=0.8)] if risk > 0.6 else [],
            cluster_id=f"cl-{rnd.randint(0, 2000)}",
            analyzed_at=when + timedelta(hours=3),
        )
        items.append(ScoredItem(document=doc, analysis=ana))
    return items


def drop(client: Elasticsearch, settings: Settings) -> None:
    client.options(ignore_status=404).indices.delete(index=f"{settings.es_index_prefix}-docs-*")
    client.options(ignore_status=404).indices.delete_index_template(name=f"{settings.es_index_prefix}-docs")


def run_tinradar(client: Elasticsearch, settings: Settings, items: list[ScoredItem]) -> float:
    ensure_templates(client, settings, create_current=False)
    t0 = time.perf_counter()
    result = Indexer(client, settings).index(items)
    elapsed = time.perf_counter() - t0
    assert result.indexed == len(items) and result.failed == 0, result.model_dump(exclude={"errors"})
    return len(items) / elapsed


def run_plain(client: Elasticsearch, settings: Settings, items: list[ScoredItem]) -> float:
    ensure_templates(client, settings, create_current=False)

    def actions():
        for item in items:
            yield {
                "_index": index_for(dated_at(item), settings),
                "_id": item.document.id,
                "_source": to_source(item).pipeline_body(),
            }

    t0 = time.perf_counter()
    ok = sum(1 for success, _ in helpers.streaming_bulk(client, actions(), chunk_size=500, max_retries=4) if success)
    client.indices.refresh(index=alias_name(settings))  # the indexer refreshes at the end of a run too
    elapsed = time.perf_counter() - t0
    assert ok == len(items)
    return len(items) / elapsed


QUERIES: list[dict] = [
    {"text": "tiem vac xin"},
    {"text": "tiêm vắc xin"},
    {"text": '"vo sinh"'},
    {"text": '"trực thăng phun thuốc"'},
    {"text": "son duong phong toa"},
    {"text": ""},
    {"risk_min": "high"},
    {"risk_min": "high", "statuses": ["new"]},
    {"text": "tin đồn", "since": "2021-07-01", "until": "2021-07-31"},
    {"claims": ["vaccine-infertility"]},
    {"provinces": ["08"], "risk_min": "medium"},
    {"sources": ["src-01", "src-02"]},
    {"kinds": ["social"], "sentiments": ["neg"]},
    {"text": "nuoc chanh nong", "sort": "risk"},
    {"text": "5G lây lan"},
    {"districts": ["076"], "since": "2021-08-01"},
    {"text": "khau trang", "kinds": ["news"]},
    {"clusters": ["cl-42"]},
    {"text": "tỏi sống súc miệng", "risk_min": "medium"},
    {"stats": True, "since": "2021-07-01", "until": "2021-09-30"},
]


def bench_search(client: Elasticsearch, settings: Settings, repeats: int = 5) -> tuple[float, float, float, float]:
    samples, took = [], []
    for spec in QUERIES:  # warm-up pass
        spec = dict(spec)
        (stats if spec.pop("stats", False) else search)(client, settings, SearchQuery(**spec))
    for _ in range(repeats):
        for spec in QUERIES:
            spec = dict(spec)
            fn = stats if spec.pop("stats", False) else search
            t0 = time.perf_counter()
            result = fn(client, settings, SearchQuery(**spec))
            samples.append((time.perf_counter() - t0) * 1000)
            took.append(getattr(result, "took_ms", 0))
    q = statistics.quantiles(samples, n=20)
    return statistics.median(samples), q[18], statistics.median(took), len(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=50_000)
    parser.add_argument("--search-docs", type=int, default=100_000)
    parser.add_argument("--heap", default="768m")
    args = parser.parse_args()

    node = None
    tmp = Path(tempfile.mkdtemp(prefix="tinradar-bench-"))
    base = Settings(data_dir=tmp / "data", es_heap=args.heap)
    if not os.environ.get("TINRADAR_ES_URL"):
        from index.node import LocalNode, free_port

        node = LocalNode(base, port=free_port())
        print(f"starting a local node (heap {args.heap}) …", flush=True)
        base = base.model_copy(update={"es_url": node.start().url})
    try:
        client = connect(base)
        print(f"generating {args.docs:,} synthetic analysed documents …", flush=True)
        items = synthetic(args.docs)
        warm = base.model_copy(update={"es_index_prefix": "bench-warm"})
        drop(client, warm)
        run_tinradar(client, warm, items[:2000])
        drop(client, warm)

        rates: dict[str, list[float]] = {"tinradar": [], "plain": []}
        for round_ in (1, 2):
            for name, fn in (("tinradar", run_tinradar), ("plain", run_plain)):
                s = base.model_copy(update={"es_index_prefix": f"bench-{name}-{round_}"})
                drop(client, s)
                rate = fn(client, s, items)
                rates[name].append(rate)
                print(f"  round {round_} {name:9s} {rate:8.0f} docs/s", flush=True)
                if not (name == "tinradar" and round_ == 2):
                    drop(client, s)
        best_t, best_p = max(rates["tinradar"]), max(rates["plain"])
        print(f"\nbulk indexing, {args.docs:,} docs (best of 2 runs each)")
        print(f"  TinRadar Indexer          {best_t:8.0f} docs/s")
        print(f"  helpers.streaming_bulk    {best_p:8.0f} docs/s")
        print(f"  ratio                     {best_t / best_p:8.2f}  (aim ≥ 0.85)")

        keep = base.model_copy(update={"es_index_prefix": "bench-tinradar-2"})
        extra = args.search_docs - args.docs
        if extra > 0:
            print(f"\nadding {extra:,} more documents for the search benchmark …", flush=True)
            Indexer(client, keep).index(synthetic(extra, offset=args.docs))
        client.indices.forcemerge(index=alias_name(keep), max_num_segments=1, wait_for_completion=True)
        total = client.count(index=alias_name(keep))["count"]
        p50, p95, took50, n = bench_search(client, keep)
        print(f"\nsearch over {total:,} docs: {len(QUERIES)} analyst queries × 5 ({n} timed requests)")
        print(f"  latency p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   (Elasticsearch 'took' p50 {took50:.0f} ms)")
        drop(client, keep)
    finally:
        if node is not None:
            node.stop()
            shutil.rmtree(node.node_dir, ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
