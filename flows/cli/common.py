"""Shared CLI plumbing: consoles, settings and the error convention.

Every command builds one ``Settings`` and reports failures with ``fail()``: a clear
message and what to do, on stderr, and a non-zero exit code.
"""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console

from tinradar.settings import Settings

#: Human output (tables, progress, errors) goes to stderr so stdout stays machine-readable.
console = Console(stderr=True)
#: Machine output (JSON, CSV, JSON lines) goes to stdout.
out = Console(soft_wrap=True, highlight=False)


def load_settings() -> Settings:
    """Build settings from env/config, turning a bad value into a clear CLI error."""
    try:
        return Settings()
    except Exception as exc:  # pydantic.ValidationError and friends
        fail(f"Cấu hình không hợp lệ / invalid configuration: {exc}", code=2)


def fail(message: str, *, hint: str | None = None, code: int = 1) -> NoReturn:
    """Print an error (and what to do about it) and exit non-zero."""
    console.print(f"[bold red]Lỗi / error:[/] {message}")
    if hint:
        console.print(f"[yellow]→ {hint}[/]")
    raise typer.Exit(code)
