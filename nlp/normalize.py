"""Normalise Vietnamese text before any model sees it.

Why each step exists:

* **NFC** — the same word in NFC and NFD hashes and tokenises differently.
* **Tone-mark placement** — "hoà" (old style) and "hòa" (new style) are one word typed two
  ways; unifying them to the new style keeps n-gram features and claim matching from
  splitting.
* **Legacy encodings** — text converted from VNI or TCVN3 fonts without transcoding looks
  like "Vieät Nam" / "ViÖt Nam"; we cannot score it as Vietnamese, so it is flagged.
* **Shorthand** — social posts write "ko", "đc", "ntn"; models trained on edited text see
  the expanded words.
* **Placeholders** — URLs, phone numbers and e-mails carry no lexical meaning but their
  *presence* is a rumor cue ("gọi ngay 09xx..."); they become ``<url>``, ``<phone>``,
  ``<email>`` and are counted.

Emoji are kept: they carry tone (sentiment) and are cheap.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from tinradar.text import clean_text, fold

# --- tone-mark placement -------------------------------------------------------------
# In open syllables with "oa", "oe", "uy" the tone mark is written two ways: on the
# second vowel (hoà, khoẻ, thuý) or on the first (hòa, khỏe, thúy). Most outlets, and the
# data underthesea was trained on, use the latter, so everything is moved there. Syllables
# with a final consonant (hoàn, huỳnh) have one spelling only and are left alone, as is
# "qu" + y (quý), where "u" belongs to the consonant.
_PAIR_RE = re.compile(r"(?<![qQ])(?:([oO])([àáảãạèéẻẽẹÀÁẢÃẠÈÉẺẼẸ])|([uU])([ỳýỷỹỵỲÝỶỸỴ]))(?![a-zA-ZÀ-ỹđĐ])")


def _move_mark(m: re.Match[str]) -> str:
    first, second = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
    decomposed = unicodedata.normalize("NFD", second)
    base, mark = decomposed[0], decomposed[1:]
    return unicodedata.normalize("NFC", first + mark) + base


def unify_tone_marks(text: str) -> str:
    """Unify tone-mark placement: hoà→hòa, thuý→thúy, khoẻ→khỏe (quý, hoàn unchanged)."""
    return _PAIR_RE.sub(_move_mark, text)


# --- legacy encodings ------------------------------------------------------------------
# Characters that almost never appear in real Vietnamese Unicode text but are typical of
# VNI (Latin-1 letters after a vowel: "Vieät", "Nam Ñònh") and TCVN3/ABC ("ViÖt", "§µ").
# Only Latin-1 characters that are *not* Vietnamese letters count as evidence.
_VNI_RE = re.compile(r"[aeiouyâêôAEIOUYÂÊÔ][øäëïöüûÄËÏÖÜÛ]|Ñ|ñ")
_TCVN3_RE = re.compile(r"[§¸µ¶·¹¨©ª«¬®¯±²³´½¾Æ×Ö]")
_SUSPECT = re.compile(r"[§¸µ¶·¹¨©ª«¬®¯±²³´½¾Æ×ÖøäëïöüûÄËÏÜÛÑñ]")
_VI_LETTERS = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.IGNORECASE)


def detect_legacy_encoding(text: str) -> str | None:
    """Return ``"vni"`` or ``"tcvn3"`` when the text looks like an untranscoded legacy font.

    The test is a ratio: a few stray Latin-1 letters (a French name) do not trigger it,
    but legacy text has them in most words and few genuine Vietnamese letters.
    """
    if not text:
        return None
    sample = text[:5000]
    if not _SUSPECT.search(sample):
        return None
    words = max(1, len(sample.split()))
    vi = len(_VI_LETTERS.findall(sample))
    vni = len(_VNI_RE.findall(sample))
    tcvn = len(_TCVN3_RE.findall(sample))
    if tcvn / words > 0.15 and tcvn > vi and tcvn >= vni:
        return "tcvn3"
    if vni / words > 0.15 and vni > vi:
        return "vni"
    return None


# --- shorthand ---------------------------------------------------------------------------
SHORTHAND: dict[str, str] = {
    "ko": "không",
    "k": "không",
    "kh": "không",
    "hok": "không",
    "hông": "không",
    "khum": "không",
    "kg": "không",
    "khg": "không",
    "hem": "không",
    "k0": "không",
    "dc": "được",
    "đc": "được",
    "dk": "được",
    "đk": "được",
    "dcj": "được",
    "bn": "bao nhiêu",
    "ntn": "như thế nào",
    "vs": "với",
    "j": "gì",
    "r": "rồi",
    "ròi": "rồi",
    "ng": "người",
    "ngta": "người ta",
    "mn": "mọi người",
    "mng": "mọi người",
    "mk": "mình",
    "mik": "mình",
    "b": "bạn",
    "t": "tôi",
    "cx": "cũng",
    "cg": "cũng",
    "nc": "nước",
    "ns": "nói",
    "nt": "nhắn tin",
    "trc": "trước",
    "bh": "bây giờ",
    "bjo": "bây giờ",
    "h": "giờ",
    "ck": "chồng",
    "vk": "vợ",
    "tp": "thành phố",
    "sđt": "số điện thoại",
    "sdt": "số điện thoại",
    "đt": "điện thoại",
    "bv": "bệnh viện",
    "bs": "bác sĩ",
    "byt": "bộ y tế",
    "vn": "việt nam",
    "tq": "trung quốc",
    "hn": "hà nội",
    "sg": "sài gòn",
    "hcm": "hồ chí minh",
    "ae": "anh em",
    "a/e": "anh em",
    "ok": "được",
    "oki": "được",
    "thik": "thích",
    "lm": "làm",
    "wa": "quá",
    "qá": "quá",
    "iu": "yêu",
    "ms": "mới",
    "thg": "thằng",
}
_SHORTHAND_RE = re.compile(
    r"(?<![\w<>/])(" + "|".join(sorted(map(re.escape, SHORTHAND), key=len, reverse=True)) + r")(?![\w<>/])"
)

# --- placeholders ------------------------------------------------------------------------
URL_RE = re.compile(
    r"(?:https?://|www\.)\S+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|vn|net|org|info|ly|gl|me|io)(?:/\S*)?\b|<URL>",
    re.IGNORECASE,
)
EMAIL_RE = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
# Vietnamese phone numbers: 0xxx xxx xxx, +84 ..., hotlines 1900/1800 xxxx, with . - or spaces.
PHONE_RE = re.compile(r"(?<!\d)(?:\+?84|0)(?:[\s.\-]?\d){8,10}(?!\d)|(?<!\d)1[89]00(?:[\s.\-]?\d){4,6}(?!\d)")


@dataclass
class NormalizedText:
    """The result of :func:`normalize`: the text in several views, and what was found."""

    original: str
    text: str  # NFC, tone marks unified, placeholders in place, case kept
    features: str  # lower-case, shorthand expanded: the text models read
    folded: str  # ``features`` without diacritics: for matching and shingling
    urls: int = 0
    phones: int = 0
    emails: int = 0
    legacy_encoding: str | None = None


def expand_shorthand(text: str) -> str:
    """Expand social shorthand token by token (lower-case input)."""

    return _SHORTHAND_RE.sub(lambda m: SHORTHAND[m.group(1)], text)


def normalize(text: str | None) -> NormalizedText:
    """Normalise one text; never raises on odd input (empty, emoji only, legacy font)."""
    original = text or ""
    cleaned = clean_text(original)
    legacy = detect_legacy_encoding(cleaned)
    cleaned = unify_tone_marks(cleaned)
    cleaned, emails = EMAIL_RE.subn(" <email> ", cleaned) if "@" in cleaned else (cleaned, 0)
    cleaned, urls = URL_RE.subn(" <url> ", cleaned)
    cleaned, phones = PHONE_RE.subn(" <phone> ", cleaned)
    cleaned = re.sub(r"[ \t]{2,}", " ", cleaned).strip()
    features = expand_shorthand(cleaned.lower())
    return NormalizedText(
        original=original,
        text=cleaned,
        features=features,
        folded=fold(features),
        urls=urls,
        phones=phones,
        emails=emails,
        legacy_encoding=legacy,
    )


def segment(texts: list[str], batch_size: int = 256) -> list[str]:
    """Word-segment texts with underthesea (``format="text"``: syllables joined by ``_``).

    underthesea is imported lazily (it loads a CRF model) and called per text; batching
    here only bounds memory. Empty texts come back empty.
    """
    from underthesea import word_tokenize

    out: list[str] = []
    for start in range(0, len(texts), batch_size):
        for t in texts[start : start + batch_size]:
            out.append(word_tokenize(t, format="text") if t and t.strip() else "")
    return out


__all__ = [
    "SHORTHAND",
    "NormalizedText",
    "detect_legacy_encoding",
    "expand_shorthand",
    "normalize",
    "segment",
    "unify_tone_marks",
]
