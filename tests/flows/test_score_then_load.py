"""The README's pipeline on data from elsewhere: ``score`` a two-field export, ``index load`` it, search it.

``score`` keeps the input object (its contract), so a line may reach the loader with
only ``id`` and ``text`` — a short id, an integer id — and no source, kind or fetch
time. Every such line must be indexed (with the defaults noted on the item) and found.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app

TWO_FIELDS = [
    {"id": "a1", "text": "Nghe nói tối nay trực thăng phun thuốc khử trùng diệt virus, đóng cửa không ra đường."},
    {"id": 2, "text": "Uống nước chanh nóng diệt được virus corona, chia sẻ ngay cho người thân."},
    {"id": "bài/3 của nhóm", "text": "Huyện Sơn Dương tổ chức tiêm vắc xin mũi 1 cho người dân từ sáng nay."},
]


@pytest.fixture
def env(es_settings, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TINRADAR_ES_URL", es_settings.es_url)
    monkeypatch.setenv("TINRADAR_ES_INDEX_PREFIX", es_settings.es_index_prefix)
    monkeypatch.setenv("TINRADAR_DATA_DIR", str(es_settings.data_dir))
    return es_settings


def _search(*args: str) -> dict:
    result = CliRunner().invoke(app, ["search", *args, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_a_two_field_export_is_scored_loaded_and_searchable(env, tmp_path: Path) -> None:
    export, scored = tmp_path / "my.jsonl", tmp_path / "scored.jsonl"
    export.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in TWO_FIELDS), encoding="utf-8")

    score = CliRunner().invoke(app, ["score", "--input", str(export), "--output", str(scored)])
    assert score.exit_code == 0, score.output
    load = CliRunner().invoke(app, ["index", "load", str(scored)])

    assert load.exit_code == 0, load.output  # every line went in: nothing to report
    assert "skipped" not in load.stderr
    assert "3 dòng không có source_id/kind/fetched_at" in load.stderr and "source 'import'" in load.stderr
    everything = _search()
    assert everything["total"] == 3
    assert {h["id"] for h in everything["hits"]} == {"a1", "2", "bài/3 của nhóm"}
    for hit in everything["hits"]:
        assert hit["fields"]["source_id"] == "import" and hit["fields"]["kind"] == "social"
    assert [h["id"] for h in _search("truc thang phun thuoc")["hits"]] == ["a1"]
    assert [h["id"] for h in _search("nuoc chanh nong")["hits"]] == ["2"]
    assert [h["id"] for h in _search("son duong tiem vac xin")["hits"]] == ["bài/3 của nhóm"]

    again = CliRunner().invoke(app, ["index", "load", str(scored)])  # a re-load adds no copies
    assert again.exit_code == 0, again.output
    assert _search()["total"] == 3


def test_the_defaults_note_is_stored_with_the_item(env, es_client, tmp_path: Path) -> None:
    scored = tmp_path / "scored.jsonl"
    export = tmp_path / "my.jsonl"
    export.write_text(json.dumps(TWO_FIELDS[0], ensure_ascii=False) + "\n", encoding="utf-8")
    assert CliRunner().invoke(app, ["score", "-i", str(export), "-o", str(scored)]).exit_code == 0
    assert CliRunner().invoke(app, ["index", "load", str(scored)]).exit_code == 0

    es_client.indices.refresh(index=f"{env.es_index_prefix}-*")
    source = es_client.search(index=f"{env.es_index_prefix}-docs", query={"ids": {"values": ["a1"]}})["hits"]["hits"]
    notes = source[0]["_source"]["notes"]
    assert any(n.startswith("defaults: source_id 'import', kind 'social'") for n in notes)


def test_a_line_that_cannot_be_indexed_is_one_sentence_with_its_number(env, tmp_path: Path) -> None:
    scored = tmp_path / "scored.jsonl"
    export = tmp_path / "my.jsonl"
    export.write_text(
        "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in [*TWO_FIELDS[:2], {"id": "a3", "text": "x"}]),
        encoding="utf-8",
    )
    assert CliRunner().invoke(app, ["score", "-i", str(export), "-o", str(scored)]).exit_code == 0
    rows = [json.loads(x) for x in scored.read_text(encoding="utf-8").splitlines()]
    rows[2]["likes"] = "nhiều"  # broken after scoring, as a hand edit would
    scored.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")

    load = CliRunner().invoke(app, ["index", "load", str(scored)])

    assert load.exit_code == 1
    lines = [x for x in load.stderr.splitlines() if "line 3" in x]
    assert lines == [
        "bỏ qua / skipped dòng / line 3: field 'likes' = 'nhiều': Input should be a valid integer, unable to parse string as an integer."
    ]
    assert _search()["total"] == 2  # the good lines around it went in
