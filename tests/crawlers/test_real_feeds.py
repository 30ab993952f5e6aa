"""Discovery on real feeds and sitemaps (held out): RSS from VnExpress (2017, 2019, 2025),
24h and Zing News, what znews.vn served at a feed URL (a 404 page), and a Vietnamese site's
Google News sitemap, sitemap index and plain urlset. Expected values were written by
reading each file and committed before ``crawlers.discovery`` first ran on them (the
manifest's own commit); the files, where they came from and their quirks are in
``tests/crawlers/real_feeds/manifest.jsonl``.

Every file must come out fully right: the number of article links, the first and last
link (joined with the URL the file was served at, as the spider does), the instant and
offset of the first and last item, and a sitemap index's children.
"""

import re

import pytest

from tests.crawlers.real_feeds import HERE, Score, load_files, markdown_table, score_file

FILES = load_files()


@pytest.fixture(scope="module")
def scores() -> list[Score]:
    return [score_file(entry) for entry in FILES]


def test_every_real_feed_and_sitemap_reads_right(scores: list[Score]) -> None:
    print("\n" + markdown_table(scores))
    assert len(scores) >= 14 and {s.entry["kind"] for s in scores} == {"feed", "sitemap"}
    wrong = {s.entry["file"]: [c for c, ok in s.results.items() if not ok] for s in scores if not s.right}
    assert not wrong, wrong
    assert not [s.entry["file"] for s in scores if s.error], "a real file made the reader fail"


def test_month_first_feed_dates_are_read_month_first(scores: list[Score]) -> None:
    """Zing News printed '2/18/2017 11:21:09 PM' (no offset, US order): every item gets its
    date, in the board's zone, not only the first and last the manifest names."""
    zing = next(s for s in scores if s.entry["outlet"] == "zing")
    assert len(zing.links) == 20 and all(link.published is not None for link in zing.links)
    assert all(link.published.strftime("%Y-%m-%d %z") == "2017-02-18 +0700" for link in zing.links if link.published)


def test_recorded_files_say_where_they_came_from() -> None:
    for entry in FILES:
        assert re.fullmatch(r"[0-9a-f]{40}", entry["commit"]) and entry["repo"].count("/") == 1
        assert entry["path"] and entry["url"].startswith(("http://", "https://"))
        assert (HERE / entry["file"]).is_file() and entry["file"].endswith(".gz")
        assert entry["kind"] in ("feed", "sitemap")
