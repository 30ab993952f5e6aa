"""Benchmark: the full NLP analysis beside underthesea word segmentation alone.

Runs ``nlp.Analyzer.analyze`` on N realistic texts — public Facebook posts of 2020
(ReINTEL, unlabeled and train sets, with their engagement counts and times) and
doctors' answers to COVID-19 questions (UIT-ViCoV19QA, article-like text) — read from
``../shared/datasets`` at run time, then underthesea ``word_tokenize`` on the same texts
in the same process, and prints docs/s, chars/s, peak memory and the ratio.

    .venv/bin/python bench/nlp.py            # 5,000 texts, encoder off then on
    .venv/bin/python bench/nlp.py --limit 1000 --encoder on --json

``--encoder both`` (the default) runs the analysis twice, each in its own process (so each
peak RSS is its own): with the sentence encoder off (lexical rumor score, lexical claim
matching) and on (e5 for claim matching, COVID-related items, and the rumor model's encoder
view, every post). The encoder's vector cache is a fresh temporary one, so the "on" figure is
the cold cost: every post's masked opening is embedded once (and what claim matching reads).

Aim (issue 4): analysis at least half as fast as segmentation alone (ratio ≥ 0.5), peak
memory under 1.5 GB (issue 15: with the encoder on too).
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tinradar.ids import social_id  # noqa: E402
from tinradar.schema import Document, Kind  # noqa: E402
from tinradar.settings import Settings  # noqa: E402


def _count(value: str | None) -> int | None:
    try:
        return max(0, int(float(value))) if value not in (None, "") else None
    except ValueError:
        return None


def load_texts(shared: Path, limit: int) -> list[Document]:
    """Interleave posts and QA answers (about 2:1) so that every prefix is a realistic mix."""
    csv.field_size_limit(sys.maxsize)
    posts: list[Document] = []
    for name in ("unlabeled.csv", "train.csv"):
        with (shared / "datasets" / "reintel" / name).open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                ts = row.get("timestamp_post") or ""
                try:
                    published = datetime.fromtimestamp(float(ts), UTC) if ts else None
                except ValueError:
                    published = None
                posts.append(
                    Document(
                        id=social_id("facebook", f"{name}:{row['id']}"),
                        source_id="reintel",
                        kind=Kind.SOCIAL,
                        platform="facebook",
                        text=row.get("post_message") or "",
                        published_at=published,
                        fetched_at=datetime.now(UTC),
                        likes=_count(row.get("num_like_post")),
                        comments=_count(row.get("num_comment_post")),
                        shares=_count(row.get("num_share_post")),
                    )
                )
    answers: list[Document] = []
    qa = shared / "datasets" / "covid_qa" / "uit_vicov19qa"
    for path in sorted(qa.glob("*.csv")):
        with path.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh, delimiter="|"):
                text = (row.get("Answer_1") or "").strip()
                if text:
                    answers.append(
                        Document(
                            id=social_id("qa", f"{path.name}:{row.get('id')}"),
                            source_id="vicov19qa",
                            kind=Kind.NEWS,
                            title=(row.get("Question") or "").strip(),
                            text=text,
                            fetched_at=datetime.now(UTC),
                        )
                    )
    mixed: list[Document] = []
    for i in range(max(len(posts), len(answers))):
        if i < len(posts):
            mixed.append(posts[i])
        if i < len(answers) and i % 2 == 0:
            mixed.append(answers[i])
    return mixed[:limit]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=5000, help="number of texts (default 5000)")
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared", help="the shared folder")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    parser.add_argument(
        "--encoder", choices=("off", "on", "both"), default="both", help="sentence encoder off, on, or both runs"
    )
    args = parser.parse_args()
    if not (args.shared / "datasets" / "reintel").is_dir():
        print(f"no datasets under {args.shared}; pass --shared", file=sys.stderr)
        return 2
    if args.encoder == "both":
        runs = {}
        for mode in ("off", "on"):
            print(f"--- encoder {mode} ---", flush=True)
            cmd = [sys.executable, __file__, "--limit", str(args.limit), "--shared", str(args.shared)]
            done = subprocess.run([*cmd, "--encoder", mode, "--json"], capture_output=True, text=True, check=True)
            lines = done.stdout.rstrip().splitlines()
            print("\n".join(lines[:-1]), flush=True)
            runs[mode] = json.loads(lines[-1])
        off, on = runs["off"], runs["on"]
        print(
            f"encoder off → on: {off['analysis_docs_per_s']} → {on['analysis_docs_per_s']} docs/s, "
            f"peak RSS {off['peak_rss_mb_end']} → {on['peak_rss_mb_end']} MB (aim < 1536), "
            f"{on['embedded']} openings embedded"
        )
        if args.json:
            print(json.dumps(runs))
        return 0

    docs = load_texts(args.shared, args.limit)
    texts = [d.full_text for d in docs]
    chars = sum(len(t) for t in texts)
    print(
        f"{len(docs)} texts ({sum(d.kind is Kind.SOCIAL for d in docs)} posts, "
        f"{sum(d.kind is Kind.NEWS for d in docs)} QA answers), {chars:,} characters"
    )

    from nlp import Analyzer
    from nlp.normalize import segment

    base_rss = peak_mb()
    with tempfile.TemporaryDirectory() as data_dir:
        # a fresh encoder cache (the cold cost); the claim registry's vectors are embedded at load
        settings = Settings(
            data_dir=Path(data_dir),
            cache_dir=Path(data_dir) / "cache",
            encoder="off" if args.encoder == "off" else "e5",
        )
        t0 = time.perf_counter()
        analyzer = Analyzer(settings)
        load_s = time.perf_counter() - t0
        before = analyzer.encoder.embedded if analyzer.encoder else 0
        t0 = time.perf_counter()
        analyses = analyzer.analyze(docs)
        analysis_s = time.perf_counter() - t0
        embedded = (analyzer.encoder.embedded - before) if analyzer.encoder else 0
    analysis_peak = peak_mb()

    t0 = time.perf_counter()
    segmented = segment(texts)
    segment_s = time.perf_counter() - t0
    assert len(segmented) == len(analyses) == len(docs)

    figures = {
        "encoder": args.encoder,
        "rumor_version": analyzer.versions.get("rumor"),
        "embedded": embedded,
        "texts": len(docs),
        "chars": chars,
        "model_load_s": round(load_s, 2),
        "analysis_s": round(analysis_s, 2),
        "analysis_docs_per_s": round(len(docs) / analysis_s, 1),
        "analysis_chars_per_s": round(chars / analysis_s),
        "segmentation_s": round(segment_s, 2),
        "segmentation_docs_per_s": round(len(docs) / segment_s, 1),
        "segmentation_chars_per_s": round(chars / segment_s),
        "ratio_analysis_to_segmentation": round(segment_s / analysis_s, 2),
        "peak_rss_mb_before_models": round(base_rss),
        "peak_rss_mb_after_analysis": round(analysis_peak),
        "peak_rss_mb_end": round(peak_mb()),
        "high_risk": sum(a.risk_level.value == "high" for a in analyses),
        "covid": sum(a.covid for a in analyses),
        "with_claim": sum(bool(a.matched_claims) for a in analyses),
        "clusters": len({a.cluster_id for a in analyses if a.cluster_id}),
    }
    print(f"encoder {args.encoder}: rumor model {figures['rumor_version']}, {embedded} openings embedded")
    print(f"model load           {load_s:8.2f} s")
    print(
        f"full analysis        {analysis_s:8.2f} s  {figures['analysis_docs_per_s']:8.1f} docs/s  {figures['analysis_chars_per_s']:>10,} chars/s"
    )
    print(
        f"segmentation only    {segment_s:8.2f} s  {figures['segmentation_docs_per_s']:8.1f} docs/s  {figures['segmentation_chars_per_s']:>10,} chars/s"
    )
    print(f"ratio (analysis speed / segmentation speed) {figures['ratio_analysis_to_segmentation']:.2f}  (aim ≥ 0.5)")
    print(
        f"peak RSS: {figures['peak_rss_mb_after_analysis']} MB after analysis, {figures['peak_rss_mb_end']} MB at end (aim < 1536)"
    )
    print(
        f"high risk {figures['high_risk']}, COVID {figures['covid']}, known claim {figures['with_claim']}, clusters {figures['clusters']}"
    )
    if args.json:
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
