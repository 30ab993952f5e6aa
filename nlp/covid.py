"""COVID-19 relevance: how likely an item is about the epidemic.

A weighted lexicon over the *folded* text (so "cach ly", "cách ly" and "CÁCH LY" count
alike), grouped by theme — the disease itself, cases and testing, quarantine and
lockdown, masks and hygiene, vaccines, epidemic rumors and cures, and the epidemic
economy (the themes and terms are the kernel's ``tinradar/covid_terms.yaml``, which
the crawlers' topic filter reads too). The weighted hit count goes through a logistic
curve. A lexicon is used rather than a trained model because no labelled relevance data
exists here, and because a reviewer can read (and the board can extend) the list. Each theme contributes at most a
capped amount, so one word repeated many times does not make a text "about COVID".

A long article (a titled text: a news page's title and body) is read by *where* and *how
densely* it names the epidemic, not by the sum of its cues: summed over a thousand words, weak
cues met in passing ("dịch bệnh" once, "y tế", "đóng cửa", "khủng hoảng") added up to a keep
for finance, war and court stories (issue 15). Its opening — the title and the lead, where a
news text says what it is about — counts in full; the rest counts as one average ``REST_WORDS``-word
stretch of itself (about two sentences), i.e. by its density of cues: a passing mention is one
clause among many, so it fades as the body grows, while a body that names the epidemic all
through still counts. Both parameters are hand-set, like the curve (no fitted calibration).
Everything else scores exactly as before: any text up to ``LONG_WORDS`` words (every post and
feed item), and untitled texts of any length (social posts: the rumor, sentiment and claims
models were trained and their sets drawn with these scores, and a post has no title or lead to
read first).
"""

from __future__ import annotations

import math
import re

from tinradar.covid_terms import covid_terms, word_regex

#: theme → (weight, regex of the theme's scored terms), from the kernel's COVID-19 vocabulary.
_PATTERNS = {name: (theme.weight, word_regex(theme.scored)) for name, theme in covid_terms().themes.items()}
#: Logistic curve: no evidence → ~0.08; one case/measure word → ~0.55; "covid" alone → ~0.83.
_BIAS = -2.5
_SCALE = 1.35
#: Above this many words (spaces + 1, the count the score has always used) a text is read by its
#: opening and its density; at or below it, as a whole (every post and feed item scored as before).
LONG_WORDS = 300
#: The opening of a long text, in words: a news title (10–20 words) and its lead paragraph (30–80).
LEAD_WORDS = 100
#: The rest of a long text counts as its average stretch of this many words (hits per 50 words).
REST_WORDS = 50
_WORD = re.compile(r"\S+")


def covid_evidence(folded: str) -> dict[str, int]:
    """Hits per theme in folded, lower-case text."""
    return {theme: len(rx.findall(folded)) for theme, (_w, rx) in _PATTERNS.items()}


def _theme_score(hits: dict[str, float]) -> float:
    """Weighted evidence: per theme, diminishing returns above one hit (1 + ln n), linear below
    (a long text's rest can count a fraction of a hit, see :func:`covid_probability`)."""
    score = 0.0
    for theme, count in hits.items():
        if count > 0:
            score += _PATTERNS[theme][0] * (1 + math.log(count) if count >= 1 else count)
    return score


def _long_text_hits(folded: str) -> dict[str, float]:
    """A long text's hits per theme: those of its first ``LEAD_WORDS`` words in full, plus those
    of the rest scaled to an average stretch of it (``hits × REST_WORDS / words of the rest``)."""
    ends = [m.end() for m in _WORD.finditer(folded)]
    cut = ends[LEAD_WORDS - 1]  # character offset where the opening ends
    rest_scale = REST_WORDS / max(1, len(ends) - LEAD_WORDS)
    hits: dict[str, float] = {}
    for theme, (_w, rx) in _PATTERNS.items():
        starts = [m.start() for m in rx.finditer(folded)]  # one pass: a term across the cut counts once
        lead = sum(start < cut for start in starts)
        hits[theme] = lead + (len(starts) - lead) * rest_scale
    return hits


def covid_probability(folded: str, *, article: bool = False) -> float:
    """Probability (0..1) that the text is about COVID-19; input is folded lower-case text.

    ``article``: the text is a titled article, its title first (``Document.full_text`` of an item
    with a title): when it is long, its opening and its density decide (module docstring)."""
    words = max(1, folded.count(" ") + 1)
    if article and words > LONG_WORDS and len(folded.split()) > LEAD_WORDS:  # (the last: not mere spaces)
        score = _theme_score(_long_text_hits(folded))
    else:
        score = _theme_score({theme: float(n) for theme, n in covid_evidence(folded).items()})
        # Long posts mention "y te" or "dich" in passing; normalise gently by length.
        if words > LONG_WORDS:
            score *= math.sqrt(LONG_WORDS / words) ** 0.5
    return 1.0 / (1.0 + math.exp(-(_BIAS + _SCALE * score)))
