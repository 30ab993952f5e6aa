"""The rules that keep captions, credits, bylines, sources and boxes out of the text,
and find the publication time, on small pages written to isolate each rule (the real
pages that motivated them are in test_real_pages.py)."""

from __future__ import annotations

from datetime import datetime

import lxml.html

from crawlers.body import Hints, split_tail, writer_credit
from crawlers.body import credit as one_credit
from crawlers.extract import extract_article, within_article
from tinradar.settings import VN_TZ

P1 = "Sáng 3/9, Ủy ban nhân dân huyện Sơn Dương họp khẩn để rà soát kế hoạch tiêm vắc xin cho người dân trên địa bàn."
P2 = "Huyện yêu cầu các xã, thị trấn lập danh sách người trên 65 tuổi và gửi về Trung tâm Y tế trước ngày 5/9."
P3 = "Trung tâm Y tế huyện bố trí thêm ba điểm tiêm lưu động tại các xã vùng sâu, vùng xa của huyện."


def page(body: str, head: str = "", h1: str = "Sơn Dương đẩy nhanh tiêm vắc xin COVID-19") -> str:
    return f"<html><head><title>{h1} - Báo X</title>{head}</head><body><h1>{h1}</h1>{body}</body></html>"


def test_captions_leave_the_text_and_are_kept() -> None:
    html = page(
        f"<div class='content'><p>{P1}</p>"
        "<figure><img src='a.jpg'><figcaption>Điểm tiêm tại xã Hợp Thành. Ảnh: Minh An</figcaption></figure>"
        f"<p>{P2}</p>"
        "<p style='text-align:center'><img src='b.jpg' alt='Người dân chờ tiêm vắc xin'></p>"
        "<p style='text-align:center'><em>Người dân xếp hàng chờ đến lượt tiêm.</em></p>"
        "<div align='center'><img src='c.jpg' alt='Cán bộ y tế kiểm tra sức khỏe trước khi tiêm'></div>"
        "<div align='center'>Cán bộ y tế kiểm tra sức khỏe trước khi tiêm</div>"
        f"<p>{P3}</p></div>"
    )
    e = extract_article(html, "https://x.vn/a.html", tz=VN_TZ)
    for caption in ("Ảnh: Minh An", "xếp hàng chờ", "Cán bộ y tế kiểm tra"):
        assert caption not in e.text
    assert any("Ảnh: Minh An" in c for c in e.captions) and len(e.captions) == 3
    assert e.text.endswith(P3)


def test_text_beside_a_photo_or_centered_plainly_is_not_a_caption() -> None:
    """A recipe's steps sit in a table cell beside each photo, and a plain centered line
    after a photo is text: only a row under the photo, or styled text, is a caption."""
    html = page(
        f"<div><p>{P1}</p>"
        "<table><tr><td><img src='1.jpg'></td><td><p>Bước 1: Trộn bột và trứng gà với nhau cho đều tay.</p></td></tr></table>"
        f"<p>{P2}</p><p align='center'><img src='2.jpg'></p><p align='center'>Chúc các bạn thành công nhé.</p></div>"
    )
    e = extract_article(html, "https://x.vn/b.html", tz=VN_TZ)
    assert "Bước 1: Trộn bột" in e.text and e.text.endswith("Chúc các bạn thành công nhé.") and not e.captions


def test_photo_story_keeps_its_captions_as_text() -> None:
    captions = [
        f"Ảnh {i}: người dân xã {name} đến điểm tiêm vắc xin từ sáng sớm, xếp hàng giữ khoảng cách."
        for i, name in enumerate(["Hợp Thành", "Kháng Nhật", "Phúc Ứng", "Tuân Lộ"], 1)
    ]
    figures = "".join(
        f"<figure><img src='{i}.jpg'><figcaption>{c}</figcaption></figure>" for i, c in enumerate(captions)
    )
    e = extract_article(page(f"<div class='content'>{figures}</div>"), "https://x.vn/c.html", tz=VN_TZ)
    assert all(c in e.text for c in captions[1:]) and not e.captions


def test_byline_source_and_boxes_leave_the_text() -> None:
    html = page(
        f"<div class='content'><p>{P1}</p><p>Theo kế hoạch, đợt tiêm kéo dài đến hết tháng 9, ưu tiên người cao tuổi.</p>"
        f"<p>{P2}</p><p>{P3}</p><p class='pAuthor'>Nhóm PV</p><p class='pSource'>Theo Infonet</p>"
        "<div class='box-tin-lien-quan'><a href='/1'>Tuyên Quang tiêm hơn 100.000 liều vắc xin trong tháng 8</a>"
        "<a href='/2'>Sơn Dương lập thêm chốt kiểm soát dịch ở cửa ngõ huyện</a></div>"
        "<div class='tags'>Từ khóa: <a href='/t/1'>vắc xin</a>, <a href='/t/2'>Sơn Dương</a></div></div>"
    )
    e = extract_article(html, "https://x.vn/d.html", tz=VN_TZ)
    assert e.text.endswith(P3) and "Theo kế hoạch, đợt tiêm" in e.text
    assert e.byline == "Nhóm PV" and e.via == "Infonet"
    assert "Tuyên Quang tiêm hơn" not in e.text and "Từ khóa" not in e.text


def test_split_tail_reads_the_signature_not_the_sentences() -> None:
    lines = [
        P1,
        P2,
        "Theo HLV Ten Hag, Sancho đang gặp khó khăn cả về tinh thần lẫn thể chất.",
        "K. Miên",
        "Theo Minh Nguyễn/Vcamp.vn",
        "Forbes",
        "- Google không muốn đấu với Amazon (21/12)",
        "Bài viết khác",
    ]
    tail = split_tail(lines, Hints())
    assert (
        tail.lines == lines[:3] and tail.author == "K. Miên" and tail.via == "Minh Nguyễn/Vcamp.vn / Forbes"
    )  # a byline of its own: the credit stays whole
    sub_heading = split_tail([P1, "Đồng USD duy trì đà tăng"], Hints())
    assert sub_heading.lines == [P1, "Đồng USD duy trì đà tăng"] and sub_heading.author is None


def test_a_republished_storys_writer_is_its_author_and_the_outlet_its_source() -> None:
    """ "Theo Thanh Xuân" + "VnEconomy" (or "Theo Minh Nguyễn/Vcamp.vn"): writer, then outlet;
    a lone outlet ("Theo Tuổi Trẻ") or a domain stays a source."""
    two_lines = split_tail([P1, P2, "Theo Thanh Xuân", "VnEconomy"], Hints())
    assert two_lines.lines == [P1, P2] and two_lines.author == "Thanh Xuân" and two_lines.via == "VnEconomy"
    one_line = split_tail([P1, "Theo Minh Nguyễn/Vcamp.vn", "Forbes"], Hints())
    assert one_line.author == "Minh Nguyễn" and one_line.via == "Vcamp.vn / Forbes"
    for credit in (["Theo Tuổi Trẻ"], ["Theo Infonet", "Reuters"], ["Theo vnexpress.net", "AFP"]):
        tail = split_tail([P1, *credit], Hints())
        assert tail.author is None and tail.via == " / ".join(c.removeprefix("Theo ") for c in credit)
    right = "<p style='text-align:right'>{}</p>"
    html = page(
        f"<div class='content'><p>{P1}</p><p>{P2}</p><p>{P3}</p>"
        + right.format("Theo Thanh Xuân")
        + right.format("VnEconomy")
        + "</div>"
    )
    e = extract_article(html, "https://x.vn/d.html", tz=VN_TZ)
    assert e.text.endswith(P3) and e.byline == "Thanh Xuân" and e.via == "VnEconomy"


def test_teaser_lists_are_dropped_but_text_with_links_is_not() -> None:
    teasers = "".join(
        f"<div class='item'><a href='/{i}'><img src='t{i}.jpg'></a><h4><a href='/{i}'>{t}</a></h4><p>Tóm tắt ngắn của bài.</p></div>"
        for i, t in enumerate(
            [
                "Bệnh viện tỉnh tiếp nhận thêm máy thở",
                "Giá rau xanh tăng mạnh sau đợt mưa lớn",
                "Học sinh vùng cao trở lại trường sau kỳ nghỉ",
            ]
        )
    )
    body = (
        f"<div class='content'><p>{P1} Xem <a href='/kh'>kế hoạch tiêm chủng chi tiết của huyện</a>.</p>"
        f"<p>{P2}</p><p>{P3}</p></div><div class='more'>{teasers}</div>"
    )
    e = extract_article(page(body), "https://x.vn/e.html", tz=VN_TZ)
    assert "kế hoạch tiêm chủng chi tiết" in e.text and "máy thở" not in e.text and "Giá rau xanh" not in e.text


def test_date_sources() -> None:
    body = f"<div class='content'><p>{P1}</p><p>{P2}</p><p>{P3}</p></div>"
    # An empty date element that an inline script fills (2012 VnExpress family).
    scripted = page(
        "<span id='pDateTime'></span>" + body + "<script>var LdNow = '12/27/2012 1:40:11 AM';"
        'document.getElementById("pDateTime").innerHTML="Thứ năm, 20/12/2012, 16:10 GMT+7";</script>'
    )
    e = extract_article(scripted, "https://x.vn/f.html", tz=VN_TZ)
    assert e.published_at == datetime(2012, 12, 20, 16, 10, tzinfo=VN_TZ) and e.published_source == "dateline"
    # A date line days away from the tags is another story's: the tag wins.
    meta = "<meta property='article:published_time' content='2021-09-03T21:00:00+07:00'>"
    far = page("<div class='date'>05/10/2021 08:00</div>" + body, head=meta)
    e = extract_article(far, "https://x.vn/g.html", tz=VN_TZ)
    assert e.published_at == datetime(2021, 9, 3, 21, 0, tzinfo=VN_TZ) and e.published_source == "meta"
    # Only the URL's article stamp: the day, never its clock.
    e = extract_article(page(body), "https://x.vn/tin-20210903051446379.htm", tz=VN_TZ)
    assert e.published_precision.value == "day" and e.published_source == "url"
    assert e.published_at == datetime(2021, 9, 3, tzinfo=VN_TZ)
    # Nothing at all: no date, precision none.
    e = extract_article(page(body), "https://x.vn/h.html", tz=VN_TZ)
    assert e.published_at is None and e.published_precision.value == "none"


def test_site_name_h1_is_not_the_headline() -> None:
    html = (
        "<html><head><title>Những người khổ hạnh vì bớt lạ - Ảnh | Trang tin giới trẻ - iOne</title></head><body>"
        "<h1>Trang tin giới trẻ - iOne</h1><h3 class='Title'>Những người khổ hạnh vì bớt lạ</h3>"
        f"<span class='timePost'>15:20 PM | <span>21/12/2012</span></span><div><p>{P1}</p><p>{P2}</p></div></body></html>"
    )
    e = extract_article(html, "https://x.vn/i.html", tz=VN_TZ)
    assert e.title == "Những người khổ hạnh vì bớt lạ"
    assert e.published_at == datetime(2012, 12, 21, 15, 20, tzinfo=VN_TZ)


def test_credits_lose_page_furniture() -> None:
    """Button words after a credit, a label or picture credit around the writer's name and
    a role note are not part of who wrote or supplied the story."""
    assert one_credit("Theo Nhịp sống thị trường\n\nCopy link") == "Theo Nhịp sống thị trường"
    assert one_credit("Đại Đoàn kết · Chia sẻ · Lưu") == "Đại Đoàn kết"
    assert one_credit("Theo dõi") == "" and one_credit("Hồ Sơn") == "Hồ Sơn" and one_credit("Hoàng Lưu") == "Hoàng Lưu"
    assert writer_credit("H.V. Ảnh : Misso") == "H.V."
    assert writer_credit("Tâm Giao / Ảnh: Cao Trung Hiếu") == "Tâm Giao"
    assert writer_credit("Tin, ảnh : Vũ Phương Thảo") == "Vũ Phương Thảo"
    assert writer_credit("Bài và ảnh: Minh An") == "Minh An"
    assert writer_credit("Hà Thu (tổng hợp)") == "Hà Thu"
    assert writer_credit("Ảnh: Reuters") == "" and writer_credit("Duy Anh") == "Duy Anh"
    tail = split_tail([P1, P2, "K. Miên", "Ảnh: Minh An"], Hints())
    assert tail.lines == [P1, P2] and tail.author == "K. Miên"


def test_a_source_named_in_words_under_the_text_is_the_source() -> None:
    """Bộ Y tế's COVID-19 portal (2021, held-out batch 8) closes a story it republished with
    the writer and "Nguồn: " + a link whose text is the story's address: the source is the
    address's site, the writer stays the author, and neither line is text. A "Nguồn: …"
    under a table in mid-text credits the table, not the story."""
    url = "http://baochinhphu.vn/Chi-dao-quyet-dinh-cua-Chinh-phu/Nhung-chi-dao-nong/432036.vgp"
    html = page(
        f"<section><p>{P1}</p><p>{P2}</p><p>{P3}</p><p><strong>Vũ Phương Nhi</strong></p>"
        f"<p><strong>Nguồn:&nbsp;<a href='{url}'>{url}</a></strong></p></section>"
    )
    e = extract_article(html, "https://moh.gov.vn/-/2", tz=VN_TZ)
    assert e.via == "baochinhphu.vn" and e.byline == "Vũ Phương Nhi"
    assert e.text.endswith(P3) and "Nguồn" not in e.text
    worded = page(f"<div class='content'><p>{P1}</p><p>{P2}</p><p>{P3}</p><p>Nguồn: Báo Chính phủ</p></div>")
    assert extract_article(worded, "https://x.vn/n.html", tz=VN_TZ).via == "Báo Chính phủ"
    table = page(
        f"<div class='content'><p>{P1}</p><table><tr><td>Xã Hợp Thành</td><td>1.200 liều</td></tr></table>"
        f"<p>Nguồn: Trung tâm Y tế huyện</p><p>{P2}</p><p>{P3}</p></div>"
    )
    assert extract_article(table, "https://x.vn/t.html", tz=VN_TZ).via is None


def test_bracketed_source_loses_its_brackets() -> None:
    """Vietnam+ 2026 (held-out batch 4): the source line under the text is "(TTXVN/Vietnam+)"
    in a labelled div.article__source; the source is the names, not the brackets around
    them. Brackets inside a credit stay ("Theo Sầm Hoa (Vietnamnet/Reuters)")."""
    assert one_credit("(TTXVN/Vietnam+)") == "TTXVN/Vietnam+"
    assert one_credit("( TTXVN )") == "TTXVN"
    assert one_credit("Hà Thu (tổng hợp)") == "Hà Thu (tổng hợp)"
    assert one_credit("(Nguồn: A) (B)") == "(Nguồn: A) (B)"
    html = page(
        f"<div class='content'><p>{P1}</p><p>{P2}</p><p>{P3}</p>"
        "<div class='article__source'><div class='source'><span class='name'>(TTXVN/Vietnam+)</span></div></div></div>"
    )
    e = extract_article(html, "https://x.vn/a.html", tz=VN_TZ)
    assert e.via == "TTXVN/Vietnam+" and "TTXVN" not in e.text


def test_labelled_credits_win_over_trailing_furniture() -> None:
    """24h 2012: the source is labelled (div.nguontin), and box headings and a calendar
    follow the text; they leave the text but are nobody's byline. "Theo <writer> (<outlets>)"
    names the writer, then the outlets."""
    lines = [P1, P2, "THÔNG TIN DOANH NGHIỆP", "SỰ KIỆN TIÊU ĐIỂM", "X"]
    tail = split_tail(lines, Hints(sources=["Theo Sầm Hoa (Vietnamnet/Reuters)"]))
    assert tail.lines == [P1, P2] and tail.author is None and tail.via is None
    worded = split_tail([P1, P2, "Theo Reuters", "THÔNG TIN DOANH NGHIỆP"], Hints(authors=["Minh An"]))
    assert worded.lines == [P1, P2] and worded.author is None and worded.via == "Reuters"  # a source by its words
    html = page(
        f"<div class='content'><p>{P1}</p><p>{P2}</p><p>{P3}</p>"
        "<div class='nguontin'>Theo Sầm Hoa (Vietnamnet/Reuters)</div>"
        "<p class='link-source'>Theo <span>Vietnamnet</span> <span class='btn'><i>Copy link</i></span></p></div>"
    )
    e = extract_article(html, "https://x.vn/e.html", tz=VN_TZ)
    assert e.text.endswith(P3) and e.byline == "Sầm Hoa" and e.via == "Vietnamnet/Reuters / Vietnamnet"


def test_a_screen_reader_only_h1_is_not_the_headline() -> None:
    """Bộ Y tế's COVID-19 portal (Liferay, 2021; held-out batch 8) opens its page with an
    ``<h1 class="sr-only">Product Admin Menu</h1>`` and has no other <h1>; og:title adds the
    site's name, and the headline is a heading that repeats the <title>'s opening."""
    headline = "Sơn Dương đẩy nhanh tiêm vắc xin COVID-19"
    site = "Bộ Y tế - Trang tin về dịch bệnh viêm đường hô hấp cấp COVID-19"
    html = (
        f"<html><head><title>{headline} - {site}</title>"
        f"<meta property='og:title' content='{headline} - {site}'></head><body>"
        "<nav><h1 class='hide-accessible'>Navigation</h1></nav><div><h1 class='sr-only'>Product Admin Menu</h1></div>"
        f"<h2 class='hide-accessible'>{headline}</h2>"
        f"<div class='journal-content-article'><p>{P1}</p><p>{P2}</p><p>{P3}</p></div></body></html>"
    )
    e = extract_article(html, "https://moh.gov.vn/-/1", tz=VN_TZ)
    assert e.title == headline and e.text.startswith(P1)


def test_the_h1_that_repeats_og_title_is_the_headline() -> None:
    """Báo Cần Thơ 2026 prints its section path in an <h1> above the headline's <h1>;
    Hànộimới 2026 splits its headline into two <span> with no space between them."""
    og = "<meta property='og:title' content='Sơn Dương đẩy nhanh tiêm vắc xin COVID-19'>"
    html = page(
        f"<div class='content'><p>{P1}</p><p>{P2}</p><p>{P3}</p></div>",
        head=og,
        h1="THỜI SỰ > Tuyên Quang</h1><h1 class='title'>Sơn Dương đẩy nhanh tiêm vắc xin COVID-19",
    )
    assert extract_article(html, "https://x.vn/j.html", tz=VN_TZ).title == "Sơn Dương đẩy nhanh tiêm vắc xin COVID-19"
    og = "<meta property='og:title' content='Huyện Sơn Dương: Đẩy nhanh tiêm vắc xin COVID-19'>"
    html = page(
        f"<div class='content'><p>{P1}</p><p>{P2}</p><p>{P3}</p></div>",
        head=og,
        h1="<span>Huyện Sơn Dương:</span><span>Đẩy nhanh tiêm vắc xin COVID-19</span>",
    )
    assert (
        extract_article(html, "https://x.vn/k.html", tz=VN_TZ).title
        == "Huyện Sơn Dương: Đẩy nhanh tiêm vắc xin COVID-19"
    )


def test_captions_read_as_shown() -> None:
    """An inline element joins its neighbours as the markup does (Znews 2025:
    "Ảnh: <em> Reuters</em>." is "Ảnh: Reuters.", not "Ảnh: Reuters .")."""
    html = page(
        f"<div class='content'><p>{P1}</p><table class='picture'><tr><td class='pic'><img src='a.jpg'></td></tr>"
        "<tr><td class='pCaption caption'><p>Điểm tiêm tại xã Hợp Thành. Ảnh: <em> Minh An</em>.</p></td></tr></table>"
        f"<p>{P2}</p><p>{P3}</p></div>"
    )
    e = extract_article(html, "https://x.vn/l.html", tz=VN_TZ)
    assert e.captions == ["Điểm tiêm tại xã Hợp Thành. Ảnh: Minh An."] and "Hợp Thành" not in e.text


def test_own_desk_after_the_writer_is_not_part_of_the_name() -> None:
    """VTV 2026 (held-out batch 4): the byline is "Phùng Anh (VTV Online)", VTV's own
    online desk after the writer; the writer a reviewer reads is "Phùng Anh". Another
    outlet in the brackets, or the same byline on another site, stays as printed."""

    def byline(credit: str, url: str) -> str | None:
        html = page(f"<span class='author'>{credit}</span><div class='content'><p>{P1}</p><p>{P2}</p><p>{P3}</p></div>")
        return extract_article(html, url, tz=VN_TZ).byline

    assert byline("Phùng Anh (VTV Online)", "https://vtv.vn/a-1.htm") == "Phùng Anh"
    assert byline("Phùng Anh (VTV Online)", "https://x.vn/a-1.htm") == "Phùng Anh (VTV Online)"
    assert byline("Phùng Anh (Reuters)", "https://vtv.vn/a-1.htm") == "Phùng Anh (Reuters)"


def test_labelled_writer_credit_names_the_writer() -> None:
    """Báo Cần Thơ 2026: a right-aligned "Tin, ảnh: P.Y" under the text is P.Y's byline
    (the label goes before the name's shape is judged)."""
    html = page(
        f"<div class='content'><p>{P1}</p><p>{P2}</p><p>{P3}</p>"
        "<p style='text-align: right;'><strong>Tin, ảnh: P.Y</strong></p></div>"
    )
    e = extract_article(html, "https://x.vn/m.html", tz=VN_TZ)
    assert e.byline == "P.Y" and e.text.endswith(P3)


def test_text_ends_with_the_article_block() -> None:
    """Hànộimới 2026: the headline and the sapo sit in a header block of their own; the
    article is the smallest block above the headline holding most of the long lines, and
    a line after it (the footer's "(*) Không sao chép …" that trafilatura kept) is not the
    article's last line."""
    long = [f"{p} Người dân mang theo căn cước công dân và sổ tiêm chủng khi đến điểm tiêm." for p in (P1, P2, P3)]
    notice = "(*) Không sao chép dưới mọi hình thức khi chưa có sự đồng ý bằng văn bản của Báo X."
    tree = lxml.html.document_fromstring(
        "<html><body><div class='entry'><div class='header'><h1>Sơn Dương đẩy nhanh tiêm vắc xin COVID-19</h1>"
        f"<p class='sapo'>{long[0]}</p></div><p>{long[1]}</p><p>{long[2]}</p></div>"
        f"<div class='c-powered'><p>{notice}</p></div></body></html>"
    )
    assert within_article(tree, tree.find(".//h1"), [*long, notice]) == long


def test_the_outlets_own_notice_after_the_story_leaves_the_text() -> None:
    """Znews 2025: a classed box that closes the story and names the outlet ("Tri Thức -
    Znews giới thiệu độc giả …") is the outlet's notice, not the story. A box that names
    the outlet with text after it, or a box that does not name it, stays."""
    notice = "Tri Thức - TinNhanh giới thiệu độc giả tủ sách kiến thức y tế với nhiều cuốn sách về tiêm chủng."
    other = "Người dân cần thông tin thêm có thể gọi đường dây nóng của Trung tâm Y tế huyện."
    site = "<meta property='og:site_name' content='TinNhanh.vn'>"

    def story(box: str, last: str = "") -> str:
        return page(f"<div class='content'><p>{P1}</p><p>{P2}</p><p>{P3}</p>{box}{last}</div>", head=site)

    e = extract_article(story(f"<div class='notebox'><p>{notice}</p></div>"), "https://x.vn/o.html", tz=VN_TZ)
    assert e.text.endswith(P3) and "tủ sách" not in e.text
    kept = story(f"<div class='notebox'><p>{notice}</p></div>", f"<p>{P1} Lịch tiêm sẽ được thông báo sau.</p>")
    assert "tủ sách" in extract_article(kept, "https://x.vn/p.html", tz=VN_TZ).text
    unnamed = story(f"<div class='notebox'><p>{other}</p></div>")
    assert extract_article(unnamed, "https://x.vn/q.html", tz=VN_TZ).text.endswith(other)


def test_a_labelled_source_box_of_links_is_a_source_not_a_teaser_list() -> None:
    """GenK 2026: the source box after the text is two links ("Theo Đời sống Pháp luật" with
    "Copy link", then "Link bài gốc" and the original URL) in a block classed as a source;
    it was dropped as a teaser list and the source was lost. A list of teasers that is not
    labelled as a credit still goes."""
    url = "https://doisongphapluat.vn/vi-sao-gia-xang-tang-manh-trong-tuan-nay-a650753.html"
    box = (
        "<div class='link-source-wrapper'><a class='link-source-name' href='javascript:;'>Theo "
        "<span>Đời sống Pháp luật</span>\n<span><i>Copy link</i></span></a>"
        "<div class='link-source-detail'><span>Link bài gốc</span><span><i>Lấy link</i></span>"
        f"<a class='link-source-full' href='javascript:;'>{url}</a></div></div>"
    )
    e = extract_article(
        page(f"<div class='content'><p>{P1}</p><p>{P2}</p><p>{P3}</p></div>{box}"), "https://x.vn/s.html", tz=VN_TZ
    )
    assert e.via == "Đời sống Pháp luật" and e.text.endswith(P3) and "Link bài gốc" not in e.text
    teasers = box.replace("link-source-wrapper", "more-stories").replace("link-source", "story")
    e = extract_article(
        page(f"<div class='content'><p>{P1}</p><p>{P2}</p><p>{P3}</p></div>{teasers}"), "https://x.vn/t.html", tz=VN_TZ
    )
    assert e.via is None and e.text.endswith(P3)


def test_a_teaser_title_under_a_linked_thumbnail_is_not_a_caption() -> None:
    """Hànộimới 2026: "Đọc tiếp" teasers (a linked thumbnail whose alt repeats the linked
    headline under it) came back as captions. A caption under a linked photo that is not
    itself a link, and one under a plain photo, are still captions."""
    title = "Khu tái định cư tập trung bị bỏ hoang đến bao giờ?"
    teaser = (
        f"<div class='grid'><div class='img'><a href='/khu-tai-dinh-cu.html'><img src='k.jpg' alt='{title}'></a></div>"
        f"<div class='content'><a href='/khu-tai-dinh-cu.html'>{title}</a></div></div>"
    )
    cap = "Điểm tiêm lưu động tại xã Tú Thịnh sáng 3/9."
    photo = (
        f"<div class='pic'><a href='/anh-lon.jpg'><img src='p.jpg' alt='{cap}'></a></div><div class='note'>{cap}</div>"
    )
    body = f"<div class='content'><p>{P1}</p>{photo}<p>{P2}</p><p>{P3}</p></div><div class='more'>{teaser}</div>"
    e = extract_article(page(body), "https://x.vn/c.html", tz=VN_TZ)
    assert cap in e.captions and title not in e.captions


def test_a_data_box_that_opens_the_text_is_not_text() -> None:
    """Nhân Dân 2026: a match box (goals, line-ups) in a note box at the head of the body
    stayed as the text's first lines. A note box with no sentence that opens the text goes;
    one that tells something in sentences, or comes after the text has begun, stays."""
    box = (
        "<div class='notebox cms-note'><p><b>Bàn thắng</b></p><p><b>Sơn Dương:</b> Nguyễn Văn A (106')</p>"
        "<p><b>Đội hình thi đấu</b></p><p><b>Sơn Dương:</b> Nguyễn Văn B; Trần Văn C, Lê Văn D (Phạm Văn E 62')</p></div>"
    )
    e = extract_article(
        page(f"<div class='content'>{box}<p>{P1}</p><p>{P2}</p><p>{P3}</p></div>"), "https://x.vn/m.html", tz=VN_TZ
    )
    assert e.text.startswith(P1) and "Đội hình thi đấu" not in e.text and "Nguyễn Văn B" not in e.text
    told = "<div class='cms-note'><p>Huyện có 12 điểm tiêm cố định.</p><p>Mỗi điểm tiêm 200 liều mỗi ngày.</p></div>"
    e = extract_article(
        page(f"<div class='content'>{told}<p>{P1}</p><p>{P2}</p><p>{P3}</p></div>"), "https://x.vn/n.html", tz=VN_TZ
    )
    assert "12 điểm tiêm cố định" in e.text
    later = f"<div class='content'><p>{P1}</p>{box}<p>{P2}</p><p>{P3}</p></div>"
    assert "Đội hình thi đấu" in extract_article(page(later), "https://x.vn/k.html", tz=VN_TZ).text


def test_a_script_link_classed_as_a_source_is_not_a_credit() -> None:
    """Soha 2026: the help link of a "choose us as a preferred source" tip
    (``a.open-popup-nguonuutien``, "Xem hướng dẫn.") matched the source label and came
    back in ``via`` before the page's real source. A control is not a credit."""
    tip = (
        "<div class='gg-news'><a href='https://www.google.com/preferences/source?q=x.vn'>Thêm X trên Google</a>"
        "<span class='t-tip'>Chọn X làm nguồn ưu tiên. <a class='link open-popup-nguonuutien' "
        "href='javascript:void(0)'>Xem hướng dẫn.</a></span></div>"
    )
    box = "<div class='link-source-wrapper'><span>Theo tienphong.vn</span></div>"
    html = page(f"<div class='content'><p>{P1}</p><p>{P2}</p><p>{P3}</p></div>{tip}{box}")
    e = extract_article(html, "https://x.vn/g.html", tz=VN_TZ)
    assert e.via == "tienphong.vn" and e.text.endswith(P3)


def test_a_byline_labelled_by_its_data_role_is_the_author() -> None:
    """Người Lao Động 2026: the byline is ``p.name[data-role=author]`` inside
    ``div.detail-author > div.author-info``; the two blocks classed "author" have no text
    of their own, and the name's own class says nothing. The role the CMS writes in
    ``data-role`` labels it like a class."""
    byline = (
        "<div class='detail-author'><div class='author-info'>"
        "<p class='name' data-role='author'>Minh Chiến</p></div></div>"
        "<time data-role='publishdate' datetime='2026-03-07T08:06:00+07:00'>07/03/2026 08:06</time>"
    )
    html = page(f"{byline}<div class='content' data-role='content'><p>{P1}</p><p>{P2}</p><p>{P3}</p></div>")
    e = extract_article(html, "https://x.vn/n.html", tz=VN_TZ)
    assert e.byline == "Minh Chiến" and "Minh Chiến" not in e.text and e.text.endswith(P3)


def test_text_opens_inside_the_article_block() -> None:
    """Báo Chính phủ 2026: trafilatura took the footer's app box (``div.content``: "Tải ứng
    dụng:" / "BÁO ĐIỆN TỬ CHÍNH PHỦ") as the article's frame and put its lines before the
    article's. Opening lines that are not in the article block go; the article's own short
    opening line (a subheading) stays."""
    long = [f"{p} Người dân mang theo căn cước công dân và sổ tiêm chủng khi đến điểm tiêm." for p in (P1, P2, P3)]
    tree = lxml.html.document_fromstring(
        "<html><body><div class='detail'><h1>Sơn Dương đẩy nhanh tiêm vắc xin COVID-19</h1>"
        f"<div class='detail-content'><h2>Ba điểm tiêm lưu động</h2><p>{long[0]}</p><p>{long[1]}</p><p>{long[2]}</p>"
        "</div></div><div class='footer'><div class='content'><p>Tải ứng dụng:</p><p>BÁO X ĐIỆN TỬ</p></div></div>"
        "</body></html>"
    )
    lines = ["Tải ứng dụng:", "BÁO X ĐIỆN TỬ", "Ba điểm tiêm lưu động", *long]
    assert within_article(tree, tree.find(".//h1"), lines) == lines[2:]
