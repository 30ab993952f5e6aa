"""Attack: a crawled title written in Markdown, to put a link or a tracking image in the report.

report.md is the e-mail's text part and the Prefect artifact, and both get rendered. It
printed crawled titles raw, so ``[bấm vào đây](https://evil…)``, ``![](https://tracker…)``
or ``<img src=…>`` in a post's title became a disguised link, a tracking image (which
tells the sender who opened the report, and when) or HTML. It also showed ``&#34;`` for
``"`` (the Markdown template was HTML-escaped).
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

from tests.security.hostile_report import SAFE_LINK, hostile_report


def test_markdown_report_shows_crawled_markup_as_text(tmp_path, es_client, es_settings):
    _, markdown = hostile_report(tmp_path, es_client, es_settings)
    rendered = MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown)  # raw HTML allowed
    hrefs = re.findall(r'href="([^"]*)"', rendered)
    assert SAFE_LINK in hrefs
    assert all(h.startswith("https://") and "evil.example" not in h for h in hrefs), hrefs
    assert "<img" not in rendered
    assert "bấm vào đây" in rendered and "tracker.example" in rendered  # still there, as text
    assert "&#34;" not in markdown and '"trích dẫn"' in markdown
