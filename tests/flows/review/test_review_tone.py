"""Reviewers record the author's tone on the desk (real HTTP, real node); it is audited, kept and exported."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from typer.testing import CliRunner

from flows.cli import app as cli_app
from flows.review.app import create_app
from flows.review.retrain import rumor_rows, tone_rows
from flows.review.users import Role
from index import review as store
from index.audit_verify import verify
from tests.flows.review import seed
from tests.flows.review.live import serve_in_thread
from tests.flows.review.test_review_web import PASSWORDS, clock, hidden, loaded, users  # noqa: F401 (fixtures)
from tests.security.desk import cli_env
from tinradar.schema import ReviewStatus, Sentiment

CHECKED = re.compile(r'<input type="radio" name="tone" value="([a-z]*)" id="tone-[a-z]+" checked>')


@pytest.fixture
def desk(es_settings, es_client, users, clock):  # noqa: F811 (fixtures imported above)
    """The desk under uvicorn on a loopback port: what a browser talks to."""
    with serve_in_thread(create_app(es_settings, client=es_client, users=users, clock=clock)) as url:
        yield url


def session(url: str, name: str, password: str | None = None) -> httpx.Client:
    client = httpx.Client(base_url=url, follow_redirects=False, timeout=30)
    token = hidden(client.get("/login").text)["csrf_token"]
    done = client.post(
        "/login", data={"username": name, "password": password or PASSWORDS[name], "csrf_token": token, "next": "/"}
    )
    assert done.status_code == 303, done.text
    return client


def form(client: httpx.Client, doc_id: str, **fields: str) -> dict[str, str]:
    page = client.get(f"/item/{doc_id}")
    assert page.status_code == 200
    return {**hidden(page.text, "decide-form"), **fields}


def test_tone_is_optional_and_never_prefilled(desk, es_client, es_settings, loaded):  # noqa: F811
    reviewer = session(desk, "lan")
    page = reviewer.get(f"/item/{loaded['hi1']}").text
    assert 'id="tone"' in page and "Giọng điệu của người viết (không bắt buộc)" in page
    assert CHECKED.findall(page) == [""], "only 'Không ghi' is chosen before the reviewer picks a tone"
    for label in ("Tiêu cực", "Trung tính", "Tích cực"):
        assert f"> {label}</label>" in page
    # The model's guess (neg for every seeded item) is not shown before a tone is recorded.
    assert "Cảm xúc (mô hình)" not in page
    # A verdict without a tone records none.
    done = reviewer.post(f"/item/{loaded['hi1']}/decide", data=form(reviewer, loaded["hi1"], status="accurate"))
    assert done.status_code == 303
    assert store.get_item(es_client, es_settings, loaded["hi1"]).review.tone is None
    # The analyst (read only) has no form, and sees the model's guess.
    analyst = session(desk, "an")
    read_only = analyst.get(f"/item/{loaded['hi2']}").text
    assert 'id="tone"' not in read_only and "Cảm xúc (mô hình): Tiêu cực" in read_only


def test_tone_saved_with_the_verdict_is_audited_and_exported(desk, es_client, es_settings, loaded, tmp_path):  # noqa: F811
    reviewer = session(desk, "lan")
    data = form(reviewer, loaded["hi1"], status="confirmed_false", note="đã xác minh", tone="pos", whole_cluster="1")
    done = reviewer.post(f"/item/{loaded['hi1']}/decide", data=data)
    assert done.status_code == 303
    assert "Giọng điệu: «Tích cực»" in reviewer.get(done.headers["location"]).text
    review = store.get_item(es_client, es_settings, loaded["hi1"]).review
    assert review.status is ReviewStatus.CONFIRMED_FALSE and review.tone is not None
    assert (review.tone.value, review.tone.by) == (Sentiment.POS, "lan")
    # Only this item: near-copies in the cluster got the verdict, not the tone.
    other = store.get_item(es_client, es_settings, loaded["hi2"]).review
    assert other.status is ReviewStatus.CONFIRMED_FALSE and other.tone is None
    trail = store.audit_trail(es_client, es_settings, loaded["hi1"])
    assert trail[0].outcome == "applied" and trail[0].after.tone == review.tone
    # Shown once recorded: who, and (now) the model's guess to compare with.
    page = reviewer.get(f"/item/{loaded['hi1']}").text
    assert "Đã ghi: «Tích cực» — lan" in page and "Cảm xúc (mô hình): Tiêu cực" in page
    assert CHECKED.findall(page) == [""], "a recorded tone is shown, not pre-selected"
    assert "giọng điệu «Tích cực»" in page  # in the history

    rows = {r.id: r for r in store.export_decisions(es_client, es_settings)}
    assert rows[loaded["hi1"]].tone is Sentiment.POS and rows[loaded["hi1"]].label == 1
    assert rows[loaded["hi2"]].tone is None


def test_tone_on_its_own_keeps_the_verdict(desk, users, es_client, es_settings, loaded):  # noqa: F811
    users.add("minh", "mat-khau-minh-4", Role.REVIEWER)
    lan, minh = session(desk, "lan"), session(desk, "minh", "mat-khau-minh-4")
    assert lan.post(f"/item/{loaded['hi1']}/decide", data=form(lan, loaded["hi1"], status="misleading")).is_redirect
    decided = store.get_item(es_client, es_settings, loaded["hi1"]).review

    saved = minh.post(f"/item/{loaded['hi1']}/tone", data=form(minh, loaded["hi1"], tone="neg"))
    assert saved.status_code == 303 and saved.headers["location"].startswith(f"/item/{loaded['hi1']}")
    assert "Đã lưu giọng điệu: «Tiêu cực» (kết luận giữ nguyên)" in minh.get(saved.headers["location"]).text
    review = store.get_item(es_client, es_settings, loaded["hi1"]).review
    assert (review.status, review.by, review.at, review.note) == (decided.status, "lan", decided.at, decided.note)
    assert (review.tone.value, review.tone.by) == (Sentiment.NEG, "minh")
    assert store.audit_trail(es_client, es_settings, loaded["hi1"])[0].by == "minh"

    # A later verdict without a tone keeps the recorded one.
    assert lan.post(f"/item/{loaded['hi1']}/decide", data=form(lan, loaded["hi1"], status="accurate")).is_redirect
    after = store.get_item(es_client, es_settings, loaded["hi1"]).review
    assert after.status is ReviewStatus.ACCURATE and after.tone == review.tone

    # Tone only, on an item nobody decided: it stays in the queue, and is exported (no rumor label).
    assert minh.post(f"/item/{loaded['mid1']}/tone", data=form(minh, loaded["mid1"], tone="neu")).is_redirect
    undecided = store.get_item(es_client, es_settings, loaded["mid1"]).review
    assert undecided.status is ReviewStatus.NEW and undecided.tone.value is Sentiment.NEU
    assert f'data-id="{loaded["mid1"]}"' in minh.get("/").text
    rows = list(store.export_decisions(es_client, es_settings))
    tone_only = next(r for r in rows if r.id == loaded["mid1"])
    assert tone_only.label is None and tone_only.tone is Sentiment.NEU
    assert loaded["mid1"] not in {r.id for r in rumor_rows(rows)}
    assert {t.id: t.tone for t in tone_rows(rows)} == {loaded["hi1"]: Sentiment.NEG, loaded["mid1"]: Sentiment.NEU}


def test_stale_or_empty_tone_is_not_saved(desk, users, es_client, es_settings, loaded):  # noqa: F811
    users.add("minh", "mat-khau-minh-4", Role.REVIEWER)
    lan, minh = session(desk, "lan"), session(desk, "minh", "mat-khau-minh-4")
    stale = form(minh, loaded["hi2"], tone="pos")
    assert lan.post(f"/item/{loaded['hi2']}/decide", data=form(lan, loaded["hi2"], status="accurate")).is_redirect
    clash = minh.post(f"/item/{loaded['hi2']}/tone", data=stale)
    assert clash.status_code == 409
    assert "Giọng điệu bạn chọn" in clash.text and "chưa được lưu" in clash.text
    assert CHECKED.findall(clash.text) == ["pos"], "the reviewer's own choice is kept for the retry"
    assert store.get_item(es_client, es_settings, loaded["hi2"]).review.tone is None
    assert store.audit_trail(es_client, es_settings, loaded["hi2"])[0].outcome == "conflict"
    # The conflict page carries the new version: sent again, it goes through.
    retry = {**hidden(clash.text, "decide-form"), "tone": "pos"}
    assert minh.post(f"/item/{loaded['hi2']}/tone", data=retry).status_code == 303
    assert store.get_item(es_client, es_settings, loaded["hi2"]).review.tone.value is Sentiment.POS

    # A tone sent with "Lưu kết luận" but no verdict: nothing saved, the way to save the tone alone is named.
    no_verdict = minh.post(f"/item/{loaded['hi3']}/decide", data=form(minh, loaded["hi3"], tone="neu"))
    assert no_verdict.status_code == 400 and "Chỉ lưu giọng điệu" in no_verdict.text
    assert CHECKED.findall(no_verdict.text) == ["neu"]
    empty = minh.post(f"/item/{loaded['hi3']}/tone", data=form(minh, loaded["hi3"]))
    assert empty.status_code == 400 and "Hãy chọn giọng điệu" in empty.text
    odd = minh.post(f"/item/{loaded['hi3']}/tone", data=form(minh, loaded["hi3"], tone="angry"))
    assert odd.status_code == 400
    assert store.get_item(es_client, es_settings, loaded["hi3"]).review.tone is None


def test_tone_needs_the_csrf_token_and_a_reviewer(desk, es_client, es_settings, loaded):  # noqa: F811
    reviewer = session(desk, "lan")
    data = form(reviewer, loaded["hi3"], tone="neg")
    forged = reviewer.post(f"/item/{loaded['hi3']}/tone", data={**data, "csrf_token": "x" * 20})
    assert forged.status_code == 403
    analyst = session(desk, "an")
    token = hidden(analyst.get(f"/item/{loaded['hi3']}").text)["csrf_token"]
    refused = analyst.post(f"/item/{loaded['hi3']}/tone", data={**data, "csrf_token": token})
    assert refused.status_code == 403
    assert store.get_item(es_client, es_settings, loaded["hi3"]).review.tone is None
    assert store.audit_trail(es_client, es_settings, loaded["hi3"]) == []


def test_reanalysis_keeps_the_tone_and_verify_checks_it(desk, es_client, es_settings, loaded):  # noqa: F811
    reviewer = session(desk, "lan")
    assert reviewer.post(f"/item/{loaded['mid2']}/tone", data=form(reviewer, loaded["mid2"], tone="pos")).is_redirect
    # The pipeline scores the item again (new risk, new sentiment) and re-indexes it.
    items = [it for it in seed.standard_items() if it.document.id == loaded["mid2"]]
    items[0].analysis.sentiment = Sentiment.POS
    items[0].analysis.rumor_risk = 0.3
    seed.load(es_client, es_settings, items)
    item = store.get_item(es_client, es_settings, loaded["mid2"])
    assert item.doc.rumor_risk == 0.3 and item.review.tone is not None
    assert (item.review.tone.value, item.review.tone.by) == (Sentiment.POS, "lan")

    assert verify(es_client, es_settings).intact
    # A tone written around the desk, straight into Elasticsearch, has no record.
    es_client.update(
        index=item.index,
        id=item.id,
        doc={"review": {"tone": {"value": "neg", "by": "ai-do", "at": "2021-08-21T00:00:00+00:00"}}},
        refresh=True,
    )
    report = verify(es_client, es_settings)
    assert not report.intact and any("giọng điệu «neg» của ai-do" in p for p in report.problems)


def test_review_export_includes_tones(es_settings, es_client, tmp_path):
    ids = seed.load(es_client, es_settings, seed.standard_items())

    def version(key: str) -> dict[str, int]:
        it = store.get_item(es_client, es_settings, ids[key])
        return {"seq_no": it.seq_no, "primary_term": it.primary_term}

    store.decide(
        es_client, es_settings, ids["hi1"], status=ReviewStatus.CONFIRMED_FALSE, note="", by="lan", tone=Sentiment.NEG,
        **version("hi1"),
    )  # fmt: skip
    store.decide(
        es_client, es_settings, ids["xss"], status=ReviewStatus.IRRELEVANT, note="", by="lan", tone=Sentiment.NEU,
        **version("xss"),
    )  # fmt: skip
    store.decide(
        es_client, es_settings, ids["mid2"], status=ReviewStatus.ACCURATE, note="", by="lan", **version("mid2")
    )
    store.record_tone(es_client, es_settings, ids["low1"], tone=Sentiment.POS, by="minh", **version("low1"))
    env = cli_env(es_settings)
    out = tmp_path / "reviews.jsonl"
    result = CliRunner().invoke(cli_app, ["review", "export", "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    got = {key: (rows[ids[key]]["label"], rows[ids[key]]["tone"]) for key in ("hi1", "xss", "mid2", "low1")}
    assert got == {"hi1": (1, "neg"), "xss": (None, "neu"), "mid2": (0, None), "low1": (None, "pos")}
    assert len(rows) == 4 and rows[ids["low1"]]["status"] == "new" and rows[ids["low1"]]["tone_at"]
    assert "Đã xuất 4 bài" in result.output and "giọng điệu: neg: 1, neu: 1, pos: 1" in result.output
    # Read back as the trainers do: tones for sentiment, verdicts (with a label) for rumor.
    from flows.review.retrain import read_reviews

    back = read_reviews(out)
    assert [r.id for r in rumor_rows(back)] == sorted([ids["hi1"], ids["mid2"]])
    assert {t.id: t.tone for t in tone_rows(back)} == {
        ids["hi1"]: Sentiment.NEG,
        ids["xss"]: Sentiment.NEU,
        ids["low1"]: Sentiment.POS,
    }


def test_train_sentiment_with_reviews_says_when_there_are_no_tones(es_settings, es_client, tmp_path):
    ids = seed.load(es_client, es_settings, seed.standard_items())
    it = store.get_item(es_client, es_settings, ids["hi1"])
    seed.decide_seen(es_client, es_settings, it, ReviewStatus.CONFIRMED_FALSE, by="lan")  # a verdict, no tone
    env = cli_env(es_settings)
    models = tmp_path / "models"
    args = ["train", "sentiment", "--data", str(tmp_path), "--out", str(models), "--with-reviews"]
    result = CliRunner().invoke(cli_app, args, env=env)
    assert result.exit_code == 1
    assert "Chưa có bài nào được người duyệt ghi giọng điệu (1 bài đã duyệt" in result.output
    assert not models.exists()
