"""Per-source crawl state, so a daily run fetches only what is new.

One small JSON file per source under ``<data_dir>/crawl_state/``: the keys already
collected (canonical URLs, post ids), the article pages that could not be read and under
which layout (``failed``), and the validators (ETag, Last-Modified) of the feeds and
listing pages, for conditional requests. Written atomically at the end of a
crawl; a corrupt file is set aside and the crawl starts fresh rather than failing.

The state says "already have it" only for the index it fed. A crawl for an index (the
daily flow, the demo) passes that index's epoch (``index.epoch``: an id that changes when
TinRadar's data in Elasticsearch is gone); a state built for another epoch is dropped
(``load_state_for``), so a wiped node, a new cluster or deleted indices get every item
again instead of "not modified" answers for items the index no longer holds.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, Field

from tinradar.schema import utc_now


class Validators(BaseModel):
    etag: str | None = None
    last_modified: str | None = None


class FailedPage(BaseModel):
    """An article page fetched but not readable (no body, unparseable, too large…).

    It is not "seen": once the source's selectors change (or the extractor does), the page
    is fetched again, so a layout fix recovers what the broken days missed. Under the same
    layout it is not refetched every day (it would fail the same way, at the site's cost)."""

    reason: str
    layout: str = Field(description="the source's layout key when it failed (selectors + extractor)")
    at: str = Field(description="when it last failed (ISO)")


class SourceState(BaseModel):
    """What one source has already given us."""

    source_id: str
    seen: dict[str, str] = Field(default_factory=dict, description="key → first seen (ISO)")
    failed: dict[str, FailedPage] = Field(default_factory=dict, description="key → why it could not be read")
    validators: dict[str, Validators] = Field(default_factory=dict, description="URL → ETag/Last-Modified")
    last_run: datetime | None = None
    index_epoch: str | None = Field(
        default=None, description="the epoch of the index this state fed (None: a crawl without an index, or older)"
    )

    def is_seen(self, key: str) -> bool:
        return key in self.seen

    def mark_seen(self, key: str) -> None:
        self.seen.setdefault(key, utc_now().isoformat())
        self.failed.pop(key, None)

    def mark_failed(self, key: str, reason: str, layout: str) -> None:
        """Remember an unreadable page under ``layout`` (not seen: see ``FailedPage``)."""
        self.failed[key] = FailedPage(reason=reason, layout=layout, at=utc_now().isoformat())

    def failed_under(self, key: str, layout: str) -> bool:
        """Whether ``key`` already failed under this very layout (so fetching it again is useless)."""
        page = self.failed.get(key)
        return page is not None and page.layout == layout

    def conditional_headers(self, url: str) -> dict[str, str]:
        v = self.validators.get(url)
        if not v:
            return {}
        headers = {}
        if v.etag:
            headers["If-None-Match"] = v.etag
        if v.last_modified:
            headers["If-Modified-Since"] = v.last_modified
        return headers

    def remember(self, url: str, etag: str | None, last_modified: str | None) -> None:
        if etag or last_modified:
            self.validators[url] = Validators(etag=etag, last_modified=last_modified)


def state_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "crawl_state"


def load_state(data_dir: Path, source_id: str) -> SourceState:
    path = state_dir(data_dir) / f"{source_id}.json"
    if not path.is_file():
        return SourceState(source_id=source_id)
    try:
        return SourceState.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except ValueError:
        path.rename(path.with_suffix(".corrupt.json"))
        return SourceState(source_id=source_id)


class StateReset(StrEnum):
    """Why a source's state was dropped before its crawl (said in the run summary)."""

    NEW_INDEX = "new_index"  # built for another epoch: the index it fed is gone
    NOT_IN_INDEX = "not_in_index"  # older state (no epoch) with seen keys, none of them in the index


def load_state_for(
    data_dir: Path, source_id: str, epoch: str | None, in_index: bool | None
) -> tuple[SourceState, StateReset | None]:
    """The state of ``source_id`` if it was built for the index of ``epoch``, else a fresh one.

    ``epoch`` None (a crawl that feeds no index: ``tinradar crawl``) trusts the state as it is.
    A state of another epoch starts fresh (seen keys, validators and failed pages dropped: the
    ids are stable, so refetched items overwrite nothing but themselves). A state from before
    epochs is adopted only when the index holds documents of the source (``in_index``); when it
    holds none while the state has seen keys, those items were lost with the index, and the
    state starts fresh. ``in_index`` None (unknown) adopts it. Returns the state (its epoch set
    to ``epoch``) and why it was reset, or None.
    """
    state = load_state(data_dir, source_id)
    if epoch is None:
        return state, None
    reset = _reset_reason(state, epoch, in_index)
    if reset is not None:
        state = SourceState(source_id=source_id)
    state.index_epoch = epoch
    return state, reset


def _reset_reason(state: SourceState, epoch: str, in_index: bool | None) -> StateReset | None:
    """Why ``state`` cannot be trusted for the index of ``epoch`` (see ``load_state_for``), or None."""
    if state.index_epoch is not None and state.index_epoch != epoch:
        return StateReset.NEW_INDEX
    if state.index_epoch is None and state.seen and in_index is False:
        return StateReset.NOT_IN_INDEX
    return None


def outlived_its_index(data_dir: Path, source_id: str, epoch: str | None, in_index: bool | None) -> bool:
    """Whether the crawl of ``source_id`` would start fresh (``load_state_for`` would reset its
    state): the items it fetched are not in the index any more, so the source is due now,
    whatever its cadence says (an hourly ``serve`` run would otherwise leave a weekly source's
    items out of a wiped index for up to a week). Reads the state as ``load_state`` does."""
    return epoch is not None and _reset_reason(load_state(data_dir, source_id), epoch, in_index) is not None


def save_state(data_dir: Path, state: SourceState) -> Path:
    folder = state_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{state.source_id}.json"
    tmp = path.with_suffix(".tmp")
    state.last_run = utc_now()
    tmp.write_text(state.model_dump_json(indent=1), encoding="utf-8")
    os.replace(tmp, path)
    return path
