"""Stance of a text towards a known claim: repeats, refutes or asks (rules on folded text)."""

from __future__ import annotations

import pytest

from nlp.claims import load_claims
from nlp.cues import as_written
from nlp.normalize import normalize
from nlp.stance import ClaimWording, claim_wordings, read_stance, refutes, stance
from tinradar.schema import Stance
from tinradar.settings import Settings


@pytest.fixture(scope="module")
def wordings() -> dict[str, ClaimWording]:
    claims = load_claims(Settings().claims_file)
    return claim_wordings({c.id: [normalize(t).folded for t in [c.claim, *c.variants]] for c in claims})


def _stance(text: str, wording: ClaimWording) -> Stance:
    return stance(normalize(text).folded, wording)


@pytest.mark.parametrize(
    ("claim_id", "text", "expected"),
    [
        # corrections, official and personal
        ("son-duong-total-lockdown-hoax", "Huyện đã cải chính: không phong tỏa toàn huyện Sơn Dương.", Stance.REFUTES),
        ("vaccine-microchip", "Làm gì có chuyện vắc xin gắn chip, tin nhảm nhí thôi.", Stance.REFUTES),
        ("masks-cause-hypoxia", "Đeo khẩu trang không làm thiếu oxy đâu mọi người.", Stance.REFUTES),
        ("5g-spreads-covid", "tin 5g lam lay covid la tin gia nhe ca nha", Stance.REFUTES),
        # questions
        ("son-duong-total-lockdown-hoax", "Sơn Dương phong tỏa toàn huyện thật không các bác?", Stance.ASKS),
        ("vaccine-infertility", "Cho em hỏi tiêm vắc xin có bị vô sinh không ạ", Stance.ASKS),
        ("hot-lemon-water-kills-virus", "uong nuoc chanh nong co diet duoc virus khong moi nguoi", Stance.ASKS),
        # rumors, including those that borrow a correction's or a question's words
        ("helicopter-disinfectant-spraying", "Tối nay trực thăng phun thuốc khử trùng, đóng cửa nhé!", Stance.REPEATS),
        (
            "vaccine-mass-deaths",
            "Không phải tin đồn đâu, tiêm xong chết mấy người rồi. Tại sao báo chí im lặng?",
            Stance.REPEATS,
        ),
        ("official-case-cover-up", "Đừng tin số liệu trên báo, bệnh viện đang giấu hàng trăm ca.", Stance.REPEATS),
        ("vaccine-mass-deaths", "Báo chí nói là tin giả nhưng thực tế tiêm xong chết hàng loạt.", Stance.REPEATS),
        # a negation that is the hoax's own rule, not a denial
        ("son-duong-total-lockdown-hoax", "Từ mai Sơn Dương phong tỏa, không ai được ra khỏi nhà.", Stance.REPEATS),
        # a negation the claim itself contains
        ("hold-breath-self-test", "Nín thở 10 giây mà không ho, không khó chịu là không nhiễm covid.", Stance.REPEATS),
    ],
)
def test_stance(wordings: dict[str, ClaimWording], claim_id: str, text: str, expected: Stance) -> None:
    assert _stance(text, wordings[claim_id]) is expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Sơn Dương phong tỏa toàn huyện thật không các bác?", "son duong phong toa toan huyen that khong cac bac"),
        # the clause that asks, not the one after it
        ("Sơn Dương phong tỏa thật không các bác, em đang ở xa lo quá", "son duong phong toa that khong cac bac"),
        ("Nghe nói mai phong tỏa. Có thật không mọi người?", "co that khong moi nguoi"),
        # at most QUESTION_WORDS words, from the end where the question words stand
        (
            "Cho em hỏi là nếu như mà tiêm vắc xin xong rồi thì về sau có bị vô sinh hay hiếm muộn gì không ạ",
            "nhu ma tiem vac xin xong roi thi ve sau co bi vo sinh hay hiem muon gi khong a",
        ),
    ],
)
def test_a_question_carries_the_words_that_ask(text: str, words: str) -> None:
    assert read_stance(normalize(text).folded) == (Stance.ASKS, words)


def test_a_claims_own_wording_is_not_a_correction(wordings: dict[str, ClaimWording]) -> None:
    # "miễn phí" corrects most scams, but it is part of this claim's own text
    text = "Phải nộp tiền mới được tiêm vắc xin COVID-19 miễn phí của Nhà nước."
    assert refutes(normalize(text).folded)  # without the claim: correction wording
    assert _stance(text, wordings["vaccine-fee-required"]) is Stance.REPEATS


def test_pairs_are_the_claims_own_words(wordings: dict[str, ClaimWording]) -> None:
    pairs = wordings["masks-cause-hypoxia"].pairs
    assert "thieu oxy" in pairs
    assert "vac xin" not in wordings["vaccine-microchip"].pairs  # every vaccine claim says it


@pytest.mark.parametrize(
    ("claim_id", "text", "phrase"),
    [
        # the claim's own pair, negated ("thiếu oxy", "kỳ thi" — not a conditional "thì")
        ("masks-cause-hypoxia", "Khẩu trang y tế đeo đúng cách không làm thiếu oxy ở trẻ lớn.", "không làm thiếu oxy"),
        ("schools-closed-all-year-hoax", "Sở Giáo dục khẳng định năm nay không hủy kỳ thi tốt nghiệp.", None),
        (
            "schools-closed-all-year-hoax",
            "Năm nay Bộ không hủy kỳ thi tốt nghiệp, học sinh ôn tập bình thường.",
            "không hủy kỳ thi tốt nghiệp",
        ),
        # "không phải là X", "không cần (thiết) phải X"
        (
            "bioweapon-origin",
            "Các nhà khoa học nói virus corona không phải là vũ khí sinh học.",
            "không phải là vũ khí sinh học",
        ),
        (
            "pets-spread-covid",
            "Gia đình F0 không cần phải tiêu hủy chó mèo, chỉ cần rửa tay.",
            "không cần phải tiêu hủy",
        ),
        # the claim's subject, a negation, a verb of its predicate
        ("imported-goods-spread", "Mở bưu kiện gửi từ nước ngoài không khiến ai bị nhiễm.", "không khiến ai bị nhiễm"),
        # a negation the claim itself has, further from the pair ("không lý do … bị phạt 20 triệu")
        (
            "fines-for-leaving-home",
            "Người ra đường mà không bị phạt 20 triệu là nhờ có giấy đi đường.",
            "không bị phạt 20 triệu",
        ),
    ],
)
def test_a_negated_predicate_refutes_and_names_the_words(
    wordings: dict[str, ClaimWording], claim_id: str, text: str, phrase: str | None
) -> None:
    norm = normalize(text)
    got, found = read_stance(norm.folded, wordings[claim_id])
    assert got is Stance.REFUTES
    if phrase is not None:  # the reviewer is shown the negated predicate, as written
        assert found is not None and as_written(norm.original, found) == phrase


@pytest.mark.parametrize(
    ("claim_id", "text"),
    [
        # the rumor's promise, worded with a negation
        ("miracle-supplement-immunity", "Sáng nào cũng uống nước ion kiềm thì chẳng bao giờ bị nhiễm covid."),
        ("antibiotics-treat-covid", "Mua kháng sinh uống trước thì không lo bị nhiễm nữa nhé."),
        ("hot-weather-kills-virus", "Nắng nóng 40 độ thế này virus không sống nổi đâu các bác."),
        ("cure-garlic-saltwater", "Ăn tỏi sống là không nhiễm covid, ông bà mình ăn cả đời rồi."),
        # the claim's own negation ("không lý do bị phạt", "không cần đơn", "báo chí không đưa tin")
        ("fines-for-leaving-home", "ra duong ko ly do la bi phat 20 trieu do ae"),
        ("f0-home-treatment-package-scam", "Bán Molnupiravir xách tay không cần đơn, ship tận nhà cho F0."),
        ("bodies-dumped-hoax", "Đêm nào cũng có xe chở xác, báo chí không đưa tin gì cả."),
        # a negation that is the hoax's own rule or a condition
        ("vaccine-fee-required", "Không nộp tiền thì không được xếp lịch tiêm vắc xin sớm."),
        ("helicopter-disinfectant-spraying", "Tối nay trực thăng phun thuốc, không ra đường, không phơi quần áo."),
    ],
)
def test_a_rumor_with_a_negation_still_repeats(wordings: dict[str, ClaimWording], claim_id: str, text: str) -> None:
    assert _stance(text, wordings[claim_id]) is Stance.REPEATS


def test_shorthand_is_shown_as_written() -> None:
    assert as_written("deo khau trang ko gay thieu oxy dau", "khong gay thieu oxy") == "ko gay thieu oxy"
    assert as_written("Không có gì", "khong co chuyen") == "khong co chuyen"  # not found: the folded phrase


@pytest.mark.parametrize(
    ("claim_id", "text"),
    [
        # how, where, when, how many: a reader asking for information about the claim's topic
        ("vaccine-fee-required", "Ở xã mình thì đăng ký tiêm mũi nhắc ở đâu, mất bao nhiêu tiền?"),
        ("vaccine-causes-covid", "Người lớn tuổi nên tiêm mấy mũi thì đủ?"),
        ("masks-cause-hypoxia", "Trẻ nhỏ đeo khẩu trang loại nào cho dễ thở?"),
        # a yes/no question without the closing "không"
        ("vaccine-infertility", "Chị em đang muốn có con thì có nên chích vắc xin?"),
        ("alcohol-drinking-kills-virus", "Xịt cồn lên quần áo có giúp diệt được virus?"),
    ],
)
def test_an_information_question_asks(wordings: dict[str, ClaimWording], claim_id: str, text: str) -> None:
    assert _stance(text, wordings[claim_id]) is Stance.ASKS


@pytest.mark.parametrize(
    ("claim_id", "text"),
    [
        # the rumor's rhetoric keeps its stance, question word or not
        ("vaccine-mass-deaths", "Bạn có biết bao nhiêu người đã chết sau mũi tiêm?"),
        ("vaccine-mass-deaths", "Tiêm xong chết cả làng, tại sao báo đài im lặng bao lâu nay?"),
        # insinuation: "liệu có phải …?" without the closing "không" suggests, it does not ask
        ("5g-spreads-covid", "Cột 5G dựng tới đâu dịch bùng tới đó, liệu có phải ngẫu nhiên?"),
        # a "có" that is the rumor's claim, not a question, before a question in the last clause
        ("vaccine-microchip", "Vắc xin có gắn chip theo dõi, vậy mà mọi người vẫn đi tiêm?"),
    ],
)
def test_rumor_rhetoric_still_repeats(wordings: dict[str, ClaimWording], claim_id: str, text: str) -> None:
    assert _stance(text, wordings[claim_id]) is Stance.REPEATS


def test_a_denial_outside_the_region_refutes(wordings: dict[str, ClaimWording]) -> None:
    # a long answer: the match is read in its greeting, the claim's predicate is denied further on
    text = (
        "Chào bạn, cảm ơn câu hỏi. Mũi tiêm vắc xin COVID-19 có thể gây sốt nhẹ một hai ngày. "
        "Bạn nên nghỉ ngơi và uống đủ nước. Nếu sốt cao hãy đến trạm y tế. "
        "Vắc xin không gây ảnh hưởng tới khả năng sinh sản của nam giới. Chúc bạn khỏe."
    )
    folded = normalize(text).folded
    region = ". ".join(folded.split(". ")[:2]) + "."
    got, phrase = read_stance(folded, wordings["vaccine-infertility"], region)
    assert got is Stance.REFUTES
    assert phrase is not None and "kha nang sinh san" in phrase
    # a plain denial out there is not read: long rumors are full of them
    rumor = text.replace(
        "Vắc xin không gây ảnh hưởng tới khả năng sinh sản của nam giới", "Tuyệt đối không uống nước đá"
    )
    assert read_stance(normalize(rumor).folded, wordings["vaccine-infertility"], region)[0] is Stance.REPEATS


@pytest.mark.parametrize(
    ("claim_id", "text"),
    [
        ("vaccine-certificate-sale", "Làm hồ sơ xin việc thì có chứng nhận tiêm hay không cũng không ảnh hưởng."),
        ("herbal-cure-covid", "Xông lá chỉ giúp dễ chịu chứ không phải thuốc chữa COVID-19."),
    ],
)
def test_plain_denials_of_an_effect_refute(wordings: dict[str, ClaimWording], claim_id: str, text: str) -> None:
    assert _stance(text, wordings[claim_id]) is Stance.REFUTES


@pytest.mark.parametrize(
    ("claim_id", "text"),
    [
        # "không ngừng / không ngớt / không những / không ít": no denial at all
        ("bioweapon-origin", "Vũ khí sinh học không ngừng được chế tạo trong phòng thí nghiệm để tấn công đối thủ."),
        ("cure-garlic-saltwater", "Không ít người ăn tỏi sống đã khỏi bệnh, diệt được virus corona."),
        # "không hề mới (mẻ)": nothing new, no denial
        ("bioweapon-origin", "Vũ khí sinh học tạo ra virus corona không hề mới, phòng thí nghiệm đã làm từ lâu."),
        # "không phải chém gió": the writer vouches for the claim; a parenthesis ends the clause
        ("essential-oil-prevents-covid", "Xông tinh dầu tràm diệt được virus (không phải chém gió nhé) phòng covid."),
        # a self-test's conclusion ("chứng tỏ không bị nhiễm") is the hoax's promise
        ("hold-breath-self-test", "Mỗi sáng nín thở 10 giây, thấy dễ chịu chứng tỏ bạn không bị nhiễm."),
        ("hold-breath-self-test", "Nín thở được 10 giây, điều đó cho thấy không bị lây nhiễm."),
        # a fear voiced ("mong là không phải sự thật"), not a correction
        (
            "bioweapon-origin",
            "Mong là không phải sự thật, virus corona là vũ khí sinh học do phòng thí nghiệm chế tạo.",
        ),
        # "chứ không phải" contrasts, it denies nothing of the claim
        ("hot-weather-kills-virus", "Nắng nóng trên 25 độ là virus chết, chứ không phải ai cũng cần đeo khẩu trang."),
        # "họng" (throat) folds to the question word "hông": no question
        ("cure-garlic-saltwater", "Virus phải đi qua vòm cổ họng nên súc miệng nước muối là giết chết virus ở cổ họng"),
        # "thật hay giả" inside the rumor's own claim is no question about it (stance-alt-q)
        ("vaccine-microchip", "Thật hay giả gì thì vắc xin cũng gắn chip theo dõi, đừng đi tiêm!"),
    ],
)
def test_real_rumor_wording_is_no_correction_or_question(
    wordings: dict[str, ClaimWording], claim_id: str, text: str
) -> None:
    assert _stance(text, wordings[claim_id]) is Stance.REPEATS


@pytest.mark.parametrize(
    ("claim_id", "text", "expected"),
    [
        # the self-test's conclusion negated is the correction's own words
        ("hold-breath-self-test", "Nín thở được 10 giây không có nghĩa là bạn không bị nhiễm covid.", Stance.REFUTES),
        # "chứ không phải thuốc chữa": a denial that something cures
        (
            "cure-garlic-saltwater",
            "Súc miệng nước muối giúp sạch họng chứ không phải thuốc để chữa covid.",
            Stance.REFUTES,
        ),
        # a question that really ends on "hông"
        ("cure-garlic-saltwater", "Ăn tỏi sống diệt được virus có thật hông", Stance.ASKS),
    ],
)
def test_corrections_and_questions_near_those_words_still_read(
    wordings: dict[str, ClaimWording], claim_id: str, text: str, expected: Stance
) -> None:
    assert _stance(text, wordings[claim_id]) is expected


@pytest.mark.parametrize(
    ("claim_id", "text"),
    [
        # the alternative question, as often typed without "?" as with it (repeated before stance-alt-q)
        ("vaccine-microchip", "vắc xin có gắn chip theo dõi là thật hay bịa vậy cả nhà"),
        ("vaccine-microchip", "Vắc xin gắn chip theo dõi người tiêm, đúng hay sai hả mọi người?"),
        ("hot-lemon-water-kills-virus", "uong nuoc chanh nong diet virus corona that hay dua the ae"),
    ],
)
def test_an_alternative_question_asks_with_or_without_its_question_mark(
    wordings: dict[str, ClaimWording], claim_id: str, text: str
) -> None:
    assert _stance(text, wordings[claim_id]) is Stance.ASKS


@pytest.mark.parametrize(
    ("claim_id", "text", "shown"),
    [
        (
            "alcohol-drinking-kills-virus",
            "Tuần qua, một bài viết lan truyền trong các nhóm hưu trí. Bài viết nói chỉ cần uống rượu trắng "
            "mỗi tối là virus chết, không lây được cho ai. Nhiều người đã làm theo và gửi cho con cháu. "
            "Có người còn ngâm thêm chuối hột vào rượu. Trung tâm Kiểm soát bệnh tật tỉnh khẳng định đây là "
            "thông tin sai sự thật.",
            "thong tin sai",
        ),
        (
            "mosquito-transmission",
            "Mùa mưa năm nay muỗi nhiều. Một tin nhắn bảo muỗi đốt người bệnh rồi đốt sang người lành, thuốc "
            "xịt muỗi thường không diệt được con virus này. Tin nhắn khuyên mua loại xịt đặc biệt. Nhiều hộ "
            "đã mua. Trạm y tế xã cho biết đây là tin giả.",
            "tin gia",
        ),
    ],
)
def test_a_quoted_rumors_denial_does_not_explain_the_correction(
    wordings: dict[str, ClaimWording], claim_id: str, text: str, shown: str
) -> None:
    """A long text that quotes a rumor first ("… không lây được cho ai") and corrects it after ("… là
    thông tin sai sự thật"): the correction's words explain the stance, not the rumor's plain denial
    (issue 15, stance-denial-last)."""
    folded = normalize(text).folded
    got, phrase = read_stance(folded, wordings[claim_id], folded)
    assert got is Stance.REFUTES
    assert phrase is not None and shown in phrase and not phrase.startswith("khong")


def test_a_plain_denial_still_explains_when_nothing_stronger_is_read(wordings: dict[str, ClaimWording]) -> None:
    long_text = (
        "Ông bà tôi ngâm rượu gạo với chuối hột. Rượu gạo ngâm chuối hột không diệt được con virus nào. "
        "Uống nhiều còn hại gan. Ai cũng nên đi tiêm. Nhà tôi tiêm đủ rồi."
    )
    short_text = "Rượu ngâm chuối hột không diệt được con virus nào. Đây là tin giả."
    for text in (long_text, short_text):
        folded = normalize(text).folded
        got, phrase = read_stance(folded, wordings["alcohol-drinking-kills-virus"], folded)
        assert got is Stance.REFUTES and phrase is not None and phrase.startswith("khong"), (text, phrase)
