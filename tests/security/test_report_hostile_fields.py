"""Attack: markup in every field of a crawled document that the daily report shows.

``test_report_links`` / ``test_report_markdown`` put markup in titles and bad schemes in
links; here the same payload sits in the source id, author, ``via``, captions, cues,
places and cluster id as well, and the report's HTML and Markdown (the e-mail's two
parts) must show it as text. (Found nothing to fix: this test keeps it so.)
"""

from __future__ import annotations

import re

from index.indexer import Indexer
from index.templates import ensure_templates
from tests.security.test_hostile_fields_on_desk import BAD, _hostile


def test_report_shows_every_hostile_field_as_text(tmp_path, es_client, es_settings):
    from flows.report.data import collect_report
    from flows.report.render import write_report

    hostile = _hostile()
    ensure_templates(es_client, es_settings)
    assert Indexer(es_client, es_settings).index([hostile]).failed == 0
    es_client.indices.refresh(index=f"{es_settings.es_index_prefix}-*")
    day = hostile.document.published_at.astimezone(es_settings.tz).date()
    data = collect_report(es_client, es_settings, day)
    assert data.top_items, "the hostile item is in the report"
    files = write_report(data, tmp_path / "report", pdf=False)
    html = files.html.read_text(encoding="utf-8")
    markdown = files.markdown.read_text(encoding="utf-8")
    assert "__pwned" in html and r"\_\_pwned" in markdown  # shown, as text ("_" escaped in Markdown)
    for pattern in BAD:
        assert not pattern.search(html), pattern.pattern
    assert not re.search(r"(?<!\\)<(script|img)", markdown)  # every "<" of the payload escaped as "\<"
    assert "](javascript:" not in markdown  # never a link
