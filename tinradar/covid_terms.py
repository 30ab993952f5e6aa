"""The COVID-19 vocabulary (``covid_terms.yaml``), shared by the crawlers and the NLP stage.

One list of folded terms, grouped by theme with a weight: the crawlers' topic filter keeps
a page of a general section when one of the terms marked ``topic`` appears, and the NLP
relevance score counts the weighted hits of the terms that ``score``. Two stages, one
list, so a term the board adds reaches both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from tinradar.text import fold

TERMS_FILE = Path(__file__).with_name("covid_terms.yaml")


class Term(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    term: str = Field(description="Regex fragment, matched on folded lower-case text on word boundaries")
    topic: bool = Field(default=False, description="Alone, it keeps a page of a filtered news section")
    score: bool = Field(default=True, description="Counts in the NLP relevance score")


class Theme(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    weight: float = Field(ge=0)
    terms: tuple[Term, ...]

    @property
    def scored(self) -> tuple[str, ...]:
        return tuple(t.term for t in self.terms if t.score)


class CovidTerms(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    themes: dict[str, Theme]

    @property
    def topic(self) -> tuple[str, ...]:
        """The terms that alone put a text on topic, in file order."""
        return tuple(t.term for theme in self.themes.values() for t in theme.terms if t.topic)


def word_regex(terms: Iterable[str]) -> re.Pattern[str]:
    """One regex for several folded terms, each matched as whole words."""
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(terms) + r")(?![a-z0-9])")


@cache
def covid_terms(path: Path = TERMS_FILE) -> CovidTerms:
    """The vocabulary, read once per process (raises ``ValueError`` on a malformed file)."""
    terms = CovidTerms.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    for theme in terms.themes.values():
        for term in theme.terms:
            re.compile(term.term)  # a bad pattern fails here, naming itself
    return terms


@cache
def _topic_regex() -> re.Pattern[str]:
    return word_regex(covid_terms().topic)


def on_topic(*texts: str | None) -> bool:
    """True when one of the texts has a ``topic`` term: the crawlers' topic filter
    (``crawlers.topic.is_covid_related``), here so the NLP stage's evaluation of it
    (``nlp.covid_real``) runs the very same rule without importing the crawlers."""
    return any(_topic_regex().search(fold(t)) for t in texts if t)
