"""``make demo`` installs the PDF renderer the way ``make test`` does, or says in one line what to install."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tinradar.settings import REPO_ROOT

pytestmark = pytest.mark.skipif(
    not (shutil.which("make") and shutil.which("dpkg-query")), reason="needs make and dpkg (Debian/Ubuntu)"
)


def _make(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "-s", "-C", str(REPO_ROOT), *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_demo_checks_the_renderer_before_running() -> None:
    dry = _make("-n", "demo", "CAN_APT=")
    assert dry.returncode == 0, dry.stderr
    recipe = dry.stdout
    assert "chromium" in recipe and recipe.index("dpkg-query") < recipe.index("tinradar demo")


def test_without_apt_a_missing_renderer_is_one_line_saying_what_to_install() -> None:
    result = _make("demo-deps", "DEMO_PACKAGES=tinradar-no-such-package", "CAN_APT=")
    assert result.returncode == 0  # the demo still runs, without the PDF
    assert result.stdout.splitlines() == [
        "Missing Debian packages: tinradar-no-such-package (the report will have no PDF). "
        "Install them with: sudo apt-get install tinradar-no-such-package"
    ]


def test_installed_packages_need_nothing() -> None:
    installed = subprocess.run(
        ["dpkg-query", "-W", "-f=${Package}\n", "dpkg"], capture_output=True, text=True, check=False
    ).stdout.strip()
    result = _make("demo-deps", f"DEMO_PACKAGES={installed}", "CAN_APT=yes")
    assert result.returncode == 0 and result.stdout == ""
