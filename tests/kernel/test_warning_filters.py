"""The ``filterwarnings`` of pyproject.toml: a deprecation warned at our own code fails the test
(library drift in our calls is seen, not hidden), one inside a third-party library does not.
Scrapy's deprecations and the node's warnings about our requests are no DeprecationWarning: named too."""

from __future__ import annotations

import warnings

import pytest
from elasticsearch import ElasticsearchWarning
from scrapy.exceptions import ScrapyDeprecationWarning


def _deprecated_api() -> None:
    warnings.warn("old call", DeprecationWarning, stacklevel=2)  # names its caller, as libraries do


@pytest.mark.parametrize(
    "category", [DeprecationWarning, PendingDeprecationWarning, ScrapyDeprecationWarning, ElasticsearchWarning]
)
def test_a_deprecation_at_our_code_is_an_error(category: type[Warning]) -> None:
    with pytest.raises(category, match="old"):
        warnings.warn("old", category, stacklevel=1)  # this module: tests.kernel.test_warning_filters
    for module in ("tinradar.schema", "crawlers", "nlp.analyzer", "index.indexer", "flows.cli.index"):
        with pytest.raises(category):
            warnings.warn_explicit("old", category, "x.py", 1, module=module)


def test_the_caller_is_who_the_warning_names() -> None:
    with pytest.raises(DeprecationWarning, match="old call"):
        _deprecated_api()


def test_a_deprecation_inside_a_library_is_not_an_error() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.warn_explicit("internal", DeprecationWarning, "lib.py", 1, module="somelib.internals")
        warnings.warn_explicit("internal", DeprecationWarning, "lib.py", 1, module="indexer_lib")  # not `index`
        warnings.warn_explicit("internal", ScrapyDeprecationWarning, "lib.py", 1, module="scrapy.utils.misc")
    assert len(caught) == 3
