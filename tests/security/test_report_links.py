"""Attack: a crawled link ``javascript:…`` (or ``data:``) in the e-mailed daily report.

Crawled and exported links reached ``href`` in report.html unchecked, and the report had
no Content-Security-Policy of its own (it is opened from disk or a mail client, with no
server to send one): one click on the item's title ran the attacker's script. A Facebook
export's ``link`` column is whatever the file says.
"""

from __future__ import annotations

import re

from tests.security.hostile_report import SAFE_LINK, hostile_report


def test_report_links_only_to_the_web_and_forbids_scripts(tmp_path, es_client, es_settings):
    html, _ = hostile_report(tmp_path, es_client, es_settings)
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert SAFE_LINK in hrefs, "a safe link is still a link"
    assert all(h.startswith(("https://", "http://")) for h in hrefs), hrefs
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
    assert csp, "no Content-Security-Policy meta tag"
    assert "default-src 'none'" in csp.group(1) and "script-src 'none'" in csp.group(1)
    assert html.index("Content-Security-Policy") < html.index("<style>") < html.index("<body>")
