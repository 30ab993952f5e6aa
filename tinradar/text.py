"""Vietnamese text helpers shared by every stage.

Vietnamese text reaches us in NFC, NFD and mixed forms; comparing or hashing it without
normalising first silently splits one word into two. Folding (removing tone marks and
mapping đ→d) is how users type on phones without a Vietnamese keyboard, so search and
claim matching both need it, and the index stores a folded copy because the test node
has no ICU or asciifolding analyzer.
"""

from __future__ import annotations

import re
import unicodedata

_WS = re.compile(r"[ \t\u00a0\u200b\u2009\u202f]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def nfc(text: str | None) -> str:
    """Return ``text`` in Unicode NFC ('' for None)."""
    if not text:
        return ""
    return unicodedata.normalize("NFC", text)


def clean_text(text: str | None) -> str:
    """NFC, collapse runs of spaces, keep paragraph breaks, strip the ends."""
    text = nfc(text).replace("\r\n", "\n").replace("\r", "\n")
    text = _WS.sub(" ", text)
    lines = [line.strip() for line in text.split("\n")]
    text = "\n".join(lines)
    return _BLANK_LINES.sub("\n\n", text).strip()


def fold(text: str | None, *, lower: bool = True) -> str:
    """Remove Vietnamese diacritics: 'Tiêm vắc-xin Đà Nẵng' → 'tiem vac-xin da nang'.

    đ/Đ are letters of their own, not a base letter plus a combining mark, so NFD
    decomposition alone leaves them; they are mapped explicitly.
    """
    decomposed = unicodedata.normalize("NFD", text or "")
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    stripped = stripped.replace("đ", "d").replace("Đ", "D")
    stripped = unicodedata.normalize("NFC", stripped)
    return stripped.lower() if lower else stripped


def has_vietnamese_diacritics(text: str) -> bool:
    """True when ``text`` carries at least one Vietnamese tone or vowel mark."""
    return fold(text, lower=False) != nfc(text)
