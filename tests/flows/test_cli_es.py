"""``tinradar es start|status|logs|stop`` on a node of its own: one node however often it starts."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from index.node import LocalNode, free_port
from tinradar.settings import Settings


@pytest.mark.slow
def test_es_cli_lifecycle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()
    monkeypatch.setenv("TINRADAR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TINRADAR_ES_PORT", str(port))
    runner = CliRunner()
    node = LocalNode(Settings(data_dir=tmp_path / "data"), port=port)
    try:
        first = runner.invoke(app, ["es", "start"])
        assert first.exit_code == 0, first.output
        assert f"http://127.0.0.1:{port}" in first.output
        pid = node.status().pid

        second = runner.invoke(app, ["es", "start"])
        assert second.exit_code == 0 and "already running" in second.output
        assert node.status().pid == pid  # still the one node

        status = runner.invoke(app, ["es", "status"])
        assert status.exit_code == 0
        assert "Elasticsearch 9." in status.output and ("green" in status.output or "yellow" in status.output)

        logs = runner.invoke(app, ["es", "logs", "-n", "5"])
        assert logs.exit_code == 0 and "tinradar-local" in logs.output

        stopped = runner.invoke(app, ["es", "stop"])
        assert stopped.exit_code == 0 and "stopped" in stopped.output
        assert not node.status().running
        assert pid is not None and not _alive(pid)

        after = runner.invoke(app, ["es", "status"])
        assert after.exit_code == 1 and "not running" in after.output
    finally:
        node.stop()
        shutil.rmtree(node.node_dir, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
