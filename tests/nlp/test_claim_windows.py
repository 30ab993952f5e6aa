"""Reading a long post whole: its sentence windows, their evidence and the window model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nlp.claim_finder import LONG_TEXT, ClaimFinder, ClaimText
from nlp.claim_windows import (
    CANDIDATES,
    FEATURES,
    MAX_WINDOWS,
    WINDOW_CHARS,
    WINDOW_SENTENCES,
    WindowModel,
    candidates,
    evidence,
    features,
    windows,
)
from tinradar.schema import Stance
from tinradar.settings import Settings

SMALL_TALK = (
    "Chào cả nhà, hôm nay trời Hà Nội mưa suốt từ sáng. Mình vừa đi chợ về, rau hôm nay đắt quá. "
    "Con gái mình năm nay vào lớp một, cả nhà ai cũng vui. Cuối tuần này cả xóm tổ chức liên hoan. "
    "Bác hàng xóm mới mua cái xe máy mới màu đỏ rất đẹp. Chiều nay mình định nấu canh chua cá lóc. "
)


def test_windows_cover_the_whole_text_in_order_within_their_budget() -> None:
    text = SMALL_TALK * 3 + "Câu cuối cùng của bài viết này nằm ở đây."
    found = windows(text)
    assert len(found) > 3
    assert all(len(w) <= WINDOW_CHARS for w in found)
    assert all(len([s for s in w.split(". ") if s]) <= WINDOW_SENTENCES for w in found)
    assert " ".join(found) == " ".join(text.split())  # nothing dropped, nothing reordered
    assert found[-1].endswith("nằm ở đây.")


def test_a_sentence_longer_than_a_window_is_cut_at_spaces() -> None:
    long_sentence = " ".join(["từ"] * 400)
    found = windows(long_sentence)
    assert len(found) >= 3 and all(len(w) <= WINDOW_CHARS for w in found)
    assert all(not w.startswith(" ") and "từ" in w for w in found)


def test_evidence_reads_each_claims_best_window_and_the_votes() -> None:
    cos = np.asarray([[0.80, 0.70, 0.10], [0.85, 0.90, 0.20], [0.60, 0.95, 0.30]], dtype=np.float32)
    ev = evidence(["a", "b", "c"], cos, 1000)
    assert ev.best.tolist() == pytest.approx([0.85, 0.95, 0.30])
    assert ev.second.tolist() == pytest.approx([0.80, 0.90, 0.20])
    assert ev.which.tolist() == [1, 2, 2]
    assert ev.firsts.tolist() == [0, 1, 1]
    lexical = np.asarray([0.0, 0.0, 0.3])
    assert candidates(ev, lexical) == [1, 0, 2][:CANDIDATES] + ([2] if CANDIDATES < 3 else [])
    assert candidates(ev, np.zeros(3)) == [1, 0, 2][:CANDIDATES]
    row = features(ev, 1, np.asarray([0.5, 0.8, 0.1]), lexical, True, False)
    named = dict(zip(FEATURES, row.tolist(), strict=True))
    assert named["window_cosine"] == pytest.approx(0.95)
    assert named["window_lead"] == pytest.approx(0.95 - 0.85)
    assert named["votes"] == pytest.approx(2 / 3)
    assert named["opening_lead"] == pytest.approx(0.3)
    assert named["lexical_lead"] == pytest.approx(-0.3)
    assert named["terms"] == 1.0 and named["log_chars"] == pytest.approx(3.0)


def _model_file(path: Path, encoder: str, names: list[str]) -> Path:
    n = len(names)
    coef = [10.0] + [0.0] * (n - 1)  # only the window cosine counts
    payload = {
        "encoder": encoder,
        "features": names,
        "threshold": 0.5,
        "model": {"mean": [0.9] + [0.0] * (n - 1), "scale": [0.01] * n, "coef": coef, "intercept": 0.0},
    }
    path.write_text(json.dumps(payload), encoding="utf-8")
    return path


def test_the_model_loads_only_for_its_encoder_and_features(tmp_path: Path) -> None:
    path = _model_file(tmp_path / "w.json", "enc-1", list(FEATURES))
    model = WindowModel.load(path, "enc-1")
    assert model is not None
    assert WindowModel.load(path, "enc-2") is None
    assert WindowModel.load(path, None) is None
    assert WindowModel.load(tmp_path / "missing.json", "enc-1") is None
    other = _model_file(tmp_path / "o.json", "enc-1", [*FEATURES[:-1], "something_else"])
    assert WindowModel.load(other, "enc-1") is None
    x = np.zeros((2, len(FEATURES)))
    x[:, 0] = [0.85, 0.95]
    p = model.proba(x)
    assert p[0] < 0.5 < p[1]


def test_the_shipped_model_is_small_and_general() -> None:
    raw = json.loads((Settings().models_dir / "claims" / "windows.json").read_text(encoding="utf-8"))
    assert raw["features"] == list(FEATURES) and len(raw["model"]["coef"]) == len(FEATURES)
    fig = raw["selection"]["out_of_fold"]
    base = raw["selection"]["shipped_finder"]
    # out of fold, in every split, it finds more dev posts' repeated claims than the shipped finder
    assert min(fig["dev_found"]) > base["dev_found"]
    added = [
        d + r - base["dev_false"] - base["reintel_matched"]
        for d, r in zip(fig["dev_false"], fig["reintel_matched"], strict=True)
    ]
    assert max(added) <= raw["selection"]["max_false_added"] * raw["trained_on"]["real_negative_posts"]


def test_without_the_encoder_there_is_no_window_step(claim_finder: ClaimFinder) -> None:
    model = claim_finder.window_model
    assert model is not None, "the shipped finder reads long posts whole"
    lexical = ClaimFinder(claim_finder.claims, rule=claim_finder.rule, window_model=model)
    assert lexical.window_model is None
    text = ClaimText.of(COVID_TALK * 3)
    assert lexical.signals([text]).window_evidence == {}


COVID_TALK = (
    "Dịch COVID-19 mấy hôm nay ở quê mình vẫn còn căng lắm các bác ạ. Sáng nay cả xóm lại xếp hàng đi lấy mẫu "
    "xét nghiệm. Chợ đầu làng thì vẫn mở nhưng ai cũng đeo khẩu trang kín mít. Con gái mình học trực tuyến cả "
    "tuần, ở nhà buồn quá. Bác tổ trưởng dân phố đi từng nhà dặn dò mọi người giữ khoảng cách. Chiều nay mình "
    "định nấu canh chua cá lóc cho cả nhà. "
)


@pytest.mark.parametrize(
    ("rumor", "claim"),
    [
        (
            "Mấy cái trạm phát sóng thế hệ mới dựng khắp nơi chính là thứ đang truyền bệnh dịch cho dân mình.",
            "5g-spreads-covid",
        ),
        (
            "Họ tiêm cho mình một con chip nhỏ xíu để định vị từng người, tiêm xong là bị theo dõi suốt đời.",
            "vaccine-microchip",
        ),
    ],
)
def test_a_rumor_deep_in_a_long_post_is_found_by_its_window(claim_finder: ClaimFinder, rumor: str, claim: str) -> None:
    post = COVID_TALK * 2 + rumor + " " + COVID_TALK
    assert len(post) > LONG_TEXT
    text = ClaimText.of(post)
    opening_only = ClaimFinder(
        claim_finder.claims,
        encoder=claim_finder.encoder,
        rule=claim_finder.rule,
        verifier=claim_finder.verifier,
        restorer=claim_finder.restorer,
    )
    assert opening_only.find([text]) == [[]]  # the opening is small talk, the rumor in other words
    found = claim_finder.find([text])[0]
    assert [m.claim_id for m in found] == [claim] and found[0].stance is Stance.REPEATS
    sig = claim_finder.signals([text])
    assert 1 < len(sig.window_evidence[0].texts) <= MAX_WINDOWS


def test_a_long_covid_post_without_a_claim_matches_nothing(claim_finder: ClaimFinder) -> None:
    text = ClaimText.of(COVID_TALK * 4)
    sig = claim_finder.signals([text])
    assert sig.window_evidence, "a long COVID-related post is read as windows"
    assert claim_finder.find([text]) == [[]]


def test_windows_are_capped_and_chosen_by_their_wording(claim_finder: ClaimFinder) -> None:
    rumor = "Mấy cái trạm phát sóng 5G dựng khắp nơi chính là thứ đang truyền virus corona cho dân mình."
    post = COVID_TALK * 6 + rumor + " " + COVID_TALK * 6
    text = ClaimText.of(post)
    assert len(windows(post)) > MAX_WINDOWS
    ev = claim_finder.signals([text]).window_evidence[0]
    assert len(ev.texts) == MAX_WINDOWS
    assert any("5G" in w for w in ev.texts)  # the window nearest a claim's wording is kept


def test_short_texts_are_not_read_as_windows(claim_finder: ClaimFinder) -> None:
    text = ClaimText.of("Ăn tỏi sống mỗi ngày chữa khỏi COVID-19, virus corona chết hết.")
    sig = claim_finder.signals([text])
    assert sig.embedded[0] and sig.window_evidence == {}


def test_training_folds_keep_each_near_duplicate_group_together() -> None:
    from nlp.claim_windows_train import group_folds

    groups = ["a", "a", "b", "c", "c", "c", "d", "e", "f", "g"]
    folds = group_folds(groups, seed=0, n=3)
    seen = np.concatenate([te for _, te in folds])
    assert sorted(seen.tolist()) == list(range(len(groups)))  # every row tested once
    for tr, te in folds:
        assert not {groups[i] for i in tr} & {groups[i] for i in te}
    assert [te.tolist() for _, te in group_folds(groups, seed=0, n=3)] == [te.tolist() for _, te in folds]


def test_training_figures_count_the_whole_decision() -> None:
    from nlp.claim_windows_train import Rows, Source, figures

    ids = ["x", "y"]
    dev = Source("dev", [ClaimText.of("a")] * 3, [{"x"}, set(), {"y"}], [{"x"}, set(), set()], ["1", "2", "3"])
    dev_rows = Rows(
        dev,
        text=np.asarray([0, 1, 2]),
        claim=np.asarray([0, 1, 1]),
        x=np.zeros((3, len(FEATURES))),
        y=np.asarray([1, 0, 1]),
        base=[set(), set(), {1}],
    )
    rel = Source("reintel", [ClaimText.of("b")] * 2, [set(), set()], [set(), set()], ["4", "5"])
    rel_rows = Rows(rel, np.asarray([0]), np.asarray([0]), np.zeros((1, len(FEATURES))), np.asarray([0]), [set(), {0}])
    p = np.asarray([0.99, 0.2, 0.9, 0.99])
    low = figures([dev_rows, rel_rows], ids, p, 0.5)
    assert low["dev_found"] == 1 and low["dev_found_shipped"] == 0  # the repeated claim, newly accepted
    assert low["dev_false"] == 0 and low["reintel_matched"] == 2 and low["reintel_matched_shipped"] == 1
    high = figures([dev_rows, rel_rows], ids, p, 0.995)
    assert high["dev_found"] == 0 and high["reintel_matched"] == 1
    # the grid's last threshold accepts nothing: a retrain that helps nothing ships the finder as it was
    from nlp.claim_windows_train import THRESHOLDS

    off = figures([dev_rows, rel_rows], ids, np.ones(len(p)), THRESHOLDS[-1])
    assert off["dev_found"] == off["dev_found_shipped"] and off["reintel_matched"] == off["reintel_matched_shipped"]
