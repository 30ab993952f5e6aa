"""A small COVID-19 topic filter for general news sections.

Crawlers must not import the NLP stage, so this is a plain keyword test on folded text
(diacritics removed, so "phong toa" and "phong tỏa" both match) with the terms marked
``topic`` in the kernel's COVID-19 vocabulary (``tinradar/covid_terms.yaml``, which the NLP
relevance score reads too). It only decides what to keep from general sections; the NLP
stage does the real classification.
"""

from __future__ import annotations

from tinradar.covid_terms import on_topic


def is_covid_related(*texts: str | None) -> bool:
    """True when the title or text mentions COVID-19 (vaccines, lockdowns, testing...)."""
    return on_topic(*texts)
