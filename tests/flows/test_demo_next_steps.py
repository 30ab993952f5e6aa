"""The demo's closing "Tiếp theo / next" lines: commands that run, on the registry the demo used.

After ``make demo`` the README's ``tinradar run report`` and ``tinradar review serve`` read the
default source registry, which lacks the fixture site's sources, so they showed ids
("forum-phonui") where the demo's own report showed names (a reviewer's walkthrough, 2026-12-06).
"""

from __future__ import annotations

import shlex

from typer.testing import CliRunner

from flows.cli import app
from flows.demo import DEMO_DAY, FIXTURE_REGISTRY, NEXT_STEPS, demo_settings
from flows.source_names import source_names
from tinradar.settings import Settings


def _split(command: str) -> tuple[dict[str, str], list[str]]:
    words = shlex.split(command)
    env = dict(w.split("=", 1) for w in words if "=" in w and w.split("=", 1)[0].isupper())
    args = [w for w in words if not ("=" in w and w.split("=", 1)[0].isupper())]
    assert args[0] == "tinradar", command
    return env, args[1:]


def test_every_next_step_is_a_command_line_tinradar_takes() -> None:
    for command, why in NEXT_STEPS:
        _, args = _split(command)
        parsed = CliRunner().invoke(app, [*args, "--help"])
        assert parsed.exit_code == 0, (command, parsed.output)
        assert " / " in why  # said in both languages


def test_the_desk_and_the_report_read_the_registry_the_demo_crawled_with() -> None:
    steps = {tuple(_split(c)[1][:2]): _split(c)[0] for c, _ in NEXT_STEPS}
    for step in (("review", "serve"), ("run", "report")):
        assert steps[step]["TINRADAR_SOURCES_FILE"] == str(FIXTURE_REGISTRY), step
    # the report links each item to the desk the step before serves (review serve's default port)
    assert steps[("run", "report")]["TINRADAR_REVIEW_URL"] == "http://127.0.0.1:8800"
    assert f"--day {DEMO_DAY.isoformat()}" in next(c for c, _ in NEXT_STEPS if "run report" in c)
    # the registry the demo runs with names the demo's sources
    assert demo_settings(Settings()).sources_file == FIXTURE_REGISTRY
    assert source_names(FIXTURE_REGISTRY)["forum-phonui"] == "Diễn đàn Phố Núi – Chuyện trò linh tinh"
