"""Cues a reviewer can check: typed, located in the text, ranked, at most three.

Issue 21 measured the old cues: the model's top n-grams ("virus", "corona", "trung quốc",
"cái", "ta", "hải") — topic words every COVID-19 post has, function words, fragments of
names, country names. A reviewer learns nothing from them. A cue is now shown only if it is

* a **reliability cue** from a curated list (``nlp/data/reliability_cues.yaml``): hearsay
  ("nghe nói"), an unnamed source ("người nhà làm ở Bộ Y tế"), secrecy ("bác sĩ giấu kín"),
  a miracle cure ("100% khỏi"), urgency ("khẩn cấp"), a chain-letter call to share, a phone
  number; or a pattern (a run of words in capitals; a correction's wording); or
* a **model term**: a word n-gram of the rumor model that raised this post's score *and*
  passes the stop classes — at least two syllables, not all function or COVID-19 topic words,
  no masked name, no place, country or other name — and that stands in the text as written.

Each cue carries its kind, the phrase as written, its character span in the analysed text
(``Document.full_text``) and its contribution: a hand-set weight for curated cues (they are
evidence about reliability, so they rank above any n-gram), the n-gram's tf-idf × coefficient
for model terms. :func:`select` keeps the three strongest, one per kind, without overlaps.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import yaml

from nlp.masking import is_mask_token, masker
from nlp.normalize import PHONE_RE, SHORTHAND, unify_tone_marks
from tinradar.schema import CueSpan
from tinradar.text import fold, fold_aligned, has_vietnamese_diacritics

CUES_FILE = Path(__file__).with_name("data") / "reliability_cues.yaml"
#: Cues are looked for in the opening of a text (as the models read it).
CUE_CHARS = 5000
#: At most this many cues are shown per item (besides a matched known claim).
MAX_CUES = 3
#: A model term is shown only if it raised the text score by at least this much.
MIN_CONTRIBUTION = 0.15


class CueKind(StrEnum):
    HEARSAY = "hearsay"
    UNNAMED_SOURCE = "unnamed_source"
    SECRECY = "secrecy"
    MIRACLE_CURE = "miracle_cure"
    URGENCY = "urgency"
    CHAIN_SHARE = "chain_share"
    PHONE = "phone"
    ALL_CAPS = "all_caps"
    REFUTATION = "refutation"
    MODEL_TERM = "model_term"
    CLAIM = "claim"


LABELS = {
    CueKind.ALL_CAPS: ("viết toàn chữ in hoa", 1.5),
    CueKind.REFUTATION: ("có lời bác bỏ/cải chính tin đồn (điểm đã giảm)", 2.5),
    CueKind.MODEL_TERM: ("cụm từ hay gặp trong tin không đáng tin", 1.0),
}

#: Function words: never a cue alone or together ("cái", "ta", "ơi", "à", "chi").
FUNCTION_WORDS = frozenset(
    re.findall(
        r"\S+",
        """
    vắc có là và của người dân xin bị được không thì mà này các những một cho với đã sẽ rồi nhé ạ đấy tin
    báo chính thật ra mua đi đến từ trong ở tại khi nào gì ai đây đó nữa cũng lại vì nên hay mọi bà con anh
    chị em mình tôi bạn họ nó thôi luôn quá rất lắm vào lên về theo như để còn cái ta ơi à chi la nhỉ ấy kia
    vậy thế đang chưa hai ba nhưng nếu do bởi trên dưới ngoài sau trước lúc đâu sao bao nhiêu mấy ông cô
    chú bác cháu tao mày chúng vẫn đều chỉ mới vừa cứ hãy đừng phải cần muốn biết thấy nói làm xuống qua
    hết cả nhiều ít rằng thì là ạ hả hử nha nhá đó đây vẫn cùng sự việc điều cách những nhau mỗi từng
    """,
    )
)
#: COVID-19 topic words: every post about the epidemic has them, so they say nothing about reliability.
TOPIC_WORDS = frozenset(
    re.findall(
        r"\S+",
        """
    covid covid-19 19 corona virus vi rút rut ncov sars cov dịch bệnh ca nhiễm mắc dương âm tính xét nghiệm
    cách ly phong tỏa khẩu trang vaccine tiêm chủng y tế bác sĩ viện nhân chết tử vong thuốc uống người dân
    phòng chống lây lan triệu chứng sốt ho khó thở điều trị khỏi mới số hôm nay ngày tháng năm giờ
    """,
    )
)


@dataclass(frozen=True)
class _Rule:
    kind: CueKind
    label: str
    weight: float
    pattern: re.Pattern[str] | None


@functools.cache
def _rules() -> tuple[_Rule, ...]:
    data = yaml.safe_load(CUES_FILE.read_text(encoding="utf-8"))
    rules = []
    for kind in CueKind:
        spec = data.get(kind.value)
        if not spec:
            continue
        pats = spec.get("patterns") or []
        rx = re.compile(r"(?<![a-z0-9])(?:" + "|".join(pats) + r")(?![a-z0-9])") if pats else None
        rules.append(_Rule(kind, str(spec["label"]), float(spec["weight"]), rx))
    return tuple(rules)


def label(kind: CueKind) -> str:
    """The Vietnamese label of a kind of cue."""
    for rule in _rules():
        if rule.kind is kind:
            return rule.label
    return LABELS[kind][0]


def _span(kind: CueKind, text: str, start: int, end: int, weight: float, lab: str) -> CueSpan:
    return CueSpan(kind=kind.value, text=text[start:end], start=start, end=end, weight=round(weight, 4), label=lab)


_LETTERS = re.compile(r"[^\W\d_]+")


def _caps_run(text: str) -> tuple[int, int] | None:
    """The first run of at least three words written in capitals (10 letters or more)."""
    run: list[re.Match[str]] = []
    for m in _LETTERS.finditer(text):
        word = m.group(0)
        joined = not run or not text[run[-1].end() : m.start()].strip(" \t,!.:;-")
        if word.isupper() and len(word) >= 2 and joined:
            run.append(m)
            continue
        if len(run) >= 3 and sum(len(r.group(0)) for r in run) >= 10:
            return run[0].start(), run[-1].end()
        run = [m] if word.isupper() and len(word) >= 2 else []
    if len(run) >= 3 and sum(len(r.group(0)) for r in run) >= 10:
        return run[0].start(), run[-1].end()
    return None


#: A negation just before a cure's words ("không tiêu diệt được virus", "chẳng chữa khỏi", "ko diệt
#: sạch"): the text denies the cure, as corrections do, so it is no "hứa hẹn chữa khỏi thần kỳ".
#: Folded "chua" is both "chưa" (not yet) and "chữa" (to cure): it is not read as a negation here.
_DENIED_BEFORE = re.compile(r"(?<![a-z0-9])(?:khong|chang|cha|ko|hok|khg|kg|k)(?: (?:the|he|con))? $")


def reliability_cues(text: str) -> list[CueSpan]:
    """Curated cues and patterns found in ``text`` (spans of ``text`` as given)."""
    text = text[:CUE_CHARS]
    if not text:
        return []
    folded = fold_aligned(unify_tone_marks(text))
    out: list[CueSpan] = []
    for rule in _rules():
        if rule.kind is CueKind.PHONE:
            m = PHONE_RE.search(text)
            if m:
                out.append(_span(rule.kind, text, m.start(), m.end(), rule.weight, rule.label))
            continue
        if rule.pattern is not None:
            m = next(
                (
                    m
                    for m in rule.pattern.finditer(folded)
                    if rule.kind is not CueKind.MIRACLE_CURE or not _DENIED_BEFORE.search(folded, 0, m.start())
                ),
                None,
            )
            if m:
                out.append(_span(rule.kind, text, m.start(), m.end(), rule.weight, rule.label))
    caps = _caps_run(text)
    if caps:
        lab, weight = LABELS[CueKind.ALL_CAPS]
        out.append(_span(CueKind.ALL_CAPS, text, caps[0], caps[1], weight, lab))
    return out


def refutation_cue(text: str, phrase: str | None = None) -> CueSpan | None:
    """The correction wording of a text that reads as a correction (it lowered the score).

    ``phrase``: the words the stance was read from, as written (what the analyzer's correction step
    quotes); marked where it stands, so the cue and the step name the same words. Without it, or
    where it is not found as written, the first correction wording of the text (``correction_span``),
    which may be other words ("đề nghị … không chia sẻ" in a second sentence, when a first sentence's
    "không lây" decided)."""
    from nlp.stance import correction_span

    text = text[:CUE_CHARS]
    at = text.find(phrase) if phrase else -1
    found = (at, at + len(phrase)) if phrase and at >= 0 else correction_span(fold_aligned(unify_tone_marks(text)))
    if found is None:
        return None
    lab, weight = LABELS[CueKind.REFUTATION]
    return _span(CueKind.REFUTATION, text, found[0], found[1], weight, lab)


@functools.cache
def _shorthands() -> dict[str, list[str]]:
    """Folded word → its folded shorthands ("khong" → "ko", "k", "hok", …)."""
    out: dict[str, list[str]] = {}
    for short, word in SHORTHAND.items():
        if " " not in word:
            out.setdefault(fold(word), []).append(fold(short))
    return out


def _written_forms(word: str) -> str:
    forms = [word, *_shorthands().get(word, [])]
    return "(?:" + "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True)) + ")"


def as_written(text: str, folded_phrase: str, *, chars: int = CUE_CHARS) -> str:
    """A phrase found on the folded text (``nlp.stance``'s refuting phrase), as the text writes
    it ("khong gay thieu oxy" → "không gây thiếu oxy"), looked for in the first ``chars``
    characters (the claim finder passes the whole text: the phrase may stand near a match far
    into it); the folded phrase where it cannot be found again (shorthand the folding
    expanded: "ko" → "khong")."""
    words = folded_phrase.split()
    if not words:
        return folded_phrase
    pattern = r"(?<!\w)" + r"\s+".join(_written_forms(w) for w in words) + r"(?!\w)"
    m = re.search(pattern, fold_aligned(unify_tone_marks(text[:chars])))
    return text[m.start() : m.end()] if m else folded_phrase


def is_stop_term(term: str) -> bool:
    """Whether a model n-gram falls in a stop class and so is never shown as a cue:
    a single syllable (mostly fragments of longer words and names), a function word inside
    ("đã tham", "của phía": fragments of a phrase), COVID-19 topic words only, a masked name,
    a number, or a place, country or other name."""
    words = term.split()
    if len(words) < 2:
        return True
    if any(is_mask_token(w) or w.startswith("<") or w.isdigit() or len(w) < 2 for w in words):
        return True
    if any(w in FUNCTION_WORDS for w in words) or all(w in TOPIC_WORDS for w in words):
        return True
    return _is_name(term)


def _is_name(term: str) -> bool:
    m = masker()
    words = fold(term).split()
    for n in range(len(words), 1, -1):
        for i in range(len(words) - n + 1):
            key = " ".join(words[i : i + n])
            if key in m.names or key in m.gazetteer.index:
                return True
    return False


def _looks_like_name(text: str, start: int, surface: str) -> bool:
    """Capitalised inside a sentence ("Hoài Linh", "Cầu Voi"): a name the masker missed."""
    words = surface.split()
    if any(w[:1].isupper() for w in words[1:]):
        return True
    before = text[:start].rstrip(" \t\"“'(")
    return words[0][:1].isupper() and bool(before) and before[-1] not in ".!?:\n"


def model_term_cues(text: str, terms: list[tuple[str, float]]) -> list[CueSpan]:
    """Model n-grams (with their contribution) that pass the stop classes and stand in
    ``text`` as written (with its diacritics, or typed without any)."""
    text = text[:CUE_CHARS]
    folded = fold_aligned(unify_tone_marks(text))
    lab, _ = LABELS[CueKind.MODEL_TERM]
    out: list[CueSpan] = []
    for term, contribution in terms:
        if contribution < MIN_CONTRIBUTION or is_stop_term(term):
            continue
        rx = re.compile(r"(?<![a-z0-9])" + r"\s+".join(map(re.escape, fold(term).split())) + r"(?![a-z0-9])")
        for m in rx.finditer(folded):
            surface = text[m.start() : m.end()]
            if _looks_like_name(text, m.start(), surface):
                break
            if not has_vietnamese_diacritics(surface) or " ".join(unify_tone_marks(surface).lower().split()) == term:
                out.append(_span(CueKind.MODEL_TERM, text, m.start(), m.end(), contribution, lab))
                break
    return out


def select(cues: list[CueSpan], top: int = MAX_CUES) -> list[CueSpan]:
    """The ``top`` strongest cues: by contribution, one per kind (model terms excepted),
    none overlapping another."""
    kept: list[CueSpan] = []
    for cue in sorted(cues, key=lambda c: (-c.weight, c.start)):
        if len(kept) == top:
            break
        if cue.kind != CueKind.MODEL_TERM and any(k.kind == cue.kind for k in kept):
            continue
        if any(cue.start < k.end and k.start < cue.end for k in kept):
            continue
        kept.append(cue)
    return kept


#: The sentence that matches a known claim, by how the text relates to the claim (its stance).
CLAIM_LABELS = {
    "repeats": "câu trùng khớp tin đồn đã bị bác bỏ",
    "refutes": "câu nhắc tới tin đồn đã bị bác bỏ (để cải chính)",
    "asks": "câu hỏi về tin đồn đã bị bác bỏ",
}
#: Above every other cue: a known claim is the strongest evidence a reviewer can check.
CLAIM_WEIGHT = 3.0


def claim_cue(text: str, span: tuple[int, int] | None, stance: str) -> CueSpan | None:
    """The sentence of ``text`` that matches a known claim, marked so the reviewer reads it
    against the claim's wording (``ClaimMatcher.locate`` finds ``span``). It is shown besides
    the three cues of :func:`select`, and the claim itself is named in the item's cue list."""
    if span is None or not (0 <= span[0] < span[1] <= len(text)):
        return None
    return _span(CueKind.CLAIM, text, span[0], span[1], CLAIM_WEIGHT, CLAIM_LABELS.get(stance, CLAIM_LABELS["repeats"]))


def describe(cue: CueSpan) -> str:
    """The cue as a reviewer reads it in the list: its label and the phrase as written."""
    phrase = " ".join(cue.text.split())
    if len(phrase) > 60:
        phrase = phrase[:57].rstrip() + "…"
    return f"{cue.label}: “{phrase}”"


__all__ = [
    "CLAIM_LABELS",
    "FUNCTION_WORDS",
    "MAX_CUES",
    "TOPIC_WORDS",
    "CueKind",
    "claim_cue",
    "describe",
    "is_stop_term",
    "label",
    "model_term_cues",
    "refutation_cue",
    "reliability_cues",
    "select",
]
