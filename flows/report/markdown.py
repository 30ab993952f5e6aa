"""Putting crawled text into the Markdown report without it becoming Markdown.

report.md is the e-mail's text part and the Prefect artifact, and both get rendered.
A crawled title such as ``[bấm vào đây](https://…)``, ``![](https://tracker/…)`` or
``<img …>`` would become a link, a tracking image or HTML there. ``md`` escapes the
characters that start inline Markdown or HTML (and table cells), and keeps a value on one
line, where it cannot start a heading, list or quote; ``md_link`` makes a link only of an
http(s) URL (``tinradar.ids.safe_url``), with the characters that could end it percent-encoded.
Bare URLs in text stay text in CommonMark; a renderer that auto-links them shows where
they go.
"""

from __future__ import annotations

import re
from typing import Any

from tinradar.ids import safe_url

#: Backslash-escaping any ASCII punctuation is allowed by CommonMark; these are the ones
#: that open links, images, HTML, autolinks, emphasis, code spans and table cells.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
#: Percent-encoded in a link's destination, so that no URL can end it early or break the line.
_URL_UNSAFE = {"(": "%28", ")": "%29", "<": "%3C", ">": "%3E", " ": "%20", "\\": "%5C", "\n": "%0A", "\r": "%0D"}


def md(value: Any) -> str:
    """``value`` as literal Markdown text on one line."""
    text = " ".join(str(value if value is not None else "").split())
    return _SPECIAL.sub(r"\\\1", text)


def md_quote(before: str, phrase: str, after: str) -> str:
    """``before **phrase** after`` as the text has it: a space either side of the bold phrase only
    where the text has one ("nhà." stays "nhà.", not "nhà ."), each part escaped by ``md``."""
    left = " " if before[-1:].isspace() else ""
    right = " " if after[:1].isspace() else ""
    return f"{md(before)}{left}**{md(phrase)}**{right}{md(after)}"


def md_link(title: Any, url: Any) -> str:
    """``[title](url)`` for an http(s) URL; the escaped title alone otherwise."""
    label = md(title)
    link = safe_url(url)
    if not link:
        return label
    return f"[{label}]({''.join(_URL_UNSAFE.get(ch, ch) for ch in link)})"
