"""Attack: crawled text that the terminal table reads as Rich markup.

``tinradar search`` (table view) put Elasticsearch's ``<em>`` highlights into the crawled
text as Rich markup. A crawled ``</em>``, or a backslash just before a highlighted word,
turned into a stray ``[/]`` and crashed the command (``MarkupError``) for every analyst
searching that word; crawled ``[link=...]`` or ``[bold red]`` could restyle the table.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from flows.cli import app as cli
from tests.flows.review import seed

HOSTILE = [
    ("em", "Cảnh báo khẩn </em> hết giờ"),
    ("backslash", r"Thư mục C:\khẩn cấp"),
    ("rich", "Tin khẩn [/] [bold red]ĐỎ[/bold red] [link=https://evil.example]bấm[/link]"),
]


@pytest.mark.parametrize(("key", "title"), HOSTILE, ids=[k for k, _ in HOSTILE])
def test_search_table_shows_crawled_markup_as_text(es_client, es_settings, env, key, title):
    text = f"{title}. Nội dung: {title}"
    seed.load(es_client, es_settings, [seed.item(key, risk=0.8, title=title, text=text)])
    es_client.indices.refresh(index=f"{es_settings.es_index_prefix}-*")
    result = CliRunner().invoke(cli, ["search", "khẩn", "--format", "table"], env={**env, "COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    assert "1 kết quả" in result.output
    assert title in result.output, result.output
    assert "evil.example" not in result.output.replace(title, "")  # no hidden link target besides the text
