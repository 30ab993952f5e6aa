"""Index names and the documents index template.

The template is data (``index/templates/docs.json``), versioned with the code; this
module only derives names from ``settings.es_index_prefix`` and installs it. Monthly
indices ``{prefix}-docs-YYYY.MM`` all join the read alias ``{prefix}-docs`` through the
template, so readers never need to know how documents are spread over months.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from elasticsearch import BadRequestError, Elasticsearch

from index.client import error_reason
from tinradar.schema import utc_now
from tinradar.settings import Settings

TEMPLATE_FILE = Path(__file__).resolve().parent / "templates" / "docs.json"

#: Longest keyword value indexed as a term, in characters. Lucene refuses a term over 32,766
#: bytes, and with it the whole document (400, refused for good); ``ignore_above`` counts
#: characters, and 8191 characters are at most 32,764 bytes of UTF-8. A longer value (a broken
#: or hostile export) stays in ``_source`` and the document goes in; only that value is no term
#: (the document's ``_ignored`` names the field). Every keyword of ours has it (or a lower one).
KEYWORD_IGNORE_ABOVE = 8191


@cache
def _template_file() -> dict[str, Any]:
    body: dict[str, Any] = json.loads(TEMPLATE_FILE.read_text(encoding="utf-8"))
    return body


def template_body() -> dict[str, Any]:
    """A fresh copy of the template JSON (without the ``_comment`` key)."""
    body: dict[str, Any] = json.loads(json.dumps(_template_file()))
    body.pop("_comment", None)
    return body


def template_version() -> int:
    return int(_template_file()["version"])


def mapping_properties() -> dict[str, Any]:
    """The mapping's ``properties`` (used by tests and the Kibana checks)."""
    properties: dict[str, Any] = template_body()["mappings"]["properties"]
    return properties


def mapped_fields() -> set[str]:
    """Every field path the mapping knows, including sub-fields ('title.raw')."""
    out: set[str] = set()

    def walk(props: dict[str, Any], prefix: str) -> None:
        for name, spec in props.items():
            path = f"{prefix}{name}"
            out.add(path)
            if "properties" in spec:
                walk(spec["properties"], f"{path}.")
            for sub in spec.get("fields", {}):
                out.add(f"{path}.{sub}")

    walk(mapping_properties(), "")
    return out


def template_name(settings: Settings) -> str:
    return f"{settings.es_index_prefix}-docs"


def alias_name(settings: Settings) -> str:
    """Read alias over all monthly indices: what search and Kibana use."""
    return f"{settings.es_index_prefix}-docs"


def index_pattern(settings: Settings) -> str:
    return f"{settings.es_index_prefix}-docs-*"


def index_for(when: datetime, settings: Settings) -> str:
    """Monthly index for a moment, counted in the board's time zone."""
    local = when.astimezone(settings.tz)
    return f"{settings.es_index_prefix}-docs-{local:%Y.%m}"


def _extend_existing(client: Elasticsearch, settings: Settings, properties: dict[str, Any]) -> None:
    """Give indices made under an older template the fields added since (mappings are
    strict: without this, a document with a new field could not go into last month's
    index). Adding fields, and a keyword's ``ignore_above``, is all a template change may do
    to existing indices (Elasticsearch updates nothing else of a mapped field)."""
    if client.indices.exists(index=index_pattern(settings), allow_no_indices=False):
        try:
            client.indices.put_mapping(index=index_pattern(settings), properties=properties)
        except BadRequestError as exc:  # an index made by hand, or by another tool, types a field otherwise
            raise TemplateConflict(
                f"một chỉ mục {index_pattern(settings)} có trường khác kiểu với template / an index matching "
                f"{index_pattern(settings)} types a field otherwise than the template: {_reason(exc)}"
            ) from exc


class TemplateConflict(RuntimeError):
    """An existing index (or template) contradicts ours, so the fields could not be added.

    Elasticsearch answers 400 (``illegal_argument_exception``: "mapper [x] cannot be changed from
    type [long] to [text]"). It used to surface as an internal error (exit 70, a traceback in the
    crash log); nothing was written, and nothing is lost: the items wait where they were.
    """

    hint = (
        "xem lại chỉ mục đó (tạo tay hoặc bởi công cụ khác?): đổi tên hoặc reindex rồi xóa nó, sau đó chạy lại / "
        "check that index (made by hand or by another tool?): reindex it elsewhere or delete it, then run again"
    )


def _reason(exc: BadRequestError) -> str:
    """What Elasticsearch said (``index.client.error_reason`` of the body's ``error``)."""
    return error_reason(exc.body.get("error") if isinstance(exc.body, dict) else exc.message)[1][:300]


def ensure_templates(client: Elasticsearch, settings: Settings, *, create_current: bool = True) -> dict[str, Any]:
    """Install (or update) the index template; optionally create this month's index.

    Creating the current month's index makes the read alias exist at once, so a search
    before the first load answers "0 results" rather than "no such index". The priority
    grows with the prefix length: a longer prefix is more specific, and two templates
    with overlapping patterns may not share a priority.
    """
    body = template_body()
    version = body.pop("version")
    name = template_name(settings)
    template = {
        "settings": body["settings"],
        "mappings": body["mappings"],
        "aliases": {alias_name(settings): {}},
    }
    try:
        client.indices.put_index_template(
            name=name,
            index_patterns=[index_pattern(settings)],
            template=template,
            priority=200 + len(settings.es_index_prefix),
            version=version,
            meta={"owner": "tinradar", "managed": True},
        )
    except BadRequestError as exc:  # another template over the same names, at the same priority
        raise TemplateConflict(f"template {name} không cài được / could not be installed: {_reason(exc)}") from exc
    _extend_existing(client, settings, body["mappings"]["properties"])
    created = None
    if create_current:
        created = index_for(utc_now(), settings)
        create_index_once(client, created)
    return {"template": name, "version": version, "alias": alias_name(settings), "created": created}


def bound_keywords(mapping: dict[str, Any]) -> dict[str, Any]:
    """A copy of a mapping where every indexed keyword field (and keyword sub-field) without an
    ``ignore_above`` gets ``KEYWORD_IGNORE_ABOVE``: one absurd value no longer refuses the record.
    ``ignore_above`` may be changed on an existing field, so ``put_mapping`` brings it to older indices."""
    out: dict[str, Any] = json.loads(json.dumps(mapping))

    def walk(spec: dict[str, Any]) -> None:
        if spec.get("type") == "keyword" and spec.get("index", True):
            spec.setdefault("ignore_above", KEYWORD_IGNORE_ABOVE)
        for child in (*spec.get("properties", {}).values(), *spec.get("fields", {}).values()):
            walk(child)

    walk(out)
    return out


def ensure_single_index(
    client: Elasticsearch, name: str, mapping: dict[str, Any], *, priority: int, meta: dict[str, str]
) -> None:
    """A one-shard index of its own (the audit trail, the claim registry): template, index, mapping.

    Idempotent; an index created by an older version gains the mapping's new fields.
    Each caller passes its own priority: templates with overlapping patterns may not share one.
    Its keywords are bounded (``bound_keywords``): a record with one absurd value still goes in.
    """
    mapping = bound_keywords(mapping)
    client.indices.put_index_template(
        name=name,
        index_patterns=[name],
        priority=priority,
        template={"settings": {"number_of_shards": 1, "auto_expand_replicas": "0-1"}, "mappings": mapping},
        meta=meta,
    )
    create_index_once(client, name)
    client.indices.put_mapping(index=name, properties=mapping["properties"])


def create_index_once(client: Elasticsearch, name: str, **body: Any) -> None:
    """Create an index unless it exists; losing the race to another process is fine.

    ``body``: ``settings`` / ``mappings`` of an index no template covers (``index.epoch``)."""
    if client.indices.exists(index=name):
        return
    try:
        client.indices.create(index=name, **body)
    except Exception as exc:  # another process created it in between
        if "resource_already_exists" not in str(exc):
            raise
