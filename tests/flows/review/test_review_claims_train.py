"""``tinradar train claims [--with-reviews | --reviews-file F]`` through the real CLI: the failure
paths (exit codes, messages, nothing written) and, with the shared datasets, the whole retrain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.review.retrain import claim_rows
from index.review.export import ReviewExportRow
from nlp.claim_verifier_train import DATA_DIR
from tinradar.settings import Settings

INFERTILITY = "Nghe nói tiêm vắc xin Covid xong là phụ nữ không thể có con được nữa, mọi người cẩn thận nhé."
TRUE_NOTICE = "Trạm y tế xã tổ chức tiêm vắc xin COVID-19 mũi 3 cho người dân vào sáng thứ bảy, mang theo căn cước."


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"TINRADAR_DATA_DIR": str(tmp_path / "data")}


@pytest.fixture
def datasets(tmp_path: Path) -> Path:
    """A datasets folder the command accepts (its ReINTEL file is never read on these paths)."""
    (tmp_path / "datasets" / "reintel").mkdir(parents=True)
    (tmp_path / "datasets" / "reintel" / "train.csv").write_text("id,post_message,label\n", encoding="utf-8")
    return tmp_path / "datasets"


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_claim_rows_keep_the_readings_none_included() -> None:
    rows = [
        ReviewExportRow(id="a", text=INFERTILITY, claims=["vaccine-infertility"], cluster_id="c1"),
        ReviewExportRow(id="b", text=TRUE_NOTICE, claims=[]),  # read: repeats none of the claims
        ReviewExportRow(id="c", text=TRUE_NOTICE, tone="neu"),  # no reading
    ]
    got = claim_rows(rows)
    assert [(r.id, r.claim_ids, r.cluster) for r in got] == [("a", ("vaccine-infertility",), "c1"), ("b", (), None)]


def test_no_reading_says_so_in_vietnamese_and_trains_nothing(env, datasets, tmp_path):
    reviews = _write(
        tmp_path / "reviews.jsonl",
        [{"id": "a", "text": INFERTILITY, "label": 1}, {"id": "b", "text": TRUE_NOTICE, "tone": "neu"}],
    )
    models = tmp_path / "models"
    args = ["train", "claims", "--data", str(datasets), "--out", str(models), "--reviews-file", str(reviews)]
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 1, result.output
    assert "Chưa có bài nào được người duyệt ghi tin đồn mà bài lặp lại (2 bài đã duyệt" in result.output
    assert not models.exists()


def test_a_missing_or_bad_reviews_file_is_exit_2(env, datasets, tmp_path):
    models = tmp_path / "models"
    args = ["train", "claims", "--data", str(datasets), "--out", str(models)]
    missing = CliRunner().invoke(app, [*args, "--reviews-file", str(tmp_path / "nope.jsonl")], env=env)
    assert missing.exit_code == 2 and "tinradar review export" in missing.output
    bad = _write(tmp_path / "bad.jsonl", [{"id": "a", "text": INFERTILITY, "claims": ["Not A Claim Id"]}])
    invalid = CliRunner().invoke(app, [*args, "--reviews-file", str(bad)], env=env)
    assert invalid.exit_code == 2 and "bad.jsonl:1" in invalid.output and "claims" in invalid.output
    (tmp_path / "junk.jsonl").write_text("{not json\n", encoding="utf-8")
    junk = CliRunner().invoke(app, [*args, "--reviews-file", str(tmp_path / "junk.jsonl")], env=env)
    assert junk.exit_code == 2 and "junk.jsonl:1: không phải JSON / not JSON" in junk.output
    assert "Traceback" not in missing.output + invalid.output + junk.output
    assert not models.exists()


def test_a_datasets_folder_without_reintel_is_exit_2(env, tmp_path):
    empty = tmp_path / "not-datasets"
    empty.mkdir()
    models = tmp_path / "models"
    for extra in ([], ["--with-reviews"]):
        result = CliRunner().invoke(
            app, ["train", "claims", "--data", str(empty), "--out", str(models), *extra], env=env
        )
        assert result.exit_code == 2, result.output
        assert "reintel" in result.output and "datasets" in result.output and "Traceback" not in result.output
    assert not models.exists()


@pytest.mark.slow
@pytest.mark.skipif(not (DATA_DIR / "reintel" / "train.csv").is_file(), reason="shared datasets not present")
def test_train_claims_with_a_reviews_file_prints_the_agreement_and_both_figures(env, tmp_path, monkeypatch):
    """The whole path, one full retrain of the verifier (about a minute), with the encoder loaded once
    for both the agreement and the trainer (a spy around the real loader counts the loads)."""
    import nlp.encoder

    loads: list[int] = []
    real_load = nlp.encoder.load_encoder

    def counting_load(settings):  # the real loader, counted
        loads.append(1)
        return real_load(settings)

    monkeypatch.setattr(nlp.encoder, "load_encoder", counting_load)
    monkeypatch.setattr("nlp.claim_verifier_train.load_encoder", counting_load)
    reviews = _write(
        tmp_path / "reviews.jsonl",
        [
            {"id": "a", "text": INFERTILITY, "claims": ["vaccine-infertility"]},
            {"id": "b", "text": TRUE_NOTICE, "claims": []},
            {"id": "c", "text": "Uống nước lá ổi mỗi sáng sẽ khỏi hẳn COVID-19.", "claims": ["no-such-claim"]},
        ],
    )
    models = tmp_path / "models"
    args = ["train", "claims", "--data", str(DATA_DIR), "--out", str(models), "--reviews-file", str(reviews)]
    env = {**env, "TINRADAR_ENCODER_THREADS": "2", "TINRADAR_CACHE_DIR": str(Settings().cache_dir)}
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "1 bài được ghi là lặp lại tin đồn — tìm đúng / found 1, bỏ sót / missed 0" in out
    assert "1 bài không lặp lại tin đồn nào — khớp sai là lặp lại / false repeats 0" in out
    assert "Bỏ qua / skipped: unknown_claim_ids 1" in out
    assert "Trước / before: ngưỡng / threshold" in out and "Sau / after: ngưỡng / threshold" in out
    written = json.loads((models / "claims" / "verifier.json").read_text(encoding="utf-8"))
    assert written["trained_on"]["reviews"]["added"] == 2
    assert written["trained_on"]["reviews"]["skipped_unknown_claim_ids"] == 1
    assert len(loads) == 1
