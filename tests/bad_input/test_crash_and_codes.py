"""No traceback reaches a user: an unexpected error is one message, a hint, a log and exit code 70."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bad_input.conftest import GOOD, cli, jsonl

ROOT = Path(__file__).resolve().parents[2]


def test_a_crash_mid_run_is_one_message_a_log_and_no_half_file(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nlp.analyzer import Analyzer

    def boom(self, docs):
        raise KeyError("a bug in the analyser")

    monkeypatch.setattr(Analyzer, "analyze", boom)
    inp, out = home / "in.jsonl", home / "out.jsonl"
    inp.write_bytes(jsonl(*GOOD))
    out.write_text("the previous output\n", encoding="utf-8")
    run = cli("score", "-i", str(inp), "-o", str(out))
    assert run.code == 70
    assert "internal error: KeyError: 'a bug in the analyser'" in run.said and "send this log" in run.said
    log = Path(run.said.split("Log: ")[1].split()[0])
    assert log.is_file() and "Traceback" in log.read_text(encoding="utf-8")
    assert log.parent == home / "data" / "logs"
    assert out.read_text(encoding="utf-8") == "the previous output\n", "an interrupted run leaves the old file"
    assert not list(home.glob(".out.jsonl.*"))


def _crash(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Crash ``score`` (a bug in the analyser) under a permissive umask; the crash log's path."""
    from nlp.analyzer import Analyzer

    def boom(self, docs):
        raise KeyError("a bug in the analyser")

    monkeypatch.setattr(Analyzer, "analyze", boom)
    inp = home / "in.jsonl"
    inp.write_bytes(jsonl(*GOOD))
    before = os.umask(0o022)
    try:
        run = cli("score", "-i", str(inp), "-o", str(home / "out.jsonl"))
    finally:
        os.umask(before)
    assert run.code == 70, run.said
    return Path(run.said.split("Log: ")[1].split()[0])


@pytest.mark.parametrize("existing", [False, True], ids=["new folder", "folder from before"])
def test_a_crash_log_is_for_its_owner_only(home: Path, monkeypatch: pytest.MonkeyPatch, existing: bool) -> None:
    """The traceback may hold local data and settings: folder 0700, file 0600, whatever the umask."""
    logs = home / "data" / "logs"
    if existing:
        logs.mkdir(parents=True)
        logs.chmod(0o755)
    log = _crash(home, monkeypatch)
    assert log.parent == logs and "Traceback" in log.read_text(encoding="utf-8")
    assert stat.S_IMODE(logs.stat().st_mode) == 0o700
    assert stat.S_IMODE(log.stat().st_mode) == 0o600


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a folder to another account")
def test_a_log_folder_another_account_owns_is_left_as_it_is(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Best effort: a shared folder someone else owns keeps its mode; the log in it is still 0600."""
    logs = home / "data" / "logs"
    logs.mkdir(parents=True)
    logs.chmod(0o777)
    os.chown(logs, 65534, 65534)  # nobody
    log = _crash(home, monkeypatch)
    assert log.parent == logs and "Traceback" in log.read_text(encoding="utf-8")
    assert stat.S_IMODE(logs.stat().st_mode) == 0o777 and logs.stat().st_uid == 65534
    assert stat.S_IMODE(log.stat().st_mode) == 0o600


def test_the_real_command_turns_a_crash_into_exit_70(home: Path) -> None:
    code = (
        "import sys, crawlers.ingest as i\n"
        "def boom(*a, **k): raise ZeroDivisionError('boom')\n"
        "i.read_export = boom\n"
        "from flows.cli import main\n"
        "sys.argv = ['tinradar', 'ingest', sys.argv[1]]\n"
        "main()\n"
    )
    sheet = home / "posts.csv"
    sheet.write_text("message\nTin\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-c", code, str(sheet)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 70, proc.stderr
    assert "Traceback" not in proc.stderr and "ZeroDivisionError: boom" in proc.stderr


def test_help_shows_the_exit_code_table() -> None:
    run = cli("--help")
    said = " ".join(run.stdout.split())
    for code in (
        "0 xong / all good",
        "1 có dòng bị bỏ qua",
        "2 sai cách dùng",
        "3 dịch vụ không chạy",
        "70 lỗi nội bộ",
    ):
        assert code in said


def test_a_reader_that_stops_reading_is_exit_141_not_an_internal_error(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``tinradar … | head``: a write after the reader left raised BrokenPipeError inside the
    command (seen with ``claims add --help | head -20``), reported as "internal error", exit 70,
    with a crash log. The write that fails is simulated where score writes its output."""
    from nlp.analyzer import Analyzer

    def reader_gone(self, docs):
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(Analyzer, "analyze", reader_gone)
    inp = home / "in.jsonl"
    inp.write_bytes(jsonl(*GOOD))
    run = cli("score", "-i", str(inp), "-o", "-")
    assert run.code == 141, run.stderr
    assert "internal error" not in run.said
    assert not (home / "data" / "logs").exists()
    assert "141 nơi nhận đầu ra đã đóng" in " ".join(cli("--help").stdout.split())  # in the table too


def test_a_node_that_is_down_is_one_message_even_once_prefect_is_loaded(home: Path) -> None:
    """``claims rematch`` (it loads Prefect, whose handler shows the transport's retry warnings)
    printed some 300 lines of tracebacks before its one message when Elasticsearch was down."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: nothing listens there
    tinradar = Path(sys.executable).with_name("tinradar")
    env = {
        **os.environ,
        "TINRADAR_DATA_DIR": str(home / "data"),
        "TINRADAR_ES_URL": f"http://127.0.0.1:{port}",
    }
    proc = subprocess.run(
        [str(tinradar), "claims", "rematch", "--since", "2021-09-01"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr and "cannot reach Elasticsearch" in proc.stderr
    assert len(proc.stderr.splitlines()) < 10, proc.stderr
