"""``tinradar run``: bad input gives a clear error and a non-zero exit; an empty day still gets a report."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from flows.cli import app


def test_bad_day_is_a_clear_error():
    result = CliRunner().invoke(app, ["run", "pipeline", "--day", "03/09/2021"])
    assert result.exit_code == 2
    assert "Ngày không hợp lệ" in result.output and "YYYY-MM-DD" in result.output


def test_bad_variable_is_a_clear_error():
    result = CliRunner().invoke(app, ["run", "pipeline", "--var", "base_url"])
    assert result.exit_code == 2 and "--var base_url=" in result.output


@pytest.mark.usefixtures("prefect_harness")
def test_report_for_an_empty_day_is_written_and_says_so(es_settings):
    from datetime import date

    from flows.report import daily_report

    result = daily_report(day=date(2021, 9, 3), settings=es_settings, pdf=False, email=False, retries=0)
    assert result.empty and result.items_today == 0
    assert result.folder == es_settings.report_root / "2021-09-03"
    assert "Không có gì để báo cáo hôm nay" in result.html.read_text(encoding="utf-8")
    assert "Không có gì để báo cáo hôm nay" in result.markdown.read_text(encoding="utf-8")
    assert json.loads((result.folder / "data.json").read_text(encoding="utf-8"))["total_today"] == 0


@pytest.mark.usefixtures("prefect_harness")
def test_report_with_elasticsearch_down_fails_clearly(es_settings):
    import socket
    from datetime import date

    from flows.report import daily_report
    from index.client import ElasticsearchUnavailable

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    down = es_settings.model_copy(update={"es_url": f"http://127.0.0.1:{port}"})
    with pytest.raises(ElasticsearchUnavailable, match=r"127\.0\.0\.1"):
        daily_report(day=date(2021, 9, 3), settings=down, pdf=False, email=False, retries=1, retry_delay_seconds=0)
    assert not (down.report_root / "2021-09-03" / "report.html").exists()
