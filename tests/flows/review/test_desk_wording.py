"""The desk in words a reviewer acts on (real node, the app over its test client): the page a stale
form gets, the labels of the correction form, the history without internal numbers, the claim
names written by one macro in the conflict box and the history."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from flows.claims import shipped_claims
from flows.review.security import CSRFMiddleware
from index import review as store
from index.claims import seed as seed_registry
from tests.flows.review.test_review_web import (  # noqa: F401  (fixtures)
    app,
    browser,
    clock,
    decide_form,
    hidden,
    loaded,
    login,
    users,
)
from tinradar.schema import ReviewStatus

LOCKDOWN = "son-duong-total-lockdown-hoax"


class _Fields(HTMLParser):
    """The visible fields of a page (inputs other than hidden, selects, textareas) and the labels' ``for``."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[dict[str, str | None]] = []
        self.label_for: list[str] = []
        self.label_text: dict[str, str] = {}
        self._open_label: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "label" and a.get("for"):
            self._open_label = a["for"]
            self.label_for.append(a["for"] or "")
            self.label_text[a["for"] or ""] = ""
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.fields.append(a)

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._open_label = None

    def handle_data(self, data: str) -> None:
        if self._open_label is not None:
            self.label_text[self._open_label] += data


def _fields(page: str) -> _Fields:
    parser = _Fields()
    parser.feed(page)
    return parser


def _text(page: str) -> str:
    """The page as a reader sees it: tags dropped, entities read, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _refusal_is_explained(page: str) -> None:
    headline = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S)
    assert headline is not None and "CSRF" not in headline.group(1)
    assert "Chưa gửi được" in headline.group(1)
    assert 'class="topbar"' in page and 'href="/static/style.css"' in page, "the desk's own look (base.html)"
    words = _text(page)
    assert "chưa được thực hiện" in words and "trang đã mở quá lâu" in words and "phiên đăng nhập đã kết thúc" in words
    assert "đăng nhập lại" in words and "gửi lại" in words
    assert 'href="/login"' in page


def test_a_stale_form_gets_the_desks_page_and_nothing_happens(app, es_client, es_settings, loaded):  # noqa: F811
    client = browser(app)
    login(client, "lan")
    item_path = f"/item/{loaded['hi1']}"
    form = decide_form(client, loaded["hi1"], "confirmed_false")
    referer = {"referer": f"http://testserver{item_path}?back=%2F"}
    refused = client.post(f"{item_path}/decide", data={**form, "csrf_token": "0" * 43}, headers=referer)
    assert refused.status_code == 403
    _refusal_is_explained(refused.text)
    assert 'id="refused-back">← Mở lại trang vừa rồi' in refused.text
    assert f'href="{item_path}?back=%2F" id="refused-back"' in refused.text
    assert "CSRF" in refused.text, "the technical line stays for whoever reads logs and screenshots"
    assert store.get_item(es_client, es_settings, loaded["hi1"]).review.status is ReviewStatus.NEW

    # the session is gone (logged out in another tab): the same page, without the desk's menu
    client.post("/logout", data={"csrf_token": hidden(client.get("/").text)["csrf_token"]})
    gone = client.post(f"{item_path}/decide", data=form, headers=referer)
    assert gone.status_code == 403
    _refusal_is_explained(gone.text)
    assert "Đăng xuất" not in gone.text
    # a stranger's page as the referer is not linked back to
    elsewhere = browser(app).post(f"{item_path}/decide", data=form, headers={"referer": "https://evil.example/x"})
    assert elsewhere.status_code == 403 and 'href="/" id="refused-back"' in elsewhere.text
    assert "evil.example" not in elsewhere.text
    assert store.get_item(es_client, es_settings, loaded["hi1"]).review.status is ReviewStatus.NEW


def test_the_refusal_reads_without_the_desks_templates() -> None:
    """The middleware on an app that has no templates (not built by create_app) still explains itself."""

    async def ok(request):  # type: ignore[no-untyped-def]
        return PlainTextResponse("ok")

    bare = Starlette(routes=[Route("/", ok, methods=["POST"])], middleware=[Middleware(CSRFMiddleware)])
    response = TestClient(bare).post("/", data={"csrf_token": "x"})
    assert response.status_code == 403 and "Chưa gửi được: biểu mẫu đã hết hạn" in response.text
    assert "Hãy mở lại trang" in response.text


def test_the_correction_form_has_a_visible_label_for_each_field(app, es_client, es_settings):  # noqa: F811
    seed_registry(es_client, es_settings, shipped_claims(es_settings)[:2])
    client = browser(app)
    login(client, "lan")
    page = client.get("/claims").text
    forms = re.findall(r'<form method="post" action="/claims/[^"]+/correction".*?</form>', page, re.S)
    assert len(forms) == 2
    for form in forms:
        parsed = _fields(form)
        names = sorted(str(f.get("name")) for f in parsed.fields)
        assert names == ["channel", "published_at", "url"], "the same fields the handler reads"
        for field in parsed.fields:
            assert field.get("id") in parsed.label_for, field
            assert parsed.label_text[str(field["id"])].strip(), "a label with words, not an empty one"
        assert all("aria-label" not in f for f in parsed.fields), "the visible label names the field"
    ids = [f.get("id") for form in forms for f in _fields(form).fields]
    assert len(ids) == len(set(ids)), "each claim's form has its own ids"
    words = _text(forms[0])
    assert "Địa chỉ bài cải chính" in words and "Đăng trên kênh" in words and "Thời điểm đăng" in words


def test_history_names_an_attempt_that_did_not_happen_by_its_time(app, es_client, es_settings, loaded):  # noqa: F811
    """A verdict whose write fails (the documents' index refuses writes) leaves two records: the
    attempt, and ``not_applied`` pointing at it. The page says which one, by time and author."""
    client = browser(app)
    login(client, "lan")
    form = decide_form(client, loaded["hi1"], "confirmed_false")
    index = store.get_item(es_client, es_settings, loaded["hi1"]).index  # type: ignore[union-attr]
    es_client.indices.put_settings(index=index, settings={"index.blocks.write": True})
    try:
        failed = client.post(f"/item/{loaded['hi1']}/decide", data=form)
    finally:
        es_client.indices.put_settings(index=index, settings={"index.blocks.write": False})
    assert failed.status_code == 502
    trail = store.audit_trail(es_client, es_settings, loaded["hi1"])
    assert [r.outcome for r in trail] == ["not_applied", "applied"] and trail[0].ref_seq == trail[1].seq
    page = client.get(f"/item/{loaded['hi1']}").text
    history = page[page.index("Lịch sử kết luận") :]
    history = _text(history[: history.index("</section>")])
    assert "#" not in history, "no record number"
    at = trail[1].at.astimezone(es_settings.tz).strftime("%H:%M %d/%m/%Y")
    assert f"không lưu — lần ghi lúc {at} của lan ở dòng dưới đã không thực hiện được" in history
    assert "lần ghi này đã không thực hiện được, xem dòng trên" in history


def test_claim_names_are_the_same_in_the_conflict_box_and_the_history(app, es_client, es_settings, loaded):  # noqa: F811
    claims = {c.id: c for c in shipped_claims(es_settings)}
    seed_registry(es_client, es_settings, list(claims.values()))
    lan = browser(app)
    login(lan, "lan")
    stale = decide_form(lan, loaded["hi2"], "misleading")
    item = store.get_item(es_client, es_settings, loaded["hi2"])
    assert item is not None
    store.record_claims(
        es_client,
        es_settings,
        item.id,
        ids=[LOCKDOWN],
        by="quan",
        role="admin",
        seq_no=item.seq_no,
        primary_term=item.primary_term,
    )
    clash = lan.post(f"/item/{loaded['hi2']}/decide", data=stale)
    assert clash.status_code == 409
    named = f'«{claims[LOCKDOWN].claim}» <small class="muted">({LOCKDOWN})</small>'
    page = html.unescape(clash.text)
    box = page[page.index('id="conflict"') :]
    assert f"Tin đồn lặp lại đã ghi: {named} — quan" in box[: box.index("</div>")]
    history = page[page.index("Lịch sử kết luận") :]
    assert f"tin đồn lặp lại {named}" in history
