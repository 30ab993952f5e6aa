"""The claim-matching evaluation: a hand-written set, a fixed split, calibration and a report.

``nlp/data/claims_eval/`` (written for TinRadar, not taken from any dataset):

* ``paraphrases.yaml`` — rumors that repeat a registry claim in words its ``variants`` do not
  have (plain rewording, slang, teen-code, typos, inside a longer post; 40 % typed without
  diacritics). The matcher must find the claim.
* ``true_statements.yaml`` — same-topic true statements (case counts, official advice,
  vaccination drives, announced local restrictions, treatment, testing, support, daily life).
  None may match.
* ``stances*.yaml`` — corrections and questions about a claim (and, in the later sets, rumors
  worded like them), for ``nlp.stance`` and the analyzer's risk.

Every item belongs to a *group* (its own text, or the ``group`` it names for near-copies);
groups are split in two by a hash, so the split never depends on results:
``calibration`` (the rule's parameters are chosen there) and ``held_out`` (reported, and the
test's floors). Run::

    .venv/bin/python -m nlp.claims_eval calibrate   # grid search on calibration → <models>/claims/rule.json
    .venv/bin/python -m nlp.claims_eval report      # tables for docs/nlp.md
    .venv/bin/python -m nlp.claims_eval risk --fresh  # through the analyzer: risk levels, stances (counts)

The blind sets (``--set fresh``, the same as ``--fresh``, and ``--set fresh2`` … ``fresh7``: ``SETS``) are read
whole as one split named after the set, aggregates only, and never calibrated on.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from nlp.claim_finder import ClaimFinder, ClaimSignals, ClaimText, MatchRule
from nlp.claim_verifier import Verifier
from nlp.claims import DEFAULT_THRESHOLD, load_claims
from nlp.encoder import load_encoder
from tinradar.schema import Analysis
from tinradar.settings import Settings
from tinradar.text import fold

DATA_DIR = Path(__file__).resolve().parent / "data"
EVAL_DIR = DATA_DIR / "claims_eval"
#: ``fresh``: written blind on 2026-12-03 (to ``eval`` and to the registry's variants), read whole
#: as one split: a test nothing was tuned on (``report --fresh``).
FRESH_DIR = DATA_DIR / "claims_fresh"
#: ``fresh2``: written blind on 2026-12-04 (to both sets above and to the registry's variants) once
#: ``fresh`` had been read too often to judge the next change (``report --set fresh2``).
FRESH2_DIR = DATA_DIR / "claims_fresh2"
#: ``fresh3``: written blind on 2026-12-04 (late) from the registry's claim texts only, to judge the
#: verifier trained with a written training set (``nlp/data/claims_train``) once.
FRESH3_DIR = DATA_DIR / "claims_fresh3"
#: ``fresh4``: written blind right after ``fresh3`` was read, to judge that verifier once more.
FRESH4_DIR = DATA_DIR / "claims_fresh4"
#: ``fresh5``: written blind on 2026-12-05 from the registry only, before the second written training
#: set (``nlp/data/claims_train2``) was trained on, to judge that training once.
FRESH5_DIR = DATA_DIR / "claims_fresh5"
#: ``fresh6``: written blind on 2026-12-05 from the registry only, before the third written training
#: set (``nlp/data/claims_train3``) was trained on, to judge that training once.
FRESH6_DIR = DATA_DIR / "claims_fresh6"
#: ``fresh7``: written blind on 2026-12-05 from the registry only for a verifier variant that was
#: dropped before any reading: unread on 2026-12-05, kept for judging the next change once.
FRESH7_DIR = DATA_DIR / "claims_fresh7"
#: The sets the CLI reads; every set but ``eval`` is blind: one whole split, never calibrated on.
SETS = {
    "eval": EVAL_DIR,
    "fresh": FRESH_DIR,
    "fresh2": FRESH2_DIR,
    "fresh3": FRESH3_DIR,
    "fresh4": FRESH4_DIR,
    "fresh5": FRESH5_DIR,
    "fresh6": FRESH6_DIR,
    "fresh7": FRESH7_DIR,
}
#: Calibration keeps false matches on true statements at or below this rate.
MAX_FALSE_MATCHES = 0.02


@dataclass
class EvalItem:
    text: str
    claim: str | None  # the claim it repeats / mentions; None for a true statement
    kind: str  # paraphrase | true | stance
    category: str  # style (paraphrases), topic (true statements), stance (stance items)
    group: str
    source: str  # file name
    fixed_split: str | None = None  # the whole set is one split (the fresh set)

    @property
    def split(self) -> str:
        if self.fixed_split:
            return self.fixed_split
        return "held_out" if int(hashlib.sha256(self.group.encode()).hexdigest()[:8], 16) % 2 else "calibration"

    @property
    def unaccented(self) -> bool:
        return fold(self.text) == self.text.lower()


def load_eval_set(directory: Path = EVAL_DIR, split: str | None = None) -> list[EvalItem]:
    """All items of an evaluation set, in file order (``split``: one split for all of them)."""
    items: list[EvalItem] = []
    for row in yaml.safe_load((directory / "paraphrases.yaml").read_text(encoding="utf-8"))["paraphrases"]:
        group = str(row.get("group") or row["text"])
        items.append(EvalItem(row["text"], row["claim"], "paraphrase", row["style"], group, "paraphrases.yaml", split))
    for row in yaml.safe_load((directory / "true_statements.yaml").read_text(encoding="utf-8"))["statements"]:
        items.append(EvalItem(row["text"], None, "true", row["topic"], row["text"], "true_statements.yaml", split))
    for path in sorted(directory.glob("stances*.yaml")):
        for row in yaml.safe_load(path.read_text(encoding="utf-8"))["items"]:
            items.append(EvalItem(row["text"], row["claim"], "stance", row["stance"], row["text"], path.name, split))
    return items


def claim_texts(items: Sequence[EvalItem]) -> list[ClaimText]:
    """The finder's view of each item (as the analyzer builds it)."""
    return [ClaimText.of(item.text) for item in items]


def _subset(sig: ClaimSignals, idx: np.ndarray) -> ClaimSignals:
    windows = [sig.windows[i] for i in idx] if sig.windows else []
    vectors = sig.vectors[idx] if sig.vectors is not None else None
    named = sig.named[idx] if sig.named is not None else None
    return ClaimSignals(
        sig.lexical[idx],
        sig.semantic[idx],
        sig.terms[idx],
        sig.unaccented[idx],
        sig.embedded[idx],
        windows,
        vectors,
        named=named,
    )


@dataclass
class Outcome:
    """Per item: matched at all, matched the right claim first."""

    matched: np.ndarray
    right: np.ndarray


def outcome(finder: ClaimFinder, sig: ClaimSignals, items: Sequence[EvalItem]) -> Outcome:
    ids = [c.id for c in finder.claims]
    found = finder.decide(sig, top=1)
    matched = np.asarray([bool(f) for f in found])
    right = np.asarray([bool(f) and item.claim == ids[f[0][0]] for f, item in zip(found, items, strict=True)])
    return Outcome(matched, right)


def figures(items: Sequence[EvalItem], out: Outcome) -> dict[str, float | int | None]:
    """Recall on paraphrases, false matches on true statements, claims found for stance items."""
    kind = np.asarray([i.kind for i in items])
    para, true, st = kind == "paraphrase", kind == "true", kind == "stance"

    def rate(hit: np.ndarray, among: np.ndarray) -> float | None:
        return round(float(hit[among].mean()), 4) if among.any() else None

    return {
        "paraphrases": int(para.sum()),
        "recall": rate(out.right, para),
        "wrong_claim": rate(out.matched & ~out.right, para),
        "true_statements": int(true.sum()),
        "false_matches": rate(out.matched, true),
        "stance_items": int(st.sum()),
        "stance_found": rate(out.right, st),
    }


def _grid() -> list[MatchRule]:
    """Semantic thresholds tried; the lexical threshold stays the matcher's long-standing 0.45."""
    off = [1.01]
    return [
        MatchRule(lexical=DEFAULT_THRESHOLD, semantic=s, semantic_folded=sf, margin=m, semantic_with_terms=st)
        for s, sf, m, st in itertools.product(
            [*np.round(np.arange(0.90, 0.961, 0.005), 3), *off],
            [*np.round(np.arange(0.88, 0.961, 0.01), 3), *off],
            [0.0, 0.005, 0.01, 0.02, 0.03],
            [*np.round(np.arange(0.86, 0.941, 0.01), 3), *off],
        )
    ]


def calibrate(finder: ClaimFinder, sig: ClaimSignals, items: Sequence[EvalItem]) -> tuple[MatchRule, dict]:
    """The semantic thresholds with the best calibration recall that add no false match beyond the limit.

    The limit is 2 % of the calibration true statements, or the lexical matcher's own rate there
    when that is already higher (the embedding must not make it worse). Ties go to fewer false
    matches, then fewer wrong-claim matches, then higher thresholds.
    """
    cal = np.asarray([i.split == "calibration" and i.kind != "stance" for i in items])
    cal_items = [i for i, keep in zip(items, cal, strict=True) if keep]
    cal_sig = _subset(sig, np.nonzero(cal)[0])
    finder.rule = MatchRule(lexical=DEFAULT_THRESHOLD)
    limit = max(MAX_FALSE_MATCHES, figures(cal_items, outcome(finder, cal_sig, cal_items))["false_matches"] or 0.0)
    best: tuple[tuple[float, ...], MatchRule, dict] | None = None
    for rule in _grid():
        finder.rule = rule
        fig = figures(cal_items, outcome(finder, cal_sig, cal_items))
        if (fig["false_matches"] or 0.0) > limit:
            continue
        thresholds = rule.semantic + rule.semantic_folded + rule.semantic_with_terms + rule.margin
        key = (fig["recall"] or 0.0, -(fig["false_matches"] or 0.0), -(fig["wrong_claim"] or 0.0), thresholds)
        if best is None or key > best[0]:
            best = (key, rule, fig)
    assert best is not None  # the lexical-only rule (all semantic thresholds off) is in the grid
    finder.rule = best[1]
    return best[1], best[2]


def _rows(items: Sequence[EvalItem], out: Outcome, split: str) -> list[str]:
    """Markdown rows: recall per paraphrase style and without diacritics; false matches per topic."""
    rows: list[str] = []
    sel = [k for k, i in enumerate(items) if i.split == split]

    def row(label: str, idx: list[int], what: str) -> None:
        if not idx:
            return
        value = out.right[idx].mean() if what == "recall" else out.matched[idx].mean()
        n_hit = int(out.right[idx].sum()) if what == "recall" else int(out.matched[idx].sum())
        rows.append(f"| {label} | {len(idx)} | {what} {value:.2f} ({n_hit}/{len(idx)}) |")

    para = [k for k in sel if items[k].kind == "paraphrase"]
    row("paraphrases, all", para, "recall")
    for style in ("plain", "slang", "teencode", "typo", "long"):
        row(f"paraphrases, {style}", [k for k in para if items[k].category == style], "recall")
    row("paraphrases, without diacritics", [k for k in para if items[k].unaccented], "recall")
    row("paraphrases, with diacritics", [k for k in para if not items[k].unaccented], "recall")
    wrong = [k for k in para if out.matched[k] and not out.right[k]]
    rows.append(f"| paraphrases matched to a wrong claim | {len(para)} | {len(wrong) / max(1, len(para)):.2f} |")
    true = [k for k in sel if items[k].kind == "true"]
    row("true statements, all", true, "false matches")
    for topic in sorted({items[k].category for k in true}):
        row(f"true statements, {topic}", [k for k in true if items[k].category == topic], "false matches")
    st = [k for k in sel if items[k].kind == "stance"]
    row("corrections and questions: their claim found", st, "recall")
    return rows


def analyze_texts(texts: Sequence[str], settings: Settings, source: str) -> list[Analysis]:
    """Each text through the whole analyzer as a social post of ``source`` (ids in order), in a
    throwaway data folder: an evaluation must leave the user's cluster store untouched."""
    import tempfile
    from datetime import UTC, datetime

    from nlp.analyzer import Analyzer
    from tinradar.schema import Document, Kind

    with (
        tempfile.TemporaryDirectory() as tmp,
        Analyzer(settings.model_copy(update={"data_dir": Path(tmp)})) as analyzer,
    ):
        now = datetime.now(UTC)
        docs = [
            Document(id=f"claims-{source}-{n:05d}", source_id=source, kind=Kind.SOCIAL, text=text, fetched_at=now)
            for n, text in enumerate(texts)
        ]
        return analyzer.analyze(docs)


def risk_figures(items: Sequence[EvalItem], settings: Settings) -> dict[str, dict[str, int]]:
    """Through the whole analyzer: true statements by risk level; paraphrases (and rumors worded
    like corrections) by the stance of their best match; corrections and questions by risk level.
    Counts only — no item is printed (the fresh set is read whole, never item by item)."""
    from collections import Counter

    out = analyze_texts([i.text for i in items], settings, "eval")
    figs: dict[str, Counter[str]] = {}
    for item, a in zip(items, out, strict=True):
        repeats = item.kind == "paraphrase" or (item.kind == "stance" and item.category == "repeats")
        group = "true statements" if item.kind == "true" else "paraphrases" if repeats else "corrections, questions"
        figs.setdefault(f"{group}: risk", Counter())[a.risk_level.value] += 1
        if repeats or item.kind == "true":
            stance = a.matched_claims[0].stance.value if a.matched_claims else "no match"
            figs.setdefault(f"{group}: stance of the best match", Counter())[stance] += 1
    return {k: dict(sorted(v.items())) for k, v in figs.items()}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nlp.claims_eval", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["calibrate", "report", "risk"])
    parser.add_argument("--fresh", action="store_true", help="the blind fresh set (nlp/data/claims_fresh): --set fresh")
    parser.add_argument(
        "--set", dest="set_name", choices=sorted(SETS), default=None, help="the set to read (default: eval)"
    )
    parser.add_argument("--rule", type=Path, default=None, help="rule file (default: <models_dir>/claims/rule.json)")
    parser.add_argument(
        "--verifier", type=Path, default=None, help="verifier (default: <models_dir>/claims/verifier.json)"
    )
    args = parser.parse_args(argv)
    if args.fresh and args.set_name not in (None, "fresh"):
        print("--fresh is --set fresh; give one set", file=sys.stderr)
        return 2
    set_name = "fresh" if args.fresh else args.set_name or "eval"
    blind = set_name != "eval"
    settings = Settings()
    rule_path = args.rule or settings.models_dir / "claims" / "rule.json"
    encoder, why = load_encoder(settings)
    if encoder is None:
        print(f"the encoder is needed: {why}", file=sys.stderr)
        return 2
    if blind and args.command == "calibrate":
        print(f"the blind set {set_name} is never calibrated on", file=sys.stderr)
        return 2
    items = load_eval_set(SETS[set_name], split=set_name) if blind else load_eval_set()
    if args.command == "risk":  # counts through the analyzer, per split
        for split in sorted({i.split for i in items}):
            figs = risk_figures([i for i in items if i.split == split], settings)
            print(json.dumps({split: figs}, indent=2, ensure_ascii=False))
        return 0
    rule = MatchRule() if args.command == "calibrate" else MatchRule.load(rule_path)
    finder = ClaimFinder.from_settings(
        load_claims(settings.claims_file), settings, encoder=encoder, rule=rule, verifier=None
    )
    texts = claim_texts(items)
    sig = finder.signals(texts)
    if args.command == "calibrate":
        rule, cal = calibrate(finder, sig, items)
        held = [k for k, i in enumerate(items) if i.split == "held_out"]
        held_items = [items[k] for k in held]
        held_fig = figures(held_items, outcome(finder, _subset(sig, np.asarray(held)), held_items))
        rule_path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "rule": rule.model_dump(),
            "calibration": cal,
            "held_out": held_fig,
            "max_false_matches": MAX_FALSE_MATCHES,
            "encoder": encoder.version,
            "encoder_max_tokens": encoder.max_tokens,
        }
        rule_path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(json.dumps(payload, indent=2, ensure_ascii=False))
        return 0
    out = outcome(finder, sig, items)
    lexical_only = ClaimFinder(finder.claims, rule=MatchRule())
    lex_out = outcome(lexical_only, lexical_only.signals(texts), items)
    results = [("cosine rule (rule.json)", out), ("lexical only (before)", lex_out)]
    verifier = Verifier.load(args.verifier or settings.models_dir / "claims" / "verifier.json", encoder.version)
    if verifier is not None:  # its own signals: a near miss is read again sentence by sentence
        verified = ClaimFinder.from_settings(
            finder.claims, settings, encoder=encoder, rule=rule, verifier=verifier, restorer=finder.restorer
        )
        results.insert(
            0,
            (
                f"lexical OR verifier >= {verifier.threshold}",
                outcome(verified, verified.signals(texts), items),
            ),
        )
    for split in (set_name,) if blind else ("held_out", "calibration"):
        for name, result in results:
            print(f"\n### {split}: {name}\n\n| items | n | figure |\n|---|---|---|")
            print("\n".join(_rows(items, result, split)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
