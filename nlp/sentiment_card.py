"""Write the sentiment model's card (``MODEL_CARD.md``) from its metrics.

The card is generated, so the figures in it are always the ones ``metrics.json`` holds;
the prose around them (data, terms, labelling procedure, limitations) lives here.
"""

from __future__ import annotations

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
    ood_rows = "\n".join(_row(k, v) for k, v in metrics["out_of_domain"].items())
    return f"""# Sentiment model (author's tone: neg / neu / pos)

Version `{metrics["version"]}` · trained {metrics["trained_at"]} · seed {metrics["seed"]} ·
code `nlp/sentiment.py`, `nlp/sentiment_train.py` · retrain with
`tinradar train sentiment --data ../shared/datasets --out nlp/models --seed {metrics["seed"]}` (about 4 minutes on 2 cores).

## What it does
Gives each Vietnamese post or article three calibrated probabilities for the **author's tone**:

- `neg`: fear, alarm, anger, blame, complaint, mockery, grief;
- `pos`: praise, gratitude, encouragement, confidence, good news framed positively, solidarity;
- `neu`: factual reports and notices without a clear emotional tone (a plain case count is `neu`).

It reads the first {3000} characters of the text (title + body as the pipeline passes it).

## How it works
1. Text is normalised with `nlp.normalize.normalize` (NFC, unified tone marks, shorthand expanded,
   URLs/phones/e-mails as placeholders, lower case) — the same function at training and prediction.
2. Hashed TF-IDF features: word 1–2-grams and character 2–4-grams (within words), each block
   L2-normalised. No word segmentation, so it is fast.
3. An **out-of-domain model** (logistic regression on review/feedback corpora below) turns the
   n-grams into three log-probabilities, which become features.
4. **Weak signals** (12 dense cues): counts of fear/anger/grief/mockery and
   praise/gratitude/solidarity/good-news phrases, of news-reporting phrases ("cho biết", "công bố",
   "nâng tổng số") and of personal address and spoken particles ("mọi người", "ơi", "nhé"), all from
   `nlp/data/sentiment_lexicon.yaml` and matched with and without diacritics; tone emoji; shouting in
   capitals; "!" and "?" counts; share of digits; hashtags; length.
5. An **in-domain logistic regression** (C={p["C"]}, class weights {p["class_weight"]}) over all of
   that, trained on the hand-labelled posts, plus one round of **self-training**: confident predictions (≥ {p["pseudo_threshold"]}) on
   unlabelled ReINTEL posts, at most {p["pseudo_cap_factor"]}× each class's labelled count, with a
   total weight of {p["pseudo_ratio"]}× the labelled posts (final model: {data["pseudo_labels_final"]}).
6. A softmax temperature ({metrics["temperature"]}) fitted on cross-validated predictions calibrates
   the probabilities (expected calibration error {ind["ece_uncalibrated"]} → {ind["ece_calibrated"]}).

Settings were chosen by the same cross-validation (a handful of variants: C, class weights, the
weights of the char block, the out-of-domain view and the cues, self-training strength); each
variant moved macro-F1 by about 0.01–0.02, within the noise of {ind["n"]} labels. Self-training helped
only with a high threshold and a small weight. Stored as numpy arrays (`model.npz`) and JSON (`config.json`); no pickle.

## Data and terms
| data | use | terms |
|---|---|---|
| ReINTEL (VLSP 2020) `reintel/unlabeled.csv` posts, **{data["labelled_posts"]} hand-labelled** for this model | in-domain training and evaluation | VLSP organisers' terms: research use, no redistribution. Only ids + labels are in the repo (`nlp/data/sentiment_labels.csv`), never the texts |
| ReINTEL `unlabeled.csv` + `train.csv`, {data["self_training_pool"]} unlabelled posts (labelled posts and their near duplicates removed) | self-training, IDF | as above |
{chr(10).join(f"| {_DATASETS[k]}, {v} training rows (seeded sample) | out-of-domain model | research use |" for k, v in data["ood_train_rows"].items())}

The model is trained on research-use data: use it for research and for the board's internal
monitoring, not as a product redistributed with the data.

### How the in-domain labels were made
Posts were drawn at random (seed 13) from `reintel/unlabeled.csv` (texts ≥ 20 characters): a first
batch of 40 from all posts, then 3 COVID-19-keyword posts for every other post. Each was read (up to
its first ~450–550 characters) and labelled by one annotator (an AI engineering assistant working on
this project), following the definitions above. Rules of thumb used for the hard cases: official
bulletins, case counts, crime and accident reports are `neu` unless the author adds emotion
("BÁO ĐỘNG ĐỎ", "thương tâm", "Trời ơi 😢"); chain messages warning of danger with urgency are `neg`;
reassurance ("không nên lo ngại", "hãy yên tâm") and recoveries framed as success are `pos`; sarcasm is
`neg`. A few truly mixed posts were skipped.

A second batch of 460 COVID-19 posts (288 from `reintel/train.csv`, source `reintel_train`; 172 from
`unlabeled.csv`) was drawn at random (seed 13) from COVID-19-keyword posts of ≥ 40 characters, leaving
out near copies of labelled posts; two in three came from posts an earlier model gave ≥ 0.45 `neg` or
`pos`, to get more of the minority classes, so this batch is easier than a purely random one (CV on
the first 794 posts alone: 0.651 with this model vs 0.662 with the model trained on them only). Its
annotator put plain "no new cases" bulletins and negative test results under `neu` (recoveries and
"tin vui" under `pos`), where the first batch had put such bulletins under `pos`: one rule for both
batches is a to-do. Labels: {counts} ({data["labelled_covid_posts"]} of
them mention COVID-19 keywords). Single-annotator labels are noisy; no agreement figure exists.

## Evaluation
**In-domain (COVID-19-era posts)**: {ind["method"]}. Near duplicates (same first 120 folded letters)
share a fold; the unlabelled pool excludes every labelled post and its near duplicates, so no held-out
post or copy of it is seen in training, directly or through self-training.

| measure | value |
|---|---|
| macro-F1, all {ind["n"]} labelled posts | **{ind["macro_f1"]:.3f}** |
| macro-F1, the {ind["n_covid_posts"]} posts with COVID-19 keywords | **{ind["macro_f1_covid_posts"]:.3f}** |
| accuracy | {ind["accuracy"]:.3f} |
| F1 per class | neg {ind["f1_per_class"]["neg"]:.3f} · neu {ind["f1_per_class"]["neu"]:.3f} · pos {ind["f1_per_class"]["pos"]:.3f} |
| baseline: the out-of-domain model alone (same features) | {ind["baseline_ood_only_macro_f1"]:.3f} (COVID-19 posts {ind["baseline_ood_only_macro_f1_covid_posts"]:.3f}) |

Confusion matrix (rows true, columns predicted; neg, neu, pos): {cm}.

**Out-of-domain** (splits never trained on; macro-F1 over the classes the set has):

| dataset | split | n | classes | final model | out-of-domain component alone |
|---|---|---|---|---|---|
{ood_rows}

The final model is tuned for news and social posts, so it trades some review/feedback accuracy for
in-domain accuracy; the out-of-domain component alone is shown for comparison.

## Limitations
- The issue's aim is macro-F1 ≥ 0.75 on COVID-19 posts; this model's cross-validated figure is
  {ind["macro_f1_covid_posts"]:.3f} ({"reached" if ind["macro_f1_covid_posts"] >= 0.75 else "not reached"}). Most errors are `neg` vs `neu` and `pos` vs `neu`: tone in news-style posts is subtle,
  and {ind["n"]} single-annotator labels are few. More labelled posts are the most useful next step;
  add rows to `nlp/data/sentiment_labels.csv` (source `reintel_unlabeled` or `reintel_train`) and retrain.
- 2020 posts only (first COVID-19 waves); later vocabulary (Delta, F0, "vùng đỏ") is unseen.
- Sarcasm and mockery are often read as `pos` or `neu`.
- Bulletin phrasing is partly confounded with good news: "Tính đến 6h sáng nay, huyện Sơn Dương ghi
  nhận 3 ca dương tính, đều đã được cách ly tập trung." gets pos 0.53 / neu 0.45, because morning
  bulletins reporting no new cases were labelled `pos` in the first batch ("good news framed
  positively") and `neu` in the second.
- Long texts are judged by their first {3000} characters.
- It scores tone, not truth: a calm rumor is `neu`, an angry correction is `neg`.
"""


def write_model_card(folder: Path, metrics: dict) -> Path:
    path = Path(folder) / "MODEL_CARD.md"
    path.write_text(render(metrics), encoding="utf-8")
    return path
