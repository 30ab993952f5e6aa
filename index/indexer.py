"""Idempotent bulk indexing of scored items, with retries and dead letters.

Why it is built this way:

* ``_id`` is ``Document.id`` and a document stays in the monthly index where it was
  first seen, even when a later crawl corrects its ``published_at``: before each chunk
  the indexer asks the read alias where the ids already live. So a rerun, or a moved
  date, never makes a second copy.
* A re-load is a true no-op: each document carries a ``content_hash`` of its content
  without the bookkeeping (``fetched_at``, ``dated_at``, ``analyzed_at``); the lookup
  reads the stored hash, and an item whose hash is already there is ``unchanged`` and
  not sent at all (no rewrite, no deleted copy left in the segment, no moved date). The
  ``dated_at`` of an item without a publication date is the one it got when first seen
  and never moves. (Client-side: the test node has no scripting, and none is needed.)
* New documents are written with ``create``; changed ones with a partial ``update`` of
  the pipeline's fields only. Neither ever names ``review``, so a reviewer's verdict
  survives any re-analysis. (A ``create`` that loses a race — 409 — becomes an update.)
* Transient trouble (429, 5xx, connection refused, timeouts) is retried with
  exponential backoff; whatever still fails goes to the dead-letter file and
  ``replay()`` sends it again. A document the mapping rejects fails on its own, with
  its id and reason; the rest of its batch goes in. A document refused for what it is
  (400, 413, or a 429 for one over ``MAX_BULK_BYTES``) is *rejected* instead: kept in the
  rejected file with its reason, never replayed (``index.deadletter.is_permanent``).
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError, helpers
from pydantic import BaseModel, Field

from index.client import error_reason
from index.deadletter import DeadLetterBox, is_permanent, letter_for
from index.doc import CONTENT_HASH, DATED_AT
from index.docmap import dated_at, to_source
from index.templates import alias_name, index_for
from tinradar.schema import ScoredItem
from tinradar.settings import Settings

#: Statuses worth retrying: too many requests, and the server's own failures.
RETRY_STATUS = (429, 500, 502, 503, 504)
#: Bytes of one bulk request. Elasticsearch refuses (429, "rejected execution of primary
#: operation") a request whose indexing would hold more than a tenth of its heap, counting
#: each document about four times (text, text_seg, ...): at 50 MB one line of 10 MB of
#: text took every good line of its request down with it. A request this size holds a
#: batch of ordinary items, and a larger item is sent on its own (``streaming_bulk``
#: starts a new request for it), so only that item can be refused.
MAX_BULK_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class _Known:
    """Where an id already lives, the content hash stored there and its ``dated_at`` (as stored)."""

    index: str
    content_hash: str | None = None
    dated_at: str | None = None


def _known(hit: dict[str, Any]) -> _Known:
    source = hit.get("_source") or {}
    return _Known(hit["_index"], source.get(CONTENT_HASH), source.get(DATED_AT))


class ItemError(BaseModel):
    """Why one item did not get into the index."""

    id: str
    status: int | str | None = None
    type: str | None = None
    reason: str


class IndexStats(BaseModel):
    """Counts of one indexing run."""

    indexed: int = Field(default=0, description="New documents created")
    updated: int = Field(default=0, description="Existing documents whose pipeline fields changed")
    unchanged: int = Field(default=0, description="Existing documents that were already up to date")
    failed: int = Field(default=0, description="Items that are not in the index after this run")
    dead_lettered: int = Field(default=0, description="Failed items written to the dead-letter file")
    rejected: int = Field(
        default=0,
        description="Failed items refused for good (mapping, too large): kept in the rejected file, not replayed",
    )
    skipped: int = Field(default=0, description="Lines that could not even be read (replay only)")
    errors: list[ItemError] = Field(default_factory=list, description="The first failures, with reasons")

    @property
    def ok(self) -> int:
        return self.indexed + self.updated + self.unchanged


def _batched(items: Iterable[ScoredItem], size: int) -> Iterator[list[ScoredItem]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _size(body: dict[str, Any]) -> int:
    """Bytes of a document's JSON, about as the bulk request carries it."""
    return len(json.dumps(body, ensure_ascii=False, default=str).encode("utf-8"))


class Indexer:
    """Writes scored items to ``{prefix}-docs-YYYY.MM`` behind the ``{prefix}-docs`` alias."""

    def __init__(
        self,
        client: Elasticsearch,
        settings: Settings,
        *,
        chunk_size: int = 500,
        max_retries: int = 4,
        initial_backoff: float = 0.5,
        max_backoff: float = 30.0,
        refresh: bool = True,
        max_errors: int = 1000,
    ) -> None:
        # The indexer owns the retry policy (backoff, then dead letter): the transport's
        # own immediate retries (connection errors, 502/503/504) would multiply it.
        self.client = client.options(max_retries=0, retry_on_status=(), retry_on_timeout=False)
        self.settings = settings
        self.chunk_size = chunk_size
        self.max_retries = max_retries
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.refresh = refresh
        self.max_errors = max_errors
        self.alias = alias_name(settings)
        self.deadletters = DeadLetterBox(settings)
        self._homes: dict[str, _Known] = {}
        self._earlier: dict[str, int] = {}  # id → attempts before this run (a retry of rejected items)

    # --- public ---------------------------------------------------------------------

    def index(self, items: Iterable[ScoredItem]) -> IndexStats:
        """Index items (any number, streamed in chunks); never raises for a failed item."""
        stats = IndexStats()
        for chunk in _batched(items, self.chunk_size):
            unique = {item.document.id: item for item in chunk}  # the last version of an id wins
            self._index_chunk(unique, stats)
        if self.refresh and stats.ok:
            # Make the run searchable now, and its ids visible to the next run's lookup.
            with contextlib.suppress(TransportError, ApiError):
                self.client.indices.refresh(index=self.alias)
        return stats

    def replay(self) -> IndexStats:
        """Send the dead letters again; what fails again is dead-lettered again."""
        return self._resend(self.deadletters.take())

    def retry_rejected(self) -> IndexStats:
        """Send the items refused for good again, once their cause is fixed (a mapping, a limit).

        The same path as ``replay``: refused again, an item is back in the rejected file with one
        more attempt and the new reason; a failure that may pass makes it a dead letter (pending
        for ``replay``); indexed, it is gone from both. Its id is its ``_id``, and an update never
        names ``review``, so a retry neither duplicates an item nor touches a reviewer's verdict.
        """
        return self._resend(self.deadletters.take_rejected(), count_attempts=True)

    def _resend(self, files: list[Path], *, count_attempts: bool = False) -> IndexStats:
        """Index the latest letter of each id in ``files``, then delete them (see ``deadletter``).

        ``count_attempts``: a letter written again carries the earlier attempts plus this one.
        """
        if not files:
            return IndexStats()
        latest, unreadable = DeadLetterBox.latest(files)
        self._earlier = {i: letter.attempts for i, letter in latest.items()} if count_attempts else {}
        try:
            stats = self.index(letter.item for letter in latest.values())
        finally:
            self._earlier = {}
        self.deadletters.quarantine(unreadable)
        stats.skipped = len(unreadable)
        for path in files:  # every item is now either indexed or in a new dead-letter or rejected file
            path.unlink(missing_ok=True)
        return stats

    # --- internals --------------------------------------------------------------------

    def _sleep(self, attempt: int) -> None:
        time.sleep(min(self.max_backoff, self.initial_backoff * 2 ** (attempt - 1)))

    def _lookup_homes(self, ids: list[str]) -> None:
        """Find the monthly index that already holds each id (one search per chunk)."""
        if len(self._homes) > 1_000_000:  # a long-lived indexer: forget, the alias remembers
            self._homes.clear()
        unknown = [i for i in ids if i not in self._homes]
        if not unknown:
            return
        try:
            resp = self.client.search(
                index=self.alias,
                query={"ids": {"values": unknown}},
                size=len(unknown),
                source_includes=[CONTENT_HASH, DATED_AT],
                ignore_unavailable=True,
                allow_no_indices=True,
                track_total_hits=False,
            )
        except NotFoundError:
            return
        for hit in resp["hits"]["hits"]:
            # Two copies should never exist; if an old bug made some, keep writing the oldest.
            current = self._homes.get(hit["_id"])
            if current is None or hit["_index"] < current.index:
                self._homes[hit["_id"]] = _known(hit)

    def _fetch_known(self, placed: list[tuple[str, str]]) -> None:
        """Read (real-time) what the index holds for ids a ``create`` found already there."""
        by_index: dict[str, list[str]] = {}
        for doc_id, index in placed:
            by_index.setdefault(index, []).append(doc_id)
            self._homes[doc_id] = _Known(index)
        for index, ids in by_index.items():
            with contextlib.suppress(TransportError, ApiError):
                resp = self.client.mget(index=index, ids=ids, source_includes=[CONTENT_HASH, DATED_AT])
                for hit in resp["docs"]:
                    if hit.get("found"):
                        self._homes[hit["_id"]] = _known(hit)

    def _action(self, item: ScoredItem) -> dict[str, Any] | None:
        """The bulk action for an item, or None when the index already holds the same content."""
        doc_id = item.document.id
        known = self._homes.get(doc_id)
        source = to_source(item).pipeline_body()
        if known is not None and known.content_hash == source[CONTENT_HASH]:
            return None
        if known is None:
            return {
                "_op_type": "create",
                "_index": index_for(dated_at(item), self.settings),
                "_id": doc_id,
                "_source": source,
            }
        if item.document.published_at is None and known.dated_at:
            source[DATED_AT] = known.dated_at  # an undated item keeps the day it was first seen
        return {
            "_op_type": "update",
            "_index": known.index,
            "_id": doc_id,
            "doc": source,
            "doc_as_upsert": True,
            "retry_on_conflict": 3,
        }

    def _fail(
        self,
        stats: IndexStats,
        item: ScoredItem,
        status: int | str | None,
        kind: str | None,
        reason: str,
        attempts: int,
        *,
        permanent: bool = False,
    ) -> None:
        """Count and keep a failed item: rejected when ``permanent``, else a dead letter for the next replay."""
        stats.failed += 1
        if len(stats.errors) < self.max_errors:
            stats.errors.append(ItemError(id=item.document.id, status=status, type=kind, reason=reason))
        earlier = self._earlier.get(item.document.id)
        attempts = attempts if earlier is None else earlier + 1
        letter = letter_for(item, f"{kind}: {reason}" if kind else reason, status, attempts)
        if permanent:
            stats.rejected += self.deadletters.reject([letter])
        else:
            stats.dead_lettered += self.deadletters.write([letter])

    def _index_chunk(self, pending: dict[str, ScoredItem], stats: IndexStats) -> None:
        attempt = 0
        while pending:
            try:
                self._lookup_homes(list(pending))
                self._send(pending, stats, attempt)
            except (TransportError, ApiError) as exc:  # connection refused/reset, timeout, 5xx on the lookup
                status = getattr(exc, "status_code", None) or type(exc).__name__
                retryable = not isinstance(exc, ApiError) or exc.status_code in RETRY_STATUS
                attempt += 1
                if retryable and attempt <= self.max_retries:
                    self._sleep(attempt)
                    continue
                reason = f"{type(exc).__name__}: {exc}"
                for item in list(pending.values()):
                    self._fail(stats, item, status, None, reason, attempt)
                pending.clear()
            return

    def _send(self, pending: dict[str, ScoredItem], stats: IndexStats, attempt: int) -> None:
        """One bulk pass; handled items leave ``pending`` as their results arrive."""
        conflicts: list[tuple[str, str]] = []
        actions = []
        written: dict[str, dict[str, Any]] = {}  # id → the body sent, to remember its hash and date
        for doc_id, item in list(pending.items()):
            action = self._action(item)
            if action is None:
                stats.unchanged += 1
                del pending[doc_id]
            else:
                actions.append(action)
                written[doc_id] = action.get("_source") or action["doc"]
        if not actions:
            return
        for ok, info in helpers.streaming_bulk(
            self.client,
            actions,
            chunk_size=len(actions),
            max_chunk_bytes=MAX_BULK_BYTES,
            raise_on_error=False,
            raise_on_exception=False,
            max_retries=self.max_retries,
            initial_backoff=self.initial_backoff,
            max_backoff=self.max_backoff,
            retry_on_status=RETRY_STATUS,
            yield_ok=True,
        ):
            op_type, result = next(iter(info.items()))
            doc_id = result.get("_id")
            if doc_id not in pending:
                continue
            item = pending.pop(doc_id)
            if ok:
                body = written[doc_id]
                self._homes[doc_id] = _Known(result["_index"], body.get(CONTENT_HASH), body.get(DATED_AT))
                outcome = result.get("result")
                if outcome == "created":  # a create, or an upsert of an id that had vanished
                    stats.indexed += 1
                elif outcome == "noop":
                    stats.unchanged += 1
                else:
                    stats.updated += 1
                continue
            status = result.get("status")
            if op_type == "create" and status == 409:  # created in that index since the lookup
                pending[doc_id] = item
                conflicts.append((doc_id, result.get("_index")))
                continue
            kind, reason = error_reason(result.get("error"))
            too_large = status == 429 and _size(written[doc_id]) > MAX_BULK_BYTES
            if too_large:
                reason = f"document over the bulk limit ({MAX_BULK_BYTES} bytes) and refused alone: {reason}"
            permanent = is_permanent(status, too_large=too_large)
            self._fail(stats, item, status, kind, reason, attempt + self.max_retries + 1, permanent=permanent)
        if conflicts:
            # The id now lives in the index the create aimed at (a search might not see it
            # yet: it is near-real-time), so the second pass is an update there.
            self._fetch_known(conflicts)
            self._send(pending, stats, attempt)
