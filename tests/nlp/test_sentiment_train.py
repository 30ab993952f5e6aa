"""Training is seeded and reproducible, and its evaluation cannot leak held-out posts."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nlp.sentiment import FeatureConfig
from nlp.sentiment_train import TrainParams, annotation_agreement, dup_key, load_texts, read_labels, train

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / ".." / "shared" / "datasets"
needs_data = pytest.mark.skipif(
    not (DATA / "reintel" / "unlabeled.csv").is_file(), reason="shared datasets not present"
)

TEXTS = [
    "Bộ Y tế công bố thêm 2 ca mắc COVID-19 mới.",
    "Cảm ơn các y bác sĩ, chúng tôi rất tự hào!",
    "Hoang mang quá, dịch lan khắp nơi rồi 😭",
]


LABELS = Path(__file__).resolve().parents[2] / "nlp" / "data" / "sentiment_labels.csv"


def test_labels_file_is_ids_and_labels_only() -> None:
    rows = read_labels()
    assert len(rows) >= 3000
    assert len({(s, i) for s, i, _ in rows}) == len(rows), "duplicate ids"
    lines = LABELS.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "source,id,label,draw,ann1,ann2,ann3"
    assert max(len(line) for line in lines) < 60  # no texts


def test_final_label_is_the_majority_of_the_passes() -> None:
    """Two passes that agree give the label; otherwise the third pass breaks the tie."""
    with LABELS.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        votes = [r["ann1"], r["ann2"], r["ann3"]]
        assert votes.count(r["label"]) >= 2, r
        assert bool(r["ann3"]) == (r["ann1"] != r["ann2"]), r
    agreement = annotation_agreement()
    assert agreement["double_annotated"] == len(rows)
    assert 0.0 < agreement["cohen_kappa"] <= 1.0
    assert agreement["third_pass"] == sum(1 for r in rows if r["ann3"])
    comments = annotation_agreement(source="victsd")
    assert comments["double_annotated"] == sum(1 for r in rows if r["source"] == "victsd") > 0


def test_bad_label_rows_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "labels.csv"
    bad.write_text("source,id,label,draw,ann1,ann2,ann3\nreintel_train,1,angry,random,neg,neg,\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"labels\.csv:2"):
        read_labels(bad)
    bad.write_text("source,id,label,draw,ann1,ann2,ann3\nreintel_train,1,neg,random,neg,furious,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="annotation"):
        read_labels(bad)
    bad.write_text("source,id,label,draw,ann1,ann2,ann3\ntweets,1,neg,random,neg,neg,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bad label row"):
        read_labels(bad)
    bad.write_text("source,id,label,draw,ann1,ann2,ann3\nreintel_train,1,neg,cherry,neg,neg,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="annotation"):
        read_labels(bad)
    good = tmp_path / "good.csv"
    good.write_text("source,id,label,draw,ann1,ann2,ann3\nreintel_train,1,neu,corrections,neu,neu,\n", encoding="utf-8")
    assert read_labels(good) == [("reintel_train", "1", "neu")]


@needs_data
def test_correction_rows_stay_out_of_the_random_draw_figure_and_have_their_own_before_after(tmp_path: Path) -> None:
    """Rows drawn for their correction wording (draw ``corrections``) are not random draws, and the
    CV reports every figure without them too, so a retrain with them compares with the runs before."""
    with LABELS.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    old = [r for r in rows if r["draw"] == "random" and r["source"] != "victsd"][:150]
    new = [r for r in rows if r["draw"] == "corrections" and r["source"] != "victsd"][:60]
    labels = tmp_path / "labels.csv"
    with labels.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(old + new)
    small = {
        "write": False,
        "params": TrainParams(folds=3, cv_repeats=1),
        "features": FeatureConfig(word_features=2**12, char_features=2**11, lead_features=2**10, embedding_dim=16),
    }
    report = train(DATA, tmp_path, seed=7, labels_path=labels, limit=len(old) + len(new), **small)
    ind = report["in_domain"]
    n_corr = ind["n_corrections_draws"]
    assert 0 < n_corr <= len(new) and report["data"]["draws"]["corrections"] == n_corr
    assert ind["n_covid_random_draws"] <= ind["n"] - n_corr  # no corrections row among the random draws
    for key in ("macro_f1_earlier_rows", "macro_f1_covid_posts_earlier_rows"):
        assert 0.0 <= ind["repeated_cv"][key]["mean"] <= 1.0


@needs_data
def test_every_labelled_id_has_its_text_posts_and_comments() -> None:
    texts = load_texts(DATA)
    rows = read_labels()
    assert {s for s, _, _ in rows} == {"reintel_unlabeled", "reintel_train", "victsd"}
    assert all(texts[s][i].strip() for s, i, _ in rows)


def test_dup_key_groups_reposts() -> None:
    a = "Dịch Corona thực sự nguy hiểm, và KHÔNG CÓ MỘT LOẠI KHẨU TRANG NÀO CHỐNG ĐƯỢC DỊCH mọi người nhé."
    b = "Dich Corona thuc su nguy hiem, va khong co mot loai khau trang nao chong duoc dich moi nguoi nhe!!"
    assert dup_key(a) == dup_key(b)
    assert dup_key(a) != dup_key("Bộ Y tế công bố thêm 2 ca mắc mới.")


@needs_data
def test_training_is_reproducible_on_a_subsample(tmp_path: Path) -> None:
    small = {
        "write": False,
        "limit": 120,
        "params": TrainParams(folds=3),
        "features": FeatureConfig(word_features=2**12, char_features=2**11, lead_features=2**10, embedding_dim=16),
    }
    runs = [train(DATA, tmp_path, seed=7, **small) for _ in range(2)]
    probs = [np.array([[p[c] for c in sorted(p)] for p in r["_model"].predict_proba(TEXTS)]) for r in runs]
    np.testing.assert_array_equal(probs[0], probs[1])
    assert runs[0]["in_domain"] == runs[1]["in_domain"]
    assert runs[0]["in_domain"]["n"] == 120
    assert "macro_f1_earlier_rows" not in runs[0]["in_domain"]["repeated_cv"]  # no `corrections` rows there
    other = train(DATA, tmp_path, seed=8, **small)
    assert other["_model"].version != runs[0]["_model"].version or other["in_domain"] != runs[0]["in_domain"]


@needs_data
def test_encoder_view_is_judged_on_the_lexical_folds_and_shipped_only_when_it_helps(tmp_path: Path) -> None:
    """The e5 view is cross-validated on the lexical model's own fold splits (paired before/after),
    shipped only when that CV beats the lexical model overall and on COVID-19 posts, and round-trips
    through save/load as plain arrays; with the encoder off the lexical model stands alone."""
    from nlp.encoder import load_encoder
    from nlp.sentiment import SentimentModel
    from tinradar.settings import Settings

    encoder, why = load_encoder(Settings(encoder_threads=2))
    if encoder is None:
        pytest.skip(why or "no encoder")
    small = {
        "limit": 240,
        "params": TrainParams(folds=3, cv_repeats=2),
        "features": FeatureConfig(word_features=2**12, char_features=2**11, lead_features=2**10, embedding_dim=16),
    }
    report = train(DATA, tmp_path, seed=7, encoder=encoder, use_encoder=True, **small)
    enc = report["encoder"]
    assert "_encoder" not in enc and "cv_stacked" in enc, enc.get("why")
    before, after = enc["cv_lexical"], enc["cv_stacked"]
    assert before["fold_seeds"] == after["fold_seeds"] == [7, 8]
    assert before == report["in_domain"]["repeated_cv"]  # the same folds, the same lexical figures
    better = (
        after["macro_f1"]["mean"] > before["macro_f1"]["mean"]
        and after["macro_f1_covid_posts"]["mean"] > before["macro_f1_covid_posts"]["mean"]
    )
    assert enc["chosen"] is better
    assert report["version"].endswith("-e5") is better
    assert (
        report["version"].endswith("-words-e5") is better
    )  # new views read type tokens as words (readable views, 2026-12-06)
    assert report["frozen_stacked"] and report["frozen_lexical"]
    assert report["frozen"] == (report["frozen_stacked"] if better else report["frozen_lexical"])
    model = SentimentModel.load(tmp_path)
    assert (model.encoder_view is not None) is better
    if not better:
        return
    texts = [*TEXTS, "Mọi người ơi, dịch COVID-19 lan rộng quá, lo lắng thật sự."]
    lexical = model.predict_proba(texts)
    assert model.use_encoder(None) and model.active_version.endswith("+lexical")
    vectors = model.encoder_vectors(texts)
    assert vectors is None and model.predict_proba(texts, np.ones((len(texts), 384))) == lexical
    assert model.use_encoder(encoder) is None and model.active_version.endswith("+e5")
    vectors = model.encoder_vectors(texts)
    assert vectors is not None
    stacked = model.predict_proba(texts, vectors)
    for p, q, v in zip(lexical, stacked, vectors, strict=True):
        assert sum(q.values()) == pytest.approx(1.0)
        assert (p == q) is (not np.abs(v).sum())  # rows without a vector keep the lexical probabilities


#: Prints one digest of everything whose order the folds depend on: the labelled rows, the frozen
#: rows, the unlabelled pool, the near-duplicate groups and the encoder view's gate.
_ORDER_DIGEST = """
import hashlib, sys
from pathlib import Path
import numpy as np
from nlp.normalize import normalize
from nlp.sentiment_train import encoder_gate, labelled_data
data = labelled_data(Path(sys.argv[1]))
_, groups = np.unique(data.groups_key, return_inverse=True)
h = hashlib.sha256()
for part in (data.rows, data.frozen_rows, data.pool_texts, data.groups_key):
    h.update(repr(part).encode())
h.update(groups.astype(np.int64).tobytes())
h.update(encoder_gate([normalize(t) for t in data.texts]).tobytes())
print(len(data.rows), h.hexdigest())
"""


@needs_data
def test_rows_groups_and_gate_are_the_same_under_any_hash_seed() -> None:
    """Two processes with different ``PYTHONHASHSEED`` build the same rows, pool, groups and gate
    in the same order (a ``set`` iterated into any of them would move every CV figure)."""
    out = [
        subprocess.run(
            [sys.executable, "-c", _ORDER_DIGEST, str(DATA)],
            env={**os.environ, "PYTHONHASHSEED": seed},
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        for seed in ("1", "2")
    ]
    assert out[0] == out[1]
    assert int(out[0][0]) >= 4000 and len(out[0][1]) == 64


def test_training_runs_with_blas_on_one_thread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """OpenBLAS's thread count changes the last bits of its sums and so where each regression stops
    (the lexical CV mean on COVID-19 posts moved 0.7401 -> 0.7416 from 2 threads to 1): ``train``
    pins it, so a machine with another core count trains the same model."""
    from threadpoolctl import threadpool_info

    import nlp.sentiment_train as st

    def blas_threads() -> set[int]:
        return {int(p["num_threads"]) for p in threadpool_info() if p["user_api"] == "blas"}

    seen: list[set[int]] = []

    def first_step(*args: object, **kwargs: object) -> None:
        seen.append(blas_threads())
        raise RuntimeError("stop here")

    monkeypatch.setattr(st, "labelled_data", first_step)
    with pytest.raises(RuntimeError, match="stop here"):
        train(tmp_path, tmp_path)
    assert seen == [{1}]
