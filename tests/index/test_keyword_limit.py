"""A keyword value over Lucene's 32,766-byte term limit (a broken or hostile export) used to make
Elasticsearch refuse the whole document for good (400, the rejected file). Every keyword now has
``ignore_above`` (at most ``KEYWORD_IGNORE_ABOVE`` = 8191 characters, under the limit in bytes
whatever the characters): the document goes in, the absurd value stays in ``_source`` and is
simply not indexed as a term (``_ignored`` names its field), every other field is searchable.
On the real node, also for a month made under the previous template and for the claim registry."""

from __future__ import annotations

import copy
import json
from typing import Any

from typer.testing import CliRunner

from flows.cli import app
from index.claims import CLAIMS_MAPPING, claims_index, ensure_claims_index
from index.indexer import Indexer
from index.review.audit import AUDIT_MAPPING
from index.templates import (
    KEYWORD_IGNORE_ABOVE,
    alias_name,
    bound_keywords,
    ensure_templates,
    mapping_properties,
    template_version,
)
from tests.index.items import make_item

ABSURD = 40_000


def _keywords(props: dict[str, Any], prefix: str = "") -> dict[str, dict[str, Any]]:
    """Every keyword field and keyword sub-field of a mapping's properties, by path."""
    out: dict[str, dict[str, Any]] = {}
    for name, spec in props.items():
        path = f"{prefix}{name}"
        if spec.get("type") == "keyword":
            out[path] = spec
        out.update(_keywords(spec.get("properties", {}), f"{path}."))
        out.update({f"{path}.{sub}": s for sub, s in spec.get("fields", {}).items() if s.get("type") == "keyword"})
    return out


def _previous_template() -> dict[str, Any]:
    """The documents mapping as template version 10 had it: no ``ignore_above`` of 8191 anywhere."""
    props = copy.deepcopy(mapping_properties())
    for spec in _keywords(props).values():
        if spec.get("ignore_above") == KEYWORD_IGNORE_ABOVE:
            del spec["ignore_above"]
    return {"dynamic": "strict", "properties": props}


def test_every_indexed_keyword_is_bounded_under_the_term_limit():
    assert KEYWORD_IGNORE_ABOVE * 4 <= 32_766  # 4 bytes: the longest UTF-8 character
    assert template_version() >= 11
    for mapping in (
        {"properties": mapping_properties()},
        bound_keywords(AUDIT_MAPPING),
        bound_keywords(CLAIMS_MAPPING),
    ):
        fields = _keywords(mapping["properties"])
        assert fields
        for path, spec in fields.items():
            if spec.get("index", True):
                assert 0 < spec["ignore_above"] <= KEYWORD_IGNORE_ABOVE, path
    assert "ignore_above" not in AUDIT_MAPPING["properties"]["by"]  # bound_keywords copies


def test_an_absurd_author_url_via_and_cluster_id_go_in_and_the_rest_stays_searchable(es_client, es_settings):
    """Indexed, not rejected: the 40,000-character values are kept whole in ``_source`` and are no
    terms (``_ignored`` says which fields); the text, the source and the other keywords are found."""
    ensure_templates(es_client, es_settings)
    absurd = make_item(
        1,
        "Tin đồn uống nước muối chữa khỏi COVID-19",
        source_id="nguon-la",
        author="A" * ABSURD,
        via="Theo " + "ư" * ABSURD,  # 2 bytes a character: 80,000 bytes
        cluster_id="c" * ABSURD,
    )
    absurd.document.url = "https://example.vn/" + "x" * ABSURD
    normal = make_item(2, author="Nguyễn Văn A", cluster_id="c-ordinary")
    indexer = Indexer(es_client, es_settings, max_retries=1, initial_backoff=0.01)
    stats = indexer.index([absurd, normal])
    assert (stats.indexed, stats.rejected, stats.dead_lettered, stats.failed) == (2, 0, 0, 0), stats.errors
    assert indexer.deadletters.rejected() == 0
    es_client.indices.refresh(index=alias_name(es_settings))

    def ids(query: dict[str, Any]) -> list[str]:
        hits = es_client.search(index=alias_name(es_settings), query=query)["hits"]["hits"]
        return sorted(h["_id"] for h in hits)

    doc_id = absurd.document.id
    assert ids({"match": {"text": "nước muối"}}) == [doc_id]
    assert ids({"term": {"source_id": "nguon-la"}}) == [doc_id]
    assert ids({"term": {"id": doc_id}}) == [doc_id]
    assert ids({"exists": {"field": "author"}}) == [normal.document.id]  # the absurd author is no term
    assert ids({"term": {"cluster_id": "c-ordinary"}}) == [normal.document.id]
    for field in ("author", "via", "url", "cluster_id"):
        assert ids({"term": {"_ignored": field}}) == [doc_id], field
    source = es_client.get(index=f"{es_settings.es_index_prefix}-docs-2021.08", id=doc_id)["_source"]
    assert source["author"] == "A" * ABSURD and len(source["via"]) == ABSURD + 5 and len(source["cluster_id"]) == ABSURD


def test_a_month_made_under_the_previous_template_gains_the_bound(es_client, es_settings):
    """``ignore_above`` may change on an existing field: ``ensure_templates``' put_mapping brings it
    to an index made under template 10, and the absurd item then goes into that month."""
    old_index = f"{es_settings.es_index_prefix}-docs-2021.08"
    es_client.indices.create(index=old_index, mappings=_previous_template(), aliases={alias_name(es_settings): {}})
    before = es_client.indices.get_mapping(index=old_index)[old_index]["mappings"]["properties"]
    assert "ignore_above" not in before["author"]

    ensure_templates(es_client, es_settings)
    after = es_client.indices.get_mapping(index=old_index)[old_index]["mappings"]["properties"]
    for field in ("author", "cluster_id", "source_id", "place_names"):
        assert after[field]["ignore_above"] == KEYWORD_IGNORE_ABOVE, field
    assert after["review"]["properties"]["by"]["ignore_above"] == KEYWORD_IGNORE_ABOVE
    assert after["via"]["ignore_above"] == 512  # a lower bound set before is kept

    item = make_item(3, author="B" * ABSURD, published_at="2021-08-20T08:00:00+07:00")
    stats = Indexer(es_client, es_settings, max_retries=1, initial_backoff=0.01).index([item])
    assert (stats.indexed, stats.rejected) == (1, 0), stats.errors
    assert es_client.get(index=old_index, id=item.document.id)["_source"]["author"] == "B" * ABSURD


def test_the_claim_registry_takes_an_absurd_url_also_in_an_older_index(es_client, es_settings):
    """The registry's keywords come from claim files and imported ClaimReview feeds (``debunked_by``,
    ``review_url``): an index made before the bound gains it, and the record goes in."""
    name = claims_index(es_settings)
    es_client.indices.create(index=name, mappings=CLAIMS_MAPPING)
    ensure_claims_index(es_client, es_settings)
    mapped = es_client.indices.get_mapping(index=name)[name]["mappings"]["properties"]
    assert mapped["review_url"]["ignore_above"] == KEYWORD_IGNORE_ABOVE
    assert mapped["claim"]["properties"]["debunked_by"]["ignore_above"] == KEYWORD_IGNORE_ABOVE
    long_url = "https://example.vn/" + "y" * ABSURD
    record = {
        "claim": {"id": "nuoc-muoi", "claim": "Nước muối chữa khỏi COVID-19", "debunked_by": [long_url]},
        "status": "active",
        "review_url": long_url,
    }
    es_client.index(index=name, id="nuoc-muoi", document=record, refresh=True)
    hits = es_client.search(index=name, query={"term": {"status": "active"}})["hits"]["hits"]
    assert [h["_source"]["review_url"] for h in hits] == [long_url]


def _stats(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["index", "stats", *args])
    assert "Traceback" not in result.stderr, result.stderr
    return result.exit_code, result.stdout, " ".join(result.stderr.split())


def test_index_stats_counts_the_documents_with_a_value_left_out(env, es_client):
    """A value over ``ignore_above`` was counted nowhere (only ``_ignored`` named it): ``index stats``
    says how many documents hold one, and which fields, so a facet's missing authors are seen."""
    code, stdout, said = _stats()  # no index yet: zero, not an error
    assert code == 0 and stdout == "" and ": 0 mục / documents" in said and "no document has a value left out" in said
    ensure_templates(es_client, env)
    absurd = make_item(1, author="A" * ABSURD)
    both = make_item(2, author="B" * ABSURD, cluster_id="c" * ABSURD)
    stats = Indexer(es_client, env, max_retries=1, initial_backoff=0.01).index([absurd, both, make_item(3)])
    assert (stats.indexed, stats.rejected) == (3, 0), stats.errors
    es_client.indices.refresh(index=alias_name(env))

    code, stdout, said = _stats()
    assert code == 0 and stdout == "", said
    assert f"index {alias_name(env)}: 3 mục / documents" in said
    assert "2 mục có giá trị quá dài bị bỏ qua" in said and "(ignore_above)" in said
    assert "author: 2 mục / documents" in said and "cluster_id: 1 mục / documents" in said
    assert "via:" not in said
    code, stdout, _ = _stats("--json")
    assert code == 0 and json.loads(stdout) == {
        "total": 3,
        "with_ignored": 2,
        "by_field": {"author": 2, "cluster_id": 1},
    }


def test_index_stats_with_elasticsearch_down_is_exit_3(env, monkeypatch):
    from index.node import free_port

    monkeypatch.setenv("TINRADAR_ES_URL", f"http://127.0.0.1:{free_port()}")
    code, _, said = _stats()
    assert code == 3 and "cannot reach Elasticsearch" in said, said
