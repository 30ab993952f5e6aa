"""Reviewers' claim readings as verifier rows, the finder-vs-reviewer agreement, and the retrain with them.

Hand-written texts only (none from an evaluation set), read by the real finder and the real e5 encoder.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nlp.claim_finder import ClaimFinder
from nlp.claim_reviews import ReviewedClaims, ReviewedRows, agreement, groups, reviewed_data, usable
from nlp.claim_verifier_train import DATA_DIR, _with_reviewed_folds, train, training_finder
from nlp.groups import dup_key
from tinradar.settings import Settings

#: A paraphrase of ``vaccine-infertility`` (the shipped finder matches it, as repeating).
INFERTILITY = "Nghe nói tiêm vắc xin Covid xong là phụ nữ không thể có con được nữa, mọi người cẩn thận nhé."
#: A paraphrase of ``helicopter-disinfectant-spraying``.
HELICOPTER = (
    "Tối nay có máy bay đi phun thuốc diệt virus corona khắp thành phố, bà con nhớ đóng kín cửa, đừng ra đường."
)
#: True, same topic (vaccination), COVID-related: embedded, matched by no claim.
TRUE_NOTICE = "Trạm y tế xã tổ chức tiêm vắc xin COVID-19 mũi 3 cho người dân vào sáng thứ bảy, mang theo căn cước."
#: Refutes ``vaccine-infertility``: the finder matches it, reading ``refutes``.
REFUTES = "Bộ Y tế khẳng định tiêm vắc xin COVID-19 không gây vô sinh, thông tin vắc xin gây vô sinh là sai sự thật."
#: Asks about ``vaccine-infertility``: the finder matches it, reading ``asks``.
ASKS = "Có người bảo tiêm vắc xin COVID-19 gây vô sinh, có đúng không ạ?"
#: Off topic: not COVID-related, never embedded.
FOOTBALL = "Chiều nay đội bóng của xã thắng 3-1 trong trận chung kết giải bóng đá thanh niên."


@pytest.fixture(scope="module")
def trainer_finder(encoder) -> ClaimFinder:  # type: ignore[no-untyped-def]
    """The finder the verifier trainer reads its rows with (rule, verifier and windows off)."""
    from nlp.claims import load_claims

    settings = Settings(encoder_threads=2)
    return training_finder(load_claims(settings.claims_file), settings, encoder)


def test_usable_counts_what_cannot_be_checked() -> None:
    report = ReviewedRows()
    items = [
        ReviewedClaims("a", INFERTILITY, ("vaccine-infertility",)),
        ReviewedClaims("b", "   ", ()),
        ReviewedClaims("a", HELICOPTER, ()),  # the same id again
        ReviewedClaims("c", HELICOPTER, ("vaccine-infertility", "no-such-claim")),  # one id the registry lacks
        ReviewedClaims("d", TRUE_NOTICE + "!!", ()),  # a near-copy of a held-out text
        ReviewedClaims("e", TRUE_NOTICE, ()),
    ]
    kept = usable(items, ["vaccine-infertility"], report, frozenset({dup_key(TRUE_NOTICE + "!!")}))
    assert [i.id for i in kept] == ["a"]  # e: same key as d, also held out
    assert (report.items, report.empty, report.duplicate_ids, report.unknown_ids, report.held_out) == (6, 1, 1, 1, 2)


def test_a_cluster_or_a_near_duplicate_key_is_one_group() -> None:
    items = [
        ReviewedClaims("a", INFERTILITY, ("vaccine-infertility",), cluster="c1"),
        ReviewedClaims("b", "CHIA SẺ GẤP: " + INFERTILITY, ("vaccine-infertility",), cluster="c1"),  # another opening
        ReviewedClaims("c", INFERTILITY.upper() + " !!!", ()),  # no cluster, same key as a
        ReviewedClaims("d", HELICOPTER, ("helicopter-disinfectant-spraying",)),
        ReviewedClaims("e", TRUE_NOTICE, (), cluster="c2"),
    ]
    g = groups(items)
    assert dup_key(items[1].text) != dup_key(items[0].text), "b joins a by its cluster only"
    assert g[0] == g[1] == g[2]
    assert len({g[0], g[3], g[4]}) == 3
    assert all(x.startswith("review:") for x in g)


def test_reviewed_rows_follow_the_written_sets_rule(trainer_finder: ClaimFinder) -> None:
    items = [
        ReviewedClaims("p1", INFERTILITY, ("vaccine-infertility",)),  # top claim named: positive
        ReviewedClaims("p2", HELICOPTER, ("helicopter-disinfectant-spraying",), cluster="c1"),
        ReviewedClaims("p3", HELICOPTER + "!!!", ("vaccine-infertility",)),  # top claim not named: negative
        ReviewedClaims("t1", TRUE_NOTICE, ()),  # repeats none: negative
        ReviewedClaims("o1", FOOTBALL, ()),  # not embedded: no row
        ReviewedClaims("u1", INFERTILITY + " Thật đấy.", ("no-such-claim",)),  # unknown id: skipped
        ReviewedClaims("p1", TRUE_NOTICE, ()),  # repeated id: skipped
        ReviewedClaims("r1", REFUTES, ()),  # repeats none, but refutes its top claim: no row
        ReviewedClaims("q1", ASKS, ()),  # repeats none, but asks about its top claim: no row
    ]
    x, y, g, report = reviewed_data(trainer_finder, items)
    assert y.tolist() == [1, 1, 0, 0]
    assert report.as_dict() == {
        "items": 9,
        "added": 4,
        "positive": 2,
        "read_as_repeating": 3,
        "skipped_empty": 0,
        "skipped_duplicate_ids": 1,
        "skipped_unknown_claim_ids": 1,
        "skipped_held_out": 0,
        "skipped_not_embedded": 1,
        "skipped_refutes_or_asks": 2,
    }
    assert len(x.text) == len(x.claim) == len(x.scalars) == len(g) == 4
    assert x.text.shape[1] == trainer_finder.encoder.dim  # type: ignore[union-attr]
    assert g[1] == g[2] and len({g[0], g[1], g[3]}) == 3  # p2 and p3 share the near-duplicate key
    _, none_y, none_g, none_report = reviewed_data(trainer_finder, [ReviewedClaims("o1", FOOTBALL, ())])
    assert len(none_y) == 0 and none_g == [] and none_report.not_embedded == 1


def test_agreement_counts_the_shipped_finder_against_the_readings(claim_finder: ClaimFinder) -> None:
    items = [
        ReviewedClaims("p1", INFERTILITY, ("vaccine-infertility",)),  # found
        ReviewedClaims("p2", HELICOPTER, ("son-duong-total-lockdown-hoax",)),  # another claim matched
        ReviewedClaims("q1", ASKS, ("vaccine-infertility",)),  # the named claim, read as asking
        ReviewedClaims("o1", FOOTBALL, ("vaccine-infertility",)),  # nothing the finder can see
        ReviewedClaims("t1", TRUE_NOTICE, ()),  # none, none matched
        ReviewedClaims("r1", REFUTES, ()),  # none, but the finder matches the claim it refutes
        ReviewedClaims("u1", INFERTILITY, ("no-such-claim",)),
    ]
    got = agreement(claim_finder, items).as_dict()
    assert got == {
        "read_as_repeating": 4,
        "found": 1,
        "missed": 3,
        "missed_other_stance": 1,
        "missed_other_claim": 1,
        "missed_no_match": 1,
        "read_as_none": 2,
        "false_repeats": 0,
        "refuted_or_asked": 1,
        "skipped": {"empty": 0, "duplicate_ids": 0, "unknown_claim_ids": 1},
    }
    assert agreement(claim_finder, []).as_dict()["read_as_repeating"] == 0


def test_reviewed_rows_are_dealt_into_the_folds_without_moving_the_others() -> None:
    base = [(np.array([2, 3, 4, 5]), np.array([0, 1])), (np.array([0, 1, 4, 5]), np.array([2, 3]))]
    base += [(np.array([0, 1, 2, 3]), np.array([4, 5]))]
    dealt = _with_reviewed_folds(base, 6, ["review:a", "review:b", "review:a", "review:c"])
    for (tr, te), (btr, bte) in zip(dealt, base, strict=True):
        assert tr[: len(btr)].tolist() == btr.tolist() and te[: len(bte)].tolist() == bte.tolist()
        assert not set(tr) & set(te)
    tested = sorted(r for _, te in dealt for r in te.tolist() if r >= 6)
    assert tested == [6, 7, 8, 9]  # every reviewed row is tested exactly once
    fold_of = {r: k for k, (_, te) in enumerate(dealt) for r in te.tolist()}
    assert fold_of[6] == fold_of[8]  # one group, one fold


SHIPPED = Path(__file__).resolve().parents[2] / "nlp" / "models" / "claims" / "verifier.json"
needs_data = pytest.mark.skipif(
    not (DATA_DIR / "reintel" / "train.csv").is_file(), reason="shared datasets (ReINTEL) not present"
)


@pytest.mark.slow
@needs_data
def _as_shipped(written: dict, shipped: dict) -> None:
    """``written`` is the shipped verifier's training, to the precision e5's vectors allow across
    machines: byte for byte on the machine that trained it, but another CPU's vectors (AVX2 /
    AVX-512) differ in their last bits and flip the odd borderline row (measured on an AVX-512
    machine: one positive row of 747, threshold 0.775 → 0.78, out-of-fold recall 0.8385 → 0.8308,
    weights' cosine 0.999). Same C, counts within one row, figures within one grid step."""
    for key, value in shipped["trained_on"].items():
        if isinstance(value, int):
            assert abs(written["trained_on"][key] - value) <= 1, (key, written["trained_on"][key], value)
        else:
            assert written["trained_on"][key] == value, key
    for key, value in shipped["selection"].items():
        if key.startswith("out_of_fold"):
            assert abs(written["selection"][key] - value) <= 0.01, (key, written["selection"][key], value)
        else:
            assert written["selection"][key] == value, key
    assert abs(written["threshold"] - shipped["threshold"]) <= 0.01, (written["threshold"], shipped["threshold"])


def test_retraining_without_readings_reproduces_the_shipped_verifier(tmp_path: Path) -> None:
    """The keep-or-revert rule of the readings' change: no readings, the shipped file (about a minute);
    byte for byte where the shipped vectors were made, else as ``_as_shipped`` allows."""
    out = tmp_path / "verifier.json"
    train(Settings(encoder_threads=2), out)
    if out.read_bytes() == SHIPPED.read_bytes():
        return
    written, shipped = json.loads(out.read_text(encoding="utf-8")), json.loads(SHIPPED.read_text(encoding="utf-8"))
    assert {k: v for k, v in written.items() if k not in ("model", "trained_on", "selection", "threshold")} == {
        k: v for k, v in shipped.items() if k not in ("model", "trained_on", "selection", "threshold")
    }
    _as_shipped(written, shipped)
    a, b = (np.asarray(m["model"]["coef"], dtype=float).ravel() for m in (written, shipped))
    assert a.shape == b.shape and float(a @ b / np.linalg.norm(a) / np.linalg.norm(b)) >= 0.99


@pytest.mark.slow
@needs_data
def test_retraining_with_readings_records_them_and_keeps_the_selection_rule(tmp_path: Path) -> None:
    """Readings train (the weights change) and are counted in ``trained_on``; the other rows keep
    their folds, so with a few readings the out-of-fold selection is the shipped one's."""
    out = tmp_path / "verifier.json"
    readings = [
        ReviewedClaims("p1", INFERTILITY, ("vaccine-infertility",)),
        ReviewedClaims("p2", HELICOPTER, ("helicopter-disinfectant-spraying",)),
        ReviewedClaims("t1", TRUE_NOTICE, ()),
        ReviewedClaims("o1", FOOTBALL, ()),
    ]
    report = train(Settings(encoder_threads=2), out, reviewed=readings)
    written, shipped = json.loads(out.read_text(encoding="utf-8")), json.loads(SHIPPED.read_text(encoding="utf-8"))
    reviews = written["trained_on"].pop("reviews")
    assert report["trained_on"]["reviews"] == reviews
    assert (reviews["added"], reviews["positive"], reviews["skipped_not_embedded"]) == (3, 2, 1)
    oof = reviews["out_of_fold"]
    assert (oof["positive"], oof["negative"]) == (2, 1)
    _as_shipped(written, shipped)
    assert written["model"]["coef"] != shipped["model"]["coef"]
