"""Shared CLI plumbing: consoles, settings and the error convention.

Every command builds one ``Settings`` and reports failures with ``fail()``: a clear
message and what to do, on stderr, and a non-zero exit code.

Messages are never hard-wrapped: Rich would break a line at the terminal's width (80
columns when stderr is a file or a pipe), cutting a path or a URL in two so that nobody
can copy it, and making any check of the text depend on how long a path is. With
``soft_wrap`` a message stays one line (the terminal may fold it on screen, a copy gets
it whole); tables are still laid out by Rich to the width.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from enum import IntEnum
from pathlib import Path
from typing import IO, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from tinradar.settings import Settings

#: Human output (tables, progress, errors) goes to stderr so stdout stays machine-readable.
console = Console(stderr=True, soft_wrap=True, emoji=False)
#: Machine output (JSON, CSV, JSON lines) goes to stdout.
out = Console(soft_wrap=True, highlight=False, emoji=False)


def load_settings() -> Settings:
    """Build settings from env/config, turning a bad value into a clear CLI error."""
    from pydantic import ValidationError

    from tinradar.schema import describe_errors

    try:
        return Settings()
    except ValidationError as exc:
        # Name the variable the user set (TINRADAR_ENCODER_THREADS), not pydantic's model and its URL.
        fail(
            "Cấu hình không hợp lệ / invalid configuration: "
            + describe_errors(exc, name=lambda field: f"TINRADAR_{field.split('.')[0].upper()} / {field}"),
            hint="sửa biến môi trường đó (hoặc tinradar.toml, .env) / fix that variable (or tinradar.toml, .env)",
            code=ExitCode.USAGE,
        )
    except Exception as exc:  # a config file that does not parse, and friends
        fail(f"Cấu hình không hợp lệ / invalid configuration: {exc}", code=ExitCode.USAGE)


def fail(message: str, *, hint: str | None = None, code: int = 1) -> NoReturn:
    """Print an error (and what to do about it) and exit non-zero.

    ``message`` and ``hint`` are plain text: a ``[`` in a path is printed, not read as markup.
    """
    console.print(f"[bold red]Lỗi / error:[/] {escape(message)}")
    if hint:
        console.print(f"[yellow]→ {escape(hint)}[/]")
    raise typer.Exit(code)


class ExitCode(IntEnum):
    """The one table of exit codes every command keeps (README "Exit codes", ``tinradar --help``)."""

    OK = 0  # everything went through
    PARTIAL = 1  # some lines or items were skipped or failed (each reported); the rest went through
    USAGE = 2  # a bad option or argument, a missing file or folder, or an input with nothing usable
    UNAVAILABLE = 3  # a service (Elasticsearch, Kibana) is down or refused us
    INTERNAL = 70  # a bug: one message, and a log file with the traceback
    INTERRUPTED = 130  # Ctrl+C
    PIPE_CLOSED = 141  # the reader of the output stopped (``| head``): 128 + SIGPIPE, as a shell tool ends


#: ``tinradar --help`` shows this table (kept beside ``ExitCode`` so the two cannot drift).
EXIT_CODES_HELP = (
    "Mã thoát / exit codes: 0 xong / all good · 1 có dòng bị bỏ qua hoặc lỗi, phần còn lại đã xong / "
    "some lines skipped or failed, the rest went through · 2 sai cách dùng, thiếu tệp, hoặc không dòng nào dùng được / "
    "usage, missing file or folder, nothing usable · 3 dịch vụ không chạy / service down (Elasticsearch) · "
    "70 lỗi nội bộ, xem tệp log / internal error, see the log · 130 bị ngắt / interrupted · "
    "141 nơi nhận đầu ra đã đóng / the output's reader stopped (| head)"
)


class LineReport:
    """Per-line problems of one input file, printed as they come (the first ``shown``) and counted truly.

    ``skip`` is a line that did not go through, ``warn`` one that did with a caveat
    (read as Windows-1258, a bad value dropped). ``finish`` says how many more there were
    than were printed: the real remainder, not the number printed.
    """

    def __init__(self, shown: int = 20) -> None:
        self.shown = shown
        self.skipped: list[str] = []
        self.warned: list[str] = []

    def skip(self, number: int, why: str) -> None:
        self.skipped.append(f"dòng / line {number}: {why}")
        if len(self.skipped) + len(self.warned) <= self.shown:
            console.print(f"[yellow]bỏ qua / skipped[/] {escape(self.skipped[-1])}")

    def warn(self, number: int, what: str) -> None:
        self.warned.append(f"dòng / line {number}: {what}")
        if len(self.skipped) + len(self.warned) <= self.shown:
            console.print(f"[yellow]lưu ý / note[/] {escape(self.warned[-1])}")

    def finish(self) -> None:
        more = len(self.skipped) + len(self.warned) - self.shown
        if more > 0:
            console.print(f"… {more} dòng khác có vấn đề / more lines with problems (not printed)")


def unknown_source(unknown: list[str], known: list[str], *, option: str = "--source/-s") -> NoReturn:
    """A ``--source`` id the registry lacks: the option is what to fix, not the registry (it said
    "fix the registry"), so the option is named with a few of the ids it takes (exit 2)."""
    shown = ", ".join(known[:8]) + (f", … (+{len(known) - 8})" if len(known) > 8 else "")
    fail(
        f"{option} {', '.join(unknown)}: không có nguồn này / no such source id",
        hint=f"sửa {option} / fix {option}; các nguồn đã biết / known ids: {shown or '(không có / none)'}",
        code=ExitCode.USAGE,
    )


def input_file(path: Path, *, hint: str) -> None:
    """An input that cannot be read is a usage error said in words (exit 2); anything that reads is input.

    A regular file, and also a FIFO, ``/dev/stdin`` or a shell's ``<(…)`` (a character device
    or a pipe is no regular file, but it is input: ``zcat x.gz | tinradar index load
    /dev/stdin`` used to be "no such file"). The readers bound what they take from it (a
    line, a page), so an endless stream costs no more memory than a file would. Missing,
    or a folder: exit 2, with ``hint``.
    """
    if not path.exists():
        fail(f"không thấy tệp / no such file: {path}", hint=hint, code=ExitCode.USAGE)
    if path.is_dir():
        fail(f"{path} là một thư mục / is a folder, not a file", hint=hint, code=ExitCode.USAGE)


def output_folder(path: Path) -> None:
    """A missing output folder is a usage error said in words, not a ``FileNotFoundError`` traceback."""
    if str(path) == "-":
        return
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        fail(
            f"không có thư mục / no such folder: {parent} (for {path})",
            hint=f"tạo thư mục trước / create it first: mkdir -p {parent}",
            code=ExitCode.USAGE,
        )
    if path.is_dir():
        fail(
            f"{path} là một thư mục / is a folder, not a file",
            hint="đưa đường dẫn tệp / give a file path",
            code=ExitCode.USAGE,
        )


@contextmanager
def atomic_output(path: Path) -> Iterator[IO[str]]:
    """Write ``path`` through a temporary file beside it, moved into place only when the block ends well.

    So ``-i f -o f`` reads ``f`` whole before anything replaces it, and an interrupted
    run leaves the old file (or none), never half a file. ``-`` is stdout.

    A path that exists but is not a regular file (``/dev/null``, ``/dev/stdout``, a FIFO
    or ``>(…)``) is written in place: a rename would replace the device itself (run as
    root, ``-o /dev/null`` turned ``/dev/null`` into a regular file; as anyone else the
    temporary file in ``/dev`` was refused with exit 70). A folder the temporary file
    cannot be made in is a usage error that says so.
    """
    if str(path) == "-":
        yield sys.stdout
        return
    output_folder(path)
    if path.exists() and not path.is_file():
        with path.open("w", encoding="utf-8") as fh:
            yield fh
        return
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        fail(
            f"không ghi được vào thư mục / cannot write in folder {folder}: {exc.strerror or exc}",
            hint="chọn thư mục khác hoặc sửa quyền / choose another folder or fix its permissions",
            code=ExitCode.USAGE,
        )
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def pipe_closed() -> int:
    """The reader of stdout went away (``tinradar search … | head``): end quietly with 141.

    That is no bug and no bad data: it used to be reported as an internal error with a
    crash log. Later writes (and the flush at exit) go to ``os.devnull``, so Python does
    not complain once more on its way out.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # a stdout with no file behind it (a test runner)
        pass
    return int(ExitCode.PIPE_CLOSED)


def crash_log_dir() -> Path:
    """Where crash logs go: ``<data_dir>/logs``, or the system temp folder when settings are unusable."""
    try:
        return Settings().data_dir / "logs"
    except Exception:  # settings are what failed: still leave the traceback somewhere
        return Path(tempfile.gettempdir()) / "tinradar-logs"


def _write_private(path: Path, text: str) -> None:
    """Write a new file only its owner can read, in a folder only its owner can enter.

    A crash log holds a traceback: local paths, the data being read, values of settings.
    The folder is created 0700, and one this account owns is set to 0700 (it may predate
    this rule); one another account owns (a shared ``/tmp/tinradar-logs``) is left as it is
    (best effort, as ``flows.prefect_env`` does: never a crash over it). The file is created
    0600 whatever the umask, and never through a link left under its name (``O_EXCL``,
    ``O_NOFOLLOW``: a folder others can write to may hold one).
    """
    folder = path.parent
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        if folder.stat().st_uid == os.geteuid():
            folder.chmod(0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)


def report_crash(exc: BaseException) -> int:
    """One clear message, a hint and the path of a log holding the traceback; returns exit code 70."""
    import traceback
    from datetime import UTC, datetime

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    text = "".join(traceback.format_exception(exc))
    log: Path | None = None
    for folder in (crash_log_dir(), Path(tempfile.gettempdir()) / "tinradar-logs"):
        try:
            log = folder / f"crash-{stamp}-{os.getpid()}.log"
            _write_private(log, f"tinradar {' '.join(sys.argv[1:])}\n\n{text}")
            break
        except OSError:
            log = None
    what = f"{type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}"
    console.print(f"[bold red]Lỗi nội bộ / internal error:[/] {escape(what)}")
    console.print(
        "[yellow]→ "
        + escape(
            "đây là lỗi của TinRadar, không phải của dữ liệu / this is a TinRadar bug, not your data: "
            "chạy lại; nếu vẫn lỗi, gửi tệp log này / run again; if it persists, send this log"
        )
        + "[/]"
    )
    console.print(f"Log: {escape(str(log)) if log else '(không ghi được / could not be written)'}")
    return int(ExitCode.INTERNAL)
