"""The layering, checked on the source: the kernel imports nothing of ours, each stage only
the kernel, and no stage imports the fixture site (test and demo tooling)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OURS = {"tinradar", "crawlers", "nlp", "index", "flows", "fixture_site"}
ALLOWED = {
    "tinradar": {"tinradar"},
    "crawlers": {"tinradar", "crawlers"},
    "nlp": {"tinradar", "nlp"},
    "index": {"tinradar", "index"},
    "fixture_site": {"tinradar", "fixture_site"},
}


def _imports(package: str) -> dict[str, set[str]]:
    """Top-level package of ours → the files of ``package`` that import it (lazy imports too)."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top in OURS:
                    found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_what_its_layer_may(package: str) -> None:
    wrong = {top: files for top, files in _imports(package).items() if top not in ALLOWED[package]}
    assert not wrong, f"{package} imports {wrong}"
