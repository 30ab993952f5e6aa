"""``tinradar users ...`` and ``tinradar review export`` through the real CLI."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.review.users import Role, UserStore
from index import review as store
from tests.flows.review import seed, training_data
from tinradar.schema import ReviewStatus
from tinradar.settings import DEV_REVIEW_SECRET


@pytest.fixture
def env(es_settings) -> dict[str, str]:
    return {
        "TINRADAR_DATA_DIR": str(es_settings.data_dir),
        "TINRADAR_ES_URL": es_settings.es_url,
        "TINRADAR_ES_INDEX_PREFIX": es_settings.es_index_prefix,
    }


def test_users_add_list_remove(env, es_settings):
    runner = CliRunner()
    added = runner.invoke(
        app, ["users", "add", "Lan", "--role", "reviewer", "--password-stdin"], input="mat-khau-dai-1\n", env=env
    )
    assert added.exit_code == 0, added.output
    user = UserStore.for_settings(es_settings).authenticate("lan", "mat-khau-dai-1")
    assert user is not None and user.role is Role.REVIEWER
    listed = runner.invoke(app, ["users", "list"], env=env)
    assert listed.exit_code == 0 and listed.stdout.startswith("lan\treviewer\t")
    again = runner.invoke(
        app, ["users", "add", "lan", "--role", "admin", "--password-stdin"], input="mat-khau-dai-2\n", env=env
    )
    assert again.exit_code == 2 and "đã có" in again.output
    bad_role = runner.invoke(app, ["users", "add", "hoa", "--role", "boss", "--password-stdin"], input="x" * 9, env=env)
    assert bad_role.exit_code == 2 and "reviewer" in bad_role.output
    short = runner.invoke(
        app, ["users", "add", "hoa", "--role", "analyst", "--password-stdin"], input="ngan\n", env=env
    )
    assert short.exit_code == 2 and "ít nhất 8" in short.output
    assert runner.invoke(app, ["users", "remove", "lan"], env=env).exit_code == 0
    assert runner.invoke(app, ["users", "remove", "lan"], env=env).exit_code == 1
    assert UserStore.for_settings(es_settings).list() == []


def test_review_export_writes_labelled_jsonl(env, es_settings, es_client, tmp_path):
    ids = seed.load(es_client, es_settings, seed.standard_items())
    for key, status in (
        ("hi1", ReviewStatus.CONFIRMED_FALSE),
        ("mid2", ReviewStatus.ACCURATE),
        ("xss", ReviewStatus.IRRELEVANT),
    ):
        it = store.get_item(es_client, es_settings, ids[key])
        seed.decide_seen(es_client, es_settings, it, status, by="lan", note="")
    out = tmp_path / "out" / "reviews.jsonl"
    result = CliRunner().invoke(app, ["review", "export", "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {r["id"]: r["label"] for r in rows} == {ids["hi1"]: 1, ids["mid2"]: 0}
    assert "Đã xuất 2 bài" in result.output and "kết luận accurate: 1, confirmed_false: 1" in result.output


def test_review_commands_fail_clearly_when_elasticsearch_is_down(env, tmp_path):
    down = {**env, "TINRADAR_ES_URL": "http://127.0.0.1:9", "TINRADAR_ES_REQUEST_TIMEOUT": "2"}
    result = CliRunner().invoke(app, ["review", "export", "--out", str(tmp_path / "x.jsonl")], env=down)
    assert result.exit_code == 3
    assert "Elasticsearch" in result.output and not (tmp_path / "x.jsonl").exists()


def test_serve_refuses_default_secret_on_a_public_address(env):
    """(More of these attacks in tests/security/test_forged_session.py.)"""
    weak = {**env, "TINRADAR_REVIEW_SECRET": DEV_REVIEW_SECRET}
    result = CliRunner().invoke(app, ["review", "serve", "--host", "0.0.0.0"], env=weak)
    assert result.exit_code == 2 and "TINRADAR_REVIEW_SECRET" in result.output


def test_train_rumor_with_reviews_needs_verdicts(env, es_settings, es_client, tmp_path):
    base = tmp_path / "train.csv"
    base.write_text("id,post_message,label\n1,tin đồn,1\n2,thông báo,0\n", encoding="utf-8")
    args = ["train", "rumor", "--data", str(base), "--out", str(tmp_path / "models")]
    seed.load(es_client, es_settings, seed.standard_items())  # flagged items, but no verdict yet
    none_yet = CliRunner().invoke(app, [*args, "--with-reviews"], env=env)
    assert none_yet.exit_code == 1 and "Chưa có kết luận" in none_yet.output
    missing = CliRunner().invoke(app, [*args, "--reviews-file", str(tmp_path / "nope.jsonl")], env=env)
    assert missing.exit_code == 2 and "tinradar review export" in missing.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "text": "x"}\n', encoding="utf-8")
    invalid = CliRunner().invoke(app, [*args, "--reviews-file", str(bad)], env=env)
    assert invalid.exit_code == 2 and "bad.jsonl:1" in invalid.output
    assert not (tmp_path / "models").exists()


def test_train_rumor_with_reviews_from_elasticsearch(env, es_settings, es_client, tmp_path):
    """The whole path a board's analyst takes: verdicts on the desk → retrained model with a card."""
    ids = seed.load(es_client, es_settings, seed.standard_items())
    for key, status in (("hi1", ReviewStatus.CONFIRMED_FALSE), ("mid2", ReviewStatus.ACCURATE)):
        seed.decide_seen(es_client, es_settings, store.get_item(es_client, es_settings, ids[key]), status, by="lan")
    base = tmp_path / "train.csv"
    training_data.base_csv(base)
    models = tmp_path / "models"
    args = ["train", "rumor", "--data", str(base), "--out", str(models), "--seed", "3", "--with-reviews"]

    result = CliRunner().invoke(app, args, env=env)

    assert result.exit_code == 0, result.output
    assert "2 kết luận" in result.output and "ROC-AUC" in result.output
    metrics = json.loads((models / "rumor" / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["reviews"]["rows"] == 2 and metrics["reviews"]["positives"] == 1
    assert metrics["data"]["rows"] == 82 and metrics["cv"]["folds"] == 5
    assert (models / "rumor" / "rumor.joblib").is_file()
    assert "## Kết luận của Ban / Board verdicts" in (models / "rumor" / "MODEL_CARD.md").read_text(encoding="utf-8")
