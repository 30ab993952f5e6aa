"""The document schema: validation, NFC, and the JSON round trip every stage relies on."""

from __future__ import annotations

import json
import unicodedata
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from tests.index.items import SAMPLE_STEPS
from tinradar.ids import news_id, social_id
from tinradar.schema import (
    MAX_COUNT,
    MAX_FLOAT,
    MAX_ID_BYTES,
    Analysis,
    ClaimMatch,
    CueSpan,
    Document,
    Kind,
    LineError,
    Location,
    NoteCode,
    RiskLevel,
    ScoredItem,
    Sentiment,
    risk_level_for,
    score_text,
)

VN = timezone(timedelta(hours=7))


def make_doc(**over: object) -> Document:
    fields: dict[str, object] = {
        "id": news_id("https://baotuyenquang.example/tin/a.html"),
        "url": "https://baotuyenquang.example/tin/a.html",
        "source_id": "bao-tuyen-quang",
        "kind": Kind.NEWS,
        "title": "Sơn Dương tiêm vắc xin cho người dân",
        "text": "Huyện Sơn Dương đã tiêm 12.000 liều vắc xin.",
        "published_at": datetime(2021, 8, 30, 14, 5, tzinfo=VN),
        "fetched_at": datetime(2021, 8, 30, 8, 0, tzinfo=UTC),
        "author": "Báo Tuyên Quang",
        "likes": 3,
    }
    fields.update(over)
    return Document.model_validate(fields)


def make_analysis(doc_id: str) -> Analysis:
    return Analysis(
        doc_id=doc_id,
        rumor_risk=0.82,
        risk_level=RiskLevel.HIGH,
        cues=["kêu gọi chia sẻ gấp"],
        sentiment=Sentiment.NEG,
        sentiment_proba={Sentiment.NEG: 0.7, Sentiment.NEU: 0.2, Sentiment.POS: 0.1},
        covid=True,
        covid_proba=0.97,
        locations=[Location(name="Sơn Dương", province_code="08", district_code="076")],
        matched_claims=[ClaimMatch(claim_id="vaccine-infertility", similarity=0.81)],
        cluster_id="c-1",
        model_versions={"rumor": "1"},
    )


def test_document_json_round_trip() -> None:
    doc = make_doc()
    again = Document.model_validate_json(doc.model_dump_json())
    assert again == doc
    assert again.published_at is not None and again.published_at.utcoffset() == timedelta(hours=7)


def test_scored_item_flat_line_round_trip() -> None:
    # The flat line has one ``language``: the detected one, which the document then carries.
    doc = make_doc(language="vi")
    item = ScoredItem(document=doc, analysis=make_analysis(doc.id))
    line = json.loads(json.dumps(item.to_line(), ensure_ascii=False))
    assert line["id"] == doc.id and line["rumor_risk"] == 0.82 and line["risk_level"] == "high"
    assert "doc_id" not in line
    assert ScoredItem.from_line(line) == item


def test_a_claim_match_carries_its_refuting_phrase_and_old_lines_read_and_write_as_they_were() -> None:
    nfd = unicodedata.normalize("NFD", "không gây thiếu oxy")
    match = ClaimMatch(claim_id="masks-cause-hypoxia", similarity=0.6, stance="refutes", stance_phrase=nfd)
    assert match.stance_phrase is not None and unicodedata.is_normalized("NFC", match.stance_phrase)
    assert ClaimMatch.model_validate_json(match.model_dump_json()) == match
    # a match written before the field (a scored line, an indexed document) reads back without a
    # phrase and is written back exactly as it was: no "stance_phrase": null moves its content hash
    old = {"claim_id": "vaccine-infertility", "similarity": 0.81, "stance": "repeats"}
    assert ClaimMatch.model_validate(old).stance_phrase is None
    assert ClaimMatch.model_validate(old).model_dump(mode="json") == old


def test_text_is_nfc() -> None:
    nfd = unicodedata.normalize("NFD", "Tiêm vắc xin ở Sơn Dương")
    doc = make_doc(text=nfd, title=nfd)
    assert doc.text == unicodedata.normalize("NFC", nfd)
    assert unicodedata.is_normalized("NFC", doc.title)


def test_naive_datetimes_are_rejected() -> None:
    with pytest.raises(ValidationError):
        make_doc(published_at=datetime(2021, 8, 30, 14, 5))


def test_public_author_and_pseudonym_are_exclusive() -> None:
    with pytest.raises(ValidationError):
        make_doc(author="Báo Tuyên Quang", author_hash="u_abc")


def test_negative_counts_and_bad_probabilities_are_rejected() -> None:
    with pytest.raises(ValidationError):
        make_doc(likes=-1)
    with pytest.raises(ValidationError):
        Analysis.model_validate({**make_analysis("x" * 32).model_dump(), "rumor_risk": 1.5})


def test_cue_offsets_stop_where_the_index_long_stops() -> None:
    """A cue offset past a ``long`` validated, and Elasticsearch refused the item forever (the
    rejected file); it is a bad value now, caught before the index."""
    assert CueSpan(kind="claim", label="x", text="x", start=MAX_COUNT, end=MAX_COUNT).end == 2**63 - 1
    for start, end in ((2**63, 2**63 + 1), (0, 2**63)):
        with pytest.raises(ValidationError, match="less than or equal to 9223372036854775807"):
            CueSpan(kind="claim", label="x", text="x", start=start, end=end)
    span = {"kind": "claim", "label": "x", "text": "x", "start": 2**63, "end": 2**63 + 1}
    with pytest.raises(LineError) as err:  # a loaded line: one sentence naming the field
        ScoredItem.from_line({"id": "a1", "text": "x", **_scores(), "cue_spans": [span]})
    assert f"field 'cue_spans.0.start' = {2**63}: Input should be less than or equal to {MAX_COUNT}" in str(err.value)


#: Where the schema holds a number the index maps as ``float``, and a value in range for each.
FLOAT_FIELDS: dict[str, object] = {
    "rumor_risk": 0.5,
    "covid_proba": 0.5,
    "sentiment_proba.neg": 0.5,
    "matched_claims.0.similarity": 0.5,
    "cue_spans.0.weight": MAX_FLOAT,
    "score_steps.0.score": 0.5,
}


def _with(path: str, value: object) -> dict[str, object]:
    """A flat line with ``value`` at ``path`` (dots: keys and list positions)."""
    line: dict[str, object] = {
        "id": "a1",
        "text": "x",
        **_scores(),
        "rumor_risk": 0.5,  # where its one step ends
        "sentiment_proba": {"neg": 0.5},
        "matched_claims": [{"claim_id": "vaccine-infertility", "similarity": 0.5}],
        "cue_spans": [{"kind": "claim", "label": "x", "text": "x", "start": 0, "end": 1, "weight": 0.5}],
        "score_steps": [{"kind": "text", "score": 0.5, "message": "Mô hình văn bản (từ ngữ và đặc điểm bài): 50%"}],
    }
    *parents, last = path.split(".")
    here: object = line
    for key in parents:
        here = here[int(key)] if isinstance(here, list) else here[key]  # type: ignore[index]
    if isinstance(here, list):
        here[int(last)] = value
    else:
        here[last] = value  # type: ignore[index]
    return line


@pytest.mark.parametrize("path", FLOAT_FIELDS)
@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), 1e300, -3.5e38, 10**400])
def test_a_number_past_the_index_float_is_a_bad_value_named_at_load(path: str, value: object) -> None:
    """Any double (1e300, and NaN or Infinity as Python's JSON reads them) validated as a cue
    weight, and Elasticsearch refused the item for good (400, "[float] supports only finite
    values"); it is a bad value now, its field named, caught before the index. The 0..1 fields
    refused them already (their bounds); they carry the same type, so none is left out."""
    with pytest.raises(LineError, match=f"field '{path}' = "):
        ScoredItem.from_line(_with(path, value))
    assert ScoredItem.from_line(_with(path, FLOAT_FIELDS[path]))  # in range: read as before


def test_the_float_bound_is_where_a_float32_rounds_to_infinity() -> None:
    """Elasticsearch rounds to the nearest float32: 3.4028235e38 (the bound as usually written, a
    little past float32's largest) still goes in, so it still reads; the next doubles up do not."""
    for weight in (MAX_FLOAT, 3.4028235e38, -3.4028235e38, 3.40282356e38, 1e-45, 0.0):
        assert CueSpan(kind="claim", label="x", text="x", start=0, end=1, weight=weight).weight == weight
    for weight in (3.4028236e38, -3.4028236e38, 3.5e38):
        with pytest.raises(ValidationError, match="a number past what Elasticsearch's float holds"):
            CueSpan(kind="claim", label="x", text="x", start=0, end=1, weight=weight)
    with pytest.raises(ValidationError, match="Input should be a finite number"):
        CueSpan.model_validate_json('{"kind": "claim", "label": "x", "text": "x", "start": 0, "end": 1, "weight": NaN}')


def test_minimal_scored_line_gets_defaults() -> None:
    item = ScoredItem.from_line(
        {
            "id": "p-000000001",
            "text": "Tin đồn",
            **make_analysis("p-000000001").model_dump(mode="json", exclude={"doc_id"}),
        }
    )
    assert item.document.kind is Kind.SOCIAL and item.document.source_id == "import"
    assert ScoredItem.unknown_keys({"id": "x", "extra": 1}) == ["extra"]


def _scores() -> dict[str, object]:
    return make_analysis("unused").model_dump(mode="json", exclude={"doc_id"})


@pytest.mark.parametrize("raw_id", ["a1", 7, "x" * MAX_ID_BYTES, "bài/số 1"], ids=["short", "int", "512", "text"])
def test_any_non_blank_id_is_kept(raw_id: object) -> None:
    item = ScoredItem.from_line({"id": raw_id, "text": "Tin đồn", **_scores()})
    assert item.document.id == str(raw_id) and item.analysis.doc_id == str(raw_id)


def test_defaults_are_noted_on_the_item_and_kind_is_inferred() -> None:
    post = ScoredItem.from_line({"id": "a1", "text": "Tin đồn", **_scores()}, source_id="export-2021")
    assert post.document.source_id == "export-2021" and post.document.kind is Kind.SOCIAL
    assert post.document.fetched_at.tzinfo is not None
    note = post.analysis.notes[-1]
    assert note.code is NoteCode.DEFAULTS
    assert "source_id 'export-2021'" in note.message and "kind 'social'" in note.message
    assert "fetched_at" in note.message

    article = ScoredItem.from_line(
        {"id": "a2", "title": "Tiêu đề", "url": "https://bao.example/a.html", "text": "Bài", **_scores()}
    )
    assert article.document.kind is Kind.NEWS and "kind 'news'" in article.analysis.notes[-1].message

    complete = make_doc()
    full = ScoredItem.from_line(ScoredItem(document=complete, analysis=make_analysis(complete.id)).to_line())
    assert not any(n.code is NoteCode.DEFAULTS for n in full.analysis.notes)  # nothing filled in, nothing noted


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ({"id": "   ", "text": "x"}, "field 'id' = '   ': an id must not be blank."),
        ({"id": "é" * 300, "text": "x"}, f"an id is at most {MAX_ID_BYTES} bytes"),
        ({"id": "a1", "text": "x", "likes": "abc"}, "field 'likes' = 'abc': Input should be a valid integer"),
        ({"text": "x"}, "missing field id."),
    ],
    ids=["blank-id", "long-id", "bad-likes", "no-id"],
)
def test_a_line_that_cannot_be_indexed_says_which_field_in_one_sentence(line: dict[str, object], expected: str) -> None:
    with pytest.raises(LineError) as err:
        ScoredItem.from_line({**line, **_scores()})
    message = str(err.value)
    assert expected in message and "\n" not in message and "validation error" not in message


def test_an_unscored_line_names_the_missing_scores() -> None:
    with pytest.raises(LineError) as err:
        ScoredItem.from_line({"id": "a1", "text": "x"})
    assert str(err.value) == (
        "missing fields rumor_risk, risk_level, sentiment, covid, covid_proba (is it 'tinradar score' output?)."
    )


def test_ids_are_stable() -> None:
    assert news_id("http://m.vnexpress.net/a-1.html?utm_source=fb#top") == news_id("https://vnexpress.net/a-1.html")
    assert social_id("Telegram", "chan/12") == social_id("telegram", "chan/12")
    assert social_id("telegram", "chan/12") != social_id("facebook", "chan/12")


@pytest.mark.parametrize(
    ("score", "level"), [(0.1, RiskLevel.LOW), (0.4, RiskLevel.MEDIUM), (0.69, RiskLevel.MEDIUM), (0.7, RiskLevel.HIGH)]
)
def test_risk_levels(score: float, level: RiskLevel) -> None:
    assert risk_level_for(score) is level


def test_publication_precision() -> None:
    """A day-only date keeps its day but gives no minute; lines without the field read as
    minute when dated, none when not; captions are cleaned and empty ones dropped."""
    day = make_doc(published_at=datetime(2021, 8, 30, tzinfo=VN), published_precision="day")
    assert day.published_precision.value == "day" and day.published_minute is None
    assert make_doc().published_precision.value == "minute" and make_doc().published_minute is not None
    undated = make_doc(published_at=None, published_precision="day")
    assert undated.published_precision.value == "none"
    line = json.loads(make_doc().model_dump_json())
    del line["published_precision"]
    assert Document.model_validate(line).published_precision.value == "minute"
    doc = make_doc(captions=["  Ảnh:\u00a0Hữu Khoa ", ""], via="Infonet")
    assert doc.captions == ["Ảnh: Hữu Khoa"] and doc.via == "Infonet"


def test_score_steps_go_through_the_scored_line_and_a_bad_one_is_named() -> None:
    """``score_steps`` (how ``rumor_risk`` was made) travel in the flat line and back; a line
    scored before them has none; a bad step is a bad line whose field is named, not a traceback."""
    steps = list(SAMPLE_STEPS)
    analysis = make_analysis("a1").model_copy(update={"score_steps": steps, "rumor_risk": steps[-1].score})
    line = ScoredItem(document=make_doc(id="a1"), analysis=analysis).to_line()
    assert line["score_steps"][1] == {"kind": "encoder", "score": 0.62, "message": steps[1].message}
    assert ScoredItem.from_line(json.loads(json.dumps(line))).analysis.score_steps == steps
    # a lowering too small to show is not a step: the last step may lie a little above the risk
    assert ScoredItem.from_line({**line, "rumor_risk": 0.6199}).analysis.score_steps == steps
    assert ScoredItem.from_line({"id": "a1", "text": "x", **_scores()}).analysis.score_steps == []  # scored before
    good = {"kind": "text", "score": 0.5, "message": "x"}
    for bad, named in [
        ({**good, "kind": "mood"}, "field 'score_steps.0.kind' = 'mood': Input should be 'text', 'encoder'"),
        ({**good, "score": 1.5}, "field 'score_steps.0.score' = 1.5: Input should be less than or equal to 1"),
        ({"kind": "text", "score": 0.5}, "missing field score_steps.0.message"),
        # the steps a reviewer reads end at 50% beside a 82% badge: the line is bad, not the flag's story
        (good, "the score steps end at 50% but rumor_risk is 0.82 (82%): the last step must show the score's percent"),
    ]:
        with pytest.raises(LineError) as err:
            ScoredItem.from_line({"id": "a1", "text": "x", **_scores(), "score_steps": [bad]})
        assert named in str(err.value)


def test_a_score_is_written_with_the_vietnamese_decimal_comma() -> None:
    """Steps write the risk as the desk's badge does, a whole percent: never "0.62", which a board
    member reads as sixty-two (the point groups thousands in Vietnamese)."""
    assert [score_text(v) for v in (0.25, 0.6249, 0.6251, 1.0, 0.0)] == ["25%", "62%", "63%", "100%", "0%"]
