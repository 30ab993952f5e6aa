"""The one reader of JSON lines: every command that reads a user's (or a run's) JSON lines uses it.

Why it reads bytes, line by line, and never stops at a bad line:

* A file is decoded per line, not as a whole: one stray byte, or a file saved as
  Windows-1258 (Vietnamese Windows) or Latin-1, used to end a run with
  ``UnicodeDecodeError`` and cost every good line. A line that is not UTF-8 is read as
  Windows-1258, else Latin-1, and says so (``Line.warning``); a UTF-8 byte-order mark
  (``\\ufeff``, as Notepad and Excel write it) is dropped instead of spoiling line 1; a
  UTF-16 file (Excel's "Unicode text") is recognised by its mark.
* A line longer than ``max_bytes`` is skipped without being held in memory whole, and a
  line nested deeper than ``max_depth`` is refused before anything walks it: a
  5,000-deep line used to end the run with ``RecursionError``.
* A ``\\ud800``-style escape with no partner decodes to a lone surrogate, which no
  UTF-8 writer accepts: ``score`` ended with exit 70 and ``ingest`` lost the whole file.
  Such a character becomes U+FFFD (``�``) and the line says so (``Line.warning``).
* Every problem is a ``Line`` with its number and a sentence (``error``), so each
  command reports it its own way and goes on with the next line.
"""

from __future__ import annotations

import codecs
import io
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from tinradar.text import nfc

#: A line longer than this (bytes) is skipped: no post or article is anywhere near it.
MAX_LINE_BYTES = 16 * 1024 * 1024
#: Objects and lists nested deeper than this are refused (a scored line is 3 deep).
MAX_DEPTH = 64
#: Tried, in order, for a line that is not UTF-8; Latin-1 decodes any byte.
FALLBACK_ENCODINGS = ("cp1258", "latin-1")
#: A JSON escape of a surrogate (``\\ud83d``): only a line holding one can decode to a lone surrogate.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Line:
    """One non-blank line: its object, or why there is none; ``warning`` when it was read with care."""

    number: int
    obj: dict[str, Any] | None = None
    error: str | None = None
    warning: str | None = None

    @property
    def ok(self) -> bool:
        return self.obj is not None


_SHAPES: dict[type, tuple[str, str]] = {
    list: ("một danh sách", "a list"),
    str: ("một chuỗi", "a string"),
    int: ("một số", "a number"),
    float: ("một số", "a number"),
    bool: ("true/false", "true/false"),
    type(None): ("null", "null"),
}


def depth_over(value: Any, limit: int) -> bool:
    """True when ``value`` nests objects/lists deeper than ``limit`` (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > limit:
                return True
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _nesting_bound(raw: bytes) -> int:
    """An upper bound of a line's nesting (brackets in strings count too): cheap, and exact enough to skip the walk."""
    return raw.count(b"{") + raw.count(b"[")


def decode_line(raw: bytes) -> tuple[str, str | None]:
    """(text, warning): UTF-8, else Windows-1258, else Latin-1, the warning naming the one used."""
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        where = exc.start
    for encoding in FALLBACK_ENCODINGS:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        name = "Windows-1258" if encoding == "cp1258" else "Latin-1"
        # Windows-1258 writes tone marks as combining characters: NFC makes them ordinary Vietnamese.
        return nfc(text), f"không phải UTF-8 (byte {where + 1}), đọc theo {name} / not UTF-8, read as {name}"
    raise AssertionError("latin-1 decodes any byte")  # pragma: no cover


def _loads(text: str) -> tuple[Any, int]:
    """``json.loads`` that turns ``NaN``/``Infinity`` into null and says how many it turned.

    Python reads them, but they are not JSON: a line that kept one was written back as
    ``NaN`` (``score``, ``ingest``), a line no strict reader (Elasticsearch, jq) accepts.
    """
    constants = 0

    def constant(_name: str) -> None:
        nonlocal constants
        constants += 1

    return json.loads(text, parse_constant=constant), constants


#: Why a line whose numbers Python refuses is skipped (not a crash: ``ValueError`` ended a run with exit 70).
_TOO_LONG_NUMBER = "số quá dài (hơn {0:,} chữ số) / a number longer than {0:,} digits"
_CONSTANTS = "{} giá trị NaN/Infinity (không phải JSON) đổi thành null / NaN or Infinity value(s), not JSON, made null"


def parse_line(
    text: str, *, max_depth: int = MAX_DEPTH, bound: int | None = None
) -> tuple[dict[str, Any] | None, str | None, str | None]:
    """(object, None, warning) or (None, why, None) for one decoded line; the warning says what was changed."""
    try:
        value, constants = _loads(text)
    except RecursionError:
        return None, f"lồng quá sâu / nested deeper than {max_depth} levels", None
    except json.JSONDecodeError as exc:
        return None, f"JSON không hợp lệ / invalid JSON: {exc.msg} (cột / column {exc.colno})", None
    except ValueError:  # an integer of more than 4,300 digits (sys.get_int_max_str_digits)
        return None, _TOO_LONG_NUMBER.format(sys.get_int_max_str_digits()), None
    if (bound if bound is not None else text.count("{") + text.count("[")) > max_depth and depth_over(value, max_depth):
        return None, f"lồng quá sâu / nested deeper than {max_depth} levels", None
    if not isinstance(value, dict):
        vi, en = _SHAPES.get(type(value), ("một giá trị", "a value"))
        return None, f"không phải đối tượng JSON mà là {vi} / not a JSON object but {en}", None
    return value, None, _CONSTANTS.format(constants) if constants else None


def _without_lone_surrogates(value: Any) -> tuple[Any, int]:
    """``value`` with every lone surrogate (keys and strings, at any depth) replaced by U+FFFD, and how many."""
    if isinstance(value, str):
        return _SURROGATE.subn("\ufffd", value)
    if isinstance(value, list):
        fixed = [_without_lone_surrogates(v) for v in value]
        return [v for v, _ in fixed], sum(n for _, n in fixed)
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        count = 0
        for key, child in value.items():
            new_key, n_key = _without_lone_surrogates(key)
            out[new_key], n_child = _without_lone_surrogates(child)
            count += n_key + n_child
        return out, count
    return value, 0


def _raw_lines(fh: IO[bytes], max_bytes: int) -> Iterator[tuple[int, bytes | None]]:
    """(number, bytes) per line; None for a line over ``max_bytes`` (its rest is read past, not kept)."""
    number = 0
    while True:
        raw = fh.readline(max_bytes + 1)
        if not raw:
            return
        number += 1
        if len(raw) > max_bytes and not raw.endswith(b"\n"):
            while (rest := fh.readline(1024 * 1024)) and not rest.endswith(b"\n"):
                pass
            yield number, None
            continue
        yield number, raw


def _utf16(fh: IO[bytes]) -> IO[bytes] | None:
    """A UTF-8 view of a UTF-16 file (by its byte-order mark), else None (the stream is left at its start)."""
    head = fh.read(2)
    fh.seek(0)
    if head not in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return None
    text = io.TextIOWrapper(fh, encoding="utf-16", newline="")
    try:
        return io.BytesIO(text.read().encode("utf-8"))
    finally:
        text.detach()  # else the collected wrapper closes the caller's stream (stdin, an open file)


def read_lines(
    source: Path | IO[bytes], *, max_bytes: int = MAX_LINE_BYTES, max_depth: int = MAX_DEPTH
) -> Iterator[Line]:
    """Every non-blank line of a JSON-lines file (a path, or a binary stream such as stdin)."""
    if isinstance(source, Path):
        with source.open("rb") as fh:
            yield from read_lines(fh, max_bytes=max_bytes, max_depth=max_depth)
        return
    stream: IO[bytes] = source
    if source.seekable():
        stream = _utf16(source) or source
    for number, raw in _raw_lines(stream, max_bytes):
        if raw is None:
            yield Line(number, error=f"dòng quá dài / line longer than {max_bytes:,} bytes")
            continue
        if raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        if not raw.strip():
            continue
        text, warning = decode_line(raw)
        if "\x00" in text:
            yield Line(number, error="dòng có byte NUL: tệp nhị phân hay UTF-16? / NUL bytes: a binary or UTF-16 file?")
            continue
        obj, error, changed = parse_line(text, max_depth=max_depth, bound=_nesting_bound(raw))
        if changed:
            warning = f"{warning}; {changed}" if warning else changed
        if obj is not None and _SURROGATE_ESCAPE.search(text):  # depth is bounded by now: recursion is safe
            obj, replaced = _without_lone_surrogates(obj)
            if replaced:
                note = f"{replaced} ký tự \\ud800–\\udfff lẻ đổi thành U+FFFD / lone surrogate escape(s) replaced by U+FFFD"
                warning = f"{warning}; {note}" if warning else note
        yield Line(number, obj=obj, error=error, warning=warning)
