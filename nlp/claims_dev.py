"""Development figures for known-claim matching: the long-post dev set and the calibration half.

``nlp/data/claims_eval/long_posts_dev.yaml`` (issue #15; written before the long-post window
picker, from each claim and its correction only) and the *calibration* half of the evaluation
set are what changes to the finder are chosen on. This script never computes anything on the
held-out half or the fresh set (``python -m nlp.claims_eval report`` reads those, once a
change is frozen). Counts only::

    .venv/bin/python -m nlp.claims_dev
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml

from nlp.claim_finder import ClaimFinder
from nlp.claims import load_claims
from nlp.claims_eval import EVAL_DIR, EvalItem, claim_texts, load_eval_set, outcome
from nlp.encoder import load_encoder
from tinradar.settings import Settings

DEV_FILE = EVAL_DIR / "long_posts_dev.yaml"


def load_dev_set(path: Path = DEV_FILE) -> list[EvalItem]:
    """The long-post dev set as evaluation items (one ``dev`` split; paraphrases are style ``long``)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    items = [
        EvalItem(r["text"], r["claim"], "paraphrase", "long", r["text"], path.name, "dev") for r in raw["paraphrases"]
    ]
    items += [EvalItem(r["text"], None, "true", r["topic"], r["text"], path.name, "dev") for r in raw["statements"]]
    return items


def dev_figures(finder: ClaimFinder, items: Sequence[EvalItem]) -> dict[str, int]:
    """Found (right claim first) / false matches, per set and style, and the extra texts embedded."""
    before = finder.windows_embedded
    sig = finder.signals(claim_texts(items))
    out = outcome(finder, sig, items)
    figs: dict[str, int] = {"extra_texts_embedded": finder.windows_embedded - before, "items": len(items)}
    for k, item in enumerate(items):
        if item.kind == "paraphrase":
            typed = "without" if sig.unaccented[k] else "with"
            for key in ("paraphrases", f"paraphrases {item.category}", f"paraphrases {typed} diacritics"):
                figs[f"{key}: n"] = figs.get(f"{key}: n", 0) + 1
                figs[f"{key}: found"] = figs.get(f"{key}: found", 0) + int(out.right[k])
                figs[f"{key}: wrong claim"] = figs.get(f"{key}: wrong claim", 0) + int(
                    out.matched[k] and not out.right[k]
                )
        elif item.kind == "true":
            figs["true: n"] = figs.get("true: n", 0) + 1
            figs["true: false matches"] = figs.get("true: false matches", 0) + int(out.matched[k])
            if sig.unaccented[k]:
                figs["true without diacritics: n"] = figs.get("true without diacritics: n", 0) + 1
                figs["true without diacritics: false matches"] = figs.get(
                    "true without diacritics: false matches", 0
                ) + int(out.matched[k])
    return dict(sorted(figs.items()))


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(
        prog="python -m nlp.claims_dev",
        description="Known-claim matching on the free sets (dev long posts, the written calibration half): "
        "aggregates only, as JSON on stdout. Needs the encoder.",
    ).parse_args(argv)
    settings = Settings()
    encoder, why = load_encoder(settings)
    if encoder is None:
        print(f"the encoder is needed: {why}", file=sys.stderr)
        return 2
    claims = load_claims(settings.claims_file)
    finder = ClaimFinder.from_settings(claims, settings, encoder=encoder)
    calibration = [i for i in load_eval_set() if i.split == "calibration" and i.kind != "stance"]
    result = {"dev (long posts)": dev_figures(finder, load_dev_set()), "calibration": dev_figures(finder, calibration)}
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
