"""The source-name lookup reads the registry once per version of the file: a page render does not
re-read YAML, and a source renamed in the registry shows under its new name without a restart."""

from __future__ import annotations

import os
from pathlib import Path

from flows.source_names import source_name, source_names

REGISTRY = """sources:
  - id: tinnhanh-suc-khoe
    name: {name}
    kind: news
    feeds: [https://tinnhanh.example/rss/suc-khoe.rss]
"""


def _write(path: Path, name: str, mtime_ns: int) -> None:
    path.write_text(REGISTRY.format(name=name), encoding="utf-8")
    os.utime(path, ns=(mtime_ns, mtime_ns))


def test_a_renamed_source_shows_its_new_name_without_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    _write(path, "Tin Nhanh – Sức khỏe", 1_700_000_000_000_000_000)
    first = source_names(path)
    assert source_name("tinnhanh-suc-khoe", first) == "Tin Nhanh – Sức khỏe"
    assert source_names(path) is first, "the same file is read once, not on every page"

    _write(path, "Tin Nhanh – Y tế", 1_700_000_060_000_000_000)
    assert source_name("tinnhanh-suc-khoe", source_names(path)) == "Tin Nhanh – Y tế"


def test_a_registry_removed_after_reading_falls_back_to_ids(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    _write(path, "Tin Nhanh – Sức khỏe", 1_700_000_000_000_000_000)
    assert source_names(path) == {"tinnhanh-suc-khoe": "Tin Nhanh – Sức khỏe"}
    path.unlink()
    assert source_name("tinnhanh-suc-khoe", source_names(path)) == "tinnhanh-suc-khoe"
