"""A light language guess: is this Vietnamese, and if not, roughly what?

The pipeline only needs to know whether a text can be scored as Vietnamese. A full
language-identification model would be another dependency and another load; script
ranges plus Vietnamese letters and stop-words (also in folded form, for posts typed
without diacritics) answer that question reliably on posts longer than a few words.
"""

from __future__ import annotations

import re

from tinradar.text import fold

_VI_LETTERS = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹàáãèéìíòóõùúýĩũ]", re.IGNORECASE)
_SCRIPTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("zh", re.compile(r"[\u4e00-\u9fff]")),
    ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("ko", re.compile(r"[\uac00-\ud7af]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("th", re.compile(r"[\u0e00-\u0e7f]")),
    ("lo", re.compile(r"[\u0e80-\u0eff]")),
    ("km", re.compile(r"[\u1780-\u17ff]")),
    ("ar", re.compile(r"[\u0600-\u06ff]")),
)
_VI_STOP = frozenset(
    [
        "khong",
        "duoc",
        "nguoi",
        "cua",
        "va",
        "la",
        "cac",
        "nhung",
        "cho",
        "voi",
        "mot",
        "nay",
        "da",
        "se",
        "thi",
        "co",
        "trong",
        "khi",
        "den",
        "tu",
        "ra",
        "vao",
        "lam",
        "nhu",
        "roi",
        "cung",
        "con",
        "ma",
        "nen",
        "neu",
        "de",
        "tai",
        "theo",
        "ve",
        "sau",
        "ngay",
        "nam",
        "ban",
        "toi",
        "minh",
        "chung",
        "ho",
        "dang",
        "bi",
        "duoc",
        "viec",
        "nhieu",
        "lai",
        "moi",
        "hay",
        "chi",
        "rat",
        "qua",
        "di",
        "biet",
        "phai",
    ]
)
_EN_STOP = frozenset(
    [
        "the",
        "and",
        "of",
        "to",
        "is",
        "in",
        "that",
        "it",
        "for",
        "on",
        "with",
        "as",
        "was",
        "are",
        "be",
        "this",
        "by",
        "at",
        "from",
        "or",
        "an",
        "have",
        "has",
        "not",
        "but",
        "they",
        "you",
        "we",
        "he",
        "she",
        "his",
        "her",
        "their",
        "will",
        "would",
        "can",
        "all",
        "been",
        "which",
        "what",
        "when",
        "there",
    ]
)
_FR_STOP = frozenset(
    [
        "le",
        "la",
        "les",
        "des",
        "est",
        "une",
        "dans",
        "pour",
        "pas",
        "que",
        "qui",
        "sur",
        "avec",
        "au",
        "du",
        "et",
        "il",
        "elle",
        "sont",
    ]
)
_WORD = re.compile(r"[a-z]+")


def detect_language(text: str) -> tuple[str, float]:
    """Return ``(code, confidence)``: ``vi``, ``en``, ``fr``, ``zh``, ... or ``und``.

    ``und`` (undetermined) is returned for text without enough words: empty, a URL,
    emoji only.
    """
    sample = (text or "")[:4000]
    letters = sum(1 for c in sample if c.isalpha())
    if letters < 3:
        return "und", 0.0
    for code, pattern in _SCRIPTS:
        share = len(pattern.findall(sample)) / letters
        if share > 0.3:
            return code, min(1.0, share + 0.3)
    vi_marks = len(_VI_LETTERS.findall(sample)) / letters
    words = _WORD.findall(fold(sample))
    if not words:
        return "und", 0.0
    n = len(words)
    vi = sum(w in _VI_STOP for w in words) / n
    en = sum(w in _EN_STOP for w in words) / n
    fr = sum(w in _FR_STOP for w in words) / n
    if vi_marks > 0.08 or (vi >= 0.12 and vi > en and vi > fr):
        return "vi", min(1.0, 0.5 + vi_marks * 2 + vi)
    if n < 3:
        return "und", 0.2
    if en > 0.1 and en >= fr:
        return "en", min(1.0, 0.5 + en)
    if fr > 0.1:
        return "fr", min(1.0, 0.5 + fr)
    if vi > 0.05:
        return "vi", 0.4
    return "und", 0.2
