"""Per-source crawl state, so a daily run fetches only what is new.

One small JSON file per source under ``<data_dir>/crawl_state/``: the keys already
collected (canonical URLs, post ids) and the validators (ETag, Last-Modified) of the
feeds and listing pages, for conditional requests. Written atomically at the end of a
crawl; a corrupt file is set aside and the crawl starts fresh rather than failing.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, Field

from tinradar.schema import utc_now


class Validators(BaseModel):
    etag: str | None = None
    last_modified: str | None = None


class SourceState(BaseModel):
    """What one source has already given us."""

    source_id: str
    seen: dict[str, str] = Field(default_factory=dict, description="key → first seen (ISO)")
    validators: dict[str, Validators] = Field(default_factory=dict, description="URL → ETag/Last-Modified")
    last_run: datetime | None = None

    def is_seen(self, key: str) -> bool:
        return key in self.seen

    def mark_seen(self, key: str) -> None:
        self.seen.setdefault(key, utc_now().isoformat())

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


def save_state(data_dir: Path, state: SourceState) -> Path:
    folder = state_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{state.source_id}.json"
    tmp = path.with_suffix(".tmp")
    state.last_run = utc_now()
    tmp.write_text(state.model_dump_json(indent=1), encoding="utf-8")
    os.replace(tmp, path)
    return path
