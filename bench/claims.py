"""Benchmark: what the encoder costs known-claim matching, against lexical matching alone.

Reads the same realistic mix as ``bench/nlp.py`` (ReINTEL posts and UIT-ViCoV19QA answers from
``../shared/datasets``), prepares each text as the analyzer does (normalise, COVID relevance),
then in one process:

1. lexical matching only (the baseline: what TinRadar did before the encoder);
2. both signals with an empty encoder cache (every text that can carry a claim is embedded);
3. both signals again, the cache warm (a re-run of the same day: nothing is embedded).

It prints texts/s for each, how many texts were embedded (only those that pass COVID
relevance or hold a claim's key term), the extra windows of long texts (near misses, sentence
looks and the whole-post windows of ``nlp.claim_windows``), the extra queries of the per-claim name
views (``ClaimFinder.claim_views``: one more view of a text for each distinct set of its names that
claims use), matches and stances.

    .venv/bin/python bench/claims.py --limit 1000
    .venv/bin/python bench/claims.py --json
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.nlp import load_texts  # noqa: E402
from nlp.claim_finder import ClaimFinder, ClaimText, MatchRule  # noqa: E402
from nlp.claims import load_claims  # noqa: E402
from nlp.encoder import load_encoder  # noqa: E402
from tinradar.settings import Settings  # noqa: E402


def _load_texts(shared: Path, limit: int) -> list[str]:
    """The texts ``bench/nlp.py`` reads (the same mix, the same order)."""
    return [d.full_text for d in load_texts(shared, limit)]


def _run(finder: ClaimFinder, texts: list[ClaimText]) -> tuple[float, list]:
    start = time.perf_counter()
    found = finder.find(texts)
    return time.perf_counter() - start, found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=5000)
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    settings = Settings()
    raw = _load_texts(args.shared, args.limit)
    texts = [ClaimText.of(text[: settings.max_text_chars]) for text in raw]
    claims = load_claims(settings.claims_file)
    rule = MatchRule.load(settings.models_dir / "claims" / "rule.json")
    lexical = ClaimFinder(claims, rule=rule)
    t_lex, found_lex = _run(lexical, texts)
    with tempfile.TemporaryDirectory() as cache:
        encoder, why = load_encoder(settings.model_copy(update={"cache_dir": Path(cache)}))
        if encoder is None:
            print(f"encoder unavailable: {why}", file=sys.stderr)
            return 2
        start = time.perf_counter()
        finder = ClaimFinder.from_settings(
            claims, settings.model_copy(update={"cache_dir": Path(cache)}), encoder=encoder, rule=rule
        )
        t_registry, registry_embedded = time.perf_counter() - start, encoder.embedded
        t_cold, found = _run(finder, texts)
        embedded_cold, windows = encoder.embedded - registry_embedded, finder.windows_embedded
        views = finder.views_embedded  # the extra queries of the per-claim name views (cold)
        t_warm, _ = _run(finder, texts)
        embedded_warm = encoder.embedded - embedded_cold - registry_embedded
    gate = int(finder.gate(texts).sum())
    stances = Counter(m[0].stance.value for m in found if m)
    n = len(texts)
    result = {
        "texts": n,
        "chars": sum(len(t.text) for t in texts),
        "embedded_texts": gate,
        "embedded_share": round(gate / n, 3),
        "extra_windows": windows,
        "extra_windows_per_embedded_text": round(windows / max(gate, 1), 2),
        "name_view_queries": views,
        "name_view_queries_per_embedded_text": round(views / max(gate, 1), 3),
        "registry_texts_embedded": registry_embedded,
        "registry_vectors_s": round(t_registry, 2),
        "lexical_s": round(t_lex, 2),
        "lexical_texts_per_s": round(n / t_lex, 1),
        "two_signals_cold_s": round(t_cold, 2),
        "two_signals_cold_texts_per_s": round(n / t_cold, 1),
        "embedded_by_engine_cold": embedded_cold,
        "two_signals_warm_s": round(t_warm, 2),
        "two_signals_warm_texts_per_s": round(n / t_warm, 1),
        "embedded_by_engine_warm": embedded_warm,
        "ratio_cold_to_lexical": round(t_lex / t_cold, 3),
        "matched_lexical": sum(bool(m) for m in found_lex),
        "matched_two_signals": sum(bool(m) for m in found),
        "stances": dict(stances),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:32s} {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
