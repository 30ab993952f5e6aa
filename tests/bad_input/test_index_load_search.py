"""``index load`` and ``search`` on the real node: messy files in, good lines indexed, re-loads untouched."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

from index.deadletter import DeadLetterBox
from tests.bad_input.conftest import GOOD, cli, cp1258, jsonl


def _search_ids(*args: str) -> list[str]:
    run = cli("search", *args, "--format", "json", "--limit", "100")
    assert run.code == 0, run.stderr
    return sorted(h["id"] for h in json.loads(run.stdout)["hits"])


def test_score_then_load_a_messy_file_then_reload_it(es_home: Path) -> None:
    messy = es_home / "messy.jsonl"
    messy.write_bytes(
        codecs.BOM_UTF8
        + jsonl({**GOOD[0], "likes": "abc", "published_at": "yesterday"})
        + b'{"id": "deep", "text": "a", "x": '
        + b"[" * 5000
        + b"]" * 5000
        + b"}\n"
        + cp1258(json.dumps({"id": "cp", "text": "Tin đồn vắc xin gây vô sinh"}, ensure_ascii=False) + "\n")
        + jsonl({"id": 7, "text": "Tin số bảy về tiêm chủng"}, {**GOOD[1], "likes": 10**30})
    )
    scored = es_home / "scored.jsonl"
    score = cli("score", "-i", str(messy), "-o", str(scored))
    assert score.code == 1 and "line 2: lồng quá sâu / nested deeper than 64 levels" in score.said
    load = cli("index", "load", str(scored))
    assert load.code == 0, load.stderr  # whatever score writes, index load accepts
    assert _search_ids() == ["7", "cp", "good-1", "good-2"]

    again = cli("index", "load", str(scored))
    assert again.code == 0, again.stderr
    row = next(line for line in again.stderr.splitlines() if line.count("│") >= 5 and any(c.isdigit() for c in line))
    assert [c.strip() for c in row.strip("│ ").split("│")] == ["0", "0", "4", "0", "0", "0"], again.stderr


def test_load_names_the_line_and_the_field_and_keeps_the_good_lines(es_home: Path) -> None:
    scored = es_home / "scored.jsonl"
    assert cli("score", "-i", str(_write(es_home, jsonl(*GOOD))), "-o", str(scored)).code == 0
    rows = [json.loads(x) for x in scored.read_text(encoding="utf-8").splitlines()]
    broken = {**rows[0], "id": "broken", "sentiment": "angry"}
    scored.write_bytes(jsonl(rows[0]) + b"\xff\xfe not json\n" + jsonl(broken) + b"[1, 2]\n" + jsonl(rows[1]))
    load = cli("index", "load", str(scored))
    assert load.code == 1
    assert "line 2: JSON không hợp lệ / invalid JSON" in load.said
    assert "line 3: field 'sentiment' = 'angry': Input should be 'neg', 'neu' or 'pos'." in load.said
    assert "line 4: không phải đối tượng JSON mà là một danh sách / not a JSON object but a list" in load.said
    assert _search_ids() == ["good-1", "good-2"]


def test_a_cue_offset_past_a_long_is_a_bad_line_not_a_rejected_item(es_home: Path, es_settings) -> None:
    """A cue offset of 2**63 validated, and Elasticsearch refused the item for good at every load
    (it sat in the rejected file); it is now a bad line named at load, the lines around it go in."""
    scored = es_home / "scored.jsonl"
    assert cli("score", "-i", str(_write(es_home, jsonl(*GOOD))), "-o", str(scored)).code == 0
    rows = [json.loads(x) for x in scored.read_text(encoding="utf-8").splitlines()]
    span = {"kind": "claim", "label": "x", "text": "x", "start": 2**63, "end": 2**63 + 1}
    scored.write_bytes(jsonl(rows[0], {**rows[0], "id": "far", "cue_spans": [span]}, rows[1]))
    load = cli("index", "load", str(scored))
    assert load.code == 1, load.stderr
    assert f"line 2: field 'cue_spans.0.start' = {2**63}: Input should be less than or equal to" in load.said
    assert "refused for good" not in load.said
    assert _search_ids() == ["good-1", "good-2"]
    assert not DeadLetterBox(es_settings).rejected_path.exists()


def test_a_cue_weight_past_a_float_is_a_bad_line_not_a_rejected_item(es_home: Path, es_settings) -> None:
    """A cue weight of 1e300 (or NaN, Infinity: Python's JSON reads them) validated, and
    Elasticsearch refused the item for good (its ``float`` is a finite float32); it is now a bad
    line named at load, and 3.4028235e38, which Elasticsearch rounds to float32's largest, goes in."""
    scored = es_home / "scored.jsonl"
    assert cli("score", "-i", str(_write(es_home, jsonl(*GOOD))), "-o", str(scored)).code == 0
    rows = [json.loads(x) for x in scored.read_text(encoding="utf-8").splitlines()]

    def weighted(doc_id: str, weight: float) -> dict:
        span = {"kind": "claim", "label": "x", "text": "x", "start": 0, "end": 1, "weight": weight}
        return {**rows[0], "id": doc_id, "cue_spans": [span]}

    scored.write_bytes(
        jsonl(rows[0], weighted("far", 1e300))
        + json.dumps(weighted("nan", float("nan"))).encode()  # the NaN token, as json.dumps writes it
        + b"\n"
        + jsonl(weighted("edge", 3.4028235e38), rows[1])
    )
    load = cli("index", "load", str(scored))
    assert load.code == 1, load.stderr
    assert "line 2: field 'cue_spans.0.weight' = 1e+300: a number past what Elasticsearch's float holds" in load.said
    # NaN is not JSON: the one reader makes it null and says so (was "= nan: … a finite number"); still a bad line
    assert (
        "line 3: field 'cue_spans.0.weight' = None: Input should be a valid number. "
        "(1 giá trị NaN/Infinity (không phải JSON) đổi thành null" in load.said
    )
    assert "refused for good" not in load.said
    assert _search_ids() == ["edge", "good-1", "good-2"]
    assert not DeadLetterBox(es_settings).rejected_path.exists()


def test_score_steps_travel_from_score_to_load_and_a_bad_step_is_a_bad_line(es_home: Path) -> None:
    """``score`` writes how each risk was made (``score_steps``, the last one showing the risk);
    ``index load`` names a line with a bad step and indexes the lines around it, and a line
    scored before the steps existed (none) loads as before."""
    scored = es_home / "scored.jsonl"
    assert cli("score", "-i", str(_write(es_home, jsonl(*GOOD))), "-o", str(scored)).code == 0
    rows = [json.loads(x) for x in scored.read_text(encoding="utf-8").splitlines()]
    for row in rows:
        assert row["score_steps"][0]["kind"] == "text" and row["score_steps"][-1]["score"] == row["rumor_risk"]
    before = {k: v for k, v in rows[0].items() if k != "score_steps"}
    mood = {**rows[0], "id": "mood", "score_steps": [{**rows[0]["score_steps"][0], "kind": "mood"}]}
    over = {**rows[0], "id": "over", "score_steps": [{**rows[0]["score_steps"][0], "score": 1.5}]}
    # a hand-edited badge: the steps a reviewer would read end elsewhere than the score beside them
    edited = 0.9 if rows[0]["rumor_risk"] < 0.5 else 0.1
    apart = {**rows[0], "id": "apart", "rumor_risk": edited}
    scored.write_bytes(jsonl(rows[0], mood, over, {**before, "id": "before"}, apart, rows[1]))
    load = cli("index", "load", str(scored))
    assert load.code == 1, load.stderr
    assert "line 2: field 'score_steps.0.kind' = 'mood': Input should be 'text', 'encoder'" in load.said
    assert "line 3: field 'score_steps.0.score' = 1.5: Input should be less than or equal to 1" in load.said
    last = rows[0]["score_steps"][-1]["score"]
    assert f"line 5: the score steps end at {last * 100:.0f}% but rumor_risk is {edited}" in load.said
    assert _search_ids() == ["before", "good-1", "good-2"]


def test_nothing_readable_is_a_usage_error(es_home: Path) -> None:
    load = cli("index", "load", str(_write(es_home, b"\x89PNG\r\n\x1a\n\x00\x00")))
    assert load.code == 2 and "no readable line" in load.said


def test_more_errors_counts_the_true_remainder(capsys) -> None:
    from flows.cli.index import _print_stats
    from index.indexer import IndexStats, ItemError

    stats = IndexStats(failed=15_000, errors=[ItemError(id=f"d{i}", reason="down") for i in range(1000)])
    _print_stats(stats, "t")
    said = " ".join(capsys.readouterr().err.split())
    assert "… 14980 lỗi khác / more errors" in said


def test_a_too_long_query_says_so_not_that_the_node_is_down(es_home: Path) -> None:
    assert cli("index", "init").code == 0
    query = " ".join(f"từ{i}" for i in range(2500))  # > 10,000 characters, thousands of clauses
    run = cli("search", query)
    assert run.code == 2, run.stderr
    assert "the query is too long" in run.said and "check the node" not in run.said.lower()


def _write(home: Path, data: bytes) -> Path:
    path = home / "in.jsonl"
    path.write_bytes(data)
    return path
