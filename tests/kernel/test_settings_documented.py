"""The README's configuration table names every setting once, and none that is gone.

An operator on a fresh machine reads the README, not ``tinradar/settings.py``: a field added
there without a row, or a row left behind by a removed field, is a setting nobody can find
or one that does nothing.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from tinradar.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def _table_variables() -> Counter[str]:
    """``TINRADAR_*`` names in the rows of the table under ``## Configuration``."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Configuration\n", 1)[1].split("\n#", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `TINRADAR_")]
    names: Counter[str] = Counter()
    for row in rows:
        first_cell = row.split(" | ", 1)[0]
        names.update(re.findall(r"TINRADAR_[A-Z0-9_]+", first_cell))
    return names


def test_every_setting_has_one_row_and_every_row_a_setting() -> None:
    documented = _table_variables()
    fields = {f"TINRADAR_{name.upper()}" for name in Settings.model_fields}
    assert sorted(fields - set(documented)) == [], "settings missing from the README's table"
    assert sorted(set(documented) - fields) == [], "README rows for settings that do not exist"
    assert [name for name, n in documented.items() if n > 1] == [], "settings with more than one row"
