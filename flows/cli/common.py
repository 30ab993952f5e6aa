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

from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from tinradar.settings import Settings

#: Human output (tables, progress, errors) goes to stderr so stdout stays machine-readable.
console = Console(stderr=True, soft_wrap=True)
#: Machine output (JSON, CSV, JSON lines) goes to stdout.
out = Console(soft_wrap=True, highlight=False)


def load_settings() -> Settings:
    """Build settings from env/config, turning a bad value into a clear CLI error."""
    try:
        return Settings()
    except Exception as exc:  # pydantic.ValidationError and friends
        fail(f"Cấu hình không hợp lệ / invalid configuration: {exc}", code=2)


def fail(message: str, *, hint: str | None = None, code: int = 1) -> NoReturn:
    """Print an error (and what to do about it) and exit non-zero.

    ``message`` and ``hint`` are plain text: a ``[`` in a path is printed, not read as markup.
    """
    console.print(f"[bold red]Lỗi / error:[/] {escape(message)}")
    if hint:
        console.print(f"[yellow]→ {escape(hint)}[/]")
    raise typer.Exit(code)
