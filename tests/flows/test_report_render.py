"""The report's files: self-contained Vietnamese HTML, Markdown, PDF when Chromium exists, e-mail."""

from __future__ import annotations

import email
import re
from datetime import date, datetime, timedelta
from email import policy

import pytest

from flows.report.data import (
    ClaimLife,
    ClaimRef,
    ClaimSeen,
    CueQuote,
    Headline,
    PlaceRow,
    ReportData,
    ReportItem,
    ResponseTimes,
    Spike,
)
from flows.report.mail import build_message, send_report
from flows.report.render import chart_uris, find_chromium, render_html, render_markdown, write_report
from flows.summary import SourceRun, SourceStatus
from tests.flows.smtp_sink import smtp_sink
from tinradar.settings import Settings

DAY = date(2021, 9, 3)


def sample(empty: bool = False) -> ReportData:
    days = [(DAY - timedelta(days=6 - i)).isoformat() for i in range(7)]
    data = ReportData(
        day=DAY,
        generated_at=datetime(2021, 9, 4, 7, 0).astimezone(),
        timezone="Asia/Ho_Chi_Minh",
        days=days,
        volume_by_source_day={"forum": {d: 2 for d in days}},
        sentiment_by_day={"neg": {d: 1 for d in days}, "neu": {d: 2 for d in days}, "pos": {d: 0 for d in days}},
        crawl_status=[
            SourceRun(source_id="tinnhanh", status=SourceStatus.OK, items=12),
            SourceRun(source_id="hong", status=SourceStatus.DOWN, error="SourceDown: connection refused"),
        ],
    )
    if empty:
        return data
    data.total_today = 14
    data.headlines = [
        Headline(label="Tổng số tin, bài thu thập", today=14, yesterday=10, higher_is_bad=None),
        Headline(label="Nguy cơ tin đồn cao", today=4, yesterday=1),
    ]
    data.risk_today = {"high": 4, "medium": 3, "low": 7}
    data.by_source_today = {"forum": 9, "tinnhanh": 5}
    data.top_items = [
        ReportItem(
            id="a" * 16,
            title="KHẨN: Sơn Dương phong tỏa toàn huyện từ 0h ngày mai",
            url="https://forum.example/t/1",
            source_id="forum",
            dated_at="2021-09-03T11:05:00+00:00",
            rumor_risk=0.91,
            risk_level="high",
            cues=["Kêu gọi chia sẻ gấp"],
            places=["Sơn Dương"],
            claims=[ClaimRef(claim_id="son-duong-total-lockdown-hoax", claim="Sơn Dương phong tỏa toàn huyện")],
        )
    ]
    data.claims_seen = [
        ClaimSeen(
            claim_id="son-duong-total-lockdown-hoax",
            claim="Sơn Dương phong tỏa toàn huyện",
            correction="UBND huyện đã cải chính: không phong tỏa.",
            debunked_by="UBND huyện Sơn Dương",
            today=5,
            window=5,
        )
    ]
    data.spikes = [
        Spike(
            kind="claim",
            key="son-duong-total-lockdown-hoax",
            label="Sơn Dương phong tỏa toàn huyện",
            today=5,
            baseline=0.0,
        )
    ]
    data.provinces = [PlaceRow(code="08", name="Tỉnh Tuyên Quang", today=9, window=20)]
    data.districts = [PlaceRow(code="076", name="Huyện Sơn Dương (Tỉnh Tuyên Quang)", today=7, window=12)]
    return data


def test_html_is_self_contained_and_vietnamese():
    html = render_html(sample())
    assert 'lang="vi"' in html
    assert "Báo cáo ngày Thứ Sáu, ngày 03/09/2021" in html
    # no external assets: every image is a data URI, no stylesheet or script is fetched
    assert re.findall(r'<img[^>]+src="(?!data:image/svg\+xml;base64,)', html) == []
    assert "<link" not in html and "<script" not in html
    assert len(re.findall(r'src="data:image/svg\+xml;base64,', html)) >= 3
    # the flagged item with its cue, the named claim and the correction
    assert "KHẨN: Sơn Dương phong tỏa toàn huyện" in html and "Kêu gọi chia sẻ gấp" in html
    assert "son-duong-total-lockdown-hoax" in html and "UBND huyện đã cải chính" in html
    # time in the board's zone (11:05 UTC = 18:05 in Viet Nam), district with its province
    assert "18:05 03/09" in html and "Huyện Sơn Dương (Tỉnh Tuyên Quang)" in html
    # a broken source is named at the top
    assert "Có 1 nguồn không thu thập được" in html and "hong" in html


def test_empty_report_says_so():
    data = sample(empty=True)
    assert data.empty
    html, md = render_html(data), render_markdown(data)
    assert "Không có gì để báo cáo hôm nay" in html
    assert "Không có gì để báo cáo hôm nay" in md


def test_markdown_summary_lists_items_and_claims():
    md = render_markdown(sample())
    assert md.startswith("# TinRadar — Báo cáo ngày Thứ Sáu, ngày 03/09/2021")
    assert "[KHẨN: Sơn Dương phong tỏa toàn huyện từ 0h ngày mai](https://forum.example/t/1)" in md
    assert "`son-duong-total-lockdown-hoax`" in md and "| Tỉnh Tuyên Quang | 9 | 20 |" in md


def test_write_report_files(tmp_path):
    files = write_report(sample(), tmp_path / "2021-09-03")
    assert files.html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert files.markdown.exists()
    if find_chromium():
        assert files.pdf is not None and files.pdf.read_bytes().startswith(b"%PDF")
    else:
        assert files.pdf is None and "Chromium" in files.pdf_note
        assert "Chromium" in files.html.read_text(encoding="utf-8")


def test_report_is_emailed_through_smtp(tmp_path):
    files = write_report(sample(), tmp_path / "r", pdf=False)
    with smtp_sink() as sink:
        settings = Settings(
            smtp_host=sink.host,
            smtp_port=sink.port,
            smtp_from="tinradar@bantuyengiao.vn",
            report_recipients=["a@example.vn", "b@example.vn"],
        )
        msg = build_message(settings, "TinRadar — báo cáo", files.markdown.read_text(), files.html.read_text(), None)
        send_report(settings, msg, timeout=10)
    assert len(sink.messages) == 1
    got = sink.messages[0]
    assert got.recipients == ["a@example.vn", "b@example.vn"]
    parsed = email.message_from_bytes(got.data, policy=policy.default)
    assert parsed["Subject"] == "TinRadar — báo cáo"
    html_part = parsed.get_body(preferencelist=("html",))
    assert "Sơn Dương phong tỏa toàn huyện" in html_part.get_content()


@pytest.mark.skipif(find_chromium() is None, reason="needs headless Chromium")
def test_pdf_has_pages(tmp_path):
    files = write_report(sample(), tmp_path / "r")
    assert files.pdf.stat().st_size > 10_000


def test_report_says_whether_an_item_repeats_or_refutes_its_claim():
    """A district correction that quotes the rumor is not listed as repeating it (#15, #21)."""
    from flows.report.data import _item
    from index.docmap import to_source
    from index.search import Hit
    from tests.index.items import make_item
    from tinradar.schema import ClaimMatch, Stance

    phrase = 'là "tin giả" <sai> & vô căn cứ'
    doc = to_source(make_item(3, f"Tin Sơn Dương phong tỏa toàn huyện {phrase}."))
    refuting = ClaimMatch(
        claim_id="son-duong-total-lockdown-hoax", similarity=0.7, stance=Stance.REFUTES, stance_phrase=phrase
    )
    old = ClaimMatch.model_validate({"claim_id": "old-claim", "similarity": 0.8})  # stored before stances
    hit = Hit(id="b" * 16, index="x", doc=doc.model_copy(update={"matched_claims": [refuting, old]}))
    refs = _item(hit, {}).claims
    assert [(r.stance, r.stance_phrase) for r in refs] == [("refutes", phrase), ("unknown", None)]

    data = sample()
    data.top_items[0].claims[0] = ClaimRef(claim_id="son-duong-total-lockdown-hoax", stance="repeats")
    data.top_items.append(data.top_items[0].model_copy(update={"id": "b" * 16, "claims": refs}))
    html = render_html(data)
    assert "⚠ Có vẻ lặp lại tin sai đã biết" in html and "✓ Có vẻ bác bỏ tin sai đã biết" in html
    assert "«là &#34;tin giả&#34; &lt;sai&gt; &amp; vô căn cứ»" in html and "<sai>" not in html
    assert "chưa rõ lặp lại hay bác bỏ" in html
    md = render_markdown(data)
    # no claim text in this registry ({}): the id stands in for it
    assert "tin sai đã biết: «son-duong-total-lockdown-hoax» (bài có vẻ bác bỏ tin này), «old-claim»" in md


def test_markdown_reasons_and_quotes_read_as_sentences():
    """Reasons joined by "; " lose their own full stops; a quote keeps the text's spacing."""
    data = sample()
    data.top_items[0].cues = [
        "trùng khớp tin đồn đã bị bác bỏ: Sơn Dương phong tỏa toàn huyện.",
        "cải chính (UBND huyện): không phong tỏa.",
        "nguồn tin truyền miệng: “Nghe nói”",
    ]
    data.top_items[0].quotes = [
        CueQuote(label="truyền miệng", before="…bảo là ", phrase="nghe nói", after=". Thật không?")
    ]
    md = render_markdown(data)
    assert (
        "Lý do: trùng khớp tin đồn đã bị bác bỏ: Sơn Dương phong tỏa toàn huyện; cải chính (UBND huyện): "
        "không phong tỏa; nguồn tin truyền miệng: “Nghe nói”." in md
    )
    assert "truyền miệng: …bảo là **nghe nói**. Thật không?" in md
    assert ".;" not in md


def _plain(html: str) -> str:
    """The text a reader sees: tags dropped, entities decoded, whitespace folded."""
    import html as html_lib

    text = " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", html)).split())
    return re.sub(r" ([.,;:])", r"\1", text)


def test_reader_sees_claims_months_and_missing_delays_in_words():
    """A board member reads the claim's text (not its id), a month as 09/2021, the time zone as
    "giờ Việt Nam", and what a missing delay means instead of a bare "—"."""
    data = sample()
    data.response = ResponseTimes(month="2021-09", claims_this_month=1, median_to_flag="0 phút")
    data.claim_life = ClaimLife(
        claim_id="son-duong-total-lockdown-hoax",
        claim="Sơn Dương phong tỏa toàn huyện",
        per_day={DAY.isoformat(): 5},
        to_flag="0 phút",
    )
    md = render_markdown(data)
    assert "(giờ Việt Nam)" in md and "Asia/Ho_Chi_Minh" not in md
    assert "— tin sai đã biết: «Sơn Dương phong tỏa toàn huyện»" in md
    assert "Tháng 09/2021: 1 tin đồn xuất hiện" in md
    assert "đến khi cải chính: chưa có cải chính nào được ghi nhận." in md
    assert "Vòng đời tin đồn «Sơn Dương phong tỏa toàn huyện»: gắn cờ sau 0 phút, chưa có cải chính." in md
    assert "Vòng đời `" not in md and ": —" not in md and "sau —" not in md
    text = _plain(render_html(data))
    assert "Số liệu tính theo ngày đăng tin, giờ Việt Nam ·" in text and "Asia/Ho_Chi_Minh" not in text
    assert "Tháng 09/2021: 1 tin đồn xuất hiện" in text
    assert "đến khi Ban đăng cải chính: chưa có cải chính nào được ghi nhận." in text
    assert "Sơn Dương phong tỏa toàn huyện — gắn cờ sau 0 phút, chưa có cải chính." in text
    assert "sau —" not in text and ": —" not in text
    # the chart is titled with the claim's words, not its id
    import base64

    svg = base64.b64decode(chart_uris(data)["claim_life"].split(",", 1)[1]).decode()
    assert "son-duong-total-lockdown-hoax" not in svg


def test_crawl_skips_are_named_in_vietnamese():
    """The crawl table said "broken_feed: 1, off_topic: 3, http_404: 1": codes, English."""
    data = sample()
    data.crawl_status[0].skipped = {"broken_feed": 1, "off_topic": 3, "http_404": 1, "error_KeyError": 2, "new_code": 1}
    text = _plain(render_html(data))
    assert (
        "nguồn RSS hỏng: 1, không liên quan COVID-19: 3, lỗi HTTP 404: 1, lỗi bất ngờ (KeyError): 2, new_code: 1"
        in text
    )
    assert "broken_feed" not in text and "off_topic" not in text


def test_numbers_and_days_are_written_the_vietnamese_way():
    """'trung bình 0.0/ngày' and '| 2021-08-28 |' read as English; a '5.1' section number
    overflowed its round badge (fixed width)."""
    data = sample()
    data.spikes[0].baseline = 1.5
    md = render_markdown(data)
    assert "5 hôm nay, trung bình 1,5/ngày trước đó" in md and "1.5" not in md
    assert "| 28/08 | 1 | 2 | 0 |" in md and "| 2021-08-28 |" not in md
    html = render_html(data)
    assert '<td class="n">1,5</td>' in html
    badge = re.search(r"h2 \.num \{[^}]*\}", html)
    assert badge and "min-width: 26px" in badge.group(0) and " width: 26px" not in badge.group(0)


def test_crawl_errors_read_without_python_names():
    """'SourceDown: …' and 'KeyError: …' are a program's words, not the board's."""
    data = sample()
    data.crawl_status[1].error = "SourceDown: nguồn hong không trả về mục nào / no items (timeout: 3)"
    data.crawl_status.append(SourceRun(source_id="vo", status=SourceStatus.FAILED, error="KeyError: 'title'"))
    md = render_markdown(data)
    assert "- hong: Không truy cập được, 0 tin, bài — nguồn hong không trả về mục nào\n" in md
    assert "SourceDown" not in md and "no items" not in md
    assert "- vo: Lỗi, 0 tin, bài — lỗi chương trình (chi tiết cho bộ phận kỹ thuật: KeyError: 'title')" in md
    text = _plain(render_html(data))
    assert "nguồn hong không trả về mục nào" in text and "SourceDown" not in text


def test_each_item_says_how_its_score_was_made():
    """An item's score steps (``Analysis.score_steps``) reach the report in words, after its reasons,
    in both files; an item stored before the steps existed shows no such line. The percent is the
    badge's ("62%" beside "62%"), so the reader compares like with like."""
    from flows.report.data import _item
    from index.docmap import to_source
    from index.search import Hit
    from tests.index.items import SAMPLE_STEPS, make_item

    scored = make_item(7, "Tin khẩn: uống nước chanh nóng diệt được virus, chia sẻ ngay!", risk=0.62, kind="social")
    scored.analysis.score_steps = list(SAMPLE_STEPS)
    item = _item(Hit(id=scored.document.id, index="docs", doc=to_source(scored)), {})
    assert item.steps == [s.message for s in scored.analysis.score_steps]
    older = _item(Hit(id="b", index="docs", doc=to_source(make_item(8, risk=0.62))), {})
    assert older.steps == []

    data = sample()
    data.top_items = [item, older]
    wanted = (
        "Cách tính điểm: Mô hình văn bản (từ ngữ và đặc điểm bài): 25%; "
        "Đọc theo nghĩa (bộ mã hóa e5): giống các bài không đáng tin → 62%."
    )
    html = _plain(render_html(data))
    assert wanted in html and html.count("Cách tính điểm") == 1
    assert "62%" in html.split("Cách tính điểm")[0]  # the badge writes the risk as the last step does
    md = render_markdown(data)
    assert "   - " + wanted in md and md.count("Cách tính điểm") == 1
