"""The source registry: which outlets, portals, channels and forums TinRadar watches.

Sources are data (a YAML file), not code, so adding an outlet is an edit to
``crawlers/sources.yaml``. Placeholders such as ``{base_url}`` are substituted from a
``variables`` mapping at load time; the fixture registry uses that to point at a local
test server on whatever port it got.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from tinradar.schema import Kind, describe_errors
from tinradar.yamlfile import YamlFileError, read_yaml

_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")

#: How often a source of each cadence is crawled when runs crawl only what is due
#: (``tinradar serve`` runs the pipeline every hour and does).
CADENCE_INTERVALS: dict[str, timedelta] = {
    "hourly": timedelta(hours=1),
    "daily": timedelta(days=1),
    "weekly": timedelta(days=7),
}
#: A source counts as due this much before its interval is over: an hourly run that starts
#: a few seconds earlier than the last one must not skip an hourly source for an hour.
CADENCE_SLACK = 0.1


class RegistryError(ValueError):
    """The registry file is missing, unreadable or invalid (message says where)."""


class UnknownSource(RegistryError):
    """Ids asked for (``--source``) that the registry does not have: the option is wrong, not the file.

    ``unknown`` and ``known`` let a command name its option and the ids it could have given.
    """

    def __init__(self, unknown: list[str], known: list[str]) -> None:
        self.unknown, self.known = unknown, known
        super().__init__(
            f"không có nguồn / unknown source id(s): {', '.join(unknown)}; các nguồn / known: {', '.join(known)}"
        )


class Discovery(StrEnum):
    """How a spider finds items of a source."""

    NEWS = "news"  # feeds, sitemaps and listing pages → article pages
    TELEGRAM = "telegram"  # t.me/s/<channel> web preview pages
    FORUM = "forum"  # XenForo-style thread listings → threads → posts


class Selectors(BaseModel):
    """Per-site extraction overrides (CSS, or XPath when starting with ``/`` or ``(``)."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = None
    body: str | None = None
    date: str | None = None
    author: str | None = None
    lead: str | None = None


class Listing(BaseModel):
    """A listing (section) page: links to articles, plus a link to the next page."""

    model_config = ConfigDict(extra="forbid")

    url: str
    link_selector: str = Field(description="CSS selector of <a> elements that point at articles")
    next_selector: str | None = Field(default=None, description="CSS selector of the 'next page' <a>")
    max_pages: int = Field(default=5, ge=1)


class Source(BaseModel):
    """One source in the registry."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    name: str
    kind: Kind
    platform: str = "web"
    discovery: Discovery = Discovery.NEWS
    homepage: str | None = None
    province_code: str | None = Field(default=None, pattern=r"^\d{2}$")
    district_code: str | None = Field(default=None, pattern=r"^\d{3}$")
    feeds: list[str] = Field(default_factory=list, description="RSS/Atom feed URLs")
    sitemaps: list[str] = Field(default_factory=list, description="Sitemaps (plain, index or Google News)")
    listings: list[Listing] = Field(default_factory=list)
    start_urls: list[str] = Field(default_factory=list, description="Telegram preview pages or forum listings")
    thread_selector: str | None = Field(default=None, description="Forum: CSS selector of thread links")
    next_selector: str | None = Field(
        default=None, description="Forum/Telegram: CSS selector of the next/older page link"
    )
    max_pages: int = Field(default=5, ge=1, description="Forum/Telegram: pages followed per start URL")
    allowed_domains: list[str] = Field(default_factory=list)
    article_pattern: str | None = Field(
        default=None, description="Regex an article URL must match (others are skipped)"
    )
    selectors: Selectors | None = None
    topic_filter: bool = Field(default=False, description="Keep only COVID-19 items (general sections)")
    download_timeout: float | None = Field(
        default=None, gt=0, description="Seconds before a page of this source times out"
    )
    cadence: str = Field(
        default="daily", description="How often the source is crawled when only due sources are: hourly, daily, weekly"
    )
    enabled: bool = True
    verified: bool = Field(default=False, description="Whether the URLs were checked against the live site")
    language: str = "vi"
    notes: str | None = None

    @field_validator("cadence")
    @classmethod
    def _known_cadence(cls, value: str) -> str:
        if value not in CADENCE_INTERVALS:
            raise ValueError(f"cadence is one of {', '.join(CADENCE_INTERVALS)}")
        return value

    @property
    def interval(self) -> timedelta:
        """The time between two crawls of this source (its cadence)."""
        return CADENCE_INTERVALS[self.cadence]

    def is_due(self, last_crawled: datetime | None, now: datetime) -> bool:
        """Whether a run at ``now`` should crawl this source, given its last good crawl."""
        return last_crawled is None or now - last_crawled >= self.interval * (1 - CADENCE_SLACK)

    @model_validator(mode="after")
    def _consistent(self) -> Source:
        if self.district_code and not self.province_code:
            raise ValueError("a district_code needs its province_code")
        if self.discovery is Discovery.NEWS and not (self.feeds or self.sitemaps or self.listings):
            raise ValueError("a news source needs at least one feed, sitemap or listing")
        if self.discovery is not Discovery.NEWS and not self.start_urls:
            raise ValueError(f"a {self.discovery} source needs start_urls")
        if not self.allowed_domains:
            self.allowed_domains = sorted({h for h in (_host(u) for u in self.all_urls()) if h})
        return self

    def all_urls(self) -> list[str]:
        """Every URL the spider starts from."""
        return [*self.feeds, *self.sitemaps, *(lst.url for lst in self.listings), *self.start_urls]


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _substitute(value: Any, variables: dict[str, str]) -> Any:
    if isinstance(value, str):

        def repl(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in variables:
                raise RegistryError(f"placeholder {{{name}}} has no value (pass variables={{'{name}': ...}})")
            return variables[name].rstrip("/") if name.endswith("url") else variables[name]

        return _PLACEHOLDER.sub(repl, value)
    if isinstance(value, list):
        return [_substitute(v, variables) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(v, variables) for k, v in value.items()}
    return value


def load_registry(path: Path, variables: dict[str, str] | None = None) -> list[Source]:
    """Load and validate a registry file; ``{name}`` placeholders come from ``variables``.

    Raises ``RegistryError`` with the file and the offending entry on any problem, so
    a typo in the YAML reads as a clear message rather than a traceback.
    """
    path = Path(path)
    if not path.exists():
        raise RegistryError(f"không thấy danh mục nguồn / source registry not found: {path}")
    try:
        raw = read_yaml(path)
    except YamlFileError as exc:  # a folder, unreadable, not UTF-8, not YAML, too deep
        raise RegistryError(str(exc)) from exc
    entries = raw.get("sources") if isinstance(raw, dict) else raw
    if not isinstance(entries, list):
        raise RegistryError(
            f"{path}: không phải danh sách nguồn / expected a list of sources (or a mapping with 'sources:')"
        )
    sources: list[Source] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        label = entry.get("id", f"#{i}") if isinstance(entry, dict) else f"#{i}"
        try:
            source = Source.model_validate(_substitute(entry, variables or {}))
        except ValidationError as exc:  # one sentence naming the fields, not pydantic's dump and its URL
            raise RegistryError(f"{path}: nguồn / source {label}: {describe_errors(exc)}") from exc
        if source.id in seen:
            raise RegistryError(f"{path}: trùng mã nguồn / duplicate source id {source.id!r}")
        seen.add(source.id)
        sources.append(source)
    return sources


def split_due(
    sources: list[Source], last_crawled: Mapping[str, datetime], now: datetime
) -> tuple[list[Source], list[Source]]:
    """Sources whose cadence says crawl now, and those crawled recently enough to wait."""
    due: list[Source] = []
    waiting: list[Source] = []
    for source in sources:
        (due if source.is_due(last_crawled.get(source.id), now) else waiting).append(source)
    return due, waiting


def select_sources(sources: list[Source], ids: list[str] | None = None) -> list[Source]:
    """Sources to crawl: the named ones (enabled or not), else every enabled one."""
    if not ids:
        return [s for s in sources if s.enabled]
    by_id = {s.id: s for s in sources}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise UnknownSource(unknown, sorted(by_id))
    return [by_id[i] for i in ids]
