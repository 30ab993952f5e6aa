"""The daily report of a day whose posts came from a hostile Facebook export.

The documents go the real way: a Facebook export file through ``read_export`` (its
``link`` column is whatever the file says), the real indexer and node, ``collect_report``
and ``write_report``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from crawlers.ingest import read_export
from flows.report.data import collect_report
from flows.report.render import write_report
from index.indexer import Indexer
from index.templates import ensure_templates
from tests.flows.review import seed
from tinradar.schema import ScoredItem
from tinradar.settings import Settings

DAY = date(2021, 8, 20)
HOSTILE_TITLE = (
    "KHẨN [bấm vào đây](https://evil.example/phish) ![](https://tracker.example/p.gif) "
    '<img src="https://tracker.example/i.gif"> <https://evil.example/auto> "trích dẫn" | cột'
)
EXPORT = (
    "post_id,page_name,post_time,message,link\n"
    '1001,Trang A,2021-08-20 10:00,"{title}. Tối nay phun thuốc diệt virus!",javascript:alert(document.cookie)\n'
    '1002,Trang A,2021-08-20 11:00,"{title}. Uống nước chanh nóng!","data:text/html,<script>alert(1)</script>"\n'
    '1003,Trang A,2021-08-20 12:00,"Thông báo lịch tiêm bình thường",https://trang-a.example/posts/1003\n'
)
SAFE_LINK = "https://trang-a.example/posts/1003"


def hostile_report(folder: Path, client: object, settings: Settings) -> tuple[str, str]:
    """(report.html, report.md) of ``DAY``."""
    export = folder / "export.csv"
    export.write_text(EXPORT.format(title=HOSTILE_TITLE.replace('"', '""')), encoding="utf-8")
    docs = list(read_export(export, settings))
    assert docs[0].url == "javascript:alert(document.cookie)"  # the export says so, and ingest keeps it
    items = []
    for n, doc in enumerate(docs):
        analysis = seed.item(f"x{n}", risk=(0.9, 0.8, 0.5)[n], cluster="c-hostile").analysis
        title = doc.text[:300]
        items.append(
            ScoredItem(
                document=doc.model_copy(update={"title": title}),
                analysis=analysis.model_copy(update={"doc_id": doc.id}),
            )
        )
    ensure_templates(client, settings)
    assert Indexer(client, settings).index(items).failed == 0
    client.indices.refresh(index=f"{settings.es_index_prefix}-*")
    data = collect_report(client, settings, DAY)
    assert len(data.top_items) == 3, "the hostile posts are in the report"
    files = write_report(data, folder / "report", pdf=False)
    return files.html.read_text(encoding="utf-8"), files.markdown.read_text(encoding="utf-8")
