"""NLP stage: rumor risk, sentiment, COVID-19 relevance, places, known claims, repeats.

Imports only the kernel (``tinradar``). ``Analyzer`` and ``analyze`` are imported lazily so
that ``import nlp.normalize`` (used by the sentiment model and tools) stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nlp.analyzer import Analyzer, analyze

__all__ = ["Analyzer", "analyze"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from nlp import analyzer

        return getattr(analyzer, name)
    raise AttributeError(f"module 'nlp' has no attribute {name!r}")
