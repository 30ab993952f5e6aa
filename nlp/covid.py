"""COVID-19 relevance: how likely an item is about the epidemic.

A weighted lexicon over the *folded* text (so "cach ly", "cách ly" and "CÁCH LY" count
alike), grouped by theme — the disease itself, cases and testing, quarantine and
lockdown, masks and hygiene, vaccines, epidemic rumors and cures, and the epidemic
economy. The weighted hit count goes through a logistic curve. A lexicon is used rather
than a trained model because no labelled relevance data exists here, and because a
reviewer can read (and the board can extend) the list. Each theme contributes at most a
capped amount, so one word repeated many times does not make a text "about COVID".
"""

from __future__ import annotations

import math
import re

#: theme → (weight, folded patterns). Patterns are regex fragments matched on word boundaries.
THEMES: dict[str, tuple[float, tuple[str, ...]]] = {
    "disease": (
        3.0,
        (
            r"covid(?:[\s-]*19)?",
            r"corona(?:virus)?",
            r"sars[\s-]*cov[\s-]*2",
            r"n[\s-]?cov",
            r"virus vu han",
            r"dai dich",
            r"dich benh",
            r"dich covid",
            r"omicron",
            r"bien the delta",
            r"chung delta",
            r"virus corona",
            r"con virus",
            r"viem phoi cap",
            r"viem phoi la",
        ),
    ),
    "cases": (
        2.0,
        (
            r"ca nhiem",
            r"ca mac",
            r"ca duong tinh",
            r"duong tinh",
            r"am tinh",
            r"benh nhan so \d+",
            r"bn ?\d{2,}",
            r"f[0-3]",
            r"xet nghiem",
            r"test nhanh",
            r"pcr",
            r"lay mau",
            r"truy vet",
            r"ca benh",
            r"so ca",
            r"tu vong do",
            r"ca tu vong",
            r"o dich",
            r"vung dich",
            r"chuoi lay nhiem",
            r"lay nhiem",
            r"lay lan",
            r"khai bao y te",
            r"thu dung",
            r"dieu tri covid",
            r"tam dich",
        ),
    ),
    "measures": (
        2.0,
        (
            r"cach ly",
            r"cach li",
            r"tiep xuc gan",
            r"phong toa",
            r"gian cach",
            r"chi thi (?:15|16|19)",
            r"5k",
            r"khu cach ly",
            r"phong chong dich",
            r"phong, chong dich",
            r"chong dich",
            r"ban chi dao",
            r"vung do",
            r"vung xanh",
            r"chot kiem soat",
            r"lockdown",
            r"quarantine",
            r"giay di duong",
            r"o yen tai cho",
            r"cach ly tai nha",
            r"dong cua",
            r"tam dung hoat dong",
            r"hoc truc tuyen",
            r"ngung hoat dong",
        ),
    ),
    "hygiene": (
        2.0,
        (
            r"khau trang",
            r"deo khau trang",
            r"rua tay",
            r"sat khuan",
            r"khu khuan",
            r"khu trung",
            r"nuoc rua tay",
            r"gian cach xa hoi",
            r"giu khoang cach",
            r"mask",
        ),
    ),
    "vaccine": (
        2.2,
        (
            r"vac[\s-]?xin",
            r"vaccine?",
            r"vacxin",
            r"tiem chung",
            r"mui tiem",
            r"tiem ngua",
            r"mui 1",
            r"mui 2",
            r"mui nhac",
            r"astrazeneca",
            r"pfizer",
            r"moderna",
            r"sinopharm",
            r"nanocovax",
            r"ho chieu vac",
        ),
    ),
    "rumor": (
        1.2,
        (
            r"toi song",
            r"nuoc muoi",
            r"xong hoi",
            r"chanh nong",
            r"nuoc am diet",
            r"diet virus",
            r"chua khoi",
            r"song 5g",
            r"gan chip",
            r"vi mach",
            r"phun thuoc khu trung",
            r"truc thang",
            r"vo sinh",
            r"tin gia",
            r"tin don",
            r"thong tin sai su that",
        ),
    ),
    "economy": (
        1.0,
        (
            r"goi ho tro",
            r"ho tro nguoi lao dong",
            r"that nghiep",
            r"mat viec",
            r"giam luong",
            r"khung hoang",
            r"suy thoai",
            r"phuc hoi kinh te",
            r"dut gay chuoi cung ung",
            r"tui an sinh",
            r"atm gao",
            r"ho tro do dich",
            r"anh huong cua dich",
            r"sau dich",
            r"mua dich",
            r"do dich",
            r"vi dich",
            r"bi dich",
            r"tich tru",
            r"do xo di mua",
            r"gia khau trang",
        ),
    ),
    "health": (
        0.5,
        (
            r"benh vien",
            r"y te",
            r"bo y te",
            r"who",
            r"sot",
            r"ho khan",
            r"kho tho",
            r"trieu chung",
            r"mien dich",
            r"khang the",
            r"nhiem benh",
            r"virus",
            r"benh nhan",
            r"dich",
        ),
    ),
}
_PATTERNS = {
    theme: (weight, re.compile(r"(?<![a-z0-9])(?:" + "|".join(pats) + r")(?![a-z0-9])"))
    for theme, (weight, pats) in THEMES.items()
}
#: Logistic curve: no evidence → ~0.08; one case/measure word → ~0.55; "covid" alone → ~0.83.
_BIAS = -2.5
_SCALE = 1.35


def covid_evidence(folded: str) -> dict[str, int]:
    """Hits per theme in folded, lower-case text."""
    return {theme: len(rx.findall(folded)) for theme, (_w, rx) in _PATTERNS.items()}


def covid_probability(folded: str) -> float:
    """Probability (0..1) that the text is about COVID-19; input is folded lower-case text."""
    hits = covid_evidence(folded)
    score = 0.0
    for theme, count in hits.items():
        if count:
            weight = _PATTERNS[theme][0]
            score += weight * (1 + math.log(count))  # diminishing returns within a theme
    # Long texts mention "y te" or "dich" in passing; normalise gently by length.
    words = max(1, folded.count(" ") + 1)
    if words > 300:
        score *= math.sqrt(300 / words) ** 0.5
    return 1.0 / (1.0 + math.exp(-(_BIAS + _SCALE * score)))
