"""Reviewers' tones as sentiment rows, and the reviewer-vs-model agreement figures."""

from __future__ import annotations

import pytest

from nlp.sentiment_reviews import REVIEW_SOURCE, ReviewedTone, add_reviewed, agreement, card_section
from nlp.sentiment_train import dup_key
from tinradar.schema import Sentiment

NEG, NEU, POS = Sentiment.NEG, Sentiment.NEU, Sentiment.POS


def test_agreement_counts_accuracy_kappa_and_confusion() -> None:
    got = agreement([NEG, NEG, POS, NEU], [NEG, POS, POS, NEU])
    assert got["n"] == 4 and got["accuracy"] == 0.75
    # p_o = 0.75; p_e = .5×.25 + .25×.25 + .25×.5 = 0.3125; kappa = (0.75 − 0.3125) / 0.6875
    assert got["cohen_kappa"] == pytest.approx(0.6364, abs=1e-4)
    assert got["confusion"] == {
        "rows_reviewer_cols_model": ["neg", "neu", "pos"],
        "matrix": [[1, 0, 1], [0, 1, 0], [0, 0, 1]],
    }
    assert agreement([NEG], [NEG])["cohen_kappa"] is None  # undefined on one item
    assert agreement([NEU, NEU], [NEU, NEU])["cohen_kappa"] is None  # and when both always say the same
    empty = agreement([], [])
    assert empty["n"] == 0 and empty["accuracy"] is None
    with pytest.raises(ValueError):
        agreement([NEG], [])


def test_reviewed_rows_join_the_labelled_rows_but_never_held_out_copies() -> None:
    sources = {"reintel_train": {"1": "Cảm ơn các y bác sĩ, chúng tôi rất tự hào!"}}
    rows = [("reintel_train", "1", "pos")]
    held_out = "Hoang mang quá, dịch lan khắp nơi rồi"
    reviewed = [
        ReviewedTone("a", "Bộ Y tế công bố thêm 2 ca mắc COVID-19 mới.", NEU),
        ReviewedTone("b", "Cam on cac y bac si, chung toi rat tu hao!!!", POS),  # a near-copy of labelled row 1
        ReviewedTone("c", held_out + " 😭", NEG),  # a near-copy of a held-out text
        ReviewedTone("a", "Cùng id, lần hai", NEG),
        ReviewedTone("d", "   ", NEG),
    ]
    out, report = add_reviewed(rows, sources, reviewed, key=dup_key, held_out_keys=frozenset({dup_key(held_out)}))
    assert out == [*rows, (REVIEW_SOURCE, "a", "neu"), (REVIEW_SOURCE, "b", "pos")]
    assert sources[REVIEW_SOURCE] == {"a": reviewed[0].text, "b": reviewed[1].text}
    assert report.as_dict() == {
        "added": 2,
        "by_tone": {"neu": 1, "pos": 1},
        "skipped_empty": 1,
        "skipped_held_out": 1,
        "skipped_duplicate_ids": 1,
        "near_copies_of_labelled": ["b"],
    }
    # the near-copy shares the labelled post's group key, so grouped folds keep them together
    assert dup_key(sources[REVIEW_SOURCE]["b"]) == dup_key(sources["reintel_train"]["1"])


def test_a_cluster_is_one_group_even_when_openings_differ() -> None:
    labelled = "Tối nay trực thăng phun thuốc diệt virus, mọi người đóng cửa"
    sources = {"reintel_train": {"1": labelled}}
    rows = [("reintel_train", "1", "neg")]
    reviewed = [
        ReviewedTone("a", labelled + "!!!", NEG, cluster="c-heli"),  # same opening as the labelled post
        ReviewedTone("b", "CHIA SẺ GẤP từ nhóm Zalo: " + labelled, NEG, cluster="c-heli"),  # another opening
        ReviewedTone("c", "Bộ Y tế: thêm 2 ca mắc mới", NEU, cluster="c-other"),
        ReviewedTone("d", "Cảm ơn các y bác sĩ tuyến đầu", POS),
    ]
    out, report = add_reviewed(rows, sources, reviewed, key=dup_key)
    texts = [sources[s][i] for s, i, _ in out]
    keys = [dup_key(t) for t in texts]
    assert keys[0] == keys[1] != keys[2], "b's own key differs: only its cluster can join it"
    groups = report.regroup(keys)
    assert groups[0] == groups[1] == groups[2]  # the labelled post, a and b: one group
    assert len({groups[0], groups[3], groups[4]}) == 3


def test_card_section_says_what_was_measured() -> None:
    reviews = {
        "rows": {"added": 3, "by_tone": {"neg": 2, "pos": 1}, "skipped_empty": 0, "skipped_held_out": 0,
                 "skipped_duplicate_ids": 0, "near_copies_of_labelled": []},
        "out_of_fold": agreement([NEG, NEG, POS], [NEG, POS, POS]),
        "shipped_model": {"version": "v1", "seen_in_training": 0, "agreement": agreement([], [])},
    }  # fmt: skip
    card = card_section(reviews)
    assert "**3** items" in card and "neg: 2, pos: 1" in card
    assert "**Shipped model**: no items" in card
    assert "3 items, accuracy **0.667**" in card and "| neg | 1 | 0 | 1 |" in card
