"""``tinradar demo``: the whole product on one machine, in one command.

Starts the local Elasticsearch node (unless one already answers), serves the fixture
site on 127.0.0.1, runs ``daily_pipeline`` and ``daily_report`` over it, and prints the
counts, where the report is and three searches to try. Running it again gives the same
numbers: ids are stable and the crawl is incremental, so nothing is duplicated.

The fixture site (``fixtures/site/content.yaml``) is dated 15 Aug – 6 Sep 2021; the
Sơn Dương lockdown hoax spreads on 3 Sep 2021, so that is the demo's report day and the
look-back reaches back to the first fixture item.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field, SecretStr

from tinradar.settings import REPO_ROOT, Settings

if TYPE_CHECKING:
    from flows.report import ReportResult
    from flows.summary import RunSummary

DEMO_DAY = date(2021, 9, 3)
#: From the demo day back to the fixture's first item (2021-08-15), so every chart has data.
DEMO_LOOKBACK_DAYS = 20
FIXTURE_REGISTRY = REPO_ROOT / "fixtures" / "site" / "sources.yaml"
#: The fixture site's port is part of every URL, hence of every document id: a fixed
#: port is what makes a second demo find the same documents instead of new copies.
DEMO_SITE_PORT = 8377

EXAMPLE_SEARCHES = [
    (
        'tinradar search "phong toa son duong" --since 2021-09-01',
        "tin đồn phong tỏa Sơn Dương (gõ không dấu vẫn tìm được)",
    ),
    (
        "tinradar search --claim vaccine-infertility --format json",
        "mọi bài nhắc tới tin sai 'vắc xin gây vô sinh' (cả bài cải chính), dạng JSON",
    ),
    ("tinradar search --risk-min high --since 2021-08-15 --stats", "tin có nguy cơ cao và thống kê theo ngày, nguồn"),
]

#: What to do next on the demo's data, printed after the searches. The desk and a report run later
#: read the source registry from the settings, and the demo's sources are the fixture site's: without
#: ``TINRADAR_SOURCES_FILE`` pointing at it they show ids ("forum-phonui"), not the names the demo's
#: own report showed (found in a reviewer's walkthrough, 2026-12-06).
NEXT_STEPS = [
    ("tinradar users add lan --role reviewer", "tạo tài khoản người duyệt (nhập mật khẩu) / a reviewer's account"),
    (
        f"TINRADAR_SOURCES_FILE={FIXTURE_REGISTRY} tinradar review serve --dev",
        "bàn duyệt tin / the review desk: http://127.0.0.1:8800 (tên nguồn của trang tin mẫu / the demo's source names)",
    ),
    (
        f"TINRADAR_SOURCES_FILE={FIXTURE_REGISTRY} TINRADAR_REVIEW_URL=http://127.0.0.1:8800"
        f" tinradar run report --day {DEMO_DAY.isoformat()}",
        "báo cáo ngày, chạy lại, có liên kết tới bàn duyệt / the daily report again, linking each item to the desk",
    ),
]


class IndexTotals(BaseModel):
    """What the index holds after the demo (the numbers that must not change on a rerun)."""

    documents: int
    by_source: dict[str, int]
    by_risk_level: dict[str, int]
    claims: dict[str, int]
    day_total: int
    claim_texts: dict[str, str] = Field(default_factory=dict, description="The registry's text of each claim counted")

    def claims_line(self) -> str:
        """The claims counted, by name and number of items: "«text» (id): 3; …" (``flows.claims.claim_name``)."""
        from flows.claims import claim_name

        return "; ".join(f"{claim_name(cid, self.claim_texts.get(cid))}: {n}" for cid, n in self.claims.items())


@dataclass
class DemoResult:
    es_url: str
    started_node: bool
    summary: RunSummary
    report: ReportResult
    totals: IndexTotals
    seconds: dict[str, float] = field(default_factory=dict)


def demo_settings(settings: Settings) -> Settings:
    """The demo's own throwaway author salt, drawn per run and kept nowhere, and its registry.

    Social sources are refused with the public default salt (``tinradar.ids.UnsafeSalt``);
    the demo's forum is fictional, and nobody needs to link its pseudonyms across runs.
    The fixture registry is the settings' ``sources_file`` so that the report names the
    demo's sources ("Tin Nhanh – Sức khỏe", not ``tinnhanh-suc-khoe``): names come from
    ``settings.sources_file`` (``flows.source_names``), not from the pipeline's argument.
    """
    update = {"author_salt": SecretStr("demo-" + secrets.token_urlsafe(32)), "sources_file": FIXTURE_REGISTRY}
    return settings.model_copy(update=update)


def ensure_elasticsearch(settings: Settings) -> tuple[Settings, bool]:
    """Use the configured cluster if it answers, else start the local node; (settings, started)."""
    from index.client import ElasticsearchUnavailable, connect

    try:
        connect(settings).close()
        return settings, False
    except ElasticsearchUnavailable:
        pass
    from index.node import LocalNode

    status = LocalNode(settings).start()
    return settings.model_copy(update={"es_url": status.url}), True


def index_totals(settings: Settings, day: date) -> IndexTotals:
    """What the index holds after the demo, with the texts of the claims it counts (the registry's,
    retired ones too; the shipped YAML's when there is no registry index)."""
    from flows.claims import shipped_claims
    from index.claims import all_claims
    from index.client import connect
    from index.search import SearchQuery, stats

    client = connect(settings)
    try:
        every = stats(client, settings, SearchQuery(limit=0))
        today = stats(client, settings, SearchQuery(since=day, until=day, limit=0))
        texts = {r.id: r.claim.claim for r in all_claims(client, settings)}
    finally:
        client.close()
    if not texts:
        texts = {c.id: c.claim for c in shipped_claims(settings)}
    claims = dict(every.by_claim)
    return IndexTotals(
        documents=every.total,
        by_source=dict(every.by_source),
        by_risk_level=dict(every.by_risk_level),
        claims=claims,
        day_total=today.total,
        claim_texts={cid: texts[cid] for cid in claims if cid in texts},
    )


def run_demo(
    settings: Settings,
    *,
    day: date = DEMO_DAY,
    lookback_days: int = DEMO_LOOKBACK_DAYS,
    pdf: bool = True,
    site_port: int = DEMO_SITE_PORT,
) -> DemoResult:
    """Run the demo end to end (Prefect must already be configured: ``configure_prefect``)."""
    from fixture_site.server import serve_fixture_site
    from flows.pipeline import daily_pipeline
    from flows.report import daily_report

    seconds: dict[str, float] = {}
    t0 = time.monotonic()
    settings, started = ensure_elasticsearch(demo_settings(settings))
    seconds["elasticsearch"] = time.monotonic() - t0
    t0 = time.monotonic()
    with serve_fixture_site(port=site_port) as base_url:
        summary = daily_pipeline(
            day=day,
            lookback_days=lookback_days,
            sources_file=FIXTURE_REGISTRY,
            variables={"base_url": base_url},
            settings=settings,
            retries=1,
            retry_delay_seconds=2.0,
        )
    seconds["pipeline"] = time.monotonic() - t0
    t0 = time.monotonic()
    report = daily_report(day=day, settings=settings, pdf=pdf, email=False, retries=1, retry_delay_seconds=2.0)
    seconds["report"] = time.monotonic() - t0
    return DemoResult(
        es_url=settings.es_url,
        started_node=started,
        summary=summary,
        report=report,
        totals=index_totals(settings, day),
        seconds=seconds,
    )
