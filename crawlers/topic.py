"""A small COVID-19 topic filter for general news sections.

Crawlers must not import the NLP stage, so this is a plain keyword test on folded text
(diacritics removed, so "phong toa" and "phong tỏa" both match). It only decides what to
keep from general sections; the NLP stage does the real classification.
"""

from __future__ import annotations

import re

from tinradar.text import fold

_KEYWORDS = (
    r"covid",
    r"corona",
    r"sars-cov-2",
    r"ncov",
    r"vac ?xin",
    r"vaccine",
    r"tiem chung",
    r"mui tiem",
    r"phong toa",
    r"gian cach",
    r"cach ly",
    r"chi thi 1[56]",
    r"f0",
    r"f1",
    r"ca mac",
    r"ca benh",
    r"xet nghiem",
    r"khau trang",
    r"5k",
    r"dich benh",
    r"phong chong dich",
    r"vung dich",
    r"bung dich",
    r"omicron",
    r"delta",
    r"khu khuan",
    r"thuoc khu trung",
    r"virus",
    r"dai dich",
)
_PATTERN = re.compile(r"(?<![a-z0-9])(?:" + "|".join(_KEYWORDS) + r")(?![a-z0-9])")


def is_covid_related(*texts: str | None) -> bool:
    """True when the title or text mentions COVID-19 (vaccines, lockdowns, testing...)."""
    return any(_PATTERN.search(fold(t)) for t in texts if t)
