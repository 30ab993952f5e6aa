"""The index template, names and the document mapping, on the real node."""

from __future__ import annotations

from datetime import UTC, datetime

from index.docmap import REVIEW_FIELD, to_source
from index.templates import alias_name, ensure_templates, index_for, mapped_fields, template_name
from tests.index.items import make_item


def test_names_derive_from_prefix(es_settings):
    p = es_settings.es_index_prefix
    assert alias_name(es_settings) == f"{p}-docs"
    assert template_name(es_settings) == f"{p}-docs"
    # 20:30 UTC on 31 July is already 1 August in Hanoi: months follow the board's zone.
    assert index_for(datetime(2021, 7, 31, 20, 30, tzinfo=UTC), es_settings) == f"{p}-docs-2021.08"
    assert index_for(datetime(2021, 7, 31, 16, 0, tzinfo=UTC), es_settings) == f"{p}-docs-2021.07"


def test_template_and_alias_on_node(es_client, es_settings):
    done = ensure_templates(es_client, es_settings)
    name = template_name(es_settings)
    got = es_client.indices.get_index_template(name=name)["index_templates"][0]["index_template"]
    assert got["index_patterns"] == [f"{es_settings.es_index_prefix}-docs-*"]
    assert got["version"] == done["version"]
    # This month's index exists and carries the read alias, so search works before any load.
    aliases = es_client.indices.get_alias(name=alias_name(es_settings))
    assert done["created"] in aliases
    mapping = es_client.indices.get_mapping(index=done["created"])[done["created"]]["mappings"]
    assert mapping["dynamic"] == "strict"
    props = mapping["properties"]
    assert props["text_folded"]["type"] == "text"
    assert props["review"]["properties"]["status"]["type"] == "keyword"
    assert props["review"]["properties"]["at"]["type"] == "date"
    assert props["published_at"]["type"] == "date"
    # Installing twice is harmless (every pipeline run does it).
    ensure_templates(es_client, es_settings)


def test_text_seg_keeps_segmented_words_whole(es_client, es_settings):
    done = ensure_templates(es_client, es_settings)
    tokens = es_client.indices.analyze(index=done["created"], field="text_seg", text="huyện sơn_dương phong_tỏa")[
        "tokens"
    ]
    assert [t["token"] for t in tokens] == ["huyện", "sơn_dương", "phong_tỏa"]


def test_source_has_every_field_mapped_and_no_review():
    item = make_item(1, places=[("Sơn Dương", "08", "076")], claims=["vaccine-infertility"], likes=3)
    source = to_source(item)
    assert REVIEW_FIELD not in source
    assert set(source) <= mapped_fields()
    assert source["text_folded"] == "nguoi dan di tiem vac xin phong covid-19"
    assert source["provinces"] == ["08"] and source["districts"] == ["076"]
    assert source["claim_ids"] == ["vaccine-infertility"]
    assert source["dated_at"] == "2021-08-05T10:00:00+07:00"


def test_older_indices_get_the_new_fields(es_client, es_settings):
    """An index made under an older template (strict mapping, fewer fields) is extended,
    so a document with the new fields can still go into last year's month."""
    from index.indexer import Indexer
    from index.templates import mapping_properties

    old_props = {k: v for k, v in mapping_properties().items() if k not in ("captions", "captions_folded", "via")}
    old_index = f"{es_settings.es_index_prefix}-docs-2020.01"
    es_client.indices.create(index=old_index, mappings={"dynamic": "strict", "properties": old_props})
    ensure_templates(es_client, es_settings)
    assert "captions" in es_client.indices.get_mapping(index=old_index)[old_index]["mappings"]["properties"]
    item = make_item(7, published_at="2020-01-15T08:00:00+07:00", captions=["Ảnh: Hữu Khoa"], via="Infonet")
    stats = Indexer(es_client, es_settings).index([item])
    assert stats.failed == 0 and stats.indexed == 1
