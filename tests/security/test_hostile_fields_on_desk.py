"""Attack: markup in every field a crawled document (and a reviewer) can put on the desk.

The item test of the review suite puts ``<script>`` in a title and a text. Here every
other string that reaches a desk page carries it too: author, source id, ``via``,
captions, place names, cues, cluster id, a ``javascript:`` URL, the reviewer's note, and a
reviewer's claim proposal (claim, correction, debunker, a ``javascript:`` source link).
Every page that shows them (queue, cluster filter, item page, claim registry) must show
them as text: no tag of the payload, no ``javascript:`` link.
"""

from __future__ import annotations

import re

from flows.review.claim_views import CATEGORIES
from index import review as store
from index.indexer import Indexer
from index.templates import ensure_templates
from tests.flows.review import seed
from tests.security.desk import Visitor
from tinradar.schema import Location, ReviewStatus

PAYLOAD = "\"'><script>window.__pwned=1</script><img src=x onerror=alert(1)>"
JS_URL = "javascript:alert(document.cookie)"
BAD = (
    re.compile(r"<script>window\.__pwned"),
    re.compile(r"<img src=x"),
    re.compile(r"href=[\"']?\s*javascript:", re.I),
)


def _hostile():
    scored = seed.item("hostile", risk=0.97, title=f"Khẩn {PAYLOAD}", text=f"Tin khẩn cấp {PAYLOAD} chia sẻ gấp")
    doc = scored.document.model_copy(
        update={
            "url": JS_URL,
            "author": f"Tác giả {PAYLOAD}",
            "source_id": f"src{PAYLOAD}",
            "via": f"Theo {PAYLOAD}",
            "captions": [f"Ảnh {PAYLOAD}"],
        }
    )
    analysis = scored.analysis.model_copy(
        update={
            "cues": [f"Dấu hiệu {PAYLOAD}"],
            "locations": [Location(name=f"Nơi {PAYLOAD}", province_code="08")],
            "cluster_id": f"c{PAYLOAD}",
        }
    )
    return scored.model_copy(update={"document": doc, "analysis": analysis})


def _clean(page: str, where: str) -> None:
    for pattern in BAD:
        assert not pattern.search(page), (where, pattern.pattern, page[max(0, page.find("__pwned") - 200) :][:400])


def test_every_field_shows_as_text_on_every_page(desk, es_client, es_settings, accounts):
    hostile = _hostile()
    ensure_templates(es_client, es_settings)  # seed.load, for an item whose URL has no path
    stats = Indexer(es_client, es_settings).index([hostile])
    assert stats.failed == 0 and stats.dead_lettered == 0, stats
    doc_id = hostile.document.id
    es_client.indices.refresh(index=f"{es_settings.es_index_prefix}-*")
    item = store.get_item(es_client, es_settings, doc_id)
    seed.decide_seen(es_client, es_settings, item, ReviewStatus.IN_REVIEW, by="lan", note=f"Ghi chú {PAYLOAD}")
    with Visitor(desk) as lan:
        assert lan.login("lan").status_code == 303
        page = lan.get(f"/item/{doc_id}")
        assert page.status_code == 200 and "__pwned" in page.text  # the payload is there, as text
        form = lan.form(f"/item/{doc_id}", "propose-form")
        form.update(
            {
                "id": "hostile-proposal",
                "claim": f"Tin đồn {PAYLOAD}",
                "category": next(iter(CATEGORIES)),
                "correction": f"Cải chính {PAYLOAD}",
                "debunked_by": f"Bộ {PAYLOAD}",
                "source_url": JS_URL,
            }
        )
        lan.post(f"/item/{doc_id}/propose", data=form)
        pages = {
            "queue": lan.get("/"),
            "queue-all": lan.get("/?status=all"),
            "cluster": lan.get("/", params={"cluster": f"c{PAYLOAD}", "status": "all"}),
            "item": lan.get(f"/item/{doc_id}"),
            "claims": lan.get("/claims"),
        }
    for where, response in pages.items():
        assert response.status_code == 200, (where, response.status_code)
        _clean(response.text, where)
    for where in ("item", "queue-all", "cluster", "claims"):  # each page did show the payload, as text
        assert "__pwned" in pages[where].text, where
