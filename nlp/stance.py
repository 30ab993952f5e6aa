"""Does a text repeat a known claim, refute it, or ask about it?

A correction quotes the rumor it corrects ("UBND huyện đã cải chính thông tin phong tỏa…"),
and so does a worried question ("Sơn Dương phong tỏa thật không các bác?"); both match the
claim as well as the rumor itself does. Only a text that *repeats* the claim should be
flagged as that rumor, so every match carries a stance:

* ``refutes`` — correction wording: "cải chính", "bác bỏ", "tin giả", "thất thiệt", "không có
  chuyện", "làm gì có", "không có bằng chứng", "không diệt được", "là lừa đảo", "đừng tin",
  "đừng chia sẻ", … — unless it is itself negated ("không phải tin đồn đâu", "ai bảo là tin
  giả") or belongs to the claim's own wording (a claim may contain "không": "nín thở … không
  ho nghĩa là không nhiễm");
* ``asks`` — a question about it: "thật không các bác?", "có đúng không ạ", "cho em hỏi",
  "có ai biết", "thật hay giả" — but not the rumor's rhetorical "Tại sao báo chí im lặng?";
* ``repeats`` — everything else.

Rules on the folded text (no diacritics, shorthand expanded: "ko" → "khong"). They were
written from how Vietnamese corrections and questions are worded, then checked on the
hand-written set in ``nlp/data/claims_eval`` (``stances.yaml``: corrections and questions,
and every paraphrase, which must stay ``repeats``).
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from tinradar.schema import Stance

#: The stance rules' version, stamped on every analysis (``versions["claims"]`` ends in it), so an
#: analysis made under other rules is known and redone. ``stance-neg``: a negated predicate refutes;
#: ``stance-neg-q``: the match carries the words its stance was read from, a question's too;
#: ``stance-info``: information questions ask, a long text's negated predicate counts outside its region;
#: ``stance-real``: real rumors' non-denials ("không ngừng", "không hề mới", "chứ không phải …", "nghĩa là không bị
#: nhiễm", "mong là không phải sự thật", "không phải chém gió") and "họng" no longer refute or ask.
#: ``stance-alt-q``: the alternative question "thật hay bịa / giả / đùa", "đúng hay sai" asks, with or without "?".
#: ``stance-denial-last``: in a long text (over 4 sentences read), a plain denial is the phrase shown only where no
#: sentence read has correction words or the claim's predicate negated (same stances; a quoted rumor's "không
#: thể gây" no longer explains a correction).
STANCE_VERSION = "stance-denial-last"

_B = r"(?<![a-z0-9])"
_E = r"(?![a-z0-9])"

#: Correction vocabulary (folded): phrases a correction uses and a rumor does not. A bare
#: "tin đồn" is not one ("nghe tin đồn là…" repeats), nor a bare "cảnh báo" (rumors open with it).
_CORRECTION = re.compile(
    _B + r"(?:tin (?:gia|fake|nham nhi|vo van|bia|that thiet|vit|nham)|fake news|that thiet|bia dat|bia ra|hoang duong|"
    r"vu khong|xuyen tac|nham nhi|"
    r"sai su that|khong (?:dung|phai) su that|khong chinh xac|sai lech|khong co co so|vo can cu|vo ly|"
    r"bac bo|bac tin|bac thong tin|cai chinh|dinh chinh|phu nhan|"
    r"khong co chuyen|lam gi co|lam sao (?:ma|co)|dau co chuyen|"
    r"(?:khong|chua) (?:co )?(?:bat ky )?(?:bang chung|co so khoa hoc|can cu)|"
    r"khong co (?:ke hoach|chu truong|quy dinh|van ban|quyet dinh|viec|chuyen)|"
    r"(?:la|deu la|toan la|chi la) (?:lua dao|tro bip|cat ghep|xao|bia|sai|gia|hang gia|tin don|nham nhi|vo ly|lam bay|bay|"
    r"(?:thong tin|tin) sai)|quang cao (?:lao|sai|bay)|"
    r"(?:de nghi|khuyen cao|yeu cau|mong) .{0,30}khong (?:tin|lan truyen|chia se)|khong .{2,60} nhu (?:loi|tin) don|"
    r"xao (?:het|ca|thoi|do)|"
    r"dung (?:share|chia se|lan truyen|hoang mang|do xo|tich tru)|"
    r"dung tin(?! (?:\w+ ){0,2}(?:so lieu|bao|bo y te|chinh quyen|nha nuoc|truyen thong|tivi|ti vi|ho |tui no|bon no|"
    r"bac si|chuyen gia))|"
    r"canh bao (?:thu doan|chieu|lua dao|tin gia|hang gia|nguoi dan khong)|"
    r"(?:xu phat|xu ly|bi phat) .{0,40}(?:dang|tung|lan truyen|dua) (?:tin|thong tin|bai|clip)|"
    r"(?:bac si|chuyen gia|bo y te|so y te|who|cong an|co quan chuc nang) (?:\w+ )?canh bao|"
    r"khang dinh .{0,80}(?:khong|sai|gia|mien phi)|khong ai duoc (?:thu|ban|phep thu)|hoan toan mien phi)" + _E
)
#: Plain denials ("không diệt được", "tuyệt đối không", "chẳng có … nào"): a correction's words
#: too, but long rumors are full of them ("tuyệt đối không uống nước đá"), so they count only
#: where the text mentions the claim (the region the caller gives) or in a short text.
_DENIAL = re.compile(
    _B + r"(?:khong he(?! moi)|hoan toan khong|tuyet doi khong|"
    r"(?:khong|chang|cha) co (?:gia tri|nguy co|cong dung|tac dung|hieu qua|lien quan)|(?:cha|chang) lien quan|"
    r"(?:chang|cha) co .{1,30} nao|chua co (?:ca|truong hop|ai|nguoi) nao|"
    r"(?:khong|chang|cha) (?:the |he )?(?:diet|tieu diet|giet|chua|chua khoi|chua duoc|gay|lam (?:lay|thay doi|tang)|lay|"
    r"truyen|ngan|chan|phong|phat hien|co tac dung|hieu qua|thay doi|chua (?:kim loai|chip|virus song)|"
    r"bi (?:nhiem|lay|vo sinh|thieu oxy)|thieu oxy|nguy hiem|anh huong)|"
    r"(?:khong|chang) phai (?:la )?(?:thuoc|cach|bien phap|phuong phap) (?:de )?(?:chua|dieu tri|phong|diet)|"
    r"khong (?:ban hanh|cu (?:nguoi|nhan vien|can bo)|thu (?:tien|phi))|"
    r"khong (?:can|nen) (?:hoang mang|do xo|tich tru|lo|so)|khong phai (?:la )?(?:hang|loai)|dung nghi|"
    r"mien phi|da tiem .{0,40}(?:van|binh thuong))" + _E
)
#: The rules read at most this much of a text (folded characters): its opening.
READ_CHARS = 5000
#: A text of at most this many sentences is short: its plain denials count anywhere.
SHORT_TEXT_SENTENCES = 4
#: Sentences of a long text's opening (title and lead) that are read when no region is given.
OPENING_SENTENCES = 3
#: A correction word negated or put in doubt: "không phải tin đồn đâu", "ai bảo là tin giả".
_NEGATED = re.compile(
    r"(?:khong phai|dau phai|chang phai|ai bao|dung noi|khong con la|dung nghi)(?: la)? (?:chi )?(?:tin|bia|xao)"
    r"|tin (?:gia|don) (?:gi|dau)"
    # "mong là không phải sự thật": a fear voiced, not a correction.
    r"|(?:mong|hy vong|hi vong|uoc gi|cau mong|cau troi)(?: la| rang)? (?:khong phai|chi la|la tin)"
)
#: "… nghĩa là / chứng tỏ / cho thấy (bạn) không bị nhiễm": the conclusion a self-test hoax promises,
#: not a denial; "không có nghĩa là …" (a correction's words) is not one.
_CONCLUSION = re.compile(
    r"(?<!khong )(?<!khong co )(?<!chua )(?:nghia la|tuc la|chung to|cho thay|cho biet)"
    r"(?: (?:chung ta|ban|minh|ban than|nguoi do|ho|la|rang|ve co ban|co ban))* "
    r"(?:khong|chua) (?:he )?(?:bi |co |mac )?(?:lay )?(?:nhiem|benh|mac|lay)" + _E
)
#: Words of the throat ("mũi họng", "cổ họng"): folded, "họng" is the question's "hông".
_THROAT = re.compile(_B + r"((?:mui|vom co|vom|viem|rat|ngua|hau|sung|vung co|trong co|o co|sau trong) hong)" + _E)
#: "… nhưng thật ra / thực tế / ai cũng biết …": what came before is a quoted correction, rejected.
_BUT = re.compile(
    _B + r"(?:nhung|song|the ma|ma thuc ra)(?: \w+){0,4}? (?:that ra|thuc te|thuc ra|su that|ai cung biet|van)" + _E
)
#: A question: a yes/no tail or an explicit request for confirmation.
_ASK_TAIL = re.compile(
    _B + r"(?:(?:co )?(?:that|thiet|dung|phai|that su) (?:khong|hong|hem|ha|a|chu|vay|hay gia|hay khong)|"
    r"(?:that|dung) hay (?:gia|bia|dua|xao|fake|sai)|hay la .{0,30}(?:che|gia|don)|"
    r"khong (?:a|nhi|vay|ta|ha|nhe)|hong (?:a|ta|vay)|chua (?:a|nhi|vay)|"
    r"(?:co|lieu) .{2,60} (?:khong|hong|chua)|"
    r"(?:cho|xin) (?:em|minh|toi|chau|con) hoi|xin hoi|co ai (?:biet|tiem|thay|bi)|(?<!khong )ai biet|ai co (?:tin|thong tin)|"
    r"co (?:nen|tin duoc|sao) .{0,40}(?:khong|hong)|phai khong|dung khong|that a|that ha|ha (?:mn|moi nguoi|ae|cac)|"
    r"(?:co )?(?:phai|dung) la .{0,60}(?:khong|hong))" + _E
)
_ADDRESS = (
    r"(?: (?:a|nhi|vay|the|ta|ha|nhe))?(?: (?:cac \w+|moi nguoi|mn|ae|anh em|ca nha|anh chi|chi em|ban oi|oi))*\W*$"
)
_ASK_END = re.compile(_B + r"(?:khong|hong|chua|nhi|a|ha|vay|sao)" + _ADDRESS.replace(r"\W*$", r"\W*\?$"))
_ASK_PLAIN = re.compile(r"(?:cho|xin) (?:em|minh|toi|chau|con) hoi|xin hoi|co ai biet|(?<!khong )ai biet")
_ASK_CLAUSE = re.compile(
    _B
    + r"(?:(?:co|lieu|co phai|phai) .{2,80} (?:khong|hong|chua)|(?:that|thiet|dung|phai) (?:khong|hong|ha|a)|"
    # the alternative question, typed without "?" as often as with it: "… là thật hay bịa vậy mn"
    + r"(?:that|dung) hay (?:gia|bia|dua|xao|fake|sai))"
    + _ADDRESS
)
_INDIRECT = re.compile(_B + r"(?:kiem tra|biet|xem|cach|tim hieu|lam the nao)(?: \w+){0,3} co" + _E)
#: An information-seeking question ("Tiêm ở đâu?", "Cần mấy liều?", "Có nên tiêm?", "Vắc xin có ảnh
#: hưởng tới khả năng sinh sản?"): a question word or a yes/no "có/nên …" without the closing "không",
#: in the last clause of a sentence that ends in "?". Who asks how, where, when or whether does not
#: assert; the rumor's rhetoric ("Tại sao…?", "Bạn có biết…?") is caught before (``_RHETORICAL``),
#: and its insinuation ("liệu có phải trùng hợp?", "có phải do 5G?") is no yes/no question here:
#: without the closing "không", "liệu" and "có phải" suggest rather than ask.
_ASK_INFO = re.compile(
    _B + r"(?:bao nhieu|may (?:lieu|mui|ngay|lan|thang|tuan)|o dau|khi nao|bao lau|(?:nhu )?the nao|ra sao|"
    r"lam sao(?! (?:ma|co))|(?:la|can|nen|bi) gi|(?:loai|cach|mui|noi|vaccine|vac xin|vac-xin) nao|"
    r"(?:co|nen) (?!phai)\w+)" + _E
)
#: The rumor's own rhetorical questions ("Tại sao báo chí không đưa tin?").
_RHETORICAL = re.compile(_B + r"(?:tai sao|vi sao|sao lai|ban co biet|cac ban co biet|co biet (?:tai|vi) sao)" + _E)
_NEGATIONS = frozenset({"khong", "chang", "cha", "chua"})
#: Words too common to tie a negation to a claim ("không có virus" vs "có virus").
_FUNCTION = frozenset(
    re.findall(
        r"\S+",
        "la va cua co cho duoc bi se da dang thi ma nay do voi cac nhung mot moi khi de o tai tu den trong ngoai "
        "nguoi virus covid corona covid-19 sars-cov-2 benh dich ca nha",
    )
)
#: What follows "không" in a hoax's own rules or in words that are not a negation at all.
_NOT_A_DENIAL = frozenset(
    re.findall(r"\S+", "duoc ai cho khi can nen bao phai con biet dam noi chiu ro ngung ngot nhung it")
)
#: "Không phải chém gió / nói đùa": an assertion vouched for, not one denied.
_VOUCHED = frozenset({"chem", "dua", "noi", "bia"})
_CHUA_DENIES = frozenset({"co", "he", "tung", "thay"})
#: Between "không phải" / "không cần" and what they negate: "không phải là X", "không cần thiết phải X".
_LINKS = frozenset({"la", "thiet", "phai"})
#: What a myth says its subject does: the verbs of a claim's predicate (folded), for the second shape.
_EFFECTS = frozenset(
    re.findall(r"\S+", "nhiem lay truyen chua khoi diet giet phong chan ngan gay hut chet tang giam thay")
)
#: "Virus không sống nổi": a negation that promises the claim's effect, not one that denies it.
_SURVIVES = frozenset({"song", "ton"})
#: "X thì / là không …": the negation is the consequence the rumor promises.
_CONSEQUENCE = frozenset({"thi", "la"})
_SENTENCE = re.compile(r"[^.!?\n…]+[.!?…]*")


@dataclass(frozen=True)
class ClaimWording:
    """A claim's texts, folded and joined, and the word pairs that only it (or one other claim) uses."""

    text: str = ""
    pairs: frozenset[str] = frozenset()
    words: frozenset[str] = frozenset()


_NO_CLAIM = ClaimWording()


def _is_content(word: str) -> bool:
    return word not in _FUNCTION and word not in _NEGATIONS


def claim_wordings(texts_by_claim: Mapping[str, Sequence[str]]) -> dict[str, ClaimWording]:
    """``ClaimWording`` per claim id from each claim's folded texts (claim and variants).

    A pair counts as the claim's own when at most two claims of the registry use it: "vac xin"
    is everybody's topic, "thieu oxy" or "gan chip" is one claim's predicate.
    """
    pairs_of: dict[str, set[str]] = {}
    for cid, texts in texts_by_claim.items():
        runs = [re.findall(r"[a-z0-9]+", part) for t in texts for part in re.split(r"[,;:.!?()]", t)]
        pairs_of[cid] = {
            f"{a} {b}" for ws in runs for a, b in itertools.pairwise(ws) if _is_content(a) and _is_content(b)
        }
    df = Counter(p for pairs in pairs_of.values() for p in pairs)
    return {
        cid: ClaimWording(
            " | ".join(texts),
            frozenset(p for p in pairs_of[cid] if df[p] <= 2),
            frozenset(w for t in texts for w in re.findall(r"[a-z0-9]+", t) if _is_content(w)),
        )
        for cid, texts in texts_by_claim.items()
    }


def _sentences(folded: str) -> Iterable[str]:
    for m in _SENTENCE.finditer(folded):
        sentence = m.group(0).strip()
        if sentence:
            yield sentence


def _refutes(sentence: str, claim: ClaimWording, plain: bool, *, denials: bool = True) -> str | None:
    """The phrase (folded) that makes a sentence a correction of the claim, or ``None``.

    ``denials=False``: correction vocabulary and the claim's own predicate negated only, not a
    plain denial (``_DENIAL``), the weakest evidence: :func:`read_stance` looks for the stronger
    kinds in every sentence it reads before it settles for a plain denial."""
    if _NEGATED.search(sentence):
        return None
    # "Báo chí nói là tin giả nhưng thực tế…": a correction quoted to be rejected.
    if _BUT.search(sentence):
        return None
    if _CONCLUSION.search(sentence):
        plain = False
    # Correction vocabulary first, then the claim's own predicate negated (it names what is
    # denied: "khong gay thieu oxy"), then a plain denial ("khong gay").
    for m in _CORRECTION.finditer(sentence):
        if m.group(0) not in claim.text:
            return m.group(0)
    if not plain:
        return None
    found = negated_predicate(sentence, claim)
    if found is not None or not denials:
        return found
    return next((m.group(0) for m in _DENIAL.finditer(sentence) if m.group(0) not in claim.text), None)


def negated_predicate(sentence: str, claim: ClaimWording) -> str | None:
    """The phrase (folded) where a sentence negates the claim's own predicate, or ``None``.

    Two shapes, both inside one clause (commas end a negation's scope):

    * a negation followed, within six words, by a word pair that only this claim uses
      ("không làm **thiếu oxy**", "không hủy **kỳ thi**", "không phải là **vũ khí** sinh học");
    * the claim's subject, then a negation, then, within four words, a verb of its predicate (``_EFFECTS``)
      ("**bưu kiện** từ Trung Quốc không làm bạn bị **nhiễm**"): the claim's subject with its
      predicate denied.

    Prohibitions that a hoax itself announces ("không ai được ra khỏi nhà"), negations the
    claim itself contains ("không bao giờ bị nhiễm"; "không" at most two words before the
    pair in the claim's wording), the rumor's conditionals ("không đóng tiền thì không được
    tiêm"; "uống kháng sinh trước thì không lo bị nhiễm" for the second shape) and "không
    sống nổi" (the virus dies: the rumor's own promise) do not count.
    """
    if not claim.pairs:
        return None
    for clause in re.split(r"[,;:()]", sentence):
        words = re.findall(r"[a-z0-9]+", clause)  # as the claim's pairs are read ("hoc." is "hoc")
        for i, word in enumerate(words):
            if word not in _NEGATIONS:
                continue
            after = words[i + 1] if i + 1 < len(words) else ""
            start, reach = i + 1, 6
            if after == "phai" and i + 2 < len(words) and words[i + 2] in _VOUCHED:
                continue
            if after in {"phai", "can"} and word != "chua":  # "không phải (là) X", "không cần (phải) X"
                start = i + 2
                while start < len(words) and words[start] in _LINKS:
                    start += 1
                reach = 4
            elif after in _NOT_A_DENIAL or (word == "chua" and after not in _CHUA_DENIES):
                continue
            if _conditional_after(words, i, claim):
                continue
            tail = words[start : start + reach]
            for k, (a, b) in enumerate(itertools.pairwise(tail)):
                pair = f"{a} {b}"
                if pair in claim.pairs and not _claims_own(claim, pair, word, after):
                    end = start + k + 2  # on through the claim's wording ("huy ky" + "thi tot nghiep")
                    while end < len(words) and re.search(
                        _B + re.escape(" ".join(words[start + k : end + 1])) + _E, claim.text
                    ):
                        end += 1
                    return " ".join(words[i:end])
            if (
                after in _SURVIVES
                or (i > 0 and words[i - 1] in _CONSEQUENCE)
                or (i > 1 and words[i - 2] in _CONSEQUENCE)
            ):
                continue
            before = words[:i]
            if not any(f"{a} {b}" in claim.pairs for a, b in itertools.pairwise(before)):
                continue
            for k, w in enumerate(words[start : start + 4]):
                if w in _EFFECTS and w in claim.words and not _claims_own(claim, w, word, after):
                    return " ".join(words[i : start + k + 1])
    return None


def _conditional_after(words: list[str], i: int, claim: ClaimWording) -> bool:
    """A "thì" after the negation: the negation is a condition ("không đóng tiền thì …"). The
    folded "thi" is also "thi" (exam): not where it makes one of the claim's pairs ("kỳ thi")."""
    for j in range(i + 1, min(i + 8, len(words))):
        if words[j] == "thi" and not re.search(_B + re.escape(" ".join(words[j - 1 : j + 2])) + _E, claim.text):
            return True
    return False


def _claims_own(claim: ClaimWording, phrase: str, negation: str, after: str) -> bool:
    """Whether the claim's own wording negates this phrase: a negation at most two words before
    it, or the same negation and next word ("không lý do … bị phạt") at most five before it."""
    own = r"(?:khong|chang|chua)(?: \w+){0,2}|" + re.escape(f"{negation} {after}") + r"(?: \w+){0,4}"
    return bool(re.search(_B + "(?:" + own + ") " + re.escape(phrase) + _E, claim.text))


def _asks(sentence: str) -> bool:
    sentence = _THROAT.sub(lambda m: m.group(1).replace(" ", "_"), sentence)
    if _RHETORICAL.search(sentence):
        return False
    if sentence.endswith("?"):
        last = re.split(r"[,;:]", sentence)[-1]  # "Vắc xin có chip, họ muốn gì?" does not ask whether it has
        return bool(_ASK_TAIL.search(sentence) or _ASK_END.search(sentence) or _ASK_INFO.search(last))
    if _ASK_PLAIN.search(sentence):
        return True
    # Questions typed without "?": a clause that ends on a question word and maybe an address
    # ("… thật không các bác"), but not an indirect one ("cách kiểm tra xem mình có nhiễm không").
    return any(_ASK_CLAUSE.search(c.strip()) and not _INDIRECT.search(c) for c in sentence.split(","))


def stance(folded: str, claim: ClaimWording = _NO_CLAIM, region: str | None = None) -> Stance:
    """The stance of a text (folded) towards a claim (its folded wording; none: correction words alone).

    ``region`` is where a long text mentions the claim (its opening and the sentences around
    the match): the rules read only there. Without it, a long text is read in its opening only,
    and there for correction vocabulary and questions, not plain denials or negated claim words,
    which long rumors are full of ("tuyệt đối không uống nước đá"). A correction word counts only
    outside a question; a question that doubts ("… là tin giả phải không?") is ``asks``.
    """
    return read_stance(folded, claim, region)[0]


def read_stance(folded: str, claim: ClaimWording = _NO_CLAIM, region: str | None = None) -> tuple[Stance, str | None]:
    """``stance`` and the phrase (folded) that decided it, what a reviewer is shown: for
    ``refutes`` the correction word, the plain denial or the negated predicate ("khong gay thieu
    oxy"); for ``asks`` the question (:func:`question_phrase`); ``None`` for ``repeats``."""
    sentences = list(_sentences((region if region is not None else folded)[:READ_CHARS]))
    plain = region is not None or len(sentences) <= SHORT_TEXT_SENTENCES
    asked: str | None = None
    phrase: str | None = None
    # A long text with no region is read in its opening (title, lead) only: that is where a
    # correction or a question announces itself; further on, correction words and questions
    # are as frequent in rumors ("thuyết âm mưu?", "đừng tích trữ") as in corrections.
    read = [(sentence, _asks(sentence)) for sentence in (sentences if plain else sentences[:OPENING_SENTENCES])]
    # In a long text, a plain denial only where no sentence read has correction words or the claim's
    # predicate negated: an article that quotes a rumor at length ("… là virus chết hết, không thể gây
    # bệnh") and corrects it at the end ("chưa có bằng chứng …") is refuted by its correction, and
    # that is the phrase the reviewer is shown. A short text's first denial is its author's own
    # ("Uống nước dừa không diệt được con virus đâu. Đừng share nữa"): it is shown as before. The
    # stance is the same either way (issue 15, 2026-12-06).
    denials_last = len(read) > SHORT_TEXT_SENTENCES
    for sentence, question in read:
        if question and asked is None:
            asked = question_phrase(sentence)
        if not question and phrase is None:
            phrase = _refutes(sentence, claim, plain, denials=not denials_last)
    if phrase is None and denials_last:
        phrase = next((p for s, q in read if not q and (p := _refutes(s, claim, plain)) is not None), None)
    if phrase is None and region is not None:
        phrase = _denied_elsewhere(folded, claim, set(sentences))
    if phrase is not None:
        return Stance.REFUTES, phrase
    if asked is not None:
        return Stance.ASKS, asked or None
    return Stance.REPEATS, None


def _denied_elsewhere(folded: str, claim: ClaimWording, read: set[str]) -> str | None:
    """The claim's own predicate negated in a sentence of a long text outside its region ("vắc xin
    không gây ảnh hưởng đến khả năng sinh sản" three sentences after the greeting the match was
    read in): the region holds the match, not always the denial. Only the claim-specific shape
    (:func:`negated_predicate`, the claim's own word pair after the negation) counts out there,
    never a plain denial or correction word, which long rumors are full of."""
    for sentence in _sentences(folded[:READ_CHARS]):
        if (
            sentence in read
            or _asks(sentence)
            or _NEGATED.search(sentence)
            or _BUT.search(sentence)
            or _CONCLUSION.search(sentence)
        ):
            continue
        found = negated_predicate(sentence, claim)
        if found is not None:
            return found
    return None


#: Words of a question quoted to the reviewer: its last clause, at most this many words.
QUESTION_WORDS = 20


def question_phrase(sentence: str) -> str:
    """The words that make a sentence (folded) a question, as a reviewer is shown them: the last
    clause with a question's words ("… thật không các bác"; else the last clause), at most
    ``QUESTION_WORDS`` words from its end, where those words stand. Words only, no punctuation, so
    that ``nlp.cues.as_written`` finds them again in the text as written."""
    clauses = [c for c in re.split(r"[,;:.!?()\[\]\"…]+", sentence) if c.split()]
    asking = [c for c in clauses if _ASK_TAIL.search(c) or _ASK_PLAIN.search(c) or _ASK_CLAUSE.search(c.strip())]
    last = (asking or clauses or [""])[-1]
    return " ".join(last.split()[-QUESTION_WORDS:])


def refutes(folded: str) -> bool:
    """Whether a text (folded) reads as a correction of some rumor (no claim in view)."""
    return stance(folded) is Stance.REFUTES


def asks(folded: str) -> bool:
    """Whether a text (folded) reads as a question (no claim in view) rather than a claim or a correction."""
    return stance(folded) is Stance.ASKS


def correction_span(folded: str) -> tuple[int, int] | None:
    """Where a correction's wording first stands in a text (folded, same length as the text):
    the span a reviewer is shown for a "refutation" cue."""
    m = _CORRECTION.search(folded[:READ_CHARS]) or _DENIAL.search(folded[:READ_CHARS])
    return (m.start(), m.end()) if m else None
