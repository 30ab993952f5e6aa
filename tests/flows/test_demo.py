"""``tinradar demo``'s engine: fixture site → pipeline → report, twice, with the same totals."""

from __future__ import annotations

import socket

import pytest

pytestmark = [pytest.mark.usefixtures("prefect_harness"), pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_demo_runs_twice_with_the_same_results(es_settings):
    from flows.demo import DEMO_DAY, run_demo

    port = _free_port()
    first = run_demo(es_settings, pdf=False, site_port=port)
    assert not first.started_node  # the configured (test) node answered: no second node
    assert first.report.day == DEMO_DAY and first.report.html.exists() and not first.report.empty
    assert first.totals.documents == first.summary.counts.indexed_new > 0
    assert "son-duong-total-lockdown-hoax" in first.totals.claims

    second = run_demo(es_settings, pdf=False, site_port=port)
    assert second.totals == first.totals
    assert second.summary.counts.indexed_new == 0
