"""Cue spans become highlighted pieces of the item text (desk) and quotes (report)."""

from __future__ import annotations

from flows.report.data import _quotes
from flows.review.presentation import highlighted
from index.docmap import to_source
from tests.index.items import make_item
from tinradar.schema import CueSpan

TITLE = "Tin khẩn"
TEXT = "Nghe nói tối nay trực thăng phun thuốc. Mọi người chia sẻ gấp nhé!"


def _doc():  # type: ignore[no-untyped-def]
    doc = to_source(make_item(1, TEXT, title=TITLE))
    full = f"{TITLE}\n\n{TEXT}"
    spans = []
    for kind, phrase in (("hearsay", "Nghe nói"), ("chain_share", "chia sẻ gấp")):
        start = full.index(phrase)
        spans.append(CueSpan(kind=kind, label=kind, text=phrase, start=start, end=start + len(phrase), weight=2.0))
    spans.append(CueSpan(kind="all_caps", label="caps", text="TIN KHẨN", start=0, end=8, weight=1.5))  # not in the body
    return doc.model_copy(update={"cue_spans": spans})


def test_desk_marks_each_cue_where_it_stands_in_the_body() -> None:
    pieces = highlighted(_doc())
    assert "".join(p for p, _ in pieces) == TEXT  # nothing lost or added
    assert [(p, label) for p, label in pieces if label] == [("Nghe nói", "hearsay"), ("chia sẻ gấp", "chain_share")]


def test_report_quotes_each_cue_in_its_sentence() -> None:
    quotes = _quotes(_doc(), context=20)
    assert [q.phrase for q in quotes] == ["Nghe nói", "chia sẻ gấp"]
    assert quotes[0].before == "" and quotes[0].after.startswith(" tối nay")  # the text's own space kept
    assert quotes[1].before.endswith("Mọi người ") and quotes[1].after == " nhé!"
    line = "".join((quotes[1].before, quotes[1].phrase, quotes[1].after))
    assert line.endswith("Mọi người chia sẻ gấp nhé!")  # printed as the text has it, no space added or lost


REFUTING = "Tin trực thăng phun thuốc tối nay là không đúng sự thật. Mọi người chia sẻ gấp nhé!"


def _refuting_doc(phrase: str):  # type: ignore[no-untyped-def]
    from tinradar.schema import ClaimMatch, Stance

    doc = to_source(make_item(2, REFUTING, title=TITLE))
    sentence = REFUTING[: REFUTING.index(".") + 1]
    start = len(f"{TITLE}\n\n")
    claim = CueSpan(kind="claim", label="claim", text=sentence, start=start, end=start + len(sentence), weight=3.0)
    match = ClaimMatch(claim_id="helicopter-disinfectant-spraying", similarity=0.7, stance=Stance.REFUTES)
    return doc.model_copy(
        update={"cue_spans": [claim], "matched_claims": [match.model_copy(update={"stance_phrase": phrase})]}
    )


def test_desk_marks_the_refuting_words_inside_the_claim_sentence() -> None:
    from flows.review.presentation import STANCE_MARKS

    pieces = highlighted(_refuting_doc("không đúng sự thật"))
    assert "".join(p for p, _ in pieces) == REFUTING
    assert [(p, label) for p, label in pieces if label] == [
        ("Tin trực thăng phun thuốc tối nay là ", "claim"),
        ("không đúng sự thật", STANCE_MARKS["refutes"]),
        (".", "claim"),
    ]


def test_refuting_words_across_a_marks_edge_or_absent_are_left_unmarked() -> None:
    for phrase in ("sự thật. Mọi người", "không có trong bài"):
        pieces = highlighted(_refuting_doc(phrase))
        assert "".join(p for p, _ in pieces) == REFUTING
        assert [label for _, label in pieces if label] == ["claim"]
