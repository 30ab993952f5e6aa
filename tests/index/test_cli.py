"""``tinradar index load|replay`` and ``tinradar search`` through the real CLI."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from flows.cli import app
from index.node import free_port
from tests.index.items import make_item


def run(*args: str):
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def scored_file(tmp_path):
    path = tmp_path / "scored.jsonl"
    items = [
        make_item(1, "Tiêm vắc xin gây vô sinh, chia sẻ ngay", risk=0.9, claims=["vaccine-infertility"]),
        make_item(2, "Sơn Dương tiêm vắc xin cho người dân", risk=0.1, places=[("Sơn Dương", "08", "076")]),
        make_item(3, "Giá rau ổn định", risk=0.1),
    ]
    lines = [json.dumps(i.to_line(), ensure_ascii=False) for i in items]
    lines.append('{"id": "x"}')  # not scored: reported, not fatal
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_load_then_search_json(env, scored_file):
    loaded = run("index", "load", str(scored_file))
    assert loaded.exit_code == 1, loaded.output  # one bad line → non-zero, the rest went in
    assert "line 4: missing fields rumor_risk, risk_level" in loaded.stderr

    result = run("search", "tiem vac xin", "--format", "json", "--stats")
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)  # exactly one JSON object on stdout
    assert set(payload) == {"total", "hits", "stats"}
    assert payload["total"] == 2
    assert {h["id"] for h in payload["hits"]} == {"doc-00000001", "doc-00000002"}
    hit = payload["hits"][0]
    assert set(hit) == {"id", "score", "index", "fields", "highlights"}
    assert "<em>vắc</em>" in " ".join(hit["highlights"]["text"])
    assert payload["stats"]["by_risk_level"] == {"high": 1, "low": 1}

    empty = json.loads(run("search", "--format", "json").stdout)
    assert empty["total"] == 3 and "stats" not in empty

    filtered = json.loads(run("search", "", "--risk-min", "high", "--status", "new", "--format", "json").stdout)
    assert [h["id"] for h in filtered["hits"]] == ["doc-00000001"]
    by_score = json.loads(run("search", "", "--risk-min", "0.9", "--format", "json").stdout)
    assert all(h["fields"]["rumor_risk"] >= 0.9 for h in by_score["hits"]) and by_score["total"] >= 1

    again = run("index", "load", str(scored_file))  # rerun: nothing new
    assert again.exit_code == 1  # the same bad line, reported again
    assert json.loads(run("search", "--format", "json").stdout)["total"] == 3


def test_search_csv_and_table(env, scored_file):
    run("index", "load", str(scored_file))
    rows = list(csv.DictReader(io.StringIO(run("search", "son duong", "--format", "csv").stdout)))
    assert [r["id"] for r in rows] == ["doc-00000002"]
    assert rows[0]["provinces"] == "08" and rows[0]["review_status"] == "new"
    table = run("search", "son duong")
    assert table.exit_code == 0 and "1 kết quả" in table.stdout and "Sơn" in table.stdout


def test_search_province_by_name_and_unknown_filters_refused(env, scored_file):
    """An analyst types a place as they say it, and a typo is named, never a silent "0 results".

    The index stores province codes: ``--province "Tuyên Quang"`` or ``--province 8`` used to find
    nothing and exit 0, as did a misspelt ``--claim``; the analyst read "no item mentions it".
    """
    run("index", "load", str(scored_file))

    def ids(*options: str) -> list[str]:
        result = run("search", "", *options, "--format", "csv")
        assert result.exit_code == 0, result.stderr
        return [r["id"] for r in csv.DictReader(io.StringIO(result.stdout))]

    for typed in ("08", "8", "Tuyên Quang", "tuyen quang", "Tỉnh Tuyên Quang", "TUYÊN-QUANG"):
        assert ids("--province", typed) == ["doc-00000002"], typed
    assert ids("--province", "Hà Nội") == ids("--province", "hn") == []  # a real province, no items

    unknown = run("search", "", "--province", "Tuyen Qang", "--format", "csv")
    assert unknown.exit_code == 2 and unknown.stdout == ""
    assert "--province 'Tuyen Qang'" in unknown.stderr and "Tỉnh Tuyên Quang" in unknown.stderr  # the near name

    assert ids("--claim", "vaccine-infertility") == ["doc-00000001"]
    typo = run("search", "", "--claim", "vaccine-infertilty", "--format", "json")
    assert typo.exit_code == 2 and typo.stdout == ""
    assert (
        "--claim 'vaccine-infertilty'" in typo.stderr
        and "vaccine-infertility" in typo.stderr.split("'vaccine-infertilty'")[1]
    )
    assert "tinradar claims list" in typo.stderr


def test_search_up_to_the_last_day_of_the_calendar(env, scored_file):
    """``--until 9999-12-31`` ("everything up to any day") asked for the day after it: an internal error (exit 70)."""
    run("index", "load", str(scored_file))
    everything = run("search", "", "--until", "9999-12-31", "--format", "json")
    assert everything.exit_code == 0, everything.stderr
    assert json.loads(everything.stdout)["total"] == 3
    nothing = run("search", "", "--since", "9999-12-31", "--until", "9999-12-31", "--format", "json")
    assert nothing.exit_code == 0, nothing.stderr
    assert json.loads(nothing.stdout)["total"] == 0


def test_bad_options_and_es_down(env, monkeypatch):
    assert run("search", "x", "--risk-min", "extreme").exit_code == 2
    assert run("search", "x", "--risk-min", "1.5").exit_code == 2  # scores lie in 0..1
    assert run("search", "x", "--since", "yesterday").exit_code == 2
    assert run("search", "x", "--format", "xml").exit_code == 2
    monkeypatch.setenv("TINRADAR_ES_URL", f"http://127.0.0.1:{free_port()}")
    down = run("search", "x", "--format", "json")
    assert down.exit_code == 3
    assert down.stdout == ""  # nothing a script could mistake for a result
    assert "cannot reach Elasticsearch" in down.stderr and "tinradar es start" in down.stderr


def test_init_and_replay_commands(env, es_client):
    result = run("index", "replay")
    assert result.exit_code == 0 and "nothing to replay" in result.stderr
    init = run("index", "init")
    assert init.exit_code == 0, init.stderr
    assert es_client.indices.exists_alias(name=f"{env.es_index_prefix}-docs")


def test_replay_counts_pending_items_not_lines(env, es_client):
    """``index replay`` said "replayed N" and "still pending: N" in lines: an item dead-lettered
    twice was two, an unreadable line one more; it counts ids now (what the replay sends, once
    each), the unreadable lines said apart."""
    from index.deadletter import DeadLetterBox, letter_for
    from index.templates import alias_name, ensure_templates

    ensure_templates(es_client, env)
    blocked = f"{env.es_index_prefix}-docs-2021.07"
    es_client.indices.create(index=blocked)
    es_client.indices.put_settings(index=blocked, settings={"index.blocks.write": True})
    july, august = make_item(1, published_at="2021-07-20T08:00:00+07:00"), make_item(2)
    box = DeadLetterBox(env)
    box.write([letter_for(july, "unavailable", 503), letter_for(august, "unavailable", 503)])
    box.write([letter_for(july, "unavailable", 503)])  # loaded twice while the node was down
    with box.path.open("a", encoding="utf-8") as fh:
        fh.write('{"id": "cut-off", "reason": \n')

    result = run("index", "replay")
    said = " ".join(result.stderr.split())
    assert result.exit_code == 1, said  # the unreadable line is kept aside and said
    assert "replayed 2 mục / items" in said and "1 dòng không đọc được, để riêng" in said
    assert "still pending: 1" in said and "unreadable lines in" not in said  # kept aside: none left
    assert box.count() == 1 and box.pending()[1] == []
    es_client.indices.refresh(index=alias_name(env))
    assert es_client.count(index=alias_name(env), query={"ids": {"values": ["doc-00000002"]}})["count"] == 1

    box.write([letter_for(july, "unavailable", 503)])  # once more: still one item
    with box.path.open("a", encoding="utf-8") as fh:
        fh.write("not json\n")
    box.reject([letter_for(make_item(3), "mapper_parsing_exception: an older mapping", 400)])
    result = run("index", "rejected", "--retry")  # says what is pending too, and does not read it
    said = " ".join(result.stderr.split())
    assert result.exit_code == 0, said
    assert "still rejected: 0 · chờ gửi lại / pending: 1" in said
    assert f"1 dòng không đọc được / unreadable lines in {box.path}" in said

    es_client.indices.put_settings(index=blocked, settings={"index.blocks.write": False})
    result = run("index", "replay")
    said = " ".join(result.stderr.split())
    assert result.exit_code == 1 and "replayed 1 mục / items" in said and "still pending: 0" in said, said
    assert box.count() == 0 and box.pending()[1] == []


def test_search_stats_name_the_provinces(env, scored_file):
    """``--stats`` listed provinces by code ("08: 1"): an analyst had to look the code up. The name
    comes with the code, from the same place-name table as the daily report's."""
    run("index", "load", str(scored_file))
    result = run("search", "", "--stats")
    assert result.exit_code == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("by_province"))
    assert "Tỉnh Tuyên Quang (08): 1" in line, line
    as_json = json.loads(run("search", "", "--stats", "--format", "json").stdout)
    assert as_json["stats"]["by_province"] == {"08": 1}  # scripts keep the codes


def test_search_table_social_item_opens_with_its_text(env, tmp_path, monkeypatch):
    """A social post has no title: its cell in the 80-column table began with an empty line. It now
    opens with the beginning of its text, on the row's first line."""
    monkeypatch.setenv("COLUMNS", "80")
    path = tmp_path / "social.jsonl"
    post = make_item(7, "Nghe nói uống nước chanh chữa khỏi covid, ai biết không", title="", kind="social")
    path.write_text(json.dumps(post.to_line(), ensure_ascii=False) + "\n", encoding="utf-8")
    assert run("index", "load", str(path)).exit_code == 0
    table = run("search", "")
    assert table.exit_code == 0, table.stderr
    lines = table.stdout.splitlines()
    first = next(i for i, line in enumerate(lines) if "2021-08-05" in line)
    assert "Nghe" in lines[first], "\n".join(lines)
    assert table.stdout.count("chanh") == 1, table.stdout  # said once, not as head and snippet
