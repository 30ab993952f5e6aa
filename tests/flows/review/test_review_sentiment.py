"""``train sentiment --with-reviews``: reviewers' tones join training, agreement in metrics and card.

A small real set: 90 hand-labelled posts and 30 comments train, and 40 other hand-labelled
posts (their real texts and labels) stand in for tones recorded on the desk.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from flows.review import retrain
from index.review.export import ReviewExportRow
from nlp.groups import read_ids
from nlp.sentiment import FeatureConfig
from nlp.sentiment_train import FROZEN_SPLIT, LABELS_PATH, TrainParams, load_texts, read_labels, train

DATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "datasets"
pytestmark = pytest.mark.skipif(
    not (DATA / "reintel" / "unlabeled.csv").is_file(), reason="shared datasets not present"
)

SMALL = {
    "limit": 200,  # caps the other sources; the labels file below has 120 rows
    "params": TrainParams(folds=3, cv_repeats=1),
    "features": FeatureConfig(word_features=2**12, char_features=2**11, lead_features=2**10, embedding_dim=16),
}


#: ``source<TAB>id`` of the frozen sentiment split: kept out of both the labels and the tones here.
FROZEN = set(read_ids(FROZEN_SPLIT))


def small_labels(path: Path) -> list[tuple[str, str, str]]:
    """A labels file of 90 posts and 30 comments (every subset the card reports is present),
    none of them in the frozen evaluation split (which never trains)."""
    with LABELS_PATH.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields = reader.fieldnames
        all_rows = [r for r in reader if f"{r['source']}\t{r['id']}" not in FROZEN]
    kept = [r for r in all_rows if r["source"] != "victsd"][:90] + [r for r in all_rows if r["source"] == "victsd"][:30]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(kept)
    return read_labels(path)


def test_train_sentiment_with_reviews_adds_rows_and_measures_agreement(tmp_path):
    models = tmp_path / "models"
    labels = tmp_path / "labels.csv"
    small = {**SMALL, "labels_path": labels}
    labelled = small_labels(labels)
    shipped = train(DATA, models, seed=7, **small)  # the model in use before the reviewers' tones
    texts = load_texts(DATA)
    posts = [(s, i, lab) for s, i, lab in read_labels() if s != "victsd" and f"{s}\t{i}" not in FROZEN][400:440]
    rows = [ReviewExportRow(id=f"doc-{i}", text=texts[s][i], tone=lab) for s, i, lab in posts]
    first = texts[labelled[0][0]][labelled[0][1]]
    rows.append(ReviewExportRow(id="repost", text=first + " !!!", tone=labelled[0][2]))  # a near-copy of a trained post
    rows.append(ReviewExportRow(id="verdict-only", text="Tin đồn trực thăng phun thuốc", label=1))  # no tone: not used

    report = retrain.train_sentiment_with_reviews(DATA, rows, models, seed=7, **small)

    reviews = report["reviews"]
    assert reviews["rows"]["added"] == 41 and reviews["rows"]["near_copies_of_labelled"] == ["repost"]
    assert report["in_domain"]["n"] == 120 + 41
    assert report["data"]["labelled_by_source"]["review"] == 41
    oof = reviews["out_of_fold"]
    matrix = oof["confusion"]["matrix"]
    assert oof["n"] == 41 and sum(map(sum, matrix)) == 41
    assert oof["accuracy"] == round(sum(matrix[k][k] for k in range(3)) / 41, 4)
    assert oof["cohen_kappa"] is not None and -1 <= oof["cohen_kappa"] <= 1
    before = reviews["shipped_model"]
    assert before["version"] == shipped["version"] != report["version"]
    assert before["seen_in_training"] == 1 and before["agreement"]["n"] == 40  # the repost is left out
    # Rows by tone are what the reviewers said.
    by_tone = {t: sum(1 for r in rows if r.tone and r.tone.value == t) for t in ("neg", "neu", "pos")}
    assert reviews["rows"]["by_tone"] == {t: n for t, n in by_tone.items() if n}

    written = json.loads((models / "sentiment" / "metrics.json").read_text(encoding="utf-8"))
    assert written["reviews"] == reviews
    card = (models / "sentiment" / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "## Giọng điệu do người duyệt ghi / Reviewers' tones" in card
    assert f"41 items, accuracy **{oof['accuracy']:.3f}**" in card
    assert f"40 items, accuracy **{before['agreement']['accuracy']:.3f}**" in card
    print("agreement", json.dumps({"shipped": before["agreement"], "out_of_fold": oof}))

    with pytest.raises(ValueError, match="no tones"):
        retrain.train_sentiment_with_reviews(DATA, [rows[-1]], models, seed=7, **small)
