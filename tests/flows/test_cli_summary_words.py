"""The run and demo summaries in words an analyst reads: skips by their Vietnamese label (the code in
brackets, for grep), known claims by their text (the id in brackets), never the bare codes or ids."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.claims import shipped_claims
from flows.cli import app
from flows.demo import DEMO_DAY, FIXTURE_REGISTRY, index_totals
from flows.summary import RunSummary, SourceRun, SourceStatus, skips_text
from index.claims import seed as seed_registry
from tests.flows.review import seed

LOCKDOWN = "son-duong-total-lockdown-hoax"


def _one_source_run(run_dir: Path, skipped: dict[str, int]) -> RunSummary:
    """A run of the demo day whose one source "s" was partial, with these skips."""
    return RunSummary(
        day=DEMO_DAY,
        run_id="r1",
        run_dir=run_dir,
        started_at=datetime(2021, 9, 3, tzinfo=UTC),
        sources=[SourceRun(source_id="s", status=SourceStatus.PARTIAL, items=2, skipped=skipped)],
    )


def test_the_run_markdown_says_skips_in_words(tmp_path) -> None:
    summary = _one_source_run(tmp_path, {"too_old": 3, "offsite": 2, "http_404": 1, "brand_new_code": 1})
    row = next(line for line in summary.to_markdown().splitlines() if line.startswith("| s |"))
    assert "bài quá cũ (too_old): 3" in row and "liên kết ra ngoài trang nguồn (offsite): 2" in row
    assert "lỗi HTTP 404 (http_404): 1" in row
    assert "brand_new_code: 1" in row, "a code with no label yet is still counted, as it is"
    assert summary.sources[0].skipped_line().count("(too_old)") == 1
    assert SourceRun(source_id="t", status=SourceStatus.OK).skipped_line() == "—"


@pytest.fixture(scope="module")
def site():  # type: ignore[no-untyped-def]
    from fixture_site.server import serve_fixture_site

    with serve_fixture_site() as base_url:
        yield base_url


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness")
def test_a_label_with_its_own_brackets_takes_the_code_inside_them() -> None:
    """ "trang không cho phép thu thập (robots.txt) (robots_forbidden)" read as two asides."""
    assert skips_text({"robots_forbidden": 2, "no_text": 1}) == (
        "bài không có chữ (no_text): 1, trang không cho phép thu thập (robots.txt; robots_forbidden): 2"
    )
    assert skips_text({"made_up_code": 3}) == "made_up_code: 3"  # no label: the code alone, once
    assert skips_text({}) == "—" and skips_text({}, "0") == "0"


def test_run_pipeline_prints_skips_by_their_label(es_settings, site, monkeypatch) -> None:
    """``tinradar run pipeline`` over one fixture source with a topic filter: its off-topic pages are
    counted under "không liên quan COVID-19 (off_topic)", not "off_topic"."""
    for key, value in {
        "TINRADAR_ES_URL": es_settings.es_url,
        "TINRADAR_ES_INDEX_PREFIX": es_settings.es_index_prefix,
        "TINRADAR_DATA_DIR": str(es_settings.data_dir),
        "COLUMNS": "400",
        # what configure_prefect would set: already there, so it leaves the test harness's Prefect alone
        "PREFECT_HOME": str(es_settings.data_dir / "prefect"),
        "PREFECT_SERVER_ALLOW_EPHEMERAL_MODE": "true",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "CRITICAL",
    }.items():
        monkeypatch.setenv(key, value)
    argv = ["run", "pipeline", "--day", DEMO_DAY.isoformat(), "--lookback", "20", "--source", "tinnhanh-thoi-su"]
    argv += ["--sources-file", str(FIXTURE_REGISTRY), "--var", f"base_url={site}", "--retry-delay", "0", "--json"]
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 0, result.output
    summary = RunSummary.model_validate_json(result.stdout)
    (source,) = summary.sources
    assert source.skipped.get("off_topic", 0) > 0, source  # the fixture's thời sự feed has non-COVID news
    n = source.skipped["off_topic"]
    assert f"không liên quan COVID-19 (off_topic): {n}" in result.stderr
    assert not re.search(r"(?<!\()off_topic: ", result.stderr), "no bare code"


def test_the_demo_names_the_claims_it_counts(es_client, es_settings) -> None:
    claims = {c.id: c for c in shipped_claims(es_settings)}
    seed_registry(es_client, es_settings, list(claims.values()))
    seed.load(
        es_client,
        es_settings,
        [
            seed.item("a", risk=0.9, claim=LOCKDOWN),
            seed.item("b", risk=0.8, claim=LOCKDOWN, hours=1),
            seed.item("c", risk=0.7, claim="no-longer-in-any-registry", hours=2),
        ],
    )
    totals = index_totals(es_settings, seed.BASE_TIME.date())
    line = totals.claims_line()
    assert f"«{claims[LOCKDOWN].claim}» ({LOCKDOWN}): 2" in line
    assert "«no-longer-in-any-registry»: 1" in line, "an id no registry holds is shown as it is"
    assert totals.claim_texts == {LOCKDOWN: claims[LOCKDOWN].claim}


def _printed(summary: RunSummary, *, width: int) -> str:
    """What ``print_summary`` shows on a terminal ``width`` columns wide."""
    from flows.cli.common import console
    from flows.cli.run import print_summary

    # Rich keeps a set width for good: restoring ``console.width`` (80 off a terminal) would freeze
    # every later test's console at 80 columns, whatever COLUMNS says (test_response_loop's wide
    # table failed after this file in the full suite). ``_width`` None = follow the terminal again.
    saved = console._width
    console.width = width
    try:
        with console.capture() as captured:
            print_summary(summary)
    finally:
        console._width = saved
    return captured.get()


def test_the_run_table_lists_one_skip_reason_per_line(tmp_path) -> None:
    """A reason is never cut mid-phrase by its neighbour: each on its own line of the cell."""
    summary = _one_source_run(tmp_path, {"too_old": 3, "http_404": 1})
    printed = _printed(summary, width=140)
    cells = [line.split("│")[4].strip() for line in printed.splitlines() if line.count("│") == 6]
    assert "lỗi HTTP 404 (http_404): 1" in cells and "bài quá cũ (too_old): 3" in cells, cells


def test_a_crawl_state_reset_is_said_in_both_languages(tmp_path) -> None:
    """The run that fetched a source again because its index was gone says so (table and Markdown)."""
    from crawlers.state import StateReset

    summary = _one_source_run(tmp_path, {})
    assert summary.state_reset_line() == "" and "new index" not in summary.to_markdown()
    summary.sources.append(SourceRun(source_id="t", status=SourceStatus.OK, items=5, state_reset=StateReset.NEW_INDEX))
    line = summary.state_reset_line()
    assert line.startswith("Chỉ mục mới") and "new index" in line and line.endswith(": t")
    assert summary.to_markdown().count(line) == 1
    assert _printed(summary, width=400).count(line) == 1
