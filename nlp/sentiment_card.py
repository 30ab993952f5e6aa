"""Write the sentiment model's card (``MODEL_CARD.md``) from its metrics.

The card is generated, so the figures in it are always the ones ``metrics.json`` holds;
the prose around them (data, terms, labelling procedure, limitations) lives here.
"""

from __future__ import annotations

import json
from pathlib import Path

_DATASETS = {
    "uit_vsfc": "UIT-VSFC student feedback (UIT NLP group; research use)",
    "vlsp2016": "VLSP 2016 technology-forum comments (VLSP organisers' terms)",
    "aivivn2019": "AIVIVN 2019 product reviews (contest data, research use; pos/neg only)",
}


def _row(name: str, m: dict) -> str:
    return (
        f"| {_DATASETS.get(name, name)} | {m['split']} | {m['n']} | {', '.join(m['classes'])} | "
        f"**{m['macro_f1']:.3f}** | {m['macro_f1_ood_component_alone']:.3f} |"
    )


def render(metrics: dict) -> str:
    ind = metrics["in_domain"]
    data = metrics["data"]
    p = metrics["params"]
    counts = data["label_counts"]
    cm = ind["confusion_matrix"]["matrix"]
    max_chars, lead_chars = metrics["features"]["max_chars"], metrics["features"]["lead_chars"]
    emb_dim, emb_weight = metrics["features"]["embedding_dim"], metrics["features"]["embedding_weight"]
    by_source = data["labelled_by_source"]
    rep = ind["repeated_cv"]
    rep_covid = rep["macro_f1_covid_posts"]["mean"]

    def rep_row(key: str) -> str:
        if key not in rep:  # a subset with no rows (a quick run on a sample)
            return "—"
        return " / ".join(f"{v:.3f}" for v in rep[key]["values"]) + f" (mean **{rep[key]['mean']:.3f}**)"

    n_posts = by_source.get("reintel_unlabeled", 0) + by_source.get("reintel_train", 0)
    n_comments = by_source.get("victsd", 0)
    ann = data.get("annotation") or {}
    draws = data["draws"]
    if p["self_training"]:
        step5_extra = (
            f", plus one round of **self-training**: confident predictions (≥ {p['pseudo_threshold']}) on "
            f"unlabelled ReINTEL posts, at most {p['pseudo_cap_factor']}× each class's labelled count, with a "
            f"total weight of {p['pseudo_ratio']}× the labelled posts (final model: {data['pseudo_labels_final']})"
        )
    else:
        step5_extra = (
            ". Self-training on unlabelled posts (`TrainParams.self_training`) is off: it helped with "
            "1,254 labels, and made no difference (±0.002) with more than 3,000"
        )
    ood_rows = "\n".join(_row(k, v) for k, v in metrics["out_of_domain"].items())
    earlier_rows = ""
    if "macro_f1_earlier_rows" in rep:  # the same figures without the `corrections` rows
        n_corr = ind.get("n_corrections_draws", 0)
        earlier_rows = (
            f"| without the {n_corr} `corrections` rows: all | {rep_row('macro_f1_earlier_rows')} |\n"
            f"| without them: posts with COVID-19 keywords | {rep_row('macro_f1_covid_posts_earlier_rows')} |\n"
            f"| without them: comments | {rep_row('macro_f1_comments_earlier_rows')} |\n"
        )
    return f"""# Sentiment model (author's tone: neg / neu / pos)

Version `{metrics["version"]}` · trained {metrics["trained_at"]} · seed {metrics["seed"]} ·
code `nlp/sentiment.py`, `nlp/sentiment_train.py` · retrain with
`tinradar train sentiment --data ../shared/datasets --out nlp/models --seed {metrics["seed"]}` (12 minutes on 2 cores once; the last retrain took 54 on a machine shared with other jobs).

## What it does
Gives each Vietnamese post or article three calibrated probabilities for the **author's tone**:

- `neg`: fear, alarm, anger, blame, complaint, mockery, grief;
- `pos`: praise, gratitude, encouragement, confidence, good news framed positively, solidarity;
- `neu`: factual reports and notices without a clear emotional tone (a plain case count is `neu`).

It reads the first {max_chars} characters of the text (title + body as the pipeline passes it).

## How it works
1. Text is normalised with `nlp.normalize.normalize` (NFC, unified tone marks, shorthand expanded,
   URLs/phones/e-mails as placeholders, lower case) — the same function at training and prediction.
2. Hashed TF-IDF features: word 1–2-grams and character 2–4-grams (within words) of the first
   {max_chars} characters, and word 1–2-grams of the **opening** (first {lead_chars} characters: the
   headline or first sentence, where tone is usually set), each block L2-normalised. No word
   segmentation, so it is fast (segmented words were tried and added nothing).
3. An **out-of-domain model** (logistic regression on review/feedback corpora below) turns the
   n-grams into three log-probabilities, which become features.
4. A **mean syllable embedding** ({emb_dim} dimensions, scaled by {emb_weight}): vectors learnt
   without labels (positive PMI of co-occurrences, reduced by SVD; `nlp/embeddings.py`) from every
   unlabelled text below ({data["embedding"]["docs"]} texts, {data["embedding"]["vocab"]} syllables), so that words the labelled texts never
   used still carry tone when their neighbours do ("hoang mang" near "lo lắng"). Cross-validated
   gain: about +0.01 macro-F1 on comments and on all texts, +0.003 on COVID-19 posts (fold seed
   13). Against the previous model (no embedding, no comment labels) on another fold split
   (seed 7), this model gained +0.010 on COVID-19 posts and +0.016 on randomly drawn ones.
5. **Weak signals** (12 dense cues): counts of fear/anger/grief/mockery and
   praise/gratitude/solidarity/good-news phrases, of news-reporting phrases ("cho biết", "công bố",
   "nâng tổng số") and of personal address and spoken particles ("mọi người", "ơi", "nhé"), all from
   `nlp/data/sentiment_lexicon.yaml` and matched with and without diacritics; tone emoji; shouting in
   capitals; "!" and "?" counts; share of digits; hashtags; length.
6. An **in-domain logistic regression** (C={p["C"]}, class weights {p["class_weight"]}) over all of
   that, trained on the hand-labelled posts and comments, with the out-of-domain training rows joining at a
   total weight of {p["ood_rows_ratio"]}× the labelled posts (they keep comment- and review-style text
   readable at no cost in-domain: 0 → 0.01 moved in-domain macro-F1 by +0.004 and the review sets
   from 0.34–0.67 to 0.59–0.87){step5_extra}.
7. A softmax temperature ({metrics["temperature"]}) fitted on cross-validated predictions calibrates
   the probabilities (expected calibration error {ind["ece_uncalibrated"]} → {ind["ece_calibrated"]}).

Settings were chosen by the same cross-validation (a handful of variants: C, class weights, the
weights of the char block, the out-of-domain view and the cues, self-training, how much of the
text to read, the opening block, segmented words, word 3-grams, a linear SVM, naive-Bayes-scaled
n-grams, lower weights for comments and posts without COVID-19 keywords, the embedding's size and
weight). Most moved macro-F1 by less than 0.005; the opening block and reading 1000 rather than 3000
characters together gave about +0.01, the embedding about +0.01 overall. Stored as numpy arrays (`model.npz`) and JSON (`config.json`); no pickle.

## Data and terms
| data | use | terms |
|---|---|---|
| ReINTEL (VLSP 2020) `reintel/unlabeled.csv` and `train.csv` posts, **{n_posts} labelled by reading** for this model | in-domain training and evaluation | VLSP organisers' terms: research use, no redistribution. Only ids + labels are in the repo (`nlp/data/sentiment_labels.csv`), never the texts |
| UIT-ViCTSD reader comments on 2020 news (`comments/ViCTSD_*.csv`), **{n_comments} labelled by reading**: every comment with COVID-19 keywords in it or in its article's title | in-domain training and evaluation | UIT NLP group, research use; ids + labels only in the repo |
| all of the above unlabelled, plus UIT-ViCoV19QA COVID-19 questions and answers (`covid_qa/`) | the syllable embedding | research use |
| ReINTEL `unlabeled.csv` + `train.csv`, {data["self_training_pool"]} unlabelled posts (labelled posts and their near duplicates removed) | {"self-training, IDF" if p["self_training"] else "IDF"} | as above |
{chr(10).join(f"| {_DATASETS[k]}, {v} training rows (seeded sample) | out-of-domain model | research use |" for k, v in data["ood_train_rows"].items())}

The model is trained on research-use data: use it for research and for the board's internal
monitoring, not as a product redistributed with the data.

### How the in-domain labels were made
Every label follows one written rule book, `nlp/data/sentiment_guidelines.md` (the three
definitions above, 14 rules for the hard cases, examples); for instance a plain case count, "no
new cases" included, is `neu` unless the author frames it with feeling, while recoveries as the
main news and charity are `pos`.

- **Which posts.** ReINTEL posts of ≥ 20–40 characters, drawn at random, leaving out near copies
  of posts already drawn (column `draw` in the labels file: {draws}). `random` posts were drawn
  uniformly, separately among posts with and without COVID-19 keywords (most from the former);
  `enriched` posts (460, an earlier session) came two in three from posts an earlier model gave
  ≥ 0.45 `neg` or `pos`, so they are easier than random ones; the random-draw-only figure below
  leaves them out. `corrections` rows (posts and comments, a later session) were drawn at random
  among texts with correction, denial or notice wording ("cải chính", "bác bỏ", "tin đồn", "tin
  giả", "sai sự thật", "thông báo", "khẳng định", "xử phạt"…), because the model called the
  board's own corrections `neg`; they are neither random-draw nor frozen-split rows.
  Comments (source `victsd`, draw `random`) are every ViCTSD comment of ≥ 10
  characters with COVID-19 keywords in the comment or in its article's title (near copies left
  out); the annotators saw the title as context and labelled the comment's own tone (rule 14).
- **How.** Each post was read (its first ~900 characters) and labelled in **two independent
  passes** (columns `ann1`, `ann2`); where they disagreed, a **third blind pass** (`ann3`) decided by
  majority, and posts with three different answers were left out. The annotators are AI
  assistants working on this project, told to label by reading, with no keyword rule or model;
  no person has checked the labels.
- **Agreement.** The two passes agreed on {ann.get("agreement", 0):.1%} of {ann.get("double_annotated", 0)} posts
  (Cohen's kappa {ann.get("cohen_kappa", 0):.3f}); {ann.get("third_pass", 0)} went to a third pass. For the 1,254 posts of the
  first session, `ann1` is that session's single label, given before the rule book was written
  (it put some "no new cases" bulletins under `pos`); the blind second pass agreed with it on 88.7 %
  (kappa 0.819). On posts labelled twice this session the passes agreed on about 97 % (kappa about
  0.94), which measures consistency between two runs of similar annotators more than agreement
  between people. On the 1,095 comments kept (third session) the passes agreed on 97.0 % (kappa
  0.954; `annotation_agreement(source="victsd")`); 36 went to a third pass, and the 3 of them with
  three different answers were left out.
- Labels: {counts} ({data["labelled_covid_posts"]} of them mention COVID-19 keywords). Only ids
  and labels are in the repository, never the texts.

## Evaluation
**In-domain (COVID-19-era posts)**: {ind["method"]}. Near duplicates (same first 120 folded letters)
share a fold; the unlabelled pool excludes every labelled post and its near duplicates, so no held-out
post or copy of it is seen in training, directly or through self-training. Within a fold the
model is trained and scored exactly as the shipped one; the temperature is then fitted on all
out-of-fold predictions.

| measure | value |
|---|---|
| macro-F1, all {ind["n"]} labelled posts and comments | **{ind["macro_f1"]:.3f}** |
| macro-F1, the {ind["n_covid_posts"]} posts with COVID-19 keywords | **{ind["macro_f1_covid_posts"]:.3f}** |
| macro-F1, the {ind["n_covid_random_draws"]} of them drawn at random (no `enriched` or `corrections` rows) | {ind.get("macro_f1_covid_random_draws") or 0:.3f} |
| macro-F1, the {ind["n_comments"]} comments on news articles | {ind.get("macro_f1_comments") or 0:.3f} |
| accuracy | {ind["accuracy"]:.3f} |
| F1 per class | neg {ind["f1_per_class"]["neg"]:.3f} · neu {ind["f1_per_class"]["neu"]:.3f} · pos {ind["f1_per_class"]["pos"]:.3f} |
| baseline: the out-of-domain model alone (same features) | {ind["baseline_ood_only_macro_f1"]:.3f} (COVID-19 posts {ind["baseline_ood_only_macro_f1_covid_posts"]:.3f}) |

The fold split alone moves these figures by about ±0.005, so the CV is repeated with fold seeds
{", ".join(str(x) for x in rep["fold_seeds"])} (the first is the table above):

| macro-F1 over repeated CV | each fold seed (mean) |
|---|---|
| all labelled posts and comments | {rep_row("macro_f1")} |
| posts with COVID-19 keywords | {rep_row("macro_f1_covid_posts")} |
| of them drawn at random | {rep_row("macro_f1_covid_random_draws")} |
| comments | {rep_row("macro_f1_comments")} |
{earlier_rows}
Confusion matrix (rows true, columns predicted; neg, neu, pos): {cm}.

**Out-of-domain** (splits never trained on; macro-F1 over the classes the set has):

| dataset | split | n | classes | final model | out-of-domain component alone |
|---|---|---|---|---|---|
{ood_rows}

The final model is tuned for news and social posts, so it trades some review/feedback accuracy for
in-domain accuracy; the out-of-domain component alone is shown for comparison. (Without the
out-of-domain rows in the final fit, it fell to 0.34 on UIT-VSFC.)

## Limitations
- The issue's aim is macro-F1 ≥ 0.75 on COVID-19 posts; this model's cross-validated figure is
  {rep_covid:.4f} as the mean of {len(rep["fold_seeds"])} fold splits ({"reached" if rep_covid >= 0.75 else f"not reached, {0.75 - rep_covid:.4f} short"}; {ind["macro_f1_covid_posts"]:.4f} on the first), and
  {rep["macro_f1_covid_random_draws"]["mean"]:.4f} on the randomly drawn COVID-19 posts alone, which are
  harder than the 460 `enriched` ones: on posts like those a crawler brings in, expect about that. Most errors are `neg` vs `neu` and `pos` vs `neu`: tone in news-style posts is
  subtle. The figure holds for labels made by this project's rule book; people who draw the
  `neu`/`pos` line elsewhere (is every recovery report good news?) will measure less. To add labels,
  follow `nlp/data/sentiment_guidelines.md`, add rows to `nlp/data/sentiment_labels.csv` (source
  `reintel_unlabeled`, `reintel_train` or `victsd`) and retrain.
- Comments are harder than posts (macro-F1 {ind.get("macro_f1_comments") or 0:.3f}): short, often sarcastic, and
  their tone often leans on the article they answer, which the model does not see.
- The labels come from AI annotators, not from the board's reviewers; a few hundred labels by
  reviewers, through the same rule book, would tell how far they agree.
- Labelled texts are from 2020 only (first COVID-19 waves). The embedding has read some 2021
  vocabulary (F0, "tầng điều trị") in the Q&A set, but no labelled text uses it.
- Sarcasm and mockery are often read as `pos` or `neu`.
- Long texts are judged by their first {max_chars} characters, the opening most of all.
- It scores tone, not truth: a calm rumor is `neu`, an angry correction is `neg`.
"""


def frozen_section(metrics: dict) -> str:
    """The frozen evaluation split's figures (what ``tests/nlp/test_sentiment.py`` asserts)."""
    fz = metrics.get("frozen") or {}
    if not fz:
        return ""
    per = ", ".join(f"{k} {v:.3f}" for k, v in fz["f1_per_class"].items())
    return (
        "\n## Frozen evaluation split\n\n"
        f"{fz['n']:,} hand-labelled posts and comments ({fz['n_covid_posts']:,} COVID-19 posts, "
        f"{fz['n_comments']:,} comments), drawn once by whole near-duplicate groups "
        "(`nlp/data/eval_split/sentiment_labels.txt`, ids only), never trained on — nor their near "
        "duplicates — and never used to choose anything. The tests score the shipped model on it:\n\n"
        "| subset | macro-F1 |\n|---|---|\n"
        f"| all | **{fz['macro_f1']:.3f}** |\n"
        f"| COVID-19 posts | **{fz['macro_f1_covid_posts']:.3f}** |\n"
        f"| comments | {fz['macro_f1_comments']:.3f} |\n\n"
        f"F1 per class: {per}.\n\n"
        "Names of countries, places, groups, organisations and persons are masked by their type before "
        "the n-grams are read (`nlp/masking.py`), in training and scoring alike"
        + (
            '; the style cues (capitals, "!", "?", digits, hashtags, emoji, length) count the text '
            "with the names left out (`blind_cues`).\n"
            if metrics.get("features", {}).get("blind_cues")
            else "; the style cues still count the names (a model trained before `blind_cues`).\n"
        )
    )


def _frozen_cells(fz: dict) -> str:
    if not fz:
        return "— | — | —"
    return f"{fz['macro_f1']:.3f} | {fz['macro_f1_covid_posts']:.3f} | {fz['macro_f1_comments']:.3f}"


def encoder_section(metrics: dict) -> str:
    """The e5 encoder view: how it was judged (grouped CV on the lexical model's folds), the
    before/after there and on the frozen split, and whether it ships."""
    enc = metrics.get("encoder") or {}
    if not enc:
        return ""
    head = "\n## Encoder view (e5)\n\n"
    if "cv_stacked" not in enc:
        return head + f"Not built: {enc.get('why')}. The lexical model stands alone.\n"
    before, after, gated = enc["cv_lexical"], enc["cv_stacked"], enc["cv_gated_rows"]

    def cells(rep: dict, key: str) -> str:
        return " / ".join(f"{v:.3f}" for v in rep[key]["values"]) + f" (mean **{rep[key]['mean']:.3f}**)"

    rows = "\n".join(
        f"| {label} | {cells(before, key)} | {cells(after, key)} |"
        for key, label in (
            ("macro_f1", "all labelled posts and comments"),
            ("macro_f1_covid_posts", "posts with COVID-19 keywords"),
            ("macro_f1_covid_random_draws", "of them drawn at random"),
            ("macro_f1_comments", "comments"),
            ("macro_f1_earlier_rows", "without the `corrections` rows: all"),
            ("macro_f1_covid_posts_earlier_rows", "without them: posts with COVID-19 keywords"),
            ("macro_f1_comments_earlier_rows", "without them: comments"),
        )
        if key in before and key in after
    )
    verdict = (
        "**Shipped**: the pipeline stacks it onto the COVID-related items (version suffix `+e5`)."
        if enc["chosen"]
        else "**Not shipped**: the lexical model stands alone."
    )
    words = ', each type token read as words, "quốc gia" for `<QUỐC_GIA>`' if enc.get("readable") else ""
    return (
        head
        + f"""The COVID-related items (COVID-19 relevance ≥ {enc["gate"]}, the rumor model's and claim matching's
gate) are embedded by the pipeline anyway: the rumor model's encoder view reads the e5 vector
(`{enc["version"]}`, first {enc["max_tokens"]} tokens) of the masked opening (`nlp.rumor.encoder_texts`{words}).
The sentiment model can read the same vector at no extra embedding cost: a multinomial logistic
regression on it (class weights balanced, C from {enc["C_tried"]} by grouped inner 4-fold CV; {enc["C"]}
for the final fit, {enc["C_per_fold"]} in the outer folds of fold seed {before["fold_seeds"][0]}), stacked with the
lexical probabilities by a multinomial logistic regression on the six log-probabilities (fitted on
out-of-fold scores of the COVID-related rows). Other items, and every item with the encoder off,
keep the lexical probabilities; the version then ends in `+lexical`.

It was judged by grouped CV on the lexical model's own folds (same fold seeds, rows and near-
duplicate groups, so the before/after is paired); per outer fold the encoder's regression and the
blend learnt from the other folds only, and rows under the gate kept their lexical probabilities,
as in scoring. Rule: ship only if the mean over the fold seeds beats the lexical model both overall
and on COVID-19 posts. {enc["why"][:1].upper() + enc["why"][1:]}. {verdict}

| macro-F1, grouped CV (fold seeds {", ".join(str(x) for x in before["fold_seeds"])}) | lexical alone | lexical + e5 |
|---|---|---|
{rows}

On the {gated["rows"]:,} gated rows alone (fold seed {before["fold_seeds"][0]}): lexical {gated["lexical"]:.3f}, the encoder's
regression alone {gated["encoder_alone"]:.3f}, stacked {gated["stacked"]:.3f}.

Frozen split (never trained on, never used to choose anything; the view is the one fitted on every
training row, whether shipped or not):

| frozen split, macro-F1 | all | COVID-19 posts | comments |
|---|---|---|---|
| lexical alone | {_frozen_cells(metrics.get("frozen_lexical") or {})} |
| lexical + e5 | {_frozen_cells(metrics.get("frozen_stacked") or {})} |
{_honest_note(metrics, after)}"""
    )


def _honest_note(metrics: dict, stacked: dict) -> str:
    """What the before/after does and does not show, in numbers (the aim is ≥ 0.75 on COVID-19 posts)."""
    lex, st = metrics.get("frozen_lexical") or {}, metrics.get("frozen_stacked") or {}
    covid = stacked["macro_f1_covid_posts"]["mean"]
    if abs(covid - 0.75) < _MACHINE_SPREAD:  # last-bit arithmetic on another machine moves it this much
        aim = f"within {_MACHINE_SPREAD} of it, what another machine's arithmetic moves it: not claimed met"
    else:
        aim = "reached" if covid >= 0.75 else f"not reached, {0.75 - covid:.4f} short"
    out = f"\nThe issue's aim (macro-F1 ≥ 0.75 on COVID-19 posts), stacked, grouped CV mean: {covid:.4f} ({aim}).\n"
    if lex and st:
        deltas = ", ".join(
            f"{name} {st[key] - lex[key]:+.4f}"
            for key, name in (
                ("macro_f1", "all"),
                ("macro_f1_covid_posts", "COVID-19 posts"),
                ("macro_f1_comments", "comments"),
            )
        )
        out += (
            f"On the frozen split the stacked model moves macro-F1 by {deltas} ({lex['n_covid_posts']} COVID-19 posts, "
            f"{lex['n_comments']} comments: differences of a few thousandths are within its noise). The CV gain on "
            "COVID-19 posts does not show there, and comments (short, often without COVID-19 words in their "
            "own text) lose in both; the decision rule was fixed before the run and the frozen split is never "
            "used to choose, so the view ships by the CV.\n"
        )
    return out


#: How far a CV figure moved between runs of one recipe whose arithmetic differed in its last bits:
#: +0.0015 (lexical CV mean on COVID-19 posts, 2 → 1 OpenBLAS threads) and +0.0007 (the stacked
#: one, another machine's e5 vectors); see ``reproducibility_section``.
_MACHINE_SPREAD = 0.002


def reproducibility_section(metrics: dict) -> str:
    """What makes a retrain give these figures again, and what moved them once (docs/nlp.md, Sentiment)."""
    return (
        "\n## Reproducibility\n\n"
        "Two runs of the command above on one machine give the same `metrics.json` (but `trained_at`) "
        "and the same `model.npz`, byte for byte, whatever `PYTHONHASHSEED` (rows, groups and the "
        "unlabelled pool follow the order of the files; `tests/nlp/test_sentiment_train.py` checks it "
        "under two hash seeds) and whatever the core count: training runs with BLAS on one thread. Why: "
        "each regression stops at a tolerance, and where it stops follows the last bits of OpenBLAS's "
        "sums, which depend on how many threads split them. With 2 threads (the model of 3 Dec) the "
        "lexical CV mean on COVID-19 posts was 0.7401; with 1, on the same rows and folds, 0.7416. The "
        "e5 vectors are the other thing a machine can move: the model of 3 Dec was trained on another "
        "machine, and the same texts get other vectors here (that model scores the frozen split 0.7498 / "
        "0.7487 / 0.7145 here against the 0.748 / 0.7487 / 0.7095 it recorded there, its lexical part "
        "the same on both), so its stacked CV mean on COVID-19 posts, 0.7498, read 0.7505 when re-run "
        "here. The encoder's cache keys a vector by its text, so a cache copied from another machine "
        f"brings that machine's vectors. Figures within {_MACHINE_SPREAD} of each other are not told "
        "apart by this card.\n"
    )


#: The one reading of the fresh real set (``nlp.sentiment_real``), kept beside its labels.
FRESH_READING = Path(__file__).with_name("data") / "sentiment_real" / "reading.json"


def fresh_section(metrics: dict, reading_path: Path = FRESH_READING) -> str:
    """The fresh real set's reading, written by every retrain (the card is generated: a section
    written by hand was lost at the next retrain). It names the model it read; a later model was
    not read (the set is read once per change, under a rule fixed before the reading)."""
    if not reading_path.is_file():
        return ""
    reading = json.loads(reading_path.read_text(encoding="utf-8"))
    stacked = reading["stacked"]["without unsure"]
    lexical = reading["lexical"]["without unsure"]
    low, high = stacked["macro_f1_95ci"]
    lex_low, lex_high = lexical["macro_f1_95ci"]
    read = reading.get("model", "?")
    which = (
        "this model"
        if read == metrics.get("version")
        else f"`{read}`, an earlier model; this one has not been read on it"
    )
    return (
        "\n## Fresh real set (read once)\n\n"
        f"{reading['posts']} ReINTEL posts the analyzer calls COVID-related, outside the labelling campaign and its\n"
        "near-duplicate groups (all there are; 250 were aimed at), labelled blind by the rule book by a\n"
        "language-model helper (like the training labels' annotators), read once on "
        f"{reading.get('read_on', '?')} ({which}): macro-F1\n"
        f"**{stacked['macro_f1']:.3f}** (bootstrap 95 % {low:.3f}–{high:.3f}) as shipped, "
        f"{lexical['macro_f1']:.3f} ({lex_low:.3f}–{lex_high:.3f}) lexical alone, `unsure` left\n"
        'out. The 0.75 aim is not met on fresh posts (docs/nlp.md, "Sentiment on a fresh real set").\n'
    )


def write_model_card(folder: Path, metrics: dict) -> Path:
    path = Path(folder) / "MODEL_CARD.md"
    text = (
        render(metrics)
        + frozen_section(metrics)
        + fresh_section(metrics)
        + encoder_section(metrics)
        + reproducibility_section(metrics)
    )
    path.write_text(text, encoding="utf-8")
    return path
