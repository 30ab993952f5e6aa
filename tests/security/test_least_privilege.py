"""Attack: use the desk's (or the pipeline's) Elasticsearch identity to erase the audit trail.

On the local node security is off and every part shares one identity, so whoever holds
it can delete or rewrite audit records (and the local node even allows wildcard deletes).
On a production cluster each part gets its own identity with a role from
``index/roles.py``; here those roles run on a second local node with security on, and the
attacks an identity could try are refused: the desk may only *add* audit records.

Slow: the secured node starts in about a minute. (``_delete_by_query`` lives in the reindex
module, which this minimal distribution lacks; the role grants no delete of any kind.)
"""

from __future__ import annotations

import atexit
import json
import secrets
import shutil
import uuid
import warnings
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from elasticsearch import AuthorizationException, BadRequestError, ConflictError, Elasticsearch, ElasticsearchWarning
from pydantic import SecretStr
from typer.testing import CliRunner

from flows.cli import app
from flows.review.app import create_app
from flows.runstore import indexed_marker
from flows.tasks import IndexUnavailable, index_chunks
from index import review as store
from index.audit_verify import verify
from index.indexer import Indexer
from index.node import free_port
from index.roles import roles
from index.templates import ensure_templates, mapping_properties, template_body, template_name
from tests.flows.review import seed
from tests.flows.review.live import serve_in_thread
from tests.index.items import make_item
from tests.security.desk import Visitor, add_accounts, cli_env, desk_env, serve_cli
from tests.security.secure_node import SUPERUSER, SecureNode
from tinradar.schema import ReviewStatus
from tinradar.settings import Settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """The secured node; roles and one user per part made by its administrator."""
    base = tmp_path_factory.mktemp("secure-es")
    password = secrets.token_urlsafe(18)
    root = Settings(es_username=SUPERUSER, es_password=SecretStr(password), es_index_prefix=f"t{uuid.uuid4().hex[:8]}")
    parts = {part: secrets.token_urlsafe(18) for part in ("pipeline", "desk", "auditor")}
    users = {f"tinradar-{part}": (secret, [f"tinradar_{part}"]) for part, secret in parts.items()}
    setup = secrets.token_urlsafe(18)  # the tinradar_admin identity (``cluster.admin`` is the superuser's client)
    users["tinradar-admin"] = (setup, ["tinradar_admin"])
    node = SecureNode(Settings(data_dir=base), port=free_port(), password=password, roles=roles(root), users=users)
    atexit.register(node.stop)
    try:
        node.start(timeout=300)
        root = root.model_copy(update={"es_url": node.url, "data_dir": base / "data"})
        who = {
            part: root.model_copy(update={"es_username": f"tinradar-{part}", "es_password": SecretStr(secret)})
            for part, secret in parts.items()
        }
        who["setup"] = root.model_copy(update={"es_username": "tinradar-admin", "es_password": SecretStr(setup)})
        admin = Elasticsearch(**root.es_client_kwargs())
        store.ensure_audit_index(admin, root)  # set-up, as `tinradar review audit init` with the admin identity
        yield SimpleNamespace(root=root, admin=admin, **who)
        admin.close()
    finally:
        node.stop()
        shutil.rmtree(node.node_dir, ignore_errors=True)


def _client(settings: Settings) -> Elasticsearch:
    return Elasticsearch(**settings.es_client_kwargs())


@pytest.fixture(scope="module")
def indexed(cluster) -> dict[str, str]:
    """The pipeline's identity sets up the docs indices and loads the standard items."""
    pipeline = _client(cluster.pipeline)
    ensure_templates(pipeline, cluster.pipeline)
    items = seed.standard_items()
    assert Indexer(pipeline, cluster.pipeline).index(items).failed == 0
    pipeline.close()
    cluster.admin.indices.refresh(index=f"{cluster.root.es_index_prefix}-docs*")  # the pipeline may not refresh
    return {it.document.url.rsplit("/", 1)[1]: it.document.id for it in items}


def test_pipeline_identity_cannot_touch_the_audit_trail(cluster, indexed):
    pipeline = _client(cluster.pipeline)
    audit = store.audit_index(cluster.root)
    for attack in (
        lambda: pipeline.index(index=audit, document={"by": "pipeline"}),
        lambda: pipeline.indices.delete(index=audit),
    ):
        with pytest.raises(AuthorizationException):
            attack()


def test_pipeline_identity_reads_and_makes_the_index_epoch_but_cannot_change_it(cluster, indexed):
    from index.epoch import EPOCH_DOC_ID, epoch_index, index_epoch, sources_in_index

    pipeline = _client(cluster.pipeline)
    epoch = index_epoch(pipeline, cluster.pipeline)  # made by the pipeline: the first run on this cluster
    assert epoch == index_epoch(pipeline, cluster.pipeline) == index_epoch(cluster.admin, cluster.root)
    sources = {it.document.source_id for it in seed.standard_items()}
    assert sources_in_index(pipeline, cluster.pipeline, [*sources, "no-such-source"]) == sources
    for attack in (
        lambda: pipeline.delete(index=epoch_index(cluster.root), id=EPOCH_DOC_ID),
        lambda: pipeline.index(index=epoch_index(cluster.root), id=EPOCH_DOC_ID, document={"epoch": "forged"}),
        lambda: pipeline.indices.delete(index=epoch_index(cluster.root)),
    ):
        with pytest.raises(AuthorizationException):
            attack()
    assert index_epoch(pipeline, cluster.pipeline) == epoch


def test_the_desk_works_with_its_least_privilege_identity(cluster, indexed, tmp_path):
    """The real desk over HTTP, as the desk identity: a verdict, and its chained record."""
    desk_settings = cluster.desk.model_copy(update={"data_dir": tmp_path})
    users = add_accounts(desk_settings)
    client = _client(desk_settings)
    with serve_in_thread(create_app(desk_settings, client=client, users=users)) as url, Visitor(url) as lan:
        assert lan.login("lan").status_code == 303
        form = lan.form(f"/item/{indexed['hi1']}", "decide-form", status="confirmed_false")
        assert lan.post(f"/item/{indexed['hi1']}/decide", data=form).status_code == 303
        assert "Lịch sử kết luận" in lan.get(f"/item/{indexed['hi1']}").text
    assert store.get_item(client, desk_settings, indexed["hi1"]).review.status is ReviewStatus.CONFIRMED_FALSE
    report = verify(_client(cluster.auditor), cluster.auditor)
    assert report.intact and report.head.seq >= 1, report.problems


def test_desk_identity_cannot_erase_or_rewrite_the_audit_trail(cluster, indexed):
    desk = _client(cluster.desk)
    item = store.get_item(desk, cluster.desk, indexed["mid1"])
    record = seed.decide_seen(desk, cluster.desk, item, ReviewStatus.MISLEADING, by="lan")
    assert record.applied
    audit = store.audit_index(cluster.root)
    first = desk.get(index=audit, id="1")["_source"]
    forged = {**first, "by": "an"}
    for attack in (
        lambda: desk.delete(index=audit, id="1"),
        lambda: desk.index(index=audit, id="1", document=forged),
        lambda: desk.update(index=audit, id="1", doc={"by": "an"}),
        lambda: desk.indices.delete(index=audit),
        lambda: desk.indices.put_settings(index=audit, settings={"index.blocks.write": True}),
        lambda: desk.delete(index=item.index, id=item.id),  # nor delete the documents
    ):
        with pytest.raises(AuthorizationException):
            attack()
    with pytest.raises(ConflictError):  # create-only: an existing record cannot be replaced
        desk.create(index=audit, id="1", document=forged)
    assert verify(_client(cluster.auditor), cluster.auditor).intact


def test_auditor_reads_and_changes_nothing(cluster, indexed):
    auditor = _client(cluster.auditor)
    assert verify(auditor, cluster.auditor).records >= 1
    with pytest.raises(AuthorizationException):
        auditor.create(index=store.audit_index(cluster.root), id="999", document={"by": "auditor"})


def test_wildcard_deletes_are_refused_as_on_a_production_cluster(cluster, indexed):
    with pytest.raises(BadRequestError):
        cluster.admin.indices.delete(index=f"{cluster.root.es_index_prefix}-*")


def test_review_serve_starts_with_the_desk_identity(cluster, indexed, tmp_path):
    """`review serve` cannot create the audit index as the desk (403) and needs not: it was set up."""
    settings = cluster.desk.model_copy(update={"data_dir": tmp_path})
    add_accounts(settings)
    env = desk_env(
        settings,
        TINRADAR_ES_USERNAME=settings.es_username or "",
        TINRADAR_ES_PASSWORD=settings.es_password.get_secret_value() if settings.es_password else "",
    )
    with serve_cli(env) as desk:
        assert desk.listening, desk.output()
        with Visitor(desk.url) as lan:
            assert lan.login("lan").status_code == 303 and lan.get("/").status_code == 200


def _mapping_warnings(caught: list[warnings.WarningMessage]) -> list[str]:
    """What Elasticsearch's ``Warning`` headers said about mappings (the deprecated update path)."""
    return [
        str(w.message) for w in caught if issubclass(w.category, ElasticsearchWarning) and "mapping" in str(w.message)
    ]


def _cli_env(settings: Settings) -> dict[str, str]:
    password = settings.es_password.get_secret_value() if settings.es_password else ""
    return {**cli_env(settings), "TINRADAR_ES_USERNAME": settings.es_username or "", "TINRADAR_ES_PASSWORD": password}


def test_the_pipeline_loads_with_no_mapping_deprecation(cluster, indexed):
    """Every load sets the templates up again over months that exist: the pipeline's ``index``
    privilege must not be what updates their mappings (Elasticsearch 9 allows it with a deprecation
    warning, the next major refuses it), and with every month up to date nothing asks to."""
    pipeline = _client(cluster.pipeline)
    item = make_item(901, published_at="2021-08-20T08:00:00+07:00")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ensure_templates(pipeline, cluster.pipeline)
        stats = Indexer(pipeline, cluster.pipeline).index([item])
    assert (stats.indexed, stats.failed) == (1, 0), stats.errors
    assert _mapping_warnings(caught) == []


def test_an_outdated_month_waits_for_the_admin_setup_then_takes_its_fields(cluster, indexed, tmp_path):
    """A month made under an older template: the pipeline stops with what to do (the items wait, no
    traceback, exit 3), the admin's ``tinradar index init`` gives it the new fields, and the next run
    loads the waiting item; at no point does a mapping go through the deprecated ``index`` path."""
    prefix = cluster.root.es_index_prefix
    old = f"{prefix}-docs-2019.06"
    new_fields = {"captions", "captions_folded", "via"}
    older = template_body()
    older["mappings"]["properties"] = {k: v for k, v in mapping_properties().items() if k not in new_fields}
    # made under the previous template (the current one would give it every field at creation)
    cluster.admin.indices.put_index_template(
        name=template_name(cluster.root),
        index_patterns=[f"{prefix}-docs-*"],
        priority=200 + len(prefix),
        template={"settings": older["settings"], "mappings": older["mappings"], "aliases": {f"{prefix}-docs": {}}},
    )
    cluster.admin.indices.create(index=old)
    pipe = cluster.pipeline.model_copy(update={"data_dir": tmp_path / "pipeline"})
    item = make_item(902, published_at="2019-06-15T08:00:00+07:00", captions=["Ảnh: Hữu Khoa"], via="Infonet")
    chunk = tmp_path / "scored-000.jsonl"
    chunk.write_text(item.model_dump_json() + "\n", encoding="utf-8")
    lines = tmp_path / "scored.jsonl"
    lines.write_text(json.dumps(item.to_line(), ensure_ascii=False) + "\n", encoding="utf-8")

    def mapped() -> set[str]:
        return set(cluster.admin.indices.get_mapping(index=old)[old]["mappings"]["properties"])

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with pytest.raises(IndexUnavailable, match=r"run `tinradar index init` as the admin identity"):
                index_chunks.fn(pipe, [chunk])
            result = CliRunner().invoke(app, ["index", "load", str(lines)], env=_cli_env(pipe))
        said = " ".join(result.stderr.split())
        assert result.exit_code == 3, said
        assert "Traceback" not in result.stderr and "tinradar index init" in said and old in said
        assert _mapping_warnings(caught) == []
        assert not indexed_marker(chunk).exists() and not new_fields & mapped()  # nothing written: it waits
        assert cluster.admin.count(index=old)["count"] == 0

        setup = cluster.setup.model_copy(update={"data_dir": tmp_path / "admin"})
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = CliRunner().invoke(app, ["index", "init"], env=_cli_env(setup))
        assert result.exit_code == 0, result.output
        assert _mapping_warnings(caught) == []
        assert new_fields <= mapped()

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            done = index_chunks.fn(pipe, [chunk])
        assert (done.indexed, done.failed) == (1, 0) and indexed_marker(chunk).exists()
        assert _mapping_warnings(caught) == []
        cluster.admin.indices.refresh(index=old)
        assert cluster.admin.get(index=old, id=item.document.id)["_source"]["via"] == "Infonet"
    finally:
        cluster.admin.indices.delete(index=old)


def test_the_desk_proposes_a_claim_into_the_registry_the_admin_set_up(cluster, indexed):
    """A reviewer's proposal (the desk's ``/item/{id}/propose`` calls ``add_claim``) with the desk
    identity: it used to try the registry's set-up (template, mapping) and was refused (403) there."""
    from index.claims import ClaimStatus, add_claim, ensure_claims_index, get_claim
    from tinradar.schema import Claim

    ensure_claims_index(cluster.admin, cluster.root)  # set-up, as `tinradar claims seed` with the admin identity
    desk = _client(cluster.desk)
    claim = Claim(
        id="desk-proposal",
        claim="Uống nước lá ổi đun sôi chữa khỏi COVID-19.",
        category="cure",
        correction="Nước lá ổi không chữa được COVID-19.",
        debunked_by=["Trung tâm Y tế huyện"],
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        add_claim(desk, cluster.desk, claim, by="lan", origin="desk", status=ClaimStatus.PROPOSED)
    assert _mapping_warnings(caught) == []
    stored = get_claim(_client(cluster.auditor), cluster.auditor, "desk-proposal")
    assert stored is not None and stored.status is ClaimStatus.PROPOSED and stored.created_by == "lan"
