"""Benchmark: what restoring diacritics costs the claim finder (issue #15).

The finder restores a text typed without diacritics, up to ``RESTORE_MAX_CHARS``, before the
encoder reads it. This times the restorer on the realistic mix of ``bench/nlp.py`` (ReINTEL
posts and UIT-ViCoV19QA answers from ``../shared/datasets``), each text folded (typed without
diacritics) and cut to that length, and says how many texts of the mix are really typed
without diacritics, and how many of those are short enough to be restored (if the finder embeds
them: in the analyzer such a text can no longer share its claim vector with the rumor view's
vector of the same opening, so it may cost one embedding more, cold).

    .venv/bin/python bench/diacritics.py --limit 1000
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.nlp import load_texts  # noqa: E402
from nlp.claim_finder import RESTORE_MAX_CHARS  # noqa: E402
from nlp.diacritics import SYLLABLE_RE, accented_share, load_restorer  # noqa: E402
from nlp.normalize import normalize  # noqa: E402
from tinradar.settings import Settings  # noqa: E402
from tinradar.text import fold  # noqa: E402


def _load_texts(shared: Path, limit: int) -> list[str]:
    """The texts ``bench/nlp.py`` reads (the same mix, the same order)."""
    return [d.full_text for d in load_texts(shared, limit)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    args = parser.parse_args()
    settings = Settings()
    start = time.perf_counter()
    restorer = load_restorer(settings.models_dir)
    t_load = time.perf_counter() - start
    if restorer is None:
        print("no restorer in nlp/models/diacritics", file=sys.stderr)
        return 2
    raw = [normalize(t).text for t in _load_texts(args.shared, args.limit)]
    typed = [fold(t[:RESTORE_MAX_CHARS], lower=False) for t in raw if t.strip()]
    syllables = sum(len(SYLLABLE_RE.findall(t.lower())) for t in typed)
    start = time.perf_counter()
    for t in typed:
        restorer.restore(t)
    elapsed = time.perf_counter() - start
    result = {
        "texts": len(typed),
        "unaccented_in_mix": sum(accented_share(t) == 0 and bool(SYLLABLE_RE.search(t.lower())) for t in raw),
        "unaccented_short_in_mix": sum(
            accented_share(t) == 0 and bool(SYLLABLE_RE.search(t.lower())) and len(t) <= RESTORE_MAX_CHARS for t in raw
        ),
        "max_chars": RESTORE_MAX_CHARS,
        "syllables": syllables,
        "load_s": round(t_load, 2),
        "ms_per_text": round(1000 * elapsed / max(len(typed), 1), 2),
        "us_per_syllable": round(1e6 * elapsed / max(syllables, 1), 1),
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
