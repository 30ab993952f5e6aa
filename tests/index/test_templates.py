"""The index template, names and the document mapping, on the real node."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from index.doc import REVIEW, REVIEW_CLAIM_IDS, REVIEW_CLAIMS_AT, SEARCH_ONLY_FIELDS, IndexDoc, ReviewClaims, _path
from index.docmap import to_source
from index.templates import alias_name, ensure_templates, index_for, mapped_fields, mapping_properties, template_name
from tests.index.items import SAMPLE_STEPS, make_item
from tinradar.schema import CueSpan, LineError, ScoredItem, ScoreStep, Sentiment, StepKind


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
    doc = to_source(item)
    source = doc.pipeline_body()
    assert REVIEW not in source
    assert set(source) <= mapped_fields()
    assert IndexDoc.model_validate(source) == doc.model_copy(update={"content_hash": source["content_hash"]}), (
        "to_source builds a valid IndexDoc (it skips validation)"
    )
    assert doc.text_folded == "nguoi dan di tiem vac xin phong covid-19"
    assert doc.provinces == ["08"] and doc.districts == ["076"]
    assert doc.claim_ids == ["vaccine-infertility"] and doc.engagement == 3
    assert source["dated_at"] == "2021-08-05T10:00:00+07:00"
    assert SEARCH_ONLY_FIELDS == ("title_folded", "text_folded", "captions_folded", "content_hash")
    assert len(source["content_hash"]) == 32


# --- the template and IndexDoc describe the same document ---------------------------------

#: The JSON type each Elasticsearch field type holds.
ES_JSON_TYPE = {
    "keyword": "string",
    "text": "string",
    "date": "string",
    "long": "integer",
    "short": "integer",
    "byte": "integer",
    "float": "number",
    "boolean": "boolean",
    "object": "object",
}


def _resolve(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """The value schema of a field: refs followed, ``None`` dropped, lists unwrapped (ES arrays are implicit)."""
    if "$ref" in schema:
        return _resolve(defs[schema["$ref"].rsplit("/", 1)[1]], defs)
    if "anyOf" in schema:
        (only,) = [s for s in schema["anyOf"] if s.get("type") != "null"]
        return _resolve(only, defs)
    if schema.get("type") == "array":
        return _resolve(schema["items"], defs)
    return schema


def _model_leaves(schema: dict[str, Any], defs: dict[str, Any], prefix: str = "") -> dict[str, dict[str, Any]]:
    """Field path → value schema, nested models and enum-keyed dicts flattened like the mapping."""
    out: dict[str, dict[str, Any]] = {}
    for name, sub in schema["properties"].items():
        path, value = f"{prefix}{name}", _resolve(sub, defs)
        if "properties" in value:
            out.update(_model_leaves(value, defs, f"{path}."))
        elif "propertyNames" in value:
            for key in _resolve(value["propertyNames"], defs)["enum"]:
                out[f"{path}.{key}"] = _resolve(value["additionalProperties"], defs)
        else:
            out[path] = value
    return out


def _mapping_leaves(props: dict[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for name, spec in props.items():
        if "properties" in spec:
            out.update(_mapping_leaves(spec["properties"], f"{prefix}{name}."))
        else:
            out[f"{prefix}{name}"] = spec.get("type", "object")
    return out


def test_index_doc_and_template_have_the_same_fields_and_types():
    """Every template field is an IndexDoc field and the other way round, with compatible types.

    Types are compared as written (serialisation schema: a note is a string); dates must be
    datetimes in the model (validation schema).
    """
    written = IndexDoc.model_json_schema(mode="serialization")
    read = IndexDoc.model_json_schema(mode="validation")
    model = _model_leaves(written, written["$defs"])
    model_read = _model_leaves(read, read["$defs"])
    mapping = _mapping_leaves(mapping_properties())
    assert sorted(set(mapping) - set(model)) == [], "template fields missing from IndexDoc"
    assert sorted(set(model) - set(mapping)) == [], "IndexDoc fields missing from the template"
    wrong = {
        path: (es_type, model[path].get("type"))
        for path, es_type in mapping.items()
        if ES_JSON_TYPE[es_type] != model[path].get("type")
        or (es_type == "date") != (model_read.get(path, {}).get("format") == "date-time")
    }
    assert wrong == {}, "template type vs IndexDoc type"


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


def test_indices_made_by_this_version_need_no_mapping_update(es_client, es_settings):
    """What ``ensure_templates`` and ``ensure_single_index`` make reads back as up to date: else every
    pipeline run would ask for a mapping update it may not make (index/roles.py), and stop there."""
    from index.claims import CLAIMS_MAPPING, claims_index, ensure_claims_index
    from index.review import audit_index, ensure_audit_index
    from index.review.audit import AUDIT_MAPPING
    from index.templates import bound_keywords, outdated_indices

    done = ensure_templates(es_client, es_settings)
    assert (
        done["created"]
        and outdated_indices(es_client, f"{es_settings.es_index_prefix}-docs-*", mapping_properties()) == []
    )
    ensure_audit_index(es_client, es_settings)
    ensure_claims_index(es_client, es_settings)
    for name, mapping in ((audit_index(es_settings), AUDIT_MAPPING), (claims_index(es_settings), CLAIMS_MAPPING)):
        assert outdated_indices(es_client, name, bound_keywords(mapping)["properties"]) == [], name


def test_a_missing_field_or_bound_makes_an_index_outdated(es_client, es_settings):
    """The check the pipeline makes before any mapping request: a missing field, a missing
    sub-field or a keyword without the template's ``ignore_above`` each call for the update."""
    from index.templates import outdated_indices

    prefix = es_settings.es_index_prefix
    props = mapping_properties()
    no_field = {k: v for k, v in props.items() if k != "via"}
    no_subfield = copy.deepcopy(props)
    no_subfield["title"].pop("fields")
    no_bound = copy.deepcopy(props)
    no_bound["author"].pop("ignore_above")
    for month, mapping in (("01", no_field), ("02", no_subfield), ("03", no_bound), ("04", props)):
        es_client.indices.create(
            index=f"{prefix}-docs-2019.{month}", mappings={"dynamic": "strict", "properties": mapping}
        )
    assert outdated_indices(es_client, f"{prefix}-docs-*", props) == [f"{prefix}-docs-2019.0{m}" for m in (1, 2, 3)]
    ensure_templates(es_client, es_settings, create_current=False)  # security off: anyone may update, as before
    assert outdated_indices(es_client, f"{prefix}-docs-*", props) == []


def test_matches_indexed_before_the_refuting_phrase_still_load_and_new_ones_carry_it(es_client, es_settings):
    """Template 8 adds ``matched_claims.stance_phrase``: a month made under 7 gains it, its
    documents (matches without a phrase) read back as they were, and a new match keeps its phrase."""
    from index.indexer import Indexer
    from tinradar.schema import ClaimMatch, Stance

    old_props = mapping_properties()
    old_props["matched_claims"] = {
        "properties": {k: v for k, v in old_props["matched_claims"]["properties"].items() if k != "stance_phrase"}
    }
    old_index = f"{es_settings.es_index_prefix}-docs-2020.02"
    es_client.indices.create(index=old_index, mappings={"dynamic": "strict", "properties": old_props})
    old = make_item(8, published_at="2020-02-03T08:00:00+07:00", claims=["vaccine-infertility"])
    es_client.index(index=old_index, id=old.document.id, document=to_source(old).pipeline_body(), refresh=True)
    ensure_templates(es_client, es_settings)
    mapped = es_client.indices.get_mapping(index=old_index)[old_index]["mappings"]["properties"]
    assert mapped["matched_claims"]["properties"]["stance_phrase"] == {"type": "keyword", "ignore_above": 256}

    new = make_item(9, published_at="2020-02-04T08:00:00+07:00", claims=["masks-cause-hypoxia"])
    new.analysis.matched_claims = [
        ClaimMatch(claim_id="masks-cause-hypoxia", similarity=0.6, stance=Stance.REFUTES, stance_phrase="tin giả")
    ]
    stats = Indexer(es_client, es_settings).index([new])
    assert stats.failed == 0 and stats.indexed == 1
    es_client.indices.refresh(index=old_index)
    read_old = IndexDoc.model_validate(es_client.get(index=old_index, id=old.document.id)["_source"])
    read_new = IndexDoc.model_validate(es_client.get(index=old_index, id=new.document.id)["_source"])
    assert [(m.claim_id, m.stance_phrase) for m in read_old.matched_claims] == [("vaccine-infertility", None)]
    assert [(m.stance, m.stance_phrase) for m in read_new.matched_claims] == [(Stance.REFUTES, "tin giả")]
    # the keyword is searchable: a reviewer can list the corrections that use a given phrase
    hits = es_client.search(index=old_index, query={"term": {"matched_claims.stance_phrase": "tin giả"}})["hits"]
    assert [h["_id"] for h in hits["hits"]] == [new.document.id]


def test_a_claim_reading_holds_claim_ids_sorted_once_and_has_query_paths():
    """``review.claims``: ids are registry claim ids, kept sorted and unique; [] (none) is a reading too."""
    at = datetime(2021, 8, 20, 3, 0, tzinfo=UTC)
    assert ReviewClaims(ids=["vaccine-microchip", "5g-spreads-covid", "vaccine-microchip"], by="lan", at=at).ids == [
        "5g-spreads-covid",
        "vaccine-microchip",
    ]
    assert ReviewClaims(ids=[], by="lan", at=at).ids == []
    with pytest.raises(ValidationError, match="not a claim id"):
        ReviewClaims(ids=["Vaccine Microchip"], by="lan", at=at)
    assert (REVIEW_CLAIM_IDS, REVIEW_CLAIMS_AT) == ("review.claims.ids", "review.claims.at")
    # paths follow the fields' own types: review.claims is the reading, with no field of a match
    with pytest.raises(AttributeError):
        _path("review", "claims", "claim_id")
    assert _path("matched_claims", "claim_id") == "matched_claims.claim_id"


def test_months_made_before_claim_readings_take_one(es_client, es_settings):
    """Template 10 adds ``review.claims``: a month made under 9 gains it, and a reading written there reads back."""
    from index.indexer import Indexer

    old_props = mapping_properties()
    old_props["review"] = {"properties": {k: v for k, v in old_props["review"]["properties"].items() if k != "claims"}}
    old_index = f"{es_settings.es_index_prefix}-docs-2020.03"
    es_client.indices.create(index=old_index, mappings={"dynamic": "strict", "properties": old_props})
    item = make_item(10, published_at="2020-03-04T08:00:00+07:00")
    reading = {"ids": [], "by": "lan", "at": "2020-03-05T01:00:00+00:00"}
    ensure_templates(es_client, es_settings)
    assert Indexer(es_client, es_settings).index([item]).indexed == 1
    es_client.update(index=old_index, id=item.document.id, doc={REVIEW: {"claims": reading}}, refresh=True)
    back = IndexDoc.model_validate(es_client.get(index=old_index, id=item.document.id)["_source"])
    assert back.review_state.claims is not None and back.review_state.claims.ids == []
    hits = es_client.search(index=old_index, query={"exists": {"field": "review.claims.at"}})["hits"]["hits"]
    assert [h["_id"] for h in hits] == [item.document.id]


def _float_paths(props: dict[str, Any], prefix: str = "") -> list[str]:
    """The paths the mapping types ``float``."""
    out: list[str] = []
    for name, spec in props.items():
        if spec.get("type") == "float":
            out.append(f"{prefix}{name}")
        out += _float_paths(spec.get("properties", {}), f"{prefix}{name}.")
    return out


def _with(tree: dict[str, Any], path: str, value: object) -> dict[str, Any]:
    """A deep copy of ``tree`` with ``value`` at ``path`` (a list stands for its first element)."""
    out = copy.deepcopy(tree)
    *parents, last = path.split(".")
    here: Any = out
    for key in parents:
        here = here[key][0] if isinstance(here[key], list) else here[key]
    here[last] = value
    return out


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), 1e300])
def test_every_float_the_template_maps_refuses_what_a_float_does_not_hold(bad: float):
    """Elasticsearch refuses a document for good when a ``float`` field holds NaN, an infinity or a
    number past float32; a cue weight of 1e300 validated and sat in the rejected file. Every float
    the template maps (a new one too) is refused at validation: on the index document, and on the
    scored line that ``index load`` reads (``claim_similarity`` is taken from the matches)."""
    floats = _float_paths(mapping_properties())
    assert {
        "rumor_risk",
        "cue_spans.weight",
        "sentiment_proba.neg",
        "matched_claims.similarity",
        "score_steps.score",
    } <= set(floats)
    item = make_item(1, risk=0.9, claims=["vaccine-infertility"])
    item.analysis.sentiment_proba = {Sentiment.NEG: 0.2, Sentiment.NEU: 0.5, Sentiment.POS: 0.3}
    item.analysis.cue_spans = [CueSpan(kind="claim", label="x", text="x", start=0, end=1, weight=0.5)]
    item.analysis.score_steps = [ScoreStep(kind=StepKind.TEXT, score=0.9, message="x")]
    source, line = to_source(item).pipeline_body(), item.to_line()
    IndexDoc.model_validate(source)
    for path in floats:
        where = path.replace(".", r"\.(0\.)?")  # a list's first element: "matched_claims.0.similarity"
        with pytest.raises(ValidationError, match=where):
            IndexDoc.model_validate(_with(source, path, bad))
        if path != "claim_similarity":
            with pytest.raises(LineError, match=f"field '{where}' = "):
                ScoredItem.from_line(_with(line, path, bad))


def test_months_made_before_score_steps_take_them_and_documents_without_them_read_back(es_client, es_settings):
    """Template 12 adds ``score_steps``: a month made under 11 gains it; a document stored there
    before reads back with none, and re-loading it is still a no-op (no steps hash as before the
    field existed); a new document keeps its steps, ``kind`` filterable, the message only shown."""
    from index.doc import content_digest
    from index.indexer import Indexer

    old_props = {k: v for k, v in mapping_properties().items() if k != "score_steps"}
    old_index = f"{es_settings.es_index_prefix}-docs-2020.04"
    es_client.indices.create(index=old_index, mappings={"dynamic": "strict", "properties": old_props})
    old = make_item(11, published_at="2020-04-03T08:00:00+07:00")
    body = to_source(old).pipeline_body()
    del body["score_steps"]  # as the pipeline wrote it before, hash included
    assert content_digest(body) == body["content_hash"]
    es_client.index(index=old_index, id=old.document.id, document=body, refresh=True)
    ensure_templates(es_client, es_settings)
    mapped = es_client.indices.get_mapping(index=old_index)[old_index]["mappings"]["properties"]["score_steps"]
    assert mapped["properties"]["kind"]["type"] == "keyword" and mapped["properties"]["message"]["index"] is False

    new = make_item(12, published_at="2020-04-04T08:00:00+07:00", risk=0.62)
    steps = list(SAMPLE_STEPS)
    new.analysis.score_steps = steps
    stats = Indexer(es_client, es_settings).index([old, new])
    assert (stats.unchanged, stats.indexed, stats.failed) == (1, 1, 0)
    es_client.indices.refresh(index=old_index)
    read_old = IndexDoc.model_validate(es_client.get(index=old_index, id=old.document.id)["_source"])
    read_new = IndexDoc.model_validate(es_client.get(index=old_index, id=new.document.id)["_source"])
    assert read_old.score_steps == [] and read_new.score_steps == steps
    hits = es_client.search(index=old_index, query={"term": {"score_steps.kind": "encoder"}})["hits"]["hits"]
    assert [h["_id"] for h in hits] == [new.document.id]
