"""README.md and docs/*.md point at things that exist.

A reader follows a link to a section (docs/benchmarks.md sends each figure to the page that
explains it) or types a path the docs name. Code and headings move faster than the prose:
a renamed heading breaks its anchor silently, and a moved module leaves a path that leads
nowhere. Checked here: every relative link's file and ``#anchor`` (GitHub's heading slugs),
and every backticked path under one of our top-level folders.
"""

from __future__ import annotations

import fnmatch
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
#: Backticked names that look like our paths and are not meant to be files here.
NOT_PATHS = {
    "tinradar/skipped/<reason>": "a Scrapy stats key (docs/crawlers.md)",
    "tinradar/dates_dropped": "a Scrapy stats key (docs/crawlers.md)",
    "tests/fixtures/<outlet>_article.html": "a path searched for in other repositories (docs/crawlers.md)",
    "nlp/data/claims_verifier_positives.yaml": "kept on the reverted branch verifier-variants (docs/nlp.md)",
}
TOP = ("tinradar", "crawlers", "nlp", "index", "flows", "kibana", "fixtures", "fixture_site", "bench", "docs", "tests")


def _slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.replace("`", ""))
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    fenced = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
            continue
        match = None if fenced else re.match(r"#{1,6}\s+(.*)", line)
        if match:
            slug = _slug(match.group(1))
            n = seen.get(slug, 0)
            seen[slug] = n + 1
            found.add(slug if n == 0 else f"{slug}-{n}")
    return found


def _tracked() -> set[str]:
    """Tracked files and their folders (data in ../shared and build outputs do not count)."""
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    every = set(files)
    for name in files:
        every.update(str(parent) for parent in Path(name).parents if str(parent) != ".")
    return every


def broken_links(pages: list[Path]) -> list[str]:
    problems = []
    for page in pages:
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
            for target in re.findall(r"\]\(([^)\s]+)\)", line):
                if target.startswith(("http://", "https://", "mailto:")):
                    continue
                path, _, anchor = target.partition("#")
                linked = (page.parent / path) if path else page
                if not linked.exists():
                    problems.append(f"{page.name}:{number}: {target}: no such file")
                elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
                    problems.append(f"{page.name}:{number}: {target}: no such section")
    return problems


def missing_paths(pages: list[Path], tracked: set[str]) -> list[str]:
    """Backticked ``folder/…`` paths under our top-level folders that match no tracked file.

    ``<placeholder>``, ``{prefix}``, ``*`` and ``…`` stand for any name; ``a|b`` at the end
    is two paths.
    """
    problems = []
    for page in pages:
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
            for span in re.findall(r"`([^`]+)`", line):
                for token in span.split():
                    token = token.strip("()[],;:\"'").removeprefix("./").rstrip(".")
                    if "/" not in token or token.split("/")[0] not in TOP or "::" in token or token in NOT_PATHS:
                        continue
                    if not re.fullmatch(r"[\w.\-/*<>{}|…]+", token):
                        continue
                    pattern = re.sub(r"<[^>]*>|\{[^}]*\}|…", "*", token).rstrip("/")
                    head, _, last = pattern.rpartition("/")
                    alternatives = [f"{head}/{alt}" if head else alt for alt in last.split("|")]
                    if not all(any(fnmatch.fnmatch(t, alt) for t in tracked) for alt in alternatives):
                        problems.append(f"{page.name}:{number}: {token}")
    return problems


def test_links_lead_to_files_and_sections_that_exist() -> None:
    assert broken_links(PAGES) == []


def test_backticked_paths_exist() -> None:
    assert missing_paths(PAGES, _tracked()) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[a](benchmarks.md#no-such-section)", "no such section"),
        ("[a](no-such-page.md)", "no such file"),
    ],
)
def test_a_broken_link_is_found(tmp_path: Path, text: str, expected: str) -> None:
    (tmp_path / "benchmarks.md").write_text("# Benchmarks\n\n## Benchmark\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text(f"See {text}, and [fine](benchmarks.md#benchmark).\n", encoding="utf-8")
    problems = broken_links([page])
    assert len(problems) == 1 and expected in problems[0]


def test_a_missing_path_is_found(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "`nlp/no_such_module.py`, `nlp/models/*/MODEL_CARD.md`, `crawlers/sources.yaml`\n", encoding="utf-8"
    )
    assert missing_paths([page], _tracked()) == ["page.md:1: nlp/no_such_module.py"]
