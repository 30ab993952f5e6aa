"""Benchmark: the repeat-cluster store in Elasticsearch as it grows, against the in-process store.

    python bench/clusters.py [--members 100000] [--batch 500] [--checkpoints 5] [--data ../shared/datasets]

Why: every analysed batch asks the shared store (``index.clusters.EsClusterStore``) for the
members sharing each text's LSH band keys; a month's index keeps growing, and nothing had
measured what that costs at a month's size. Here the texts go, batch by batch, through the
analyser's own ``nlp.cluster.ClusterIndex.assign`` twice in the same process: on an
``EsClusterStore`` (candidate msearch, founding, member writes, the founders' re-read,
settling — one worker, as the pipeline's analyse task) and on the one-process
``MemoryClusterStore`` (the baseline: the same protocol with no network and no index). At
each checkpoint it prints the members stored, docs/s of the batches since the last
checkpoint on both stores, their ratio, the candidates Elasticsearch returned per search
(capped at ``index.clusters.CANDIDATES``), and how many documents the two stores put in
different clusters (the cap and the ranking's ties are the only legitimate cause).

Texts: the real ones first (ReINTEL posts, ViCTSD comments, UIT-ViCoV19QA questions and
answers; about 26,000), then synthetic posts of 2–6 sentences drawn from them (seeded), so
members share stock sentences as real posts do; one newcomer in ten is a light edit of an
earlier text (a repost: one word dropped, one word added). Uses ``TINRADAR_ES_URL`` when
set, else starts its own local node (``index.node.LocalNode``) in a temporary folder and
stops it at the end.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from index.client import connect
from index.clusters import CANDIDATES, EsClusterStore
from nlp.cluster import ClusterIndex, signature
from tinradar.clusters import StoredMember
from tinradar.settings import Settings
from tinradar.text import fold

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def real_texts(data: Path) -> list[str]:
    """Folded texts of the shared datasets (each file is optional: what is there is used)."""
    csv.field_size_limit(10**8)
    out: list[str] = []
    sources = [
        (data / "reintel" / "train.csv", ["post_message"]),
        (data / "reintel" / "unlabeled.csv", ["post_message"]),
        *[(p, ["Comment"]) for p in sorted((data / "comments").glob("ViCTSD_*.csv"))],
    ]
    for path, columns in sources:
        if path.is_file():
            with path.open(encoding="utf-8", newline="") as fh:
                out.extend(row.get(c) or "" for row in csv.DictReader(fh) for c in columns)
    for path in sorted((data / "covid_qa" / "uit_vicov19qa").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.reader(fh, delimiter="|"):
                out.extend(row[1:3])
    return [t for t in (fold(x).lower() for x in out) if signature(t) is not None]


def stream(real: list[str], total: int, seed: int) -> Iterator[str]:
    """``total`` texts: the real ones (shuffled), then synthetic sentence mixes; 1 in 10 a repost."""
    rng = random.Random(seed)
    base = real[:]
    rng.shuffle(base)
    sentences = [s for t in base for s in _SENTENCE.split(t) if len(s) >= 20]
    made: list[str] = []
    for n in range(total):
        if made and rng.random() < 0.1:
            words = rng.choice(made).split()
            if len(words) > 3:
                del words[rng.randrange(len(words))]
            words.insert(rng.randrange(len(words) + 1), rng.choice(words))
            text = " ".join(words)
        elif n < len(base):
            text = base[n]
        else:
            text = " ".join(rng.choice(sentences) for _ in range(rng.randint(2, 6)))
        made.append(text)
        yield text


class CountingStore(EsClusterStore):
    """``EsClusterStore`` that counts the candidates its searches return."""

    searches = 0
    returned = 0

    def candidates(self, bands, *, recent=False):  # type: ignore[no-untyped-def]
        out: list[list[StoredMember]] = super().candidates(bands, recent=recent)
        self.searches += len(out)
        self.returned += sum(len(c) for c in out)
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000, help="documents clustered in all")
    parser.add_argument("--batch", type=int, default=500, help="documents per assign call (the analyser's batch)")
    parser.add_argument("--checkpoints", type=int, default=5)
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "datasets")
    parser.add_argument("--heap", default="768m")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    real = real_texts(args.data)
    if not real:
        sys.exit(f"no texts under {args.data} (give --data, the shared datasets folder)")
    tmp = Path(tempfile.mkdtemp(prefix="tinradar-bench-clusters-"))
    settings = Settings(data_dir=tmp / "data", es_heap=args.heap, es_index_prefix="benchclusters")
    node = None
    try:
        if not os.environ.get("TINRADAR_ES_URL"):
            from index.node import LocalNode, free_port

            node = LocalNode(settings, port=free_port())
            print(f"starting a local node (heap {args.heap}) …", flush=True)
            settings = settings.model_copy(update={"es_url": node.start().url})
        client = connect(settings)
        client.indices.delete(index=f"{settings.es_index_prefix}-clusters-*", ignore_unavailable=True)
        store = CountingStore(settings, client)
        on_es, in_memory = ClusterIndex(store), ClusterIndex()
        print(
            f"{len(real):,} real texts; {args.members:,} documents in batches of {args.batch}; "
            f"candidates per search capped at {CANDIDATES}; load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        print(f"{'members':>9} {'es docs/s':>10} {'memory docs/s':>14} {'ratio':>6} {'cands/search':>13} {'differ':>7}")
        step = max(args.batch, args.members // args.checkpoints)
        texts = stream(real, args.members, args.seed)
        done = differ = 0
        t_es = t_mem = 0.0
        since = 0
        searches = returned = 0
        while done < args.members:
            batch = [
                (f"d{done + i}", t, None)
                for i, t in enumerate(x for _, x in zip(range(args.batch), texts, strict=False))
            ]
            if not batch:
                break
            start = time.perf_counter()
            got_es = on_es.assign(batch)
            t_es += time.perf_counter() - start
            start = time.perf_counter()
            got_mem = in_memory.assign(batch)
            t_mem += time.perf_counter() - start
            differ += sum(a != b for a, b in zip(got_es, got_mem, strict=True))
            done += len(batch)
            since += len(batch)
            if done % step < args.batch or done >= args.members:
                n_search, n_returned = store.searches - searches, store.returned - returned
                searches, returned = store.searches, store.returned
                print(
                    f"{done:>9,} {since / t_es:>10.0f} {since / t_mem:>14.0f} {t_mem / t_es:>6.2f} "
                    f"{n_returned / max(1, n_search):>13.1f} {differ:>7,}",
                    flush=True,
                )
                since, t_es, t_mem = 0, 0.0, 0.0
        clusters = len({c for c in on_es._cluster_of.values()})
        print(
            f"done: {done:,} documents, {clusters:,} clusters on Elasticsearch; load average {os.getloadavg()[0]:.1f}"
        )
    finally:
        if node is not None:
            node.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
