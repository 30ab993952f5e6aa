"""Evaluation gate of the shipped rumor model, and training.

The gate scores the shipped model on the frozen evaluation split (ReINTEL ids in
``nlp/data/eval_split/rumor_reintel_train.txt``, never trained on) and asserts floors pinned a
little below what it reached there; ``metrics.json`` is an output for people, never read here
for a figure. A retrained model that falls under the floors fails CI instead of shipping quietly.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import numpy as np
import pytest

from nlp.features import metadata_matrix, signals
from nlp.groups import read_ids
from nlp.normalize import normalize
from nlp.rumor import (
    CARD_FILE,
    ENCODER_GATE,
    FROZEN_SPLIT,
    METRICS_FILE,
    VIEW_GATE,
    RumorModel,
    encoder_texts,
    load_reintel,
    score_frozen,
    split_frozen,
    text_fingerprint,
    train,
)
from tests.nlp.conftest import E5_MACHINE_TOLERANCE, REINTEL
from tinradar.settings import Settings

# the shipped model (the e5 view reading type tokens as words, 2026-12-06) on the frozen split (2026-12-06):
# ROC-AUC 0.936, PR-AUC 0.773, medium-or-high recall 0.744 at precision 0.696 (one post fewer flagged);
# before it (lexical + e5 view on every post, issue 15, retrained with the lower-case masker) on the
# frozen split (2026-12-06): ROC-AUC 0.934, PR-AUC 0.770, medium-or-high recall 0.756 at precision 0.692
# (lexical alone: 0.929, 0.759, 0.698 / 0.659); the same trained with the masker before: 0.933, 0.763,
# 0.756 / 0.692 (lexical alone: 0.929, 0.752, 0.709 / 0.670) — the floors, set below those, were kept;
# before, the e5 view on COVID-related posts only (2026-12-05): 0.931, 0.765, 0.733 / 0.663;
# 2026-12-02: 0.940, 0.781, 0.756 / 0.684. The aims, 0.95 and 0.75/0.75, are not met on the grouped CV; see
# the model card. One post more or less flagged moves recall by 0.012 and precision by about 0.007.
ROC_AUC_FLOOR = 0.927
PR_AUC_FLOOR = 0.75
MEDIUM_OR_HIGH_RECALL_FLOOR = 0.74
MEDIUM_OR_HIGH_PRECISION_FLOOR = 0.675
MODELS = Settings().models_dir


@pytest.fixture(scope="module")
def shipped(shipped_rumor: RumorModel) -> RumorModel:
    """The shipped model as the analyzer scores with it (``conftest.shipped_rumor``)."""
    return shipped_rumor


@pytest.fixture(scope="module")
def frozen(shipped: RumorModel) -> dict:
    if not REINTEL.is_file():
        pytest.skip("../shared/datasets/reintel is not present")
    _, rows = split_frozen(load_reintel(REINTEL))
    return score_frozen(shipped, rows)


def test_frozen_split_is_committed_and_never_trained_on() -> None:
    ids = [line.split("\t")[0] for line in read_ids(FROZEN_SPLIT)]
    assert len(ids) >= 400 and len(set(ids)) == len(ids)
    if not REINTEL.is_file():
        pytest.skip("../shared/datasets/reintel is not present")
    train_rows, rows = split_frozen(load_reintel(REINTEL))
    assert len(rows.labels) == len(ids) and rows.labels.sum() >= 60
    assert not set(train_rows.ids) & set(ids)
    # no near duplicate of a frozen post trains either
    assert not {n.text[:200] for n in train_rows.norms} & {n.text[:200] for n in rows.norms if len(n.text) > 80}


def test_eval_gate_on_the_frozen_split(frozen: dict) -> None:
    assert frozen["roc_auc"] >= ROC_AUC_FLOOR, frozen
    assert frozen["pr_auc"] >= PR_AUC_FLOOR, frozen
    flagged = frozen["operating"]["medium_or_high"]
    assert flagged["recall"] >= MEDIUM_OR_HIGH_RECALL_FLOOR, flagged
    assert flagged["precision"] >= MEDIUM_OR_HIGH_PRECISION_FLOOR, flagged


def test_model_card_states_data_terms_metrics_and_seed(frozen: dict) -> None:
    card = (MODELS / "rumor" / CARD_FILE).read_text(encoding="utf-8")
    report = json.loads((MODELS / "rumor" / METRICS_FILE).read_text(encoding="utf-8"))
    for needle in ("ReINTEL", "research use", "ROC-AUC", "PR-AUC", f"seed {report['seed']}", report["trained_at"]):
        assert needle in card
    for needle in ("Grouped", "names left in", "medium or high", "Frozen evaluation split", "Fairness"):
        assert needle in card, needle
    if report["cv"]:
        assert f"{report['cv']['roc_auc']:.4f}" in card
    # the card states what the shipped model scores: to the vectors' precision, since e5's vectors
    # differ in the last bits between CPUs (AVX2 / AVX-512), which moves the 4th decimal
    stated = [float(v) for v in re.findall(r"ROC-AUC \*\*(0\.\d{4})\*\*", card)]
    assert stated and abs(stated[0] - frozen["roc_auc"]) <= E5_MACHINE_TOLERANCE, (stated, frozen["roc_auc"])


def test_without_the_encoder_the_lexical_score_stands_alone_and_says_so(shipped: RumorModel, encoder) -> None:  # type: ignore[no-untyped-def]
    texts = [
        "Tin khẩn: uống nước chanh nóng diệt được virus corona, chia sẻ ngay cho người thân!",
        "Bộ Y tế thông báo thêm 12 ca mắc COVID-19 mới, đều là người nhập cảnh đã được cách ly.",
        "Hôm nay trời đẹp, cả nhà đi chơi công viên.",
    ]
    norms = [normalize(t) for t in texts]
    meta = metadata_matrix([signals(n) for n in norms])
    lexical = RumorModel.load(MODELS)
    note = lexical.use_encoder(None)
    plain = lexical.predict(norms, meta)
    with_encoder = shipped.predict(norms, meta)
    if shipped.encoder_view is None:  # nothing to fall back from
        assert note is None and lexical.active_version == lexical.version
        np.testing.assert_allclose(plain, with_encoder)
        return
    assert note is not None and note.startswith("rumor_lexical_only")
    assert lexical.active_version.endswith("+lexical") and shipped.active_version.endswith("+e5")
    if shipped.encoder_view.gate >= 0:  # a view of before issue 15: the off-topic post is not embedded
        assert plain[2] == pytest.approx(with_encoder[2])
        assert not np.allclose(plain[:2], with_encoder[:2])
    else:  # every post is embedded (issue 15), the off-topic one too
        assert not np.isclose(plain, with_encoder).any(), (plain, with_encoder)


def test_the_shipped_view_scores_every_post_and_an_older_file_keeps_its_covid_gate(
    shipped: RumorModel, tmp_path: Path
) -> None:
    """Issue 15: the shipped view embeds every post with text; a model file whose view was pickled
    before ``gate`` was stored (or with the COVID gate) embeds the COVID-related posts only, as before."""
    import joblib

    texts = [
        "Bộ Y tế thông báo thêm 12 ca mắc COVID-19 mới, đều là người nhập cảnh đã được cách ly.",
        "Hôm nay trời đẹp, cả nhà đi chơi công viên.",
    ]
    norms = [normalize(t) for t in texts]
    assert shipped.encoder_view is not None and shipped.encoder_view.gate == VIEW_GATE
    every = shipped.encoder_vectors(norms)
    assert every is not None and (np.abs(every).sum(axis=1) > 0).all()
    # an older file: the view's pickled state lacks ``gate``
    old_view = copy.copy(shipped.encoder_view)
    del old_view.__dict__["gate"]
    joblib.dump(old_view, tmp_path / "view.joblib")
    loaded = joblib.load(tmp_path / "view.joblib")
    assert "gate" not in loaded.__dict__ and loaded.gate == ENCODER_GATE
    old = copy.copy(shipped)
    old.encoder_view = loaded
    gated = old.encoder_vectors(norms)
    assert gated is not None and np.abs(gated[0]).sum() > 0 and not np.abs(gated[1]).any()
    np.testing.assert_array_equal(gated[0], every[0])


def test_the_encoder_view_reads_masked_text() -> None:
    """Who or where a post names cannot reach the encoder either: it reads the masked opening."""
    a, b = (normalize(f"{name} viện trợ 500.000 liều vắc xin cho Việt Nam.") for name in ("Trung Quốc", "Nhật Bản"))
    ta, tb = encoder_texts([a, b])
    assert ta == tb and "<QUỐC_GIA>" in ta
    ra, rb = encoder_texts([a, b], readable_form=True)  # the form of views trained since 2026-12-06
    assert ra == rb and ra == ta.replace("<QUỐC_GIA>", "quốc gia")


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
    # the version names the fitted text models: one weight more or less is another version
    ma = RumorModel.load(tmp_path / "a")
    assert f"-m{text_fingerprint(ma)}" in a["version"]
    moved = copy.deepcopy(ma)
    moved.char_lr.coef_[0, 0] += 1e-9
    assert text_fingerprint(moved) != text_fingerprint(ma)
    pa = ma.predict(data.norms, data.meta)
    pb = RumorModel.load(tmp_path / "b").predict(data.norms, data.meta)
    np.testing.assert_allclose(pa, pb)
    # it learnt something even from 250 posts (in-sample sanity, not a quality claim)
    assert pa[data.labels == 1].mean() > pa[data.labels == 0].mean()
    assert (tmp_path / "a" / CARD_FILE).is_file()


def test_stacked_training_is_chosen_by_grouped_cv(tmp_path: Path, encoder) -> None:  # type: ignore[no-untyped-def]
    """The encoder view is built on the lexical model's folds and shipped only when that CV says so."""
    if not REINTEL.is_file():
        pytest.skip("../shared/datasets/reintel is not present")
    report = train(REINTEL, tmp_path, seed=5, folds=3, limit=600, encoder=encoder)
    stacked, lexical = report["cv_stacked"], report["cv"]
    assert stacked["folds"] == lexical["folds"] == 3 and stacked["rows"] == lexical["rows"]
    # the shipped candidate embeds every row (issue 15); the COVID-only stack is kept for the card
    assert stacked["gated_rows"] == stacked["rows"] and report["encoder"]["gate"] == VIEW_GATE
    covid_only = report["cv_stacked_covid"]
    assert 0 < covid_only["gated_rows"] < covid_only["rows"] == stacked["rows"]
    better = stacked["roc_auc"] > lexical["roc_auc"] and stacked["pr_auc"] >= lexical["pr_auc"]
    assert report["encoder"]["chosen"] is better
    model = RumorModel.load(tmp_path)
    assert (model.encoder_view is not None) is better
    if better:
        assert model.encoder_view is not None and model.encoder_view.gate == VIEW_GATE
        # new views read type tokens as words (readable views, 2026-12-06), and the version says so
        assert model.encoder_view.readable and report["version"].endswith("-words-e5")
    assert report["version"].endswith("-e5") is better
    card = (tmp_path / CARD_FILE).read_text(encoding="utf-8")
    assert "Encoder view" in card and f"{stacked['roc_auc']:.4f}" in card


# In a fresh process (scipy not yet imported, as under `tinradar train rumor`), replace the first step of
# ``train`` or ``cross_validate`` by a probe that imports scikit-learn, as the trainer does lazily, and
# prints the thread count of every BLAS library then loaded.
_BLAS_PROBE = """
import sys
from pathlib import Path
import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits
import nlp.rumor as rumor

def probe(*args, **kwargs):
    import sklearn.linear_model  # noqa: F401  (loads scipy's OpenBLAS, as the trainer's first fit does)
    print(sorted({int(p["num_threads"]) for p in threadpool_info() if p["user_api"] == "blas"}))
    raise SystemExit(0)

rumor.load_reintel = rumor.model_views = probe
with threadpool_limits(limits=2, user_api="blas"):  # as on any multi-core machine
    if sys.argv[1] == "train":
        rumor.train(Path("train.csv"), Path(sys.argv[2]))
    else:
        rumor.cross_validate(rumor.RumorData([], np.zeros((0, 0)), np.zeros(0, dtype=np.int64), "none", ""))
"""


@pytest.mark.parametrize("entry", ["train", "cross_validate"])
def test_training_and_cv_run_with_blas_on_one_thread(entry: str, tmp_path: Path) -> None:
    """OpenBLAS's thread count changes the last bits of its sums and so where each regression stops
    (docs/nlp.md, Rumor risk: reproducibility): ``train`` and ``cross_validate`` (which the review
    desk's retrain calls on its own) pin it, so a machine with another core count trains the same
    model. Every BLAS library counts, scipy's too, which scikit-learn's solvers call and which the
    trainer loads only when it first imports scikit-learn, inside the pin."""
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", _BLAS_PROBE, entry, str(tmp_path)],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.strip() == "[1]", out


_OPENMP_PROBE = """
import numpy as np
from threadpoolctl import threadpool_info
import nlp.rumor as rumor

def probe(*args, **kwargs):
    import sklearn.ensemble  # noqa: F401  (loads the OpenMP runtime, as the first boosted fit does)
    print(sorted({int(p["num_threads"]) for p in threadpool_info() if p["user_api"] == "openmp"}))
    raise SystemExit(0)

rumor._fit_stack = probe
rumor._fit([], [], np.zeros((0, 0)), np.zeros(0), np.zeros(0), 42)
"""


def test_fit_runs_the_boosted_trees_on_one_openmp_thread() -> None:
    """``_fit`` (the whole stack, and all of ``train --no-eval``) limits OpenMP to one thread; the
    limit reaches only runtimes already loaded, and on ``--no-eval`` nothing has loaded
    scikit-learn's before ``_fit``, so it loads it first. Fails if it does not (``[2]``)."""
    import os
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", _OPENMP_PROBE],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "OMP_NUM_THREADS": "2"},  # as on any multi-core machine
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.strip() == "[1]", out


def test_a_readable_view_embeds_the_string_claim_matching_embeds(shipped: RumorModel, encoder) -> None:  # type: ignore[no-untyped-def]
    """Issue 33: a readable view (type tokens as words) embeds a named COVID post's opening as the
    very string claim matching embeds for the claims that use none of its names (the fully masked
    view, read as words), so one cache entry serves both: claim matching embeds nothing more. The
    token form (views trained before) costs a second embedding (the control)."""
    import dataclasses

    from nlp.claim_finder import ClaimFinder
    from nlp.claims import Claim
    from nlp.encoder import Encoder
    from nlp.masking import readable

    claims = [
        Claim(
            id="lemon-claim",
            claim="Uống nước chanh nóng diệt virus corona",
            category="cure",
            correction="Không đúng.",
            debunked_by=["Bộ Y tế"],
            key_terms=["chanh"],
        )
    ]
    norm = normalize("Nghe nói Trung Quốc đang giấu số ca nhiễm COVID-19 thật, uống nước chanh nóng là khỏi")
    fresh = Encoder(encoder.engine, version=encoder.version, max_tokens=encoder.max_tokens)  # an empty cache
    finder = ClaimFinder(claims, encoder=fresh)
    views, _ = finder.claim_views(norm.text)
    assert len(views) == 1 and "<QUỐC_GIA>" in views[0]  # no claim uses the name: one view, fully masked
    masker_view = views[0]
    assert encoder_texts([norm], readable_form=True) == [readable(masker_view)]
    assert "quốc gia" in readable(masker_view) and "Trung Quốc" not in readable(masker_view)
    assert shipped.encoder_view is not None
    model = copy.copy(shipped)
    model.encoder_view = dataclasses.replace(shipped.encoder_view, readable=True)
    assert model.use_encoder(fresh) is None
    start = fresh.embedded
    vectors = model.encoder_vectors([norm])
    assert vectors is not None and fresh.embedded == start + 1
    cosines, _, _ = finder.claim_cosines([norm.text])
    assert fresh.embedded == start + 1 and cosines.shape == (1, 1)  # served by the rumor view's cache entry
    model.encoder_view = dataclasses.replace(shipped.encoder_view, readable=False)
    model.encoder_vectors([norm])
    assert fresh.embedded == start + 2  # the token form is another string: another embedding
