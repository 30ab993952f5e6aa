"""``crawl()``: run the spiders of some sources in a child process, return a summary."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Collection
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from crawlers.registry import load_registry, select_sources
from crawlers.summary import CrawlSummary
from tinradar.ids import require_author_salt
from tinradar.schema import Kind, utc_now
from tinradar.settings import Settings


class CrawlError(RuntimeError):
    """The crawl process itself failed (not a page: pages only ever count as skips)."""


def _settings_payload(settings: Settings) -> dict[str, Any]:
    """Settings as JSON for the child, secrets included (the job file is private to us)."""
    data = settings.model_dump(mode="json")
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            data[name] = value.get_secret_value()
    return data


def crawl(
    settings: Settings,
    *,
    sources_file: Path | None = None,
    source_ids: list[str] | None = None,
    since: datetime | None = None,
    out_path: Path,
    variables: dict[str, str] | None = None,
    scrapy_settings: dict[str, Any] | None = None,
    use_state: bool = True,
    timeout: float | None = None,
    gate: Callable[[], AbstractContextManager[object]] | None = None,
    index_epoch: str | None = None,
    indexed_sources: Collection[str] | None = None,
) -> CrawlSummary:
    """Crawl the registry's enabled sources (or ``source_ids``) into ``out_path`` (JSON lines).

    ``since`` bounds the look-back (default: ``settings.lookback_days`` before now; 0 days
    means no bound); the per-source state under ``settings.data_dir`` makes a rerun fetch
    only new items unless ``use_state`` is false. ``scrapy_settings`` overrides Scrapy
    settings (tests use short timeouts). Raises ``RegistryError`` for a bad registry and
    ``CrawlError`` when the child process fails, ``tinradar.ids.UnsafeSalt`` for social
    sources while the author salt is the public default.

    ``gate``: entered once the child has started, held until it ends, and the child makes
    no request before it is entered (the caller's per-host politeness lock). The child's
    start-up (Python, Scrapy, the spiders: a second or two of CPU) is thus not spent
    holding the lock: a second source of the same host starts while the first crawls.

    ``index_epoch``: the epoch of the index this crawl feeds (``index.epoch``; the flow passes
    it); a source's state built for another one starts fresh, and so does a state from before
    epochs whose source has no document in the index (``indexed_sources``: the sources it
    holds documents of; None when unknown). None (``tinradar crawl``) trusts the state as it is.
    """
    sources = select_sources(load_registry(Path(sources_file or settings.sources_file), variables), source_ids)
    if any(s.kind is Kind.SOCIAL for s in sources):
        require_author_salt(settings)  # UnsafeSalt: no social crawl with the public default salt
    if since is None and settings.lookback_days:
        since = utc_now() - timedelta(days=settings.lookback_days)
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=settings.tz)
    out_path = Path(out_path)
    with tempfile.TemporaryDirectory(prefix="tinradar-crawl-") as tmp:
        job_path = Path(tmp) / "job.json"
        summary_path = Path(tmp) / "summary.json"
        job = {
            "settings": _settings_payload(settings),
            "sources": [s.model_dump(mode="json") for s in sources],
            "since": since.isoformat() if since else None,
            "out_path": str(out_path.resolve()),
            "summary_path": str(summary_path),
            "scrapy_settings": scrapy_settings or {},
            "use_state": use_state,
            "index_epoch": index_epoch,
            "indexed_sources": None if indexed_sources is None else sorted(indexed_sources),
        }
        fd = os.open(job_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(job, fh, ensure_ascii=False)
        args = [sys.executable, "-m", "crawlers.child", str(job_path)]
        cwd = Path(__file__).resolve().parent.parent
        if gate is None:
            proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout, cwd=cwd)
        else:
            proc = _run_gated([*args, "--wait-go"], cwd, gate, timeout)
        if proc.returncode != 0 or not summary_path.is_file():
            tail = (proc.stderr or proc.stdout or "")[-2000:]
            raise CrawlError(f"crawl process failed (exit {proc.returncode}):\n{tail}")
        return CrawlSummary.model_validate_json(summary_path.read_text(encoding="utf-8"))


def _run_gated(
    args: list[str], cwd: Path, gate: Callable[[], AbstractContextManager[object]], timeout: float | None
) -> subprocess.CompletedProcess[str]:
    """Start the child at once; enter ``gate``, tell the child to go (a line on its stdin), wait for it."""
    with subprocess.Popen(
        args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd
    ) as proc:
        try:
            with gate():
                try:
                    out, err = proc.communicate("go\n", timeout=timeout)
                except BrokenPipeError:  # the child died before reading: its exit says why
                    out, err = proc.communicate(timeout=timeout)
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        return subprocess.CompletedProcess(args, proc.returncode, out, err)
