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

from elasticsearch import ApiError, AuthorizationException, BadRequestError, Elasticsearch

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


#: The one action a mapping change needs. Elasticsearch 9 still lets the ``index`` (and ``create_doc``,
#: ``write``) privilege do it, with a deprecation ("the index privilege [index] allowed the update mapping
#: action [indices:admin/mapping/put] … this privilege will not permit mapping updates in the next major
#: release - users who require access to update mappings must be granted explicit privileges"): so a mapping
#: change is the admin's set-up (``tinradar index init``), never a side effect of the pipeline's ``index``.
MAPPING_UPDATE = "indices:admin/mapping/put"

#: Mapping parameters a put-mapping may still change on an existing field, and which Elasticsearch echoes
#: when set. Any other parameter absent from an index's mapping is taken as that parameter's default
#: (Elasticsearch leaves defaults out of what it answers); one present there and set otherwise is a conflict.
_UPDATABLE = frozenset({"ignore_above"})


def _same(a: Any, b: Any) -> bool:
    """Equal as Elasticsearch means it: it answers ``"false"`` for ``false``, ``"1"`` for ``1``."""
    if isinstance(a, dict | list) or isinstance(b, dict | list):
        return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    return str(a).lower() == str(b).lower()


def _lacks(wanted: dict[str, Any], have: dict[str, Any]) -> bool:
    """True when a field of ``wanted`` (a mapping's ``properties``) is absent from ``have``, or set otherwise."""
    for name, spec in wanted.items():
        got = have.get(name)
        if not isinstance(got, dict):
            return True
        for key, value in spec.items():
            if key in ("properties", "fields"):
                if _lacks(value, got.get(key, {})):
                    return True
            elif key == "type":  # an object field's type is implied, and not echoed
                if not _same(value, got.get("type", "object")):
                    return True
            elif key in got:
                if not _same(value, got[key]):
                    return True
            elif key in _UPDATABLE:
                return True
    return False


def outdated_indices(client: Elasticsearch, index: str, properties: dict[str, Any]) -> list[str]:
    """The existing indices matching ``index`` whose mapping misses something of ``properties``.

    Reading a mapping needs only ``view_index_metadata``: so the pipeline can tell an up-to-date
    index (the usual case: nothing to do, no mapping request at all) from one an admin must update."""
    mappings = client.indices.get_mapping(index=index, allow_no_indices=True, ignore_unavailable=True)
    return sorted(
        name for name, body in mappings.items() if _lacks(properties, body.get("mappings", {}).get("properties", {}))
    )


def may_update_mappings(client: Elasticsearch, names: list[str]) -> bool:
    """Whether this identity holds the mapping-update privilege explicitly on ``names``.

    ``False`` only when Elasticsearch says so (``_has_privileges`` does not count the deprecated grant
    through ``index``). A node with security off has no ``_security`` API (400): there everyone may,
    as before; any other failure to ask also means "try", and a refusal then is a 403."""
    try:
        answer = client.security.has_privileges(index=[{"names": names, "privileges": [MAPPING_UPDATE]}])
    except ApiError:
        return True
    return bool(answer.get("has_all_requested"))


def _extend_existing(client: Elasticsearch, settings: Settings, properties: dict[str, Any]) -> None:
    """Give indices made under an older template the fields added since (mappings are
    strict: without this, a document with a new field could not go into last month's
    index). Adding fields, and a keyword's ``ignore_above``, is all a template change may do
    to existing indices (Elasticsearch updates nothing else of a mapped field).

    Only outdated indices are touched, and only by an identity explicitly allowed to (the admin's
    ``tinradar index init``, or anyone on a node with security off): the pipeline's ``index``
    privilege would do it only through Elasticsearch's deprecated path, so it stops with
    ``SetupNeeded`` instead, before writing anything (its items wait for the next run)."""
    outdated = outdated_indices(client, index_pattern(settings), properties)
    if not outdated:
        return
    if not may_update_mappings(client, outdated):
        raise SetupNeeded(outdated)
    try:
        client.indices.put_mapping(index=outdated, properties=properties)
    except AuthorizationException as exc:  # asked and told yes, refused all the same: set-up it is
        raise SetupNeeded(outdated) from exc
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


class SetupNeeded(TemplateConflict):
    """Existing indices lack fields of the current template, and this identity may not add them.

    Mapping changes are set-up, the admin's job: the pipeline's least-privilege role
    (``index/roles.py``) holds no mapping-update privilege. Nothing was written; the items wait.
    """

    hint = (
        "chạy `tinradar index init` bằng tài khoản quản trị (vai trò tinradar_admin), rồi chạy lại; các mục đang "
        "chờ không mất / run `tinradar index init` as the admin identity (role tinradar_admin), then run again; "
        "the waiting items are kept"
    )

    def __init__(self, names: list[str]) -> None:
        shown = ", ".join(names[:5]) + (f" (+{len(names) - 5})" if len(names) > 5 else "")
        super().__init__(
            f"chỉ mục {shown} thiếu trường của template hiện tại và tài khoản này không được sửa mapping: chạy "
            f"`tinradar index init` bằng tài khoản quản trị / {shown} lack fields of the current template and "
            "this identity may not update mappings: run `tinradar index init` as the admin identity"
        )
        self.names = names


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
    if outdated_indices(client, name, mapping["properties"]):  # made by an older version: its new fields
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
