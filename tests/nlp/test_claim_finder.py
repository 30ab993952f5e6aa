"""Known-claim matching with two signals (lexical + the real e5 encoder), its cache and its stance."""

from __future__ import annotations

import copy
from collections import Counter
from pathlib import Path

import pytest

from nlp.claim_finder import RESTORE_MAX_CHARS, ClaimFinder, ClaimText, MatchRule
from nlp.claim_vectors import ClaimVectors
from nlp.claims import Claim, ClaimMatcher, registry_hash
from nlp.diacritics import Restorer
from nlp.encoder import load_encoder
from nlp.normalize import normalize
from tinradar.schema import Stance
from tinradar.settings import Settings


def _text(text: str) -> ClaimText:
    return ClaimText.of(text)


@pytest.fixture(scope="module")
def finder(claim_finder: ClaimFinder) -> ClaimFinder:
    return claim_finder


def _small_registry(variant: str) -> list[Claim]:
    return [
        Claim(
            id="a-claim",
            claim="Uống nước chanh nóng diệt virus corona",
            variants=[variant],
            category="cure",
            correction="Không đúng.",
            debunked_by=["Bộ Y tế"],
            key_terms=["chanh"],
        ),
        Claim(
            id="b-claim",
            claim="Sóng 5G làm lây lan virus corona",
            category="transmission",
            correction="Không đúng.",
            debunked_by=["WHO"],
            key_terms=["5g"],
        ),
    ]


def test_claim_vectors_are_cached_on_disk_by_registry_content(tmp_path: Path) -> None:
    settings = Settings(cache_dir=tmp_path, encoder_threads=2, encoder_max_tokens=64)
    first, _ = load_encoder(settings)
    assert first is not None
    claims = _small_registry("Chanh nóng giết virus")
    built = ClaimVectors(claims, first, tmp_path)
    assert built.computed and built.path is not None and built.path.is_file()
    assert registry_hash(claims)[:16] in built.path.name
    # another process (a fresh encoder) with the same registry reads the file: nothing is embedded
    second, _ = load_encoder(settings)
    assert second is not None
    again = ClaimVectors(_small_registry("Chanh nóng giết virus"), second, tmp_path)
    assert not again.computed and second.embedded == 0
    assert (again.matrix == built.matrix).all()
    # a changed claim is a new registry: new vectors, a new file
    changed = ClaimVectors(_small_registry("Uống chanh nóng là hết covid"), second, tmp_path)
    assert changed.computed and changed.path != built.path


def test_the_encoder_finds_reworded_claims_the_lexical_matcher_misses(finder: ClaimFinder) -> None:
    texts = [
        "Chính phủ sắp phong tỏa toàn bộ đất nước, mọi chợ đều đóng cửa.",
        "Vì dịch COVID học sinh toàn quốc sẽ nghỉ tới hết năm và không phải thi tốt nghiệp.",
    ]
    lexical = ClaimMatcher(finder.claims, threshold=finder.rule.lexical)
    assert lexical.match([_text(t).folded for t in texts]) == [[], []]
    found = finder.find([_text(t) for t in texts])
    assert [m[0].claim_id if m else None for m in found] == ["nationwide-lockdown-hoax", "schools-closed-all-year-hoax"]
    assert all(m[0].stance is Stance.REPEATS and m[0].similarity >= finder.threshold for m in found)


def test_only_covid_related_texts_are_embedded(finder: ClaimFinder) -> None:
    sig = finder.signals(
        [
            _text("Đội bóng của tỉnh thắng 2-1 trong trận đấu chiều qua."),
            _text("Hà Nội ghi nhận thêm 96 ca mắc COVID-19 trong khu cách ly."),
            _text("Nghe nói uống nước chanh nóng mỗi sáng là khỏe."),  # a claim's key term, not COVID
        ]
    )
    assert sig.embedded.tolist() == [False, True, False]
    assert (sig.semantic[0] == -1).all() and (sig.semantic[2] == -1).all() and (sig.semantic[1] > 0).all()


def test_covid_texts_no_claim_could_be_in_are_not_embedded(finder: ClaimFinder) -> None:
    """The semantic path only for texts near some claim: no claim's key term (lexical 0) and an
    opening that shares few character n-grams with every claim text is not embedded; a rumor told
    without any key term but close to a claim's wording still is."""
    texts = [
        _text("Thủ tướng chủ trì cuộc họp trực tuyến với doanh nghiệp về phục hồi kinh tế sau đại dịch COVID-19."),
        _text("Giá vàng hôm nay tăng mạnh, thị trường chứng khoán khởi sắc sau đại dịch COVID-19."),
        _text("Ăn củ hành sống mỗi ngày là chữa khỏi và diệt được virus COVID-19 nhé mọi người"),
    ]
    assert all(t.covid_proba >= 0.5 for t in texts)
    lexical = finder.lexical.scores([t.folded for t in texts]).max(axis=1)
    assert lexical.tolist()[:2] == [0.0, 0.0]
    sig = finder.signals(texts)
    assert sig.embedded.tolist() == [False, False, True]
    assert (sig.semantic[:2] == -1).all()
    assert finder.find(texts[:2]) == [[], []]


def test_official_notices_match_nothing(finder: ClaimFinder) -> None:
    texts = [
        "Thông báo lịch tiêm vắc xin phòng COVID-19 mũi 1 cho người trên 65 tuổi tại các trạm y tế xã.",
        "Sở Y tế đề nghị người dân khai báo y tế khi trở về từ vùng dịch.",
        "Bệnh viện tỉnh đang điều trị 20 bệnh nhân COVID-19, không có ca nặng.",
    ]
    assert finder.find([_text(t) for t in texts]) == [[], [], []]


def test_a_rumor_between_small_talk_is_read_sentence_by_sentence(finder: ClaimFinder) -> None:
    """The greetings around a rumor dilute the whole text's vector below the verifier's threshold;
    the near miss is read again one sentence at a time, and the rumor's sentence decides."""
    alone = "Nghe nói uống nước tỏi có thể chữa khỏi COVID-19, mọi người chia sẻ gấp nhé!"
    # (with the verifier of 2026-12-05, threshold 0.775, "Hôm nay trời đẹp. … Cảm ơn." is no longer a
    # near miss: it matches as a whole; longer small talk dilutes it again)
    padded = (
        f"Chào buổi sáng cả nhà, hôm nay trời đẹp quá, con mèo nhà mình vừa đẻ ba con. {alone} Cảm ơn mọi người đã đọc."
    )
    before = finder.windows_embedded
    sig = finder.signals([_text(padded)])
    assert finder.windows_embedded - before == 3  # its three sentences: the whole text was a near miss
    assert sig.windows[0] == normalize(alone).folded
    found = finder.decide(sig)[0]
    assert found and finder.claims[found[0][0]].id == "cure-garlic-saltwater"
    before = finder.windows_embedded
    assert [m.claim_id for m in finder.find([_text(alone)])[0]][:1] == ["cure-garlic-saltwater"]
    assert finder.windows_embedded == before  # one sentence, already sure: nothing more embedded


class _CountingRestorer(Restorer):
    """The real restorer, counting what it restores (``restore`` is the costly part)."""

    def __init__(self, real: Restorer) -> None:
        self.__dict__.update(real.__dict__)
        self.restored: Counter[str] = Counter()

    def restore(self, text: str) -> str:
        self.restored[text] += 1
        return super().restore(text)


def test_a_text_typed_without_diacritics_is_restored_once_even_when_read_sentence_by_sentence(
    finder: ClaimFinder,
) -> None:
    """The encoder reads a short unaccented text restored; a near miss of the verifier is then split
    into sentences — of that same restored text, not restored a second time."""
    assert finder.restorer is not None and finder.verifier is not None
    counting = _CountingRestorer(finder.restorer)
    near = copy.copy(finder.verifier)
    near.threshold = 1.0  # every text the verifier gives at least SENTENCE_NEAR is a near miss
    looking = ClaimFinder.from_settings(
        finder.claims, Settings(encoder_threads=2), encoder=finder.encoder, verifier=near, restorer=counting
    )
    typed = "Hom nay troi dep. Nghe noi uong nuoc toi co the chua khoi COVID-19, moi nguoi chia se gap nhe! Cam on."
    assert len(typed) <= RESTORE_MAX_CHARS
    sig = looking.signals([_text(typed)])
    assert sig.embedded[0] and sig.unaccented[0]
    assert looking.windows_embedded >= 2, "read sentence by sentence (else this test proves nothing)"
    assert counting.restored == Counter({typed: 1})


def test_matches_carry_their_stance(finder: ClaimFinder) -> None:
    rumor, correction, question = finder.find(
        [
            _text("Tối nay trực thăng phun thuốc khử trùng diệt virus, cả nhà đóng cửa, không ra đường nhé."),
            _text("Bộ Quốc phòng khẳng định không có kế hoạch dùng trực thăng phun thuốc khử trùng như tin đồn."),
            _text("Tối nay có trực thăng phun thuốc khử trùng thật không các bác?"),
        ]
    )
    assert [m[0].claim_id for m in (rumor, correction, question)] == ["helicopter-disinfectant-spraying"] * 3
    assert [m[0].stance for m in (rumor, correction, question)] == [Stance.REPEATS, Stance.REFUTES, Stance.ASKS]
    # the words the stance was read from are carried as the text writes them, for the cue: the
    # refuting words, the question's last clause; none for a repeat
    assert [m[0].stance_phrase for m in (rumor, correction, question)] == [
        None,
        "khẳng định không",
        "Tối nay có trực thăng phun thuốc khử trùng thật không các bác",
    ]


def test_without_the_encoder_matching_is_lexical(finder: ClaimFinder) -> None:
    lexical_only = ClaimFinder(finder.claims, rule=finder.rule)
    texts = [
        _text("son duong phong toa toan huyen tu 0h mai, cam ra khoi nha, moi nguoi di mua gao mi tom ngay"),
        _text("Chính phủ sắp phong tỏa toàn bộ đất nước, mọi chợ đều đóng cửa."),
    ]
    found = lexical_only.find(texts)
    assert [m[0].claim_id for m in found[:1]] == ["son-duong-total-lockdown-hoax"] and found[1] == []
    assert not lexical_only.signals(texts).embedded.any()


def test_text_typed_without_diacritics_is_embedded_restored(finder: ClaimFinder) -> None:
    """The encoder reads the restored text (#15); the lexical matcher still reads the text as written."""
    assert finder.restorer is not None, "the shipped restorer is on by default"
    typed = "Nghe noi uong nuoc chanh nong moi sang se diet duoc virus corona"
    restored = finder.encoder_text(typed)
    assert restored == finder.restorer.restore(typed) and restored != typed
    sig = finder.signals([_text(typed)])
    assert sig.embedded[0] and sig.unaccented[0]
    assert finder.encoder is not None and sig.vectors is not None
    assert float(sig.vectors[0] @ finder.encoder.queries([restored])[0]) > 0.999
    assert float(sig.vectors[0] @ finder.encoder.queries([typed])[0]) < 0.99
    lexical_only = ClaimFinder(finder.claims, rule=finder.rule)
    assert (sig.lexical == lexical_only.signals([_text(typed)]).lexical).all()


def test_accented_and_long_texts_are_embedded_as_written(finder: ClaimFinder) -> None:
    accented = "Nghe nói uống nước chanh nóng mỗi sáng sẽ diệt được virus corona"
    assert finder.encoder_text(accented) == accented
    sig = finder.signals([_text(accented)])
    assert finder.encoder is not None and sig.vectors is not None and sig.embedded[0]
    assert float(sig.vectors[0] @ finder.encoder.queries([accented])[0]) > 0.999
    long = "nghe noi uong nuoc chanh nong diet duoc virus corona. " * 10  # longer than RESTORE_MAX_CHARS
    assert finder.encoder_text(long) == long


def _place_registry() -> list[Claim]:
    return [
        Claim(
            id="goods-claim",
            claim="Hàng hóa nhập từ Trung Quốc mang virus corona",
            category="transmission",
            correction="Không đúng.",
            debunked_by=["Bộ Y tế"],
            key_terms=["hàng hóa"],
        ),
        Claim(
            id="cover-up-claim",
            claim="Chính quyền đang giấu số ca nhiễm thật, con số thật cao hơn nhiều",
            category="policy",
            correction="Không đúng.",
            debunked_by=["Bộ Y tế"],
            key_terms=["giấu"],
        ),
        Claim(
            id="city-claim",
            claim="Hà Nội sắp phong tỏa toàn thành phố, cấm mọi phương tiện ra vào",
            category="policy",
            correction="Không đúng.",
            debunked_by=["UBND TP Hà Nội"],
            key_terms=["phong tỏa"],
            required_any=["hà nội"],
        ),
    ]


def test_a_name_counts_only_for_the_claim_that_names_it(encoder) -> None:  # type: ignore[no-untyped-def]
    """Per-claim name views (issue 15): the claim that names "Trung Quốc" reads it as written, every
    other claim reads its type, so the country in the text cannot move their cosines; a text without
    names is one view, itself. The control: with the views off the country moves them."""
    finder = ClaimFinder(_place_registry(), encoder=encoder)
    plain = "Nghe nói chính quyền đang giấu số ca nhiễm"
    views, of = finder.claim_views(plain)
    assert views == [plain] and not of.any()
    fills = [f"Nghe nói {x} đang giấu số ca nhiễm thật" for x in ("Trung Quốc", "Nhật Bản")]
    views, of = finder.claim_views(fills[0])
    assert views == [fills[0], "Nghe nói <QUỐC_GIA> đang giấu số ca nhiễm thật"]
    assert of.tolist() == [0, 1, 1]
    views, of = finder.claim_views(fills[1])
    assert views == ["Nghe nói <QUỐC_GIA> đang giấu số ca nhiễm thật"] and not of.any()
    cosines, _, _ = finder.claim_cosines(fills)
    assert cosines[0, 1] == cosines[1, 1] and cosines[0, 2] == cosines[1, 2]
    assert cosines[0, 0] != cosines[1, 0]  # the claim that names the country reads it
    finder.name_views = False
    blind, _, _ = finder.claim_cosines(fills)
    assert abs(blind[0, 1] - blind[1, 1]) > 1e-4


def test_a_claim_about_a_named_place_needs_the_place_on_every_path(encoder) -> None:  # type: ignore[no-untyped-def]
    """``required_any``: with a cosine rule that matches the city claim on the encoder alone, a text
    about another city still does not match it (a claim about a named place is about that place)."""
    rule = MatchRule(semantic=0.80, semantic_folded=0.80, margin=0.0)
    finder = ClaimFinder(_place_registry(), encoder=encoder, rule=rule)
    texts = [_text(f"Tối nay {x} phong tỏa toàn thành phố, cấm hết xe cộ ra vào!") for x in ("Hà Nội", "Đà Nẵng")]
    sig = finder.signals(texts)
    assert sig.named is not None and sig.named[:, 2].tolist() == [True, False]
    assert sig.semantic[0, 2] >= 0.80 and sig.semantic[1, 2] >= 0.80  # the encoder alone would match both
    found = [[m.claim_id for m in ms] for ms in finder.find(texts)]
    assert "city-claim" in found[0] and "city-claim" not in found[1]
