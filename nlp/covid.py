"""COVID-19 relevance: how likely an item is about the epidemic.

A weighted lexicon over the *folded* text (so "cach ly", "cách ly" and "CÁCH LY" count
alike), grouped by theme — the disease itself, cases and testing, quarantine and
lockdown, masks and hygiene, vaccines, epidemic rumors and cures, and the epidemic
economy (the themes and terms are the kernel's ``tinradar/covid_terms.yaml``, which
the crawlers' topic filter reads too). The weighted hit count goes through a logistic
curve. A lexicon is used rather than a trained model because no labelled relevance data
exists here, and because a reviewer can read (and the board can extend) the list. Each theme contributes at most a
capped amount, so one word repeated many times does not make a text "about COVID".
"""

from __future__ import annotations

import math

from tinradar.covid_terms import covid_terms, word_regex

#: theme → (weight, regex of the theme's scored terms), from the kernel's COVID-19 vocabulary.
_PATTERNS = {name: (theme.weight, word_regex(theme.scored)) for name, theme in covid_terms().themes.items()}
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
