"""Source id → the name a reviewer knows it by, for the review desk and the daily report.

Reviewers at the board read "Tin Nhanh – Sức khỏe", not ``tinnhanh-suc-khoe``. The names
are in the source registry (``settings.sources_file``, ``crawlers.registry.load_registry``);
this is the one lookup both screens use. It reads the registry once per path and version of
the file (its modification time and size): the desk must not re-read YAML on every page, yet a
source renamed in the registry shows under its new name without restarting the desk. It never
fails: an id the registry does
not know (``import``, a source since removed) is shown as it is, and a registry that cannot
be read is logged once and every source is shown by its id.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

from crawlers.registry import RegistryError, load_registry

log = logging.getLogger("tinradar.sources")


class _KeepPlaceholders(dict[str, str]):
    """``{name}`` placeholders left as written: a name needs no URL, and a registry whose URLs
    come from ``variables`` (the demo's ``{base_url}``) must still give its names."""

    def __contains__(self, key: object) -> bool:
        return True

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"

    def __bool__(self) -> bool:  # load_registry reads an empty mapping as "no variables"
        return True


@lru_cache(maxsize=16)
def _names(path: Path, stamp: tuple[int, int] | None) -> Mapping[str, str]:
    """``stamp`` only keys the cache: a new version of the file is a new entry, read once."""
    try:
        sources = load_registry(path, _KeepPlaceholders())
    except (RegistryError, OSError) as exc:  # logged once: the failure is cached like a success
        log.warning("source names unavailable, showing source ids instead: %s", exc)
        return MappingProxyType({})
    return MappingProxyType({s.id: s.name.strip() for s in sources if s.name.strip()})


def source_names(path: Path) -> Mapping[str, str]:
    """Every source's name by id, from the registry at ``path`` (read once per version of the file;
    empty if unreadable). Read-only: it is shared by every page and report of the process."""
    resolved = Path(path).resolve()
    try:
        st = resolved.stat()
        stamp: tuple[int, int] | None = (st.st_mtime_ns, st.st_size)
    except OSError:
        stamp = None
    return _names(resolved, stamp)


def source_name(source_id: str, names: Mapping[str, str]) -> str:
    """The source's name, or its id when the registry does not know it."""
    return names.get(source_id) or source_id
