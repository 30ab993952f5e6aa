"""Dead letters: items that could not be indexed, kept as JSON lines until replayed.

One file per index prefix under ``<data_dir>/deadletter/``. Each line holds the whole
scored item (nested ``ScoredItem`` JSON, as the run files hold it) plus why it failed, so
a replay needs nothing else. A replay first moves the file aside (``*.replaying-<stamp>.jsonl``) and
deletes that copy only once every item in it was either indexed or written back as a
new dead letter; a replay that crashes halfway leaves the copy for the next replay.

Only a failure that may pass is a dead letter (a connection lost, 429, 5xx, a blocked
index, missing rights). An item Elasticsearch refuses for what it is — a mapping error
(400), too large (413, or a 429 for a document over the bulk limit, which no retry makes
smaller) — is *rejected*: kept whole with its reason in ``{prefix}-docs.rejected.jsonl``
beside the dead letters, reported by the run that met it, and never replayed or counted as
pending again (it used to be refused at every replay, forever "pending"). Once its cause is
fixed (a template or mapping fix, a raised limit) ``tinradar index rejected --retry`` sends the
rejected items again, crash-safe the same way (``*.rejected.retrying-<stamp>.jsonl``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, field_validator

from tinradar.schema import ScoredItem, utc_now
from tinradar.settings import Settings


class DeadLetter(BaseModel):
    """One failed item: the item itself and the last reason it failed."""

    id: str
    status: int | str | None = None
    reason: str
    at: str = Field(default_factory=lambda: utc_now().isoformat())
    attempts: int = 1
    item: ScoredItem

    @field_validator("item", mode="before")
    @classmethod
    def _flat_line(cls, value: Any) -> Any:
        """Dead letters written before items were stored nested hold the flat ``score`` line."""
        if isinstance(value, dict) and "document" not in value:
            return ScoredItem.from_line(value)
        return value


#: Statuses that say the item itself is refused (a mapping error, too large): no retry helps.
PERMANENT_STATUS = frozenset({400, 413})


def is_permanent(status: int | str | None, *, too_large: bool = False) -> bool:
    """True when a write failed for a reason the item carries (see the module docstring).

    ``too_large``: the document alone is over the bulk limit, so a 429 ("rejected
    execution": it would hold too much of the heap) will come back at every try.
    """
    return status in PERMANENT_STATUS or (status == 429 and too_large)


class DeadLetterBox:
    """Append-only dead-letter file of one index prefix, and the rejected items beside it."""

    def __init__(self, settings: Settings) -> None:
        self.dir = settings.data_dir / "deadletter"
        self.path = self.dir / f"{settings.es_index_prefix}-docs.jsonl"
        self.rejected_path = self.dir / f"{settings.es_index_prefix}-docs.rejected.jsonl"

    def write(self, letters: list[DeadLetter]) -> int:
        """Append letters (fsynced: a dead letter that is not on disk is a lost item)."""
        return _append(self.path, letters)

    def reject(self, letters: list[DeadLetter]) -> int:
        """Keep items refused for good (fsynced, like a dead letter): never replayed, never lost."""
        return _append(self.rejected_path, letters)

    def rejected(self) -> int:
        """How many items are refused for good: their ids, as the rejected listing counts them (the
        latest letter of each, through ``latest``; an interrupted retry's file too). An id refused
        twice (loaded twice, retried) is one item; an unreadable line is no item (it is said apart)."""
        letters, _ = self.latest(self.rejected_files())
        return len(letters)

    def pending_files(self) -> list[Path]:
        """Leftovers of interrupted replays first, then the current file."""
        return self._files(self.path, "replaying")

    def rejected_files(self) -> list[Path]:
        """Leftovers of interrupted retries of rejected items first, then the current rejected file."""
        return self._files(self.rejected_path, "retrying")

    def count(self) -> int:
        """How many items wait for a replay: their ids, counted as ``rejected`` counts (the latest
        letter of each, through ``latest``; an interrupted replay's file too). An item dead-lettered
        twice (loaded twice while the node was down) is one item, as the replay sends it once; an
        unreadable line is no item (``pending`` gives them apart)."""
        letters, _ = self.pending()
        return len(letters)

    def pending(self) -> tuple[dict[str, DeadLetter], list[str]]:
        """The pending files as a replay reads them (``latest``): the latest letter of each id, and
        the raw lines that do not read."""
        return self.latest(self.pending_files())

    def take(self) -> list[Path]:
        """Move the current file aside for a replay; return every file to replay."""
        return self._take(self.path, "replaying")

    def take_rejected(self) -> list[Path]:
        """Move the rejected file aside for a retry; return every file to retry (see ``take``)."""
        return self._take(self.rejected_path, "retrying")

    def _files(self, path: Path, moved: str) -> list[Path]:
        if not self.dir.is_dir():
            return []
        leftovers = sorted(self.dir.glob(f"{path.stem}.{moved}-*.jsonl"))
        return [*leftovers, *([path] if path.is_file() else [])]

    def _take(self, path: Path, moved: str) -> list[Path]:
        if path.is_file():
            path.rename(self.dir / f"{path.stem}.{moved}-{time.time_ns()}.jsonl")
        return self._files(path, moved)

    @staticmethod
    def read(paths: list[Path]) -> Iterator[tuple[DeadLetter | None, str]]:
        """Yield (letter, raw line); letter is None for a line that does not parse."""
        for path in paths:
            for raw in _lines(path):
                if not raw.strip():
                    continue
                try:
                    yield DeadLetter.model_validate_json(raw), raw
                except ValueError:  # also a line with bytes that are not UTF-8 (surrogate escapes)
                    yield None, raw

    @staticmethod
    def latest(paths: list[Path]) -> tuple[dict[str, DeadLetter], list[str]]:
        """The latest letter of each id in ``paths`` (an id written twice — loaded twice, an
        interrupted replay or retry — counts once, placed where it was last written), and the raw
        lines that do not parse. A replay, a retry and the rejected listing all read through this."""
        latest: dict[str, DeadLetter] = {}
        unreadable: list[str] = []
        for letter, raw in DeadLetterBox.read(paths):
            if letter is None:
                unreadable.append(raw)
            else:
                latest.pop(letter.id, None)
                latest[letter.id] = letter
        return latest, unreadable

    def quarantine(self, raws: list[str]) -> Path | None:
        """Keep unreadable lines aside (never drop them silently)."""
        if not raws:
            return None
        bad = self.dir / f"{self.path.stem}.unreadable.jsonl"
        with bad.open("a", encoding="utf-8", errors="surrogateescape") as fh:  # the bytes as they were
            fh.writelines(r if r.endswith("\n") else r + "\n" for r in raws)
        return bad


def _append(path: Path, letters: list[DeadLetter]) -> int:
    if not letters:
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        for letter in letters:
            fh.write(letter.model_dump_json() + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return len(letters)


def _lines(path: Path) -> Iterator[str]:
    """A dead-letter file's lines; a byte that is not UTF-8 (a file edited or damaged by hand) is
    carried as a surrogate escape, so its line is quarantined as it was instead of the replay
    ending with ``UnicodeDecodeError`` (exit 70) and every good line in the file waiting."""
    with path.open(encoding="utf-8", errors="surrogateescape") as fh:
        yield from fh


def letter_for(item: ScoredItem, reason: str, status: int | str | None, attempts: int = 1) -> DeadLetter:
    return DeadLetter(id=item.document.id, status=status, reason=reason[:2000], attempts=attempts, item=item)
