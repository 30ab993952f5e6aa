"""The desk speaks the reviewer's words (real node, real app through its test client): sources by
their registry name, clusters by their earliest post, and a notice for each filter value it ignored."""

from __future__ import annotations

import html
import logging
import os
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from flows.review.app import create_app
from tests.flows.review.test_review_web import browser, clock, loaded, login, users  # noqa: F401 (fixtures)
from tinradar.settings import Settings

#: A registry written like the real one; its URLs hold a placeholder, as the demo's fixture registry
#: does (the names must not need the URLs' values).
REGISTRY = """\
sources:
  - id: fb-page-a
    name: Trang tin Phố Núi
    kind: social
    discovery: forum
    start_urls: ["{base_url}/a/"]
  - id: fb-page-b
    name: Nhóm Chợ Sơn Dương
    kind: social
    discovery: forum
    start_urls: ["{base_url}/b/"]
  - id: forum-x
    name: Diễn đàn Xóm Núi
    kind: social
    discovery: forum
    start_urls: ["{base_url}/x/"]
"""


def _registry(tmp_path: Path, text: str = REGISTRY) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def named(es_settings: Settings, tmp_path: Path) -> Settings:
    return es_settings.model_copy(update={"sources_file": _registry(tmp_path)})


def _desk(settings: Settings, es_client, users, clock) -> TestClient:  # noqa: F811
    client = browser(create_app(settings, client=es_client, users=users, clock=clock))
    assert login(client, "lan").status_code == 303
    return client


def _row(page: str, doc_id: str) -> str:
    start = page.index(f'<tr data-id="{doc_id}">')
    return page[start : page.index("</tr>", start)]


def _options(page: str, select_id: str) -> list[tuple[str, str]]:
    """(value, text) of each option of one of the queue's menus, unescaped."""
    block = page[page.index(f'id="{select_id}"') :]
    block = block[: block.index("</select>")]
    return [
        (html.unescape(value), html.unescape(text).strip())
        for value, text in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', block)
    ]


def test_sources_are_shown_by_name(named, es_client, users, clock, loaded):  # noqa: F811
    client = _desk(named, es_client, users, clock)
    page = client.get("/").text
    row = _row(page, loaded["hi1"])
    assert '<span title="fb-page-a">Trang tin Phố Núi</span>' in row
    # the menu offers names; its values stay the ids the URLs carry
    sources = dict(_options(page, "f-source"))
    assert sources["fb-page-a"].startswith("Trang tin Phố Núi (")
    assert sources["fb-page-b"].startswith("Nhóm Chợ Sơn Dương (")
    assert sources["forum-x"] == "Diễn đàn Xóm Núi (1)"
    # a source the registry does not know (an import, a removed source) keeps its id
    assert sources["fb-page-c"] == "fb-page-c (1)"
    assert '<span title="fb-page-c">fb-page-c</span>' in _row(page, loaded["xss"])
    filtered = client.get("/?source=fb-page-b").text
    assert ("fb-page-b", "Nhóm Chợ Sơn Dương (2)") in _options(filtered, "f-source")
    assert 'value="fb-page-b" selected' in filtered
    item = client.get(f"/item/{loaded['hi1']}").text
    assert 'Nguồn: <strong title="fb-page-a">Trang tin Phố Núi</strong>' in item
    # … and so does the table of the other posts in its cluster (hi3 came from page b)
    assert '<td title="fb-page-b">Nhóm Chợ Sơn Dương</td>' in item


def test_a_source_renamed_in_the_registry_shows_on_the_next_page(named, es_client, users, clock, loaded):  # noqa: F811
    # read once per version of the file (tests/flows/test_source_names.py: not re-read per page)
    client = _desk(named, es_client, users, clock)
    assert "Trang tin Phố Núi" in client.get("/").text
    named.sources_file.write_text(REGISTRY.replace("Trang tin Phố Núi", "Tên mới"), encoding="utf-8")
    stat = named.sources_file.stat()  # a new version even where the clock's step is coarse
    os.utime(named.sources_file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    again = client.get("/").text
    assert "Tên mới" in again and "Trang tin Phố Núi" not in again


@pytest.mark.parametrize("broken", ["sources: [oops", None], ids=["not-yaml", "missing"])
def test_an_unreadable_registry_shows_ids_and_is_logged_once(
    broken,
    es_settings,
    es_client,
    users,  # noqa: F811
    clock,  # noqa: F811
    loaded,  # noqa: F811
    tmp_path,
    caplog,
):
    path = _registry(tmp_path, broken) if broken is not None else tmp_path / "no-such.yaml"
    settings = es_settings.model_copy(update={"sources_file": path})
    client = _desk(settings, es_client, users, clock)
    with caplog.at_level(logging.WARNING, logger="tinradar.sources"):
        pages = [client.get("/"), client.get("/"), client.get(f"/item/{loaded['hi1']}")]
    assert [p.status_code for p in pages] == [200, 200, 200]
    assert '<span title="fb-page-a">fb-page-a</span>' in _row(pages[0].text, loaded["hi1"])
    assert ("fb-page-a", "fb-page-a (2)") in _options(pages[1].text, "f-source")
    assert 'Nguồn: <strong title="fb-page-a">fb-page-a</strong>' in pages[2].text
    warnings = [r for r in caplog.records if r.name == "tinradar.sources"]
    assert len(warnings) == 1 and str(path) in warnings[0].getMessage()


def test_clusters_are_named_by_their_earliest_post(named, es_client, users, clock, loaded):  # noqa: F811
    client = _desk(named, es_client, users, clock)
    # c-heli: hi1 (the earliest, 1 h), hi2, hi3, all flagged
    assert _options(client.get("/").text, "f-cluster") == [
        ("", "Tất cả"),
        ("c-heli", "«Trực thăng phun thuốc khử trùng tối nay» (3 bài)"),
    ]
    chosen = client.get("/?cluster=c-heli").text
    assert 'value="c-heli" selected>«Trực thăng phun thuốc khử trùng tối nay» (3 bài)<' in chosen
    # a cluster the menu does not list (typed, or from an old link) is still named by what it holds…
    assert ("c-none", "Cụm c-none") in _options(client.get("/?cluster=c-none").text, "f-cluster")


def test_a_proposal_links_to_its_cluster_by_name(named, es_client, users, clock, loaded):  # noqa: F811
    from index.claims import ClaimStatus, add_claim
    from tinradar.schema import Claim

    proposal = Claim(
        id="heli-spray",
        claim="Trực thăng phun thuốc diệt virus trong đêm.",
        category="cure",
        correction="Không có đợt phun thuốc nào.",
        debunked_by=["UBND huyện"],
    )
    add_claim(es_client, named, proposal, by="lan", origin="desk", status=ClaimStatus.PROPOSED, proposed_from="c-heli")
    page = _desk(named, es_client, users, clock).get("/claims").text
    link = 'href="/?cluster=c-heli&status=all" title="c-heli">cụm «Trực thăng phun thuốc khử trùng tối nay»</a>'
    assert link in html.unescape(page)


def test_a_proposal_from_one_item_links_to_that_item_by_its_title(named, es_client, users, clock, loaded):  # noqa: F811
    """Item ids are hashes like cluster ids (no ``doc-`` prefix outside tests): a proposal made from
    one post linked to an empty queue filtered on ``cluster=<the post's id>``."""
    from index.claims import ClaimStatus, add_claim
    from tinradar.schema import Claim

    proposal = Claim(
        id="lockdown-soon",
        claim="Sắp phong tỏa toàn huyện.",
        category="policy",
        correction="Không có quyết định phong tỏa.",
        debunked_by=["UBND huyện"],
    )
    post = loaded["mid2"]  # a hash, as every crawled item's id
    add_claim(es_client, named, proposal, by="lan", origin="desk", status=ClaimStatus.PROPOSED, proposed_from=post)
    page = html.unescape(_desk(named, es_client, users, clock).get("/claims").text)
    assert f'href="/item/{post}" title="{post}">bài «Nghe nói sắp phong tỏa»</a>' in page
    assert f"cluster={post}" not in page


def test_a_long_opening_is_cut(named, es_client, users, clock, loaded):  # noqa: F811
    from flows.review.clusters import LABEL_CHARS, cluster_label, cluster_openings

    openings = cluster_openings(es_client, named, ["c-heli", "c-none", ""], limit=12)
    assert openings == {"c-heli": "Trực thăng…"}
    assert cluster_label("c-heli", openings, 3) == "«Trực thăng…» (3 bài)"
    assert cluster_label("0123456789abcdef0123", {}) == "Cụm 0123456789abc…"
    assert LABEL_CHARS >= 40


BAD = {
    "day=2021-13-40": 'Bỏ qua bộ lọc ngày "2021-13-40": ngày không hợp lệ (cần dạng năm-tháng-ngày).',
    "status=bogus": 'Bỏ qua bộ lọc trạng thái "bogus": không có trạng thái này.',
    "mode=fastest": 'Bỏ qua cách sắp xếp "fastest": không có cách sắp xếp này.',
    "unlisted=yes": 'Bỏ qua bộ lọc «Chưa có trong danh mục» "yes": chỉ nhận giá trị 1.',
    "page=two": 'Bỏ qua số trang "two": không phải một số, hiển thị trang 1.',
}


def _notices(page: str) -> list[str]:
    if 'id="filter-notices"' not in page:
        return []
    block = page[page.index('id="filter-notices"') :]
    block = block[: block.index("</div>")]
    return [html.unescape(n) for n in re.findall(r"<p>([^<]*)</p>", block)]


def _count(page: str) -> int:
    found = re.search(r'<p class="count" id="queue-count">(\d+) bài', page)
    assert found, "no count on the queue page"
    return int(found.group(1))


@pytest.mark.parametrize("query", list(BAD))
def test_an_ignored_filter_value_is_named(query, named, es_client, users, clock, loaded):  # noqa: F811
    client = _desk(named, es_client, users, clock)
    page = client.get(f"/?{query}")
    assert page.status_code == 200
    assert _notices(page.text) == [BAD[query]]
    # still ignored: the queue is the unfiltered one
    assert _count(page.text) == _count(client.get("/").text) == 6


def test_a_page_past_what_elasticsearch_serves_is_the_deepest_one(named, es_client, users, clock, loaded):  # noqa: F811
    """``?page=1000`` (25 a page) asks for hits past Elasticsearch's 10,000: it was a 502 "Lỗi dữ liệu"."""
    page = _desk(named, es_client, users, clock).get("/?page=1000")
    assert page.status_code == 200
    assert _notices(page.text) == [
        'Bỏ qua số trang "1000": chỉ xem được tới trang 400, hiển thị trang 400; '
        "hãy lọc hẹp hơn (theo ngày, nguồn, địa bàn) để xem các bài sau."
    ]


def test_every_ignored_value_is_named_and_good_ones_are_kept(named, es_client, users, clock, loaded):  # noqa: F811
    client = _desk(named, es_client, users, clock)
    page = client.get("/?" + "&".join(BAD) + "&source=fb-page-b").text
    assert sorted(_notices(page)) == sorted(BAD.values())
    assert _count(page) == 2
    for good in ("/", "/?day=2021-08-20&status=all&mode=uncertain&unlisted=1&page=1", "/?page=", "/?day="):
        assert _notices(client.get(good).text) == [], good


def test_an_ignored_value_is_escaped(named, es_client, users, clock, loaded):  # noqa: F811
    client = _desk(named, es_client, users, clock)
    attack = "<script>alert(1)</script>"
    page = client.get("/", params={"day": attack, "status": '"><img src=x onerror=alert(2)>'})
    assert page.status_code == 200
    assert "<script>alert(1)" not in page.text and "<img src=x" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert _notices(page.text) == [
        f'Bỏ qua bộ lọc ngày "{attack}": ngày không hợp lệ (cần dạng năm-tháng-ngày).',
        'Bỏ qua bộ lọc trạng thái ""><img src=x onerror=alert(2)>": không có trạng thái này.',
    ]
