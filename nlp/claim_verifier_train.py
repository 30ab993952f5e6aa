"""Train the claim verifier (``nlp.claim_verifier``) and check it on real posts.

Training data — never the held-out half of the evaluation set:

* the registry's own texts (claim and variants), each as written and folded, verified against
  the registry *without that text and its folded twin* (vectors and lexical matcher): positive
  when its own claim still comes first, negative when another claim does;
* the calibration half of ``nlp/data/claims_eval`` (paraphrases and corrections/questions:
  positive when their claim comes first; true statements: negative);
* real reliable COVID-19 posts of ReINTEL (``../shared/datasets/reintel/train.csv``, label 0,
  the half whose id hashes even; the odd half and the unreliable posts are kept for the check),
  COVID-related (as the finder gates them), without any lexical match: negative. Real true
  statements are where false matches come from;
* 60 same-topic true statements written for this training (``nlp/data/claims_verifier_negatives.yaml``,
  not copied from the evaluation set), the COVID-related ones without a lexical match: negative;
* written training sets (``nlp/data/claims_train`` and ``claims_train2``, the evaluation sets' format,
  written for this training blind to every evaluation set): their paraphrases positive when their claim
  comes first, their true statements negative — as the calibration half, but never read to choose C or the threshold;
* with ``reviewed`` (``tinradar train claims --with-reviews``): the claim readings recorded on the review
  desk (``nlp.claim_reviews``), real posts whose claims a reviewer read — positive when the top claim is
  one the reviewer named, negative otherwise — also never read to choose C or the threshold. Near-copies
  of the held-out half and of the blind sets are left out. Without readings nothing here changes.

Folds are grouped (a registry text with its folded twin, an evaluation group, a post; reviewed
rows by cluster or near-duplicate key, dealt into the folds the other rows have without them); the
regularisation and the threshold are chosen on out-of-fold probabilities: the best calibration
recall (lexical OR verifier) with false matches on the calibration true statements ≤ 2 % or the
lexical matcher's own rate there when higher (the cosine rule's limit), and at most 1 % more
matches on the training ReINTEL posts. Run::

    .venv/bin/python -m nlp.claim_verifier_train train    # → <models>/claims/verifier.json (--data <datasets>)
    .venv/bin/python -m nlp.claim_verifier_train reintel  # match rates on the check half of ReINTEL
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import yaml

from nlp.claim_finder import ClaimFinder, ClaimText, MatchRule
from nlp.claim_reviews import REVIEW_SOURCE, ReviewedClaims, ReviewedRows, reviewed_data
from nlp.claim_verifier import SCALARS, Verifier, VerifierInput, feature_matrix, top_claim_input
from nlp.claims import Claim, ClaimMatcher
from nlp.claims_eval import DATA_DIR as EVAL_DATA
from nlp.claims_eval import MAX_FALSE_MATCHES, SETS, EvalItem, claim_texts, load_eval_set
from nlp.claims_real import even_id, reintel_rows
from nlp.diacritics import load_restorer
from nlp.encoder import Encoder, load_encoder
from nlp.groups import dup_key
from nlp.normalize import normalize
from tinradar.settings import REPO_ROOT, Settings
from tinradar.text import fold

#: The shared datasets folder, as the other trainers take it (``--data``).
DATA_DIR = REPO_ROOT.parent / "shared" / "datasets"
NEGATIVES = EVAL_DATA / "claims_verifier_negatives.yaml"
#: Paraphrases and true statements written to train the verifier (``load_eval_set``'s format):
#: ``claims_train`` (2026-12-04, two writers) and ``claims_train2`` (2026-12-05, two more writers).
TRAIN_SETS = (EVAL_DATA / "claims_train", EVAL_DATA / "claims_train2")
#: The verifier may add at most this share of matches on the training ReINTEL reliable posts.
MAX_REINTEL_ADDED = 0.01
C_GRID = (0.003, 0.01, 0.03, 0.1)
N_FOLDS = 5


def reintel_posts(half: str, data_dir: Path = DATA_DIR) -> list[tuple[str, str, int]]:
    """(id, text, label) of ReINTEL posts: ``train`` = reliable with an even id hash; ``check`` = the rest."""
    return [
        (p.id, p.text, int(p.unreliable))
        for p in reintel_rows(data_dir)
        if (half == "train") == (even_id(p.id) and not p.unreliable)
    ]


def _texts(raw: Sequence[str]) -> list[ClaimText]:
    return [ClaimText.of(text) for text in raw]


def _registry_rows(claims: Sequence[Claim]) -> list[tuple[int, int]]:
    """(claim, text) of each row of ``ClaimVectors.matrix`` (built in the same order)."""
    rows = []
    for i, claim in enumerate(claims):
        for j, text in enumerate([claim.claim, *claim.variants]):
            for _ in dict.fromkeys([text, normalize(text).folded]):
                rows.append((i, j))
    return rows


def _without(claims: Sequence[Claim], i: int, j: int) -> list[Claim]:
    texts = [claims[i].claim, *claims[i].variants]
    del texts[j]
    out = list(claims)
    out[i] = claims[i].model_copy(update={"claim": texts[0], "variants": texts[1:]})
    return out


def registry_data(finder: ClaimFinder) -> tuple[VerifierInput, np.ndarray, list[str]]:
    """Each registry text (as written and folded) verified against the registry without it."""
    assert finder.encoder is not None and finder.vectors is not None
    claims = finder.claims
    rows = np.asarray(_registry_rows(claims))
    inputs, labels, groups = [], [], []
    for i, claim in enumerate(claims):
        for j, text in enumerate([claim.claim, *claim.variants]):
            norm = normalize(text)
            views = list(dict.fromkeys([norm.text, norm.folded]))
            vecs = finder.encoder.queries(views)
            lexical = ClaimMatcher(_without(claims, i, j), threshold=finder.rule.lexical)
            folded = [norm.folded] * len(views)
            written = [normalize(v).features for v in views]
            lex = lexical.scores(folded, written)
            terms = lexical.terms(folded, written)
            unaccented = np.asarray([fold(v) == v.lower() for v in views])
            own = np.nonzero((rows[:, 0] == i) & (rows[:, 1] == j))[0]
            semantic = np.full((len(views), len(claims)), -1.0, dtype=np.float32)
            top, x = top_claim_input(
                vecs, semantic, finder.vectors.matrix, finder.vectors.owners, lex, terms, unaccented, [own] * len(views)
            )
            inputs.append(x)
            labels.extend(int(t == i) for t in top)
            groups.extend([f"registry:{claim.id}:{j}"] * len(views))
    return _concat(inputs), np.asarray(labels), groups


def _concat(parts: Sequence[VerifierInput]) -> VerifierInput:
    return VerifierInput(
        np.vstack([p.text for p in parts]), np.vstack([p.claim for p in parts]), np.vstack([p.scalars for p in parts])
    )


def finder_data(finder: ClaimFinder, texts: Sequence[ClaimText]) -> tuple[np.ndarray, np.ndarray, VerifierInput]:
    """Embedded rows, their top claim and the verifier's input, as the finder computes them."""
    sig = finder.signals(texts)
    rows = np.nonzero(sig.embedded)[0]
    top, x = finder.verifier_input(sig, rows)
    return rows, top, x


def labelled_data(
    finder: ClaimFinder,
    items: Sequence[EvalItem],
    ids: Sequence[str],
    prefix: str,
    texts: Sequence[ClaimText] | None = None,
) -> tuple[np.ndarray, np.ndarray, VerifierInput, np.ndarray, list[str]]:
    """``finder_data`` of written items (``load_eval_set``'s), labelled: positive when the top claim
    is the item's own, and grouped by the item's group (``prefix:group``). ``texts``: the items'
    ``claim_texts`` when the caller has them already (each is normalised once)."""
    rows, top, x = finder_data(finder, claim_texts(items) if texts is None else texts)
    y = np.asarray(
        [int(items[r].claim is not None and ids[t] == items[r].claim) for r, t in zip(rows, top, strict=True)]
    )
    return rows, top, x, y, [f"{prefix}:{items[r].group}" for r in rows]


def held_out_keys() -> frozenset[str]:
    """Near-duplicate keys (``nlp.groups.dup_key``) of every text the verifier is judged on: the
    held-out half of ``claims_eval`` and the blind sets. A reviewed item that is a near-copy of
    one never trains (``nlp.claim_reviews``), so those figures stay held out. Keys only: no
    item is printed or kept."""
    items = [i for i in load_eval_set() if i.split == "held_out"]
    items += [i for name, path in SETS.items() if name != "eval" and path.is_dir() for i in load_eval_set(path, name)]
    return frozenset(dup_key(i.text) for i in items)


def training_finder(claims: Sequence[Claim], settings: Settings, encoder: Encoder) -> ClaimFinder:
    """The finder whose signals the verifier learns from: the rule and the verifier it trains are
    off (the signals as the finder computes them); the window model too (its windows are embedded
    for long texts and the verifier never reads them); the per-claim name views too (a train/serve
    difference, docs/nlp.md: the shipped verifier was trained on the texts as written, and with the
    views 10 ReINTEL training posts move into the encoder's gate and 6 out, 494 → 498 rows; at
    inference it reads the view of its top claim)."""
    return ClaimFinder.from_settings(
        claims, settings, encoder=encoder, rule=MatchRule(), verifier=None, window_model=None, name_views=False
    )


def train(
    settings: Settings,
    out_path: Path,
    data_dir: Path = DATA_DIR,
    reviewed: Iterable[ReviewedClaims] = (),
    *,
    encoder: Encoder | None = None,
) -> dict:
    """Train the verifier as the module docstring says; write it to ``out_path``; the payload less the weights.

    ``reviewed``: claim readings recorded on the review desk (``nlp.claim_reviews``). Their rows
    join the training rows (weight 1) and the grouped folds, but never choose C or the
    threshold (those read only the calibration half and the ReINTEL posts). Their counts, and
    how the out-of-fold verifier reads them, go into ``trained_on["reviews"]``; without
    readings the output is what it was before they existed.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold
    from sklearn.preprocessing import StandardScaler

    if encoder is None:  # a caller that already holds one (``train claims --with-reviews``) passes it
        encoder, why = load_encoder(settings)
        if encoder is None:
            raise SystemExit(f"the encoder is needed: {why}")
    from nlp.claims import load_claims

    claims = load_claims(settings.claims_file)
    finder = training_finder(claims, settings, encoder)
    ids = [c.id for c in claims]
    # 1. registry texts, left out one at a time
    reg_x, reg_y, reg_g = registry_data(finder)
    # 2. calibration half of the evaluation set
    cal = [i for i in load_eval_set() if i.split == "calibration"]
    cal_texts = claim_texts(cal)
    cal_lex = finder.lexical_scores(cal_texts)
    rows, top, cal_x, cal_y, cal_g = labelled_data(finder, cal, ids, "eval", cal_texts)
    # 3. ReINTEL reliable posts (training half), COVID-related, no lexical match
    posts = reintel_posts("train", data_dir)
    post_texts = _texts([p[1] for p in posts])
    p_rows, _, p_x = finder_data(finder, post_texts)
    p_lex = finder.lexical_scores([post_texts[r] for r in p_rows]).max(axis=1)
    keep = p_lex < finder.rule.lexical
    p_x = VerifierInput(p_x.text[keep], p_x.claim[keep], p_x.scalars[keep])
    p_g = [f"reintel:{posts[r][0]}" for r in p_rows[keep]]
    # 4. same-topic true statements written for this training
    written = _texts(yaml.safe_load(NEGATIVES.read_text(encoding="utf-8"))["statements"])
    w_rows, _, w_x = finder_data(finder, written)
    w_keep = finder.lexical_scores([written[r] for r in w_rows]).max(axis=1) < finder.rule.lexical
    w_x = VerifierInput(w_x.text[w_keep], w_x.claim[w_keep], w_x.scalars[w_keep])
    w_g = [f"written:{r}" for r in w_rows[w_keep]]
    # 5. the written training sets (paraphrases and true statements)
    train_items = [item for path in TRAIN_SETS if path.is_dir() for item in load_eval_set(path, split="train")]
    _, _, t_x, t_y, t_g = labelled_data(finder, train_items, ids, "train")
    # 6. claim readings recorded on the review desk (none: nothing changes)
    parts, labels = [reg_x, cal_x, p_x, w_x, t_x], [reg_y, cal_y, np.zeros(len(p_g) + len(w_g), dtype=int), t_y]
    reviewed = list(reviewed)
    r_report: ReviewedRows | None = None
    r_g: list[str] = []
    if reviewed:
        r_x, r_y, r_g, r_report = reviewed_data(finder, reviewed, held_out_keys())
        if r_g:  # (an empty part would still change the inputs' dtype)
            parts.append(r_x)
            labels.append(r_y)
    x = _concat(parts)
    y = np.concatenate(labels)
    groups = [*reg_g, *cal_g, *p_g, *w_g, *t_g, *r_g]
    source = np.asarray(
        ["registry"] * len(reg_g)
        + ["calibration"] * len(cal_g)
        + ["reintel"] * len(p_g)
        + ["written"] * len(w_g)
        + ["train"] * len(t_g)
        + [REVIEW_SOURCE] * len(r_g)
    )
    feats = feature_matrix(x)
    print(
        f"training rows: registry {len(reg_g)} ({reg_y.sum()} positive), calibration {len(cal_g)} "
        f"({cal_y.sum()} positive), ReINTEL reliable {len(p_g)} (negative), written {len(w_g)} (negative), "
        f"training set {len(t_g)} ({t_y.sum()} positive)"
        + (f", reviewed {r_report.added} ({r_report.positive} positive)" if r_report is not None else ""),
        file=sys.stderr,
    )

    def model(c: float) -> tuple[StandardScaler, LogisticRegression]:
        return StandardScaler(), LogisticRegression(C=c, max_iter=5000, class_weight="balanced")

    base = len(groups) - len(r_g)
    folds = list(GroupKFold(n_splits=N_FOLDS).split(feats[:base], y[:base], groups[:base]))
    if r_g:
        folds = _with_reviewed_folds(folds, base, r_g)
    cal_idx = np.nonzero(source == "calibration")[0]
    cal_rows = rows  # eval-set rows of the calibration rows of the training set
    kind = np.asarray([i.kind for i in cal])
    lex_match = cal_lex.max(axis=1) >= finder.rule.lexical
    lex_right = np.asarray(
        [bool(lex_match[k]) and ids[int(cal_lex[k].argmax())] == cal[k].claim for k in range(len(cal))]
    )

    def cal_figures(oof: np.ndarray, thr: float) -> tuple[float, float, float]:
        """Calibration recall, false matches on true statements, added ReINTEL matches at ``thr``."""
        matched, right = lex_match.copy(), lex_right.copy()
        hit = oof[cal_idx] >= thr
        for r, t, h in zip(cal_rows, top, hit, strict=True):
            if h and not matched[r]:  # (a lexical match keeps its own claim: close enough to choose by)
                right[r] = ids[t] == cal[r].claim
                matched[r] = True
        para, true = kind == "paraphrase", kind == "true"
        added = float((oof[source == "reintel"] >= thr).mean()) if (source == "reintel").any() else 0.0
        return float(right[para].mean()), float(matched[true].mean()), added

    # as for the cosine rule: no false match beyond 2 %, or beyond the lexical matcher's own rate there
    limit = max(MAX_FALSE_MATCHES, float(lex_match[kind == "true"].mean()))
    best: tuple[float, float, float, np.ndarray] | None = None
    for c in C_GRID:
        oof = np.zeros(len(y))
        for tr, te in folds:
            scaler, lr = model(c)
            lr.fit(scaler.fit_transform(feats[tr]), y[tr])
            oof[te] = lr.predict_proba(scaler.transform(feats[te]))[:, 1]
        for thr in np.round(np.arange(0.30, 0.996, 0.005), 3):
            recall, false, added = cal_figures(oof, thr)
            if false <= limit + 1e-9 and added <= MAX_REINTEL_ADDED:
                print(
                    f"C={c} threshold={thr}: calibration recall {recall:.3f}, false {false:.3f}, "
                    f"ReINTEL added {added:.4f}",
                    file=sys.stderr,
                )
                if best is None or (recall, -thr) > (best[0], -best[2]):
                    best = (recall, c, thr, oof)
                break
    assert best is not None
    recall, c, thr, oof = best
    scaler, lr = model(c)
    lr.fit(scaler.fit_transform(feats), y)
    _, false, added = cal_figures(oof, thr)
    payload = {
        "encoder": encoder.version,
        "encoder_max_tokens": encoder.max_tokens,
        "threshold": float(thr),
        "features": [*SCALARS, f"text[{encoder.dim}]", f"text*claim[{encoder.dim}]", f"|text-claim|[{encoder.dim}]"],
        "trained_on": {
            "registry_texts_left_out": len(reg_g),
            "registry_positive": int(reg_y.sum()),
            "calibration_half_items": len(cal_g),
            "calibration_positive": int(cal_y.sum()),
            "reintel_reliable_posts": len(p_g),
            "written_true_statements": len(w_g),
            "training_set_items": len(t_g),
            "training_set_positive": int(t_y.sum()),
            "reintel_terms": "ReINTEL (VLSP 2020), research use; the posts are not redistributed, only weights",
        },
        "selection": {
            "C": c,
            "out_of_fold_calibration_recall": round(recall, 4),
            "out_of_fold_calibration_false_matches": round(false, 4),
            "out_of_fold_reintel_added": round(added, 4),
            "max_false_matches": round(limit, 4),
            "max_reintel_added": MAX_REINTEL_ADDED,
        },
        "model": {
            "mean": [round(float(v), 6) for v in scaler.mean_],
            "scale": [round(float(v), 6) for v in scaler.scale_],
            "coef": [round(float(v), 6) for v in lr.coef_[0]],
            "intercept": round(float(lr.intercept_[0]), 6),
        },
    }
    if r_report is not None:
        trained_on = payload["trained_on"]
        assert isinstance(trained_on, dict)
        trained_on["reviews"] = r_report.as_dict() | {"out_of_fold": _reviewed_oof(oof, y, source, thr)}
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(payload, ensure_ascii=False) + "\n", encoding="utf-8")
    return {k: v for k, v in payload.items() if k != "model"}


def _with_reviewed_folds(
    folds: list[tuple[np.ndarray, np.ndarray]], base: int, reviewed_groups: Sequence[str]
) -> list[tuple[np.ndarray, np.ndarray]]:
    """``folds`` of the first ``base`` rows, with the reviewed rows (``base`` onwards) dealt into them
    by a hash of their group. The other rows keep the folds they have without readings:
    ``GroupKFold`` deals every group anew when one is added, which alone moved the out-of-fold
    calibration recall by several points (0.838 → 0.777 with three reviewed rows); so a
    before/after difference is the readings' own."""
    which = np.asarray([int(hashlib.sha256(g.encode()).hexdigest()[:8], 16) % len(folds) for g in reviewed_groups])
    rows = base + np.arange(len(reviewed_groups))
    return [
        (np.concatenate([tr, rows[which != k]]), np.concatenate([te, rows[which == k]]))
        for k, (tr, te) in enumerate(folds)
    ]


def _reviewed_oof(oof: np.ndarray, y: np.ndarray, source: np.ndarray, thr: float) -> dict[str, int]:
    """The chosen C's out-of-fold verifier on the reviewed rows at the chosen threshold, in counts
    (the verifier alone: the lexical matcher's own matches are not in it)."""
    mine = source == REVIEW_SOURCE
    hit, pos = oof[mine] >= thr, y[mine] == 1
    return {
        "positive": int(pos.sum()),
        "positive_verified": int((hit & pos).sum()),
        "negative": int((~pos).sum()),
        "negative_verified": int((hit & ~pos).sum()),
    }


def reintel_check(settings: Settings, verifier_path: Path, data_dir: Path = DATA_DIR) -> dict:
    """Share of matched posts on the check half of ReINTEL: lexical, cosine rule, verifier."""
    encoder, why = load_encoder(settings)
    if encoder is None:
        raise SystemExit(f"the encoder is needed: {why}")
    from nlp.claims import load_claims

    claims = load_claims(settings.claims_file)
    rule = MatchRule.load(settings.models_dir / "claims" / "rule.json")
    restorer = load_restorer(settings.models_dir, settings.claims_restore_diacritics)
    posts = reintel_posts("check", data_dir)
    texts = _texts([p[1] for p in posts])
    label = np.asarray([p[2] for p in posts])
    covid = np.asarray([t.covid_proba >= 0.5 for t in texts])
    verifier = Verifier.load(verifier_path, encoder.version)
    out: dict = {
        "reliable_posts": int((label == 0).sum()),
        "unreliable_posts": int((label == 1).sum()),
        "reliable_covid": int(((label == 0) & covid).sum()),
        "unreliable_covid": int(((label == 1) & covid).sum()),
    }
    for name, finder in (
        ("lexical", ClaimFinder(claims, rule=MatchRule(lexical=rule.lexical))),
        (
            "cosine_rule",
            ClaimFinder.from_settings(claims, settings, encoder=encoder, rule=rule, verifier=None, restorer=restorer),
        ),
        (
            "verifier",
            ClaimFinder.from_settings(
                claims, settings, encoder=encoder, rule=rule, verifier=verifier, restorer=restorer
            ),
        ),
    ):
        found = np.asarray([bool(f) for f in finder.decide(finder.signals(texts), top=1)])
        out[name] = {
            "reliable": round(float(found[label == 0].mean()), 4),
            "unreliable": round(float(found[label == 1].mean()), 4),
            "reliable_covid": round(float(found[(label == 0) & covid].mean()), 4),
            "unreliable_covid": round(float(found[(label == 1) & covid].mean()), 4),
        }
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nlp.claim_verifier_train", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["train", "reintel"])
    parser.add_argument(
        "--out", type=Path, default=None, help="verifier file (default: <models_dir>/claims/verifier.json)"
    )
    parser.add_argument(
        "--data", type=Path, default=DATA_DIR, help="the shared datasets folder (default: ../shared/datasets)"
    )
    args = parser.parse_args(argv)
    settings = Settings()
    path = args.out or settings.models_dir / "claims" / "verifier.json"
    run = train if args.command == "train" else reintel_check
    result = run(settings, path, args.data)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
