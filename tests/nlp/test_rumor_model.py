"""Evaluation gate of the shipped rumor model (like trafilatura's eval_gate), and training.

The floors are pinned below the cross-validated figures in ``nlp/models/rumor/metrics.json``;
a retrained model that falls under them fails CI instead of shipping quietly.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nlp.rumor import CARD_FILE, METRICS_FILE, RumorModel, load_reintel, train
from tests.nlp.conftest import REINTEL
from tinradar.settings import Settings

ROC_AUC_FLOOR = 0.92
PR_AUC_FLOOR = 0.70
MODELS = Settings().models_dir


def test_eval_gate_cross_validated_metrics() -> None:
    report = json.loads((MODELS / "rumor" / METRICS_FILE).read_text(encoding="utf-8"))
    cv = report["cv"]
    assert cv["folds"] == 5
    assert cv["roc_auc"] >= ROC_AUC_FLOOR, f"rumor ROC-AUC {cv['roc_auc']:.4f} under the floor {ROC_AUC_FLOOR}"
    assert cv["pr_auc"] >= PR_AUC_FLOOR, f"rumor PR-AUC {cv['pr_auc']:.4f} under the floor {PR_AUC_FLOOR}"
    assert report["data"]["rows"] >= 3500


def test_model_card_states_data_terms_metrics_and_seed() -> None:
    card = (MODELS / "rumor" / CARD_FILE).read_text(encoding="utf-8")
    report = json.loads((MODELS / "rumor" / METRICS_FILE).read_text(encoding="utf-8"))
    for needle in ("ReINTEL", "research use", "ROC-AUC", "PR-AUC", f"seed {report['seed']}", report["trained_at"]):
        assert needle in card
    assert f"{report['cv']['roc_auc']:.4f}" in card


def test_shipped_model_loads_and_matches_its_version() -> None:
    model = RumorModel.load(MODELS)
    report = json.loads((MODELS / "rumor" / METRICS_FILE).read_text(encoding="utf-8"))
    assert model.version == report["version"]


def test_models_stay_small() -> None:
    total = sum(f.stat().st_size for f in MODELS.rglob("*") if f.is_file())
    assert total < 30 * 1024 * 1024


def test_training_is_seeded_and_reproducible(tmp_path: Path) -> None:
    if not REINTEL.is_file():
        pytest.skip("../shared/datasets/reintel is not present")
    data = load_reintel(REINTEL, limit=250, seed=3)
    a = train(REINTEL, tmp_path / "a", seed=3, evaluate=False, limit=250)
    b = train(REINTEL, tmp_path / "b", seed=3, evaluate=False, limit=250)
    assert a["version"] == b["version"]
    pa = RumorModel.load(tmp_path / "a").predict(data.norms, data.meta)
    pb = RumorModel.load(tmp_path / "b").predict(data.norms, data.meta)
    np.testing.assert_allclose(pa, pb)
    # it learnt something even from 250 posts (in-sample sanity, not a quality claim)
    assert pa[data.labels == 1].mean() > pa[data.labels == 0].mean()
    assert (tmp_path / "a" / CARD_FILE).is_file()
