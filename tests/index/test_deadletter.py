"""Dead letters on disk: the whole item, nested; letters an older version wrote (flat) still read."""

from __future__ import annotations

import json

from index.deadletter import DeadLetterBox, letter_for
from tests.index.items import make_item
from tinradar.settings import Settings


def test_letters_round_trip_and_flat_letters_of_older_versions_are_read(tmp_path):
    box = DeadLetterBox(Settings(data_dir=tmp_path))
    nested, flat = make_item(1, claims=["vaccine-infertility"]), make_item(2, places=[("Sơn Dương", "08", "076")])
    box.write([letter_for(nested, "es_rejected_execution_exception: queue full", 429)])
    stored = json.loads(box.path.read_text(encoding="utf-8"))
    assert set(stored["item"]) == {"document", "analysis"}, "a letter holds the nested ScoredItem"
    older = {"id": flat.document.id, "status": 503, "reason": "unavailable", "item": flat.to_line()}
    with box.path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(older, ensure_ascii=False) + "\n")
        fh.write('{"id": "x", "reason": "cut off"\n')

    read = list(DeadLetterBox.read([box.path]))

    letters = [letter for letter, _ in read[:2] if letter is not None]
    assert letters[0].item == nested, "nested letters round-trip exactly"
    # the flat line was lossy (its language is the detected one), but the item is whole
    assert letters[1].item.analysis == flat.analysis and letters[1].item.document.text == flat.document.text
    assert read[2][0] is None, "an unreadable line is reported, for the caller to keep aside"


def test_rejected_counts_items_as_the_listing_does_not_lines(tmp_path):
    """``rejected()`` counted lines: an id refused twice (loaded twice, or left in an interrupted
    retry's copy and refused again) was two "items rejected" while ``index rejected`` listed one."""
    box = DeadLetterBox(Settings(data_dir=tmp_path))
    twice, once = make_item(1), make_item(2)
    box.reject([letter_for(twice, "document_parsing_exception: a", 400)])
    assert box.take_rejected()  # an interrupted retry: its copy is still to be read
    box.reject([letter_for(twice, "document_parsing_exception: b", 400), letter_for(once, "too large", 413)])
    with box.rejected_path.open("a", encoding="utf-8") as fh:
        fh.write('{"id": "cut-off", "reason": \n')
    letters, unreadable = DeadLetterBox.latest(box.rejected_files())
    assert box.rejected() == len(letters) == 2 and len(unreadable) == 1
    assert letters[twice.document.id].reason == "document_parsing_exception: b"  # the latest letter
    assert DeadLetterBox(Settings(data_dir=tmp_path / "none")).rejected() == 0


def test_pending_counts_items_as_the_replay_sends_them_not_lines(tmp_path):
    """``count()`` (``index replay``'s "replayed N" and "still pending") counted lines: an item
    dead-lettered twice (loaded twice while the node was down, or left in an interrupted replay's
    copy) was two pending items while the replay sends it once, and an unreadable line was one more."""
    box = DeadLetterBox(Settings(data_dir=tmp_path))
    twice, once = make_item(1), make_item(2)
    box.write([letter_for(twice, "connection refused", "N/A")])
    assert box.take()  # an interrupted replay: its copy is still to be read
    box.write([letter_for(twice, "unavailable", 503), letter_for(once, "unavailable", 503)])
    with box.path.open("a", encoding="utf-8") as fh:
        fh.write('{"id": "cut-off", "reason": \n')
    letters, unreadable = box.pending()
    assert box.count() == len(letters) == 2 and len(unreadable) == 1
    assert letters[twice.document.id].reason == "unavailable"  # the latest letter, as the replay sends it
    assert (letters, unreadable) == DeadLetterBox.latest(box.pending_files())  # the one reader
    empty = DeadLetterBox(Settings(data_dir=tmp_path / "none"))
    assert empty.count() == 0 and empty.pending() == ({}, [])
