"""Errors and hints reach stderr whole: a long path or URL is never broken at the width.

Rich used to wrap stderr at 80 columns when it was not a terminal, so "file not found"
became "file not\\nfound" once a temporary path was long enough, and a user could not
copy the path back. Each test here uses a path far longer than any terminal and checks
that it appears unbroken on one line, with the message around it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app


@pytest.fixture
def long_missing(tmp_path: Path) -> Path:
    """A path of ~300 characters with a ``[`` in it (Rich markup must not eat it)."""
    return tmp_path.joinpath(*(["thu-muc-rat-dai-" + "x" * 40] * 5), "trang [1] ngày 03-09.html")


def _one_line_with(text: str, *needles: str) -> str:
    lines = [line for line in text.splitlines() if all(n in line for n in needles)]
    assert lines, f"no single line holds {needles!r} in:\n{text}"
    return lines[0]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["extract", "{path}"], "không thấy tệp / no such file: {path}"),
        (["index", "load", "{path}"], "no such file: {path}"),
        (["score", "--input", "{path}", "--output", "-"], "không thấy tệp / no such file: {path}"),
    ],
    ids=["extract", "index-load", "score"],
)
def test_an_error_naming_a_long_path_keeps_it_on_one_line(
    long_missing: Path, argv: list[str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TINRADAR_DATA_DIR", str(long_missing.parent / "data"))
    result = CliRunner().invoke(app, [a.format(path=long_missing) for a in argv])
    assert result.exit_code != 0
    _one_line_with(result.stderr, "Lỗi / error:", message.format(path=long_missing))
    assert result.stdout == ""  # errors never mix into machine output


def test_a_narrow_terminal_width_does_not_break_the_message(long_missing: Path, tmp_path: Path) -> None:
    """The real command in its own process, told the terminal is 30 columns wide."""
    tinradar = Path(sys.executable).with_name("tinradar")
    env = {**os.environ, "COLUMNS": "30", "TINRADAR_DATA_DIR": str(tmp_path / "data")}
    proc = subprocess.run(
        [str(tinradar), "extract", str(long_missing)], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 2  # a missing file is a usage error (README "Exit codes")
    _one_line_with(proc.stderr, f"không thấy tệp / no such file: {long_missing}")
    _one_line_with(proc.stderr, "→ đưa đường dẫn tệp HTML hoặc một URL")
