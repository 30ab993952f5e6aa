"""The pipeline's files on disk: nothing crawled or analysed is ever only in memory.

Each run gets its own folder ``<data_dir>/runs/<DAY>/<RUN_ID>/``::

    crawl-<source>.jsonl        Documents, as the crawler wrote them (one file per source)
    split.done                  the crawl files were merged and cut into chunks
    docs-000.jsonl …            unique Documents, in chunks of analysable size
    scored-000.jsonl …          ScoredItems (nested document + analysis JSON) of the same chunk
    scored-000.jsonl.indexed    marker: this chunk is in Elasticsearch (its IndexStats)
    summary.json                the RunSummary
    running.json                while the run is going: its process (``claim`` / ``release``)

and ``<data_dir>/runs/last_crawled.json`` keeps when each source was last crawled
successfully, for runs that crawl only the sources their cadence makes due.

Every file is written to a temporary name and renamed, so a file that exists is whole.
A stage that did not finish leaves its input without its output marker; the next run
finds those (``pending_work``) and finishes them first. Re-indexing a chunk is harmless:
document ids are stable, so Elasticsearch overwrites instead of duplicating.

A run that is still going is not "unfinished": a second run started meanwhile (a manual
``tinradar run`` beside the scheduled one) must not split its half-written crawl files or
analyse its chunks under it. The running run marks its folder (``running.json``: process id
and host); ``pending_work`` leaves a marked folder alone while that process lives (on another
host, for ``STALE_AFTER``), and finishes it once the process has died without releasing it.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from tinradar.jsonlines import read_lines
from tinradar.schema import Document, ScoredItem, utc_now
from tinradar.settings import Settings

SPLIT_MARKER = "split.done"
OWNER_MARKER = "running.json"
#: A run marked by a process on another host (a shared data folder) whose liveness cannot be
#: checked counts as going for this long after its mark, then as abandoned.
STALE_AFTER = 12 * 3600.0
INDEXED_SUFFIX = ".indexed"
LAST_CRAWLED = "last_crawled.json"

T = TypeVar("T")


def runs_root(settings: Settings) -> Path:
    return settings.data_dir / "runs"


def new_run_dir(settings: Settings, day: date, now: datetime | None = None) -> Path:
    """A fresh, unique folder for one run of ``day``."""
    stamp = (now or utc_now()).strftime("%Y%m%dT%H%M%SZ")
    path = runs_root(settings) / day.isoformat() / f"{stamp}-{secrets.token_hex(3)}"
    path.mkdir(parents=True, exist_ok=False)
    return path


def claim(run_dir: Path) -> None:
    """Mark ``run_dir`` as the going run of this process, until ``release``."""
    write_text(run_dir / OWNER_MARKER, json.dumps({"pid": os.getpid(), "host": socket.gethostname()}) + "\n")


def release(run_dir: Path) -> None:
    """The run in ``run_dir`` is over (finished or failed): what it left is pending work."""
    (run_dir / OWNER_MARKER).unlink(missing_ok=True)


def in_progress(run_dir: Path) -> bool:
    """Whether a live process is still working in ``run_dir`` (see the module docstring)."""
    marker = run_dir / OWNER_MARKER
    try:
        owner = json.loads(marker.read_text(encoding="utf-8"))
        marked = marker.stat().st_mtime
    except (OSError, ValueError):  # no mark, or an unreadable one: no proof of a live run
        return False
    if not isinstance(owner, dict) or not isinstance(owner.get("pid"), int):
        return False
    if owner.get("host") != socket.gethostname():
        return time.time() - marked < STALE_AFTER
    try:
        os.kill(owner["pid"], 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        pass
    return True


def write_jsonl(path: Path, rows: Iterable[BaseModel | dict[str, Any]]) -> int:
    """Write JSON lines atomically (temp file + rename); return the number of lines."""
    tmp = path.with_name(f".{path.name}.tmp")
    n = 0
    with tmp.open("w", encoding="utf-8") as fh:
        for row in rows:
            data = row.model_dump(mode="json") if isinstance(row, BaseModel) else row
            fh.write(json.dumps(data, ensure_ascii=False))
            fh.write("\n")
            n += 1
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)
    return n


def read_last_crawled(settings: Settings) -> dict[str, datetime]:
    """When each source was last crawled successfully (empty before the first run).

    Raises ``ValueError`` naming the file when it is not what ``record_crawled`` writes.
    """
    path = runs_root(settings) / LAST_CRAWLED
    if not path.exists():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {str(k): datetime.fromisoformat(v) for k, v in raw.items()}
    except (ValueError, TypeError, AttributeError) as exc:
        raise ValueError(f"{path}: unreadable ({exc})") from exc


def record_crawled(settings: Settings, source_ids: Iterable[str], when: datetime) -> None:
    """Note ``when`` as the last good crawl of these sources (others keep their time)."""
    try:
        known = read_last_crawled(settings)
    except ValueError:
        known = {}  # rewritten whole: the sources not in this run become due again
    known.update(dict.fromkeys(source_ids, when))
    runs_root(settings).mkdir(parents=True, exist_ok=True)
    payload = {k: v.isoformat() for k, v in sorted(known.items())}
    write_text(runs_root(settings) / LAST_CRAWLED, json.dumps(payload, indent=1) + "\n")


def write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def iter_json_lines(path: Path) -> Iterator[tuple[int, dict[str, Any] | None]]:
    """(line number, object) per non-blank line; None for a line that is not a JSON object.

    Through the one JSON-lines reader (``tinradar.jsonlines``): a stray byte or a
    too-deep line costs that line, never the file.
    """
    for line in read_lines(path):
        yield line.number, line.obj


def _read_records(path: Path, parse: Callable[[dict[str, Any]], T]) -> tuple[list[T], int]:
    """Records of a JSON-lines file and the number of lines that are not one (counted, never dropped silently)."""
    records: list[T] = []
    bad = 0
    for _, obj in iter_json_lines(path):
        if obj is None:
            bad += 1
            continue
        try:
            records.append(parse(obj))
        except ValueError:  # pydantic's ValidationError included
            bad += 1
    return records, bad


def read_documents(path: Path) -> tuple[list[Document], int]:
    """Documents of a JSON-lines file and the number of unreadable lines."""
    return _read_records(path, Document.model_validate)


def _scored_item(obj: dict[str, Any]) -> ScoredItem:
    # Chunks written before run files held nested items carry the flat ``score`` line:
    # still read, so work an earlier version left on disk is indexed, not lost.
    return ScoredItem.model_validate(obj) if "document" in obj else ScoredItem.from_line(obj)


def read_scored(path: Path) -> tuple[list[ScoredItem], int]:
    """ScoredItems of a ``scored-*.jsonl`` chunk (nested JSON) and the number of unreadable lines."""
    return _read_records(path, _scored_item)


def count_lines(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(1 for line in fh if line.strip())


def chunk_name(kind: str, n: int) -> str:
    return f"{kind}-{n:03d}.jsonl"


def scored_path_for(docs_path: Path) -> Path:
    return docs_path.with_name(docs_path.name.replace("docs-", "scored-", 1))


def indexed_marker(scored_path: Path) -> Path:
    return scored_path.with_name(scored_path.name + INDEXED_SUFFIX)


@dataclass
class PendingWork:
    """What earlier runs left unfinished, oldest first."""

    unsplit: list[Path] = field(default_factory=list)  # run dirs with crawl files but no chunks
    unanalysed: list[Path] = field(default_factory=list)  # docs chunks without scored output
    unindexed: list[Path] = field(default_factory=list)  # scored chunks without an index marker

    def __bool__(self) -> bool:
        return bool(self.unsplit or self.unanalysed or self.unindexed)


def run_dirs(settings: Settings) -> list[Path]:
    """All run folders, oldest first (day, then run id, which starts with a timestamp)."""
    root = runs_root(settings)
    if not root.is_dir():
        return []
    return sorted(p for day in root.iterdir() if day.is_dir() for p in day.iterdir() if p.is_dir())


def pending_work(settings: Settings, exclude: Path | None = None) -> PendingWork:
    """Find every stage an earlier run started and did not finish."""
    work = PendingWork()
    for run in run_dirs(settings):
        if (exclude is not None and run == exclude) or in_progress(run):
            continue
        if not (run / SPLIT_MARKER).exists():
            if any(run.glob("crawl-*.jsonl")):
                work.unsplit.append(run)
            continue
        for docs in sorted(run.glob("docs-*.jsonl")):
            scored = scored_path_for(docs)
            if not scored.exists():
                work.unanalysed.append(docs)
            elif not indexed_marker(scored).exists():
                work.unindexed.append(scored)
    return work
