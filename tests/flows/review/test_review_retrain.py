"""Retraining the rumor model with the board's verdicts (small generated data, real trainer)."""

from __future__ import annotations

import csv
import json

import pytest

from flows.review import retrain
from index.review.export import ReviewExportRow
from tests.flows.review.training_data import base_csv, reviews

pytest.importorskip("nlp.rumor")


def test_combined_csv_appends_verdicts(tmp_path):
    base = tmp_path / "train.csv"
    base_csv(base, n=10)
    text, base_rows, added, positives = retrain.combined_csv(base, reviews(4))
    rows = list(csv.DictReader(text.splitlines()))
    assert (base_rows, added, positives, len(rows)) == (10, 4, 2, 14)
    assert rows[-1]["id"] == "review:doc3" and rows[-1]["label"] == "1" and rows[-1]["num_like_post"] == ""


def test_read_reviews_rejects_bad_lines(tmp_path):
    good = tmp_path / "ok.jsonl"
    good.write_text(json.dumps({"id": "a", "text": "x", "label": 1}) + "\n\n", encoding="utf-8")
    assert retrain.read_reviews(good) == [ReviewExportRow(id="a", text="x", label=1)]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "text": "x", "label": 1}\n{"id": "b", "text": "y", "label": 2}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.jsonl:2"):
        retrain.read_reviews(bad)


def test_train_with_reviews_reports_before_and_after(tmp_path):
    """One real training run (2 folds to stay quick); the "before" scores recorded for this exact
    base file, seed and folds are reused instead of cross-validating the base data again."""
    import hashlib

    base = tmp_path / "train.csv"
    base_csv(base)
    model_dir = tmp_path / "rumor"
    model_dir.mkdir()
    before = {"folds": 2, "roc_auc": 0.8123, "roc_auc_std": 0.01, "pr_auc": 0.6123, "pr_auc_std": 0.02}
    recorded = {"seed": 3, "data": {"sha256": hashlib.sha256(base.read_bytes()).hexdigest()}, "cv": before}
    (model_dir / "metrics.json").write_text(json.dumps(recorded), encoding="utf-8")
    report = retrain.train_rumor_with_reviews(base, reviews(), model_dir, seed=3, folds=2)
    assert report["data"]["rows"] == 96 and report["reviews"]["rows"] == 16
    after = report["cv"]
    assert report["reviews"]["cv_before"] == before and after["folds"] == 2
    assert 0.0 <= after["roc_auc"] <= 1.0 and 0.0 <= after["pr_auc"] <= 1.0
    card = (model_dir / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "## Kết luận của Ban / Board verdicts" in card
    assert "0.8123 ± 0.0100" in card and f"{after['roc_auc']:.4f}" in card
    assert json.loads((model_dir / "metrics.json").read_text())["reviews"]["positives"] == 8
    assert not list(model_dir.glob("*+reviews.csv"))  # the combined file is not left behind
    with pytest.raises(ValueError, match="no verdicts"):
        retrain.train_rumor_with_reviews(base, [], model_dir)


def test_previous_cv_only_for_the_same_data_seed_and_folds(tmp_path):
    (tmp_path / "metrics.json").write_text(
        json.dumps({"seed": 1, "data": {"sha256": "abc"}, "cv": {"folds": 5, "roc_auc": 0.9}}), encoding="utf-8"
    )
    assert retrain._previous_cv(tmp_path, "abc", 1, 5)["roc_auc"] == 0.9
    assert retrain._previous_cv(tmp_path, "abd", 1, 5) is None
    assert retrain._previous_cv(tmp_path, "abc", 2, 5) is None
    assert retrain._previous_cv(tmp_path, "abc", 1, 3) is None
    assert retrain._previous_cv(tmp_path / "none", "abc", 1, 5) is None
