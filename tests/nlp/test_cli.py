"""``tinradar score`` and ``tinradar train``: the JSON-lines contract, bad lines, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app

CONTRACT = (
    "rumor_risk",
    "risk_level",
    "cues",
    "score_steps",
    "sentiment",
    "sentiment_proba",
    "covid",
    "covid_proba",
    "locations",
    "matched_claims",
    "cluster_id",
    "language",
)


@pytest.fixture()
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TINRADAR_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


def test_score_contract_and_bad_lines(env: Path) -> None:
    lines = [
        json.dumps(
            {
                "id": "p1",
                "text": "Tối nay trực thăng phun thuốc khử trùng diệt virus, cả nhà đóng cửa, không ra đường nhé.",
                "likes": 12,
                "comments": 3,
                "shares": 450,
                "published_at": "2021-08-17T21:00:00+07:00",
                "extra": {"keep": 1},
            }
        ),
        "{not json",
        json.dumps({"text": "no id here"}),
        "",
        json.dumps(
            {
                "id": 7,
                "title": "Thông báo",
                "text": "Huyện Sơn Dương, tỉnh Tuyên Quang triển khai tiêm vắc xin COVID-19 mũi 1.",
            }
        ),
        json.dumps(["a", "list"]),
        json.dumps({"id": "p3", "text": "", "likes": "many"}),
    ]
    inp, outp = env / "in.jsonl", env / "out.jsonl"
    inp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["score", "--input", str(inp), "--output", str(outp)])
    assert result.exit_code == 1, result.output  # lines were skipped (README "Exit codes"); the rest were scored
    for n in (2, 3, 6):
        assert f"skipped dòng / line {n}:" in result.output
    rows = [json.loads(x) for x in outp.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["p1", 7, "p3"]
    first = rows[0]
    assert first["extra"] == {"keep": 1} and first["likes"] == 12  # the input object is kept as is
    for key in CONTRACT:
        assert key in first
    assert first["risk_level"] == "high" and first["rumor_risk"] >= 0.7
    assert first["matched_claims"][0]["claim_id"] == "helicopter-disinfectant-spraying"
    assert first["sentiment"] in {"neg", "neu", "pos"} and first["language"] == "vi"
    assert set(rows[1]["locations"][0]) == {"name", "province_code", "district_code"}
    assert {(loc["province_code"], loc["district_code"]) for loc in rows[1]["locations"]} == {
        ("08", "076"),
        ("08", None),
    }
    assert "likes" not in rows[2], "a value the loader would refuse is dropped, not passed on"
    assert any("ignored_fields: likes" in n for n in rows[2]["notes"]) and any(
        "empty_text" in n for n in rows[2]["notes"]
    )


def test_score_missing_input_is_a_clear_error(env: Path) -> None:
    result = CliRunner().invoke(app, ["score", "--input", str(env / "absent.jsonl"), "--output", str(env / "o.jsonl")])
    assert result.exit_code != 0
    assert result.exit_code == 2 and "no such file" in result.output  # one message: score, index load, extract


def test_train_rumor_small(env: Path) -> None:
    from tests.nlp.conftest import REINTEL

    if not REINTEL.is_file():
        pytest.skip("../shared/datasets/reintel is not present")
    import csv

    with REINTEL.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    small = [r for r in rows if r["label"] == "1"][:40] + [r for r in rows if r["label"] == "0"][:160]
    data = env / "small.csv"
    with data.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(small)
    result = CliRunner().invoke(
        app, ["train", "rumor", "--data", str(data), "--out", str(env / "models"), "--seed", "5", "--no-eval"]
    )
    assert result.exit_code == 0, result.output
    assert (env / "models" / "rumor" / "rumor.joblib").is_file()
    assert (env / "models" / "rumor" / "MODEL_CARD.md").is_file()


def test_train_bad_data_is_a_clear_error(env: Path) -> None:
    bad = env / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["train", "rumor", "--data", str(bad), "--out", str(env / "m")])
    assert result.exit_code != 0
    assert "post_message" in result.output


def test_train_sentiment_wrong_data_folder_is_a_clear_error(env: Path) -> None:
    empty = env / "not-datasets"
    empty.mkdir()
    result = CliRunner().invoke(app, ["train", "sentiment", "--data", str(empty), "--out", str(env / "m")])
    assert result.exit_code == 2  # a missing file is a usage error (README "Exit codes"), as for train rumor
    assert "datasets" in result.output and "Traceback" not in result.output
    assert not (env / "m" / "sentiment").exists()


def test_train_sentiment_file_without_its_columns_is_a_clear_error(env: Path) -> None:
    data = env / "datasets"
    (data / "reintel").mkdir(parents=True)
    for name in ("unlabeled.csv", "train.csv"):
        (data / "reintel" / name).write_text("a,b\n1,2\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["train", "sentiment", "--data", str(data), "--out", str(env / "m")])
    assert result.exit_code == 1
    assert "post_message" in result.output and "Traceback" not in result.output
    assert not (env / "m" / "sentiment").exists()


def test_score_with_unusable_transformers_backend_is_a_clear_error(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINRADAR_NLP_BACKEND", "transformers")
    monkeypatch.delenv("TINRADAR_TRANSFORMERS_MODEL_DIR", raising=False)
    inp = env / "in.jsonl"
    inp.write_text('{"id": "x1234567", "text": "Thêm 2 ca mắc COVID-19"}\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["score", "--input", str(inp), "--output", str(env / "o.jsonl")])
    assert result.exit_code == 1
    assert "TINRADAR_TRANSFORMERS_MODEL_DIR" in result.output


def test_train_rumor_on_a_folder_without_train_csv_is_a_usage_error(env: Path) -> None:
    """Found by fuzzing: ``--data`` a folder with no ``train.csv`` ended with exit 70 (FileNotFoundError)."""
    folder = env / "dữ liệu"
    folder.mkdir()
    result = CliRunner().invoke(app, ["train", "rumor", "--data", str(folder), "--out", str(env / "m")])
    assert result.exit_code == 2, result.output
    assert f"{folder / 'train.csv'}" in " ".join(result.stderr.split()) and "Traceback" not in result.output
    missing = CliRunner().invoke(app, ["train", "rumor", "--data", str(env / "nope.csv"), "--out", str(env / "m")])
    assert missing.exit_code == 2  # a missing file is a usage error (README "Exit codes")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        # a quote left open swallows the rest of the file into one message: the row has no label
        (
            'post_message,label\n"Tin một,0\nTin hai,1\n',
            "1 row(s) with a label other than 0 or 1 (first: row 1, no label — a quote left open?)",
        ),
        (
            "post_message,label\nTin một,yes\nTin hai,no\n",
            "2 row(s) with a label other than 0 or 1 (first: row 1, 'yes')",
        ),
        ("post_message,label\nTin một,0\nTin hai,1\n", "too few rows to train: 1 with label 0 and 1 with label 1"),
    ],
    ids=["open-quote", "yes-no", "two-rows"],
)
def test_train_rumor_on_a_broken_sheet_says_what_is_wrong(env: Path, content: str, message: str) -> None:
    """Found by fuzzing: an open quote ended with exit 70 (AttributeError), labels other than 0/1
    were silently read as 0, and a tiny sheet failed with scikit-learn's "max_df corresponds to < documents"."""
    sheet = env / "train.csv"
    sheet.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(app, ["train", "rumor", "--data", str(sheet), "--no-eval", "--out", str(env / "m")])
    assert result.exit_code == 1, result.output
    assert message in " ".join(result.stderr.split()) and "Traceback" not in result.output
    assert not (env / "m" / "rumor").exists()


def test_train_rumor_on_a_sheet_not_in_utf8_names_the_file(env: Path) -> None:
    """Noticed by the fuzz pass: a Latin-1 sheet said only "'utf-8' codec can't decode byte 0xf4",
    naming neither the file nor what to do."""
    sheet = env / "train.csv"
    sheet.write_bytes("post_message,label\nTin một,0\n".encode().replace("ộ".encode(), b"\xf4"))
    result = CliRunner().invoke(app, ["train", "rumor", "--data", str(sheet), "--no-eval", "--out", str(env / "m")])
    assert result.exit_code == 1, result.output
    said = " ".join(result.stderr.split())
    assert str(sheet) in said and "not UTF-8" in said and "0xf4" in said and "Traceback" not in result.output
