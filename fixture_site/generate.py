"""Render the fixture site (``fixtures/site/``) from its hand-written content.

The content lives in ``fixtures/site/content.yaml``; this module only lays it out in
four outlet layouts (national paper, provincial paper, district portal, clickbait blog),
a XenForo-style forum, Telegram preview pages, feeds, sitemaps and a Facebook export,
plus the bad inputs the crawler must survive. Output is deterministic, so the committed
site can be regenerated and diffed:

    .venv/bin/python -m fixture_site.generate            # rewrite fixtures/site/
    .venv/bin/python -m fixture_site.generate --bench 2000 --out /tmp/site   # + 2,000 pages
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import unicodedata
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any

import yaml

from tinradar.settings import VN_TZ
from tinradar.text import fold

SITE = Path(__file__).resolve().parent.parent / "fixtures" / "site"
_WEEKDAYS = ["Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật"]


def _dt(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%d %H:%M").replace(tzinfo=VN_TZ)


def _rfc822(value: datetime) -> str:
    return value.strftime("%a, %d %b %Y %H:%M:%S +0700")


def _paras(paras: list[str], cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return "\n".join(f"<p{attr}>{escape(p)}</p>" for p in paras)


def _page(head: str, body: str, charset: str = '<meta charset="utf-8">') -> str:
    return f'<!DOCTYPE html>\n<html lang="vi">\n<head>\n{charset}\n{head}\n</head>\n<body>\n{body}\n</body>\n</html>\n'


def tinnhanh_article(a: dict[str, Any]) -> str:
    """National paper layout (VnExpress-like): visible date line with weekday and GMT+7."""
    when = _dt(a["date"])
    line = f"{_WEEKDAYS[when.weekday()]}, {when.day}/{when.month}/{when.year}, {when:%H:%M} (GMT+7)"
    head = (
        f"<title>{escape(a['title'])} - Tin Nhanh</title>\n"
        f'<link rel="canonical" href="https://tinnhanh.example/{a["section"]}/{a["slug"]}.html">\n'
        f'<meta property="og:title" content="{escape(a["title"])}">\n'
        f'<meta name="description" content="{escape(a["lead"])}">\n'
        f'<meta property="article:published_time" content="{when.isoformat()}">'
    )
    body = (
        '<header><div class="time-now">Tin Nhanh – Báo điện tử</div>'
        '<nav><a href="/tinnhanh/">Trang chủ</a> <a href="/tinnhanh/suc-khoe/">Sức khỏe</a></nav></header>\n'
        f'<section class="page-detail">\n<span class="date">{line}</span>\n'
        f'<h1 class="title-detail">{escape(a["title"])}</h1>\n<p class="description">{escape(a["lead"])}</p>\n'
        f'<article class="fck_detail">\n{_paras(a["paras"], "Normal")}\n'
        '<p class="Normal" style="text-align:right"><strong>Minh An</strong></p>\n</article>\n</section>\n'
        '<aside class="sidebar"><h3>Xem nhiều</h3><ul><li><a href="/tinnhanh/">Tin mới nhất</a></li></ul></aside>\n'
        "<footer>© Tin Nhanh. Giấy phép số 000/GP-BTTTT (fictional)</footer>"
    )
    return _page(head, body)


def baotantrao_article(a: dict[str, Any]) -> str:
    """Provincial paper layout: '30/08/2021 - 14:05' date, sapo div, content div."""
    when = _dt(a["date"])
    head = (
        f"<title>{escape(a['title'])} | Báo Tân Trào</title>\n"
        f'<link rel="canonical" href="https://baotantrao.example/tin/{a["slug"]}.html">\n'
        f'<meta property="og:title" content="{escape(a["title"])}">'
    )
    body = (
        '<div id="top"><a href="/baotantrao/">Báo Tân Trào – Tuyên Quang</a></div>\n'
        '<div class="main"><div class="detail">\n'
        f'<div class="detail-title"><h1>{escape(a["title"])}</h1></div>\n'
        f'<div class="post-date">{when:%d/%m/%Y - %H:%M}</div>\n'
        f'<div class="sapo"><strong>{escape(a["lead"])}</strong></div>\n'
        f'<div class="detail-content">\n{_paras(a["paras"])}\n<p class="author">Hoài Thu</p>\n</div>\n'
        '</div><div class="tin-lien-quan"><h4>Tin liên quan</h4>'
        '<a href="/baotantrao/xa-hoi/y-te/">Y tế</a></div></div>\n<div id="footer">Báo Tân Trào (fictional)</div>'
    )
    return _page(head, body)


def sonduong_article(a: dict[str, Any], *, charset: str = '<meta charset="utf-8">') -> str:
    """District portal layout: an old table page; the registry gives CSS overrides."""
    when = _dt(a["date"])
    head = (
        f"<title>Cổng thông tin điện tử huyện Sơn Dương</title>\n"
        f'<link rel="canonical" href="https://sonduong-portal.example/tin-tuc/{a["slug"]}.html">'
    )
    body = (
        '<table width="100%" class="khung"><tr><td class="banner">UBND HUYỆN SƠN DƯƠNG – TỈNH TUYÊN QUANG</td></tr>\n'
        '<tr><td class="menu"><a href="/sonduong/">Trang chủ</a> | <a href="/sonduong/tin-tuc/">Tin tức</a></td></tr>\n'
        f'<tr><td class="tieude">{escape(a["title"])}</td></tr>\n'
        f'<tr><td><span class="ngaydang">Ngày đăng: {when:%d/%m/%Y %H:%M}</span></td></tr>\n'
        f'<tr><td><div class="noidung">\n{_paras(a["paras"])}\n<p align="right"><b>VĂN PHÒNG HĐND-UBND HUYỆN</b></p>\n</div></td></tr>\n'
        '<tr><td class="footer">Bản quyền thuộc UBND huyện Sơn Dương (fictional fixture)</td></tr></table>'
    )
    return _page(head, body, charset)


def tinsoc_article(a: dict[str, Any]) -> str:
    """Clickbait blog layout (WordPress-like)."""
    when = _dt(a["date"])
    head = (
        f"<title>{escape(a['title'])} – Tin Sốc 24h</title>\n"
        f'<link rel="canonical" href="https://tinsoc24h.example/{a["slug"]}">'
    )
    body = (
        '<div class="site-header">TIN SỐC 24H – chia sẻ ngay!</div>\n<article class="post">\n'
        f'<h1 class="entry-title">{escape(a["title"])}</h1>\n'
        f'<time class="entry-date published" datetime="{when.isoformat()}">{when:%d/%m/%Y}</time>\n'
        f'<div class="entry-content">\n{_paras(a["paras"])}\n</div>\n</article>'
    )
    return _page(head, body)


def rss(title: str, link: str, items: list[tuple[str, str, datetime]]) -> str:
    entries = "\n".join(
        f"<item><title>{escape(t)}</title><link>{escape(u)}</link><guid>{escape(u)}</guid>"
        f"<pubDate>{_rfc822(d)}</pubDate></item>"
        for t, u, d in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>{link}</link><description>{escape(title)}</description>\n"
        f"{entries}\n</channel></rss>\n"
    )


def atom(title: str, items: list[tuple[str, str, datetime]]) -> str:
    entries = "\n".join(
        f'<entry><title>{escape(t)}</title><link href="{escape(u)}"/><id>{escape(u)}</id>'
        f"<updated>{d.isoformat()}</updated></entry>"
        for t, u, d in items
    )
    return f'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom"><title>{escape(title)}</title>\n{entries}\n</feed>\n'


def sitemap(urls: list[tuple[str, datetime | None]], *, news: bool = False) -> str:
    ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    if news:
        ns += ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'
    rows = []
    for url, when in urls:
        extra = ""
        if news and when:
            extra = (
                "<news:news><news:publication><news:name>Báo Tân Trào</news:name><news:language>vi</news:language>"
                f"</news:publication><news:publication_date>{when.isoformat()}</news:publication_date></news:news>"
            )
        elif when:
            extra = f"<lastmod>{when.isoformat()}</lastmod>"
        rows.append(f"<url><loc>{escape(url)}</loc>{extra}</url>")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {ns}>\n' + "\n".join(rows) + "\n</urlset>\n"


def sitemap_index(urls: list[str]) -> str:
    rows = "\n".join(f"<sitemap><loc>{escape(u)}</loc></sitemap>" for u in urls)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{rows}\n</sitemapindex>\n'


_TONES = "\u0300\u0301\u0303\u0309\u0323"


def encode_cp1258(text: str) -> bytes:
    """Encode as windows-1258 the way legacy Vietnamese sites did: precomposed vowels
    (â, ơ, ư...) plus a combining tone mark, which is why decoders must NFC afterwards."""
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(m for m in parts if m not in _TONES))
            out += (base + "".join(m for m in parts if m in _TONES)).encode("cp1258", errors="xmlcharrefreplace")
    return bytes(out)


def _write(root: Path, rel: str, text: str | bytes) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8", newline="\n")
    else:
        path.write_bytes(text)


def load_content(path: Path | None = None) -> dict[str, Any]:
    """The hand-written content (``fixtures/site/content.yaml``)."""
    return yaml.safe_load((path or SITE / "content.yaml").read_text(encoding="utf-8"))


# Placeholder host in feeds/sitemaps: the fixture server rewrites it to its own address.
BASE = "http://fixture.local"


def forum_thread_pages(thread: dict[str, Any], board: str, per_page: int = 3) -> list[str]:
    """XenForo-style thread pages (``article.message`` posts, quotes, page navigation)."""
    posts = thread["posts"]
    chunks = [posts[i : i + per_page] for i in range(0, len(posts), per_page)]
    base = f"/forum/t/{thread['slug']}.{thread['id']}/"
    pages = []
    for n, chunk in enumerate(chunks, start=1):
        items = []
        for p in chunk:
            when = _dt(p["date"])
            quote = ""
            if p.get("quote"):
                q = escape(p["quote"])
                quote = (
                    f'<blockquote class="bbCodeBlock bbCodeBlock--expandable bbCodeBlock--quote" data-quote="{q}">'
                    f'<div class="bbCodeBlock-title"><a class="bbCodeBlock-sourceJump">{q} said:</a></div>'
                    '<div class="bbCodeBlock-content"><div class="bbCodeBlock-expandContent">…</div></div></blockquote>'
                )
            author = escape(p["author"])
            items.append(
                f'<article class="message message--post" data-author="{author}" data-content="post-{p["id"]}" id="js-post-{p["id"]}">\n'
                f'<div class="message-cell message-cell--user"><h4 class="message-name"><a class="username">{author}</a></h4>'
                '<h5 class="userTitle message-userTitle">Thành viên</h5></div>\n'
                f'<div class="message-cell message-cell--main"><ul class="message-attribution-main"><li><a href="{base}post-{p["id"]}" class="u-concealed">'
                f'<time class="u-dt" dir="auto" datetime="{when.strftime("%Y-%m-%dT%H:%M:%S%z")}" data-time="{int(when.timestamp())}">{when:%d/%m/%Y}</time></a></li></ul>\n'
                f'<div class="message-content js-messageContent"><div class="message-userContent"><article class="message-body">'
                f'<div class="bbWrapper">{quote}{escape(p["text"])}</div></article></div></div>\n'
                f'<div class="message-signature"><div class="bbWrapper">— {author}</div></div></div>\n</article>'
            )
        nav = ""
        if n < len(chunks):
            nav = f'<div class="pageNav"><a class="pageNav-jump pageNav-jump--next" href="{base}page-{n + 1}">Tiếp</a></div>'
        head = f"<title>{escape(thread['title'])} | Diễn đàn Phố Núi</title>"
        body = (
            f'<div class="p-breadcrumbs"><a href="/forum/f/chuyen-tro.5/">{escape(board)}</a></div>\n'
            f'<div class="p-title"><h1 class="p-title-value">{escape(thread["title"])}</h1></div>\n'
            f'<div class="block-body js-replyNewMessageContainer">\n' + "\n".join(items) + f"\n</div>\n{nav}"
        )
        pages.append(_page(head, body))
    return pages


def forum_listing(threads: list[dict[str, Any]], board: str, page: int, has_next: bool, extra: str = "") -> str:
    rows = "\n".join(
        f'<div class="structItem structItem--thread"><div class="structItem-title">'
        f'<a href="/forum/t/{t["slug"]}.{t["id"]}/" data-tp-primary="on">{escape(t["title"])}</a></div>'
        f'<div class="structItem-minor"><ul class="structItem-parts"><li><a class="username">{escape(t["posts"][0]["author"])}</a></li></ul></div></div>'
        for t in threads
    )
    nav = (
        f'<a class="pageNav-jump pageNav-jump--next" href="/forum/f/chuyen-tro.5/page-{page + 1}">Tiếp</a>'
        if has_next
        else ""
    )
    return _page(
        f"<title>{escape(board)} | Diễn đàn Phố Núi</title>",
        f'<h1 class="p-title-value">{escape(board)}</h1>\n<div class="structItemContainer">\n{rows}\n{extra}</div>\n<div class="pageNav">{nav}</div>',
    )


def _views(n: int) -> str:
    return f"{n / 1000:.1f}K".replace(".0K", "K") if n >= 1000 else str(n)


def telegram_page(channel: dict[str, Any], posts: list[dict[str, Any]], older: int | None) -> str:
    """A ``t.me/s/<channel>`` preview page: oldest first, a 'load more' link to older posts."""
    name = channel["channel"]
    items = []
    for p in sorted(posts, key=lambda x: x["id"]):
        when = _dt(p["date"])
        items.append(
            f'<div class="tgme_widget_message_wrap js-widget_message_wrap"><div class="tgme_widget_message text_not_supported_wrap js-widget_message" data-post="{name}/{p["id"]}">\n'
            f'<div class="tgme_widget_message_author"><span class="tgme_widget_message_owner_name">{escape(channel["title"])}</span></div>\n'
            f'<div class="tgme_widget_message_text js-message_text" dir="auto">{escape(p["text"])}</div>\n'
            f'<div class="tgme_widget_message_footer"><div class="tgme_widget_message_info">'
            f'<span class="tgme_widget_message_views">{_views(p["views"])}</span>'
            f'<span class="tgme_widget_message_forwards">{p["forwards"]}</span>'
            f'<a class="tgme_widget_message_date" href="https://t.me/{name}/{p["id"]}"><time datetime="{when.isoformat()}" class="time">{when:%H:%M}</time></a>'
            "</div></div></div></div>"
        )
    more = (
        f'<a class="tme_messages_more js-messages_more" data-before="{older}" href="/tg/s/{name}/before-{older}"></a>'
        if older
        else ""
    )
    head = f'<title>{escape(channel["title"])} – Telegram</title>\n<meta property="og:title" content="{escape(channel["title"])}">'
    body = (
        f'<div class="tgme_channel_info_header_title"><span dir="auto">{escape(channel["title"])}</span></div>\n'
        f'<section class="tgme_channel_history js-message_history">\n{more}\n' + "\n".join(items) + "\n</section>"
    )
    return _page(head, body)


def facebook_export(rows: list[dict[str, Any]]) -> tuple[str, str]:
    """CSV (CrowdTangle-like column names) and JSON renderings of the same posts."""
    out = io.StringIO()
    fields = [
        "Page Name",
        "Page Type",
        "Facebook Id",
        "Author",
        "Post Created",
        "Message",
        "Link",
        "Likes",
        "Comments",
        "Shares",
    ]
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    records = []
    for r in rows:
        writer.writerow(
            {
                "Page Name": r["page"],
                "Page Type": r["type"],
                "Facebook Id": r["post_id"],
                "Author": r.get("author", ""),
                "Post Created": r["time"],
                "Message": r["message"],
                "Link": r["link"],
                "Likes": r["likes"],
                "Comments": r["comments"],
                "Shares": r["shares"],
            }
        )
        records.append(
            {
                "post_id": r["post_id"],
                "page_name": r["page"],
                "page_type": r["type"],
                "author": r.get("author"),
                "post_time": r["time"],
                "message": r["message"],
                "link": r["link"] or None,
                "likes": r["likes"],
                "comments": r["comments"],
                "shares": r["shares"],
            }
        )
    return out.getvalue(), json.dumps({"posts": records}, ensure_ascii=False, indent=1) + "\n"


def _bad_pages(root: Path) -> None:
    """Inputs the crawler must survive (see fixtures/site/README.md for the list)."""
    t = "tinnhanh/suc-khoe/"
    # Malformed HTML: unclosed tags, stray end tags, a broken attribute — still an article.
    _write(
        root,
        t + "trang-html-loi.html",
        (
            '<html><head><meta charset="utf-8"><title>Trạm y tế lưu động hỗ trợ F0 điều trị tại nhà - Tin Nhanh</title>\n'
            '<link rel="canonical" href="https://tinnhanh.example/suc-khoe/trang-html-loi.html">\n'
            '<meta property="article:published_time" content="2021-09-07T08:00:00+07:00">\n'
            '<body><div class="page-detail"><h1 class="title-detail">Trạm y tế lưu động hỗ trợ F0 điều trị tại nhà</h1>\n'
            '<article class="fck_detail"><p class="Normal">Các trạm y tế lưu động được thành lập để hỗ trợ người mắc COVID-19 điều trị tại nhà, '
            "theo dõi nồng độ oxy máu và cấp thuốc miễn phí.<p class=Normal>Mỗi trạm có bác sĩ, điều dưỡng và tình nguyện viên trực 24 giờ</b></i>\n"
            '<p class="Normal>Người dân có thể gọi đường dây nóng để được tư vấn và hỗ trợ kịp thời.</div></span>\n<div><div><p>Đường dây nóng hoạt động cả ngày nghỉ.'
        ),
    )
    # NFD text: every Vietnamese letter decomposed; the output must be NFC.
    nfd_article = {
        "slug": "bai-viet-unicode-to-hop",
        "section": "suc-khoe",
        "date": "2021-09-07 10:30",
        "title": "Tuyên Quang phát động tháng cao điểm tiêm chủng vắc xin COVID-19",
        "lead": "Tỉnh Tuyên Quang phát động tháng cao điểm tiêm chủng nhằm bao phủ vắc xin cho người dân trên 18 tuổi.",
        "paras": [
            "Các huyện được giao chỉ tiêu cụ thể, ưu tiên người cao tuổi và người có bệnh nền.",
            "Điểm tiêm được bố trí tại trạm y tế xã, trường học và nhà văn hóa thôn.",
        ],
    }
    _write(root, t + "bai-viet-unicode-to-hop.html", unicodedata.normalize("NFD", tinnhanh_article(nfd_article)))
    # A page with a title but no body.
    _write(
        root,
        t + "trang-khong-co-noi-dung.html",
        _page(
            '<title>Ảnh: Điểm tiêm vắc xin</title><link rel="canonical" href="https://tinnhanh.example/suc-khoe/trang-khong-co-noi-dung.html">',
            '<h1 class="title-detail">Ảnh: Điểm tiêm vắc xin</h1><div class="gallery"><img src="/a.jpg" alt=""></div>',
        ),
    )
    # Behind robots.txt (Disallow: /tinnhanh/private/).
    _write(root, "tinnhanh/private/bai-noi-bo.html", _page("<title>Nội bộ</title>", "<p>Không được thu thập.</p>"))
    # Broken feed XML.
    _write(
        root,
        "baotantrao/rss/tin-moi.rss",
        '<?xml version="1.0"?><rss><channel><title>Tin mới</title><item><title>Hỏng <link>http://fixture.local/baotantrao/tin/x.html</channel>',
    )


def generate(root: Path = SITE, content: dict[str, Any] | None = None) -> int:
    """Write the whole fixture site under ``root``; returns the number of files written."""
    c = content or load_content()
    # --- national paper: two RSS sections ------------------------------------------------
    by_section: dict[str, list[tuple[str, str, datetime]]] = {"suc-khoe": [], "thoi-su": []}
    for a in c["tinnhanh"]:
        _write(root, f"tinnhanh/{a['section']}/{a['slug']}.html", tinnhanh_article(a))
        by_section[a["section"]].append(
            (a["title"], f"{BASE}/tinnhanh/{a['section']}/{a['slug']}.html", _dt(a["date"]))
        )
    _bad_pages(root)
    health = by_section["suc-khoe"]
    first = health[0]
    health += [
        (first[0], first[1] + "?utm_source=rss&utm_medium=feed", first[2]),  # duplicate URL
        ("Trạm y tế lưu động hỗ trợ F0", f"{BASE}/tinnhanh/suc-khoe/trang-html-loi.html", _dt("2021-09-07 08:00")),
        (
            "Tháng cao điểm tiêm chủng",
            f"{BASE}/tinnhanh/suc-khoe/bai-viet-unicode-to-hop.html",
            _dt("2021-09-07 10:30"),
        ),
        ("Ảnh: Điểm tiêm vắc xin", f"{BASE}/tinnhanh/suc-khoe/trang-khong-co-noi-dung.html", _dt("2021-09-06 10:00")),
        ("Bài không tồn tại", f"{BASE}/status/404", _dt("2021-09-06 09:00")),
        ("Máy chủ lỗi", f"{BASE}/status/500", _dt("2021-09-06 09:05")),
        ("Trang chậm", f"{BASE}/slow/tinnhanh-bai-cham.html", _dt("2021-09-06 09:10")),
        ("Vòng chuyển hướng", f"{BASE}/loop/a", _dt("2021-09-06 09:15")),
        ("Trang quá lớn", f"{BASE}/huge/trang-qua-lon.html", _dt("2021-09-06 09:20")),
        ("Bài nội bộ", f"{BASE}/tinnhanh/private/bai-noi-bo.html", _dt("2021-09-06 09:25")),
        ("Bài cũ năm 2020", f"{BASE}/tinnhanh/suc-khoe/bai-cu-2020.html", _dt("2020-03-15 08:00")),
    ]
    _write(root, "tinnhanh/rss/suc-khoe.rss", rss("Tin Nhanh – Sức khỏe", f"{BASE}/tinnhanh/suc-khoe/", health))
    _write(
        root, "tinnhanh/rss/thoi-su.rss", rss("Tin Nhanh – Thời sự", f"{BASE}/tinnhanh/thoi-su/", by_section["thoi-su"])
    )
    # --- provincial paper: paginated listing, Google News sitemap, broken feed ------------
    arts = c["baotantrao"]
    for a in arts:
        _write(root, f"baotantrao/tin/{a['slug']}.html", baotantrao_article(a))
    pages = [arts[i : i + 5] for i in range(0, len(arts), 5)]
    for n, chunk in enumerate(pages, start=1):
        rows = "\n".join(
            f'<li class="news-item"><h3><a href="/baotantrao/tin/{a["slug"]}.html">{escape(a["title"])}</a></h3>'
            f'<p class="sapo">{escape(a["lead"])}</p></li>'
            for a in chunk
        )
        nav = (
            f'<a class="next" href="/baotantrao/xa-hoi/y-te/trang-{n + 1}.html">Trang sau ›</a>'
            if n < len(pages)
            else ""
        )
        _write(
            root,
            f"baotantrao/xa-hoi/y-te/{'index' if n == 1 else f'trang-{n}'}.html",
            _page(
                "<title>Y tế | Báo Tân Trào</title>",
                f'<h2 class="cat-title">Y tế</h2><ul class="list-news">\n{rows}\n</ul>\n<div class="paging">{nav}</div>'
                '<div class="box-hot"><a href="/baotantrao/">Trang chủ</a></div>',
            ),
        )
    recent = sorted(arts, key=lambda a: a["date"], reverse=True)[:6]
    _write(
        root,
        "baotantrao/sitemap-news.xml",
        sitemap([(f"{BASE}/baotantrao/tin/{a['slug']}.html", _dt(a["date"])) for a in recent], news=True),
    )
    # --- district portal: sitemap index → sitemap; legacy charsets -------------------------
    notices = c["sonduong"]
    for i, a in enumerate(notices):
        rel = f"sonduong/tin-tuc/{a['slug']}.html"
        if i == 1:  # windows-1258, declared only in a meta tag
            html = sonduong_article(
                a, charset='<meta http-equiv="Content-Type" content="text/html; charset=windows-1258">'
            )
            _write(root, rel, encode_cp1258(html))
        elif i == 2:  # UTF-8, charset only in an http-equiv meta tag (server sends none)
            _write(
                root,
                rel,
                sonduong_article(a, charset='<meta http-equiv="Content-Type" content="text/html; charset=utf-8">'),
            )
        else:
            _write(root, rel, sonduong_article(a))
    _write(root, "sonduong/sitemap.xml", sitemap_index([f"{BASE}/sonduong/sitemap-tin-tuc.xml"]))
    _write(
        root,
        "sonduong/sitemap-tin-tuc.xml",
        sitemap([(f"{BASE}/sonduong/tin-tuc/{a['slug']}.html", _dt(a["date"])) for a in notices]),
    )
    # --- clickbait blog: Atom feed -------------------------------------------------------
    for a in c["tinsoc"]:
        _write(root, f"tinsoc/{a['slug']}.html", tinsoc_article(a))
    _write(
        root,
        "tinsoc/feed.atom",
        atom("Tin Sốc 24h", [(a["title"], f"{BASE}/tinsoc/{a['slug']}.html", _dt(a["date"])) for a in c["tinsoc"]]),
    )
    # --- forum ---------------------------------------------------------------------------
    board, threads = c["forum"]["board"], c["forum"]["threads"]
    for t in threads:
        for n, html in enumerate(forum_thread_pages(t, board), start=1):
            _write(root, f"forum/t/{t['slug']}.{t['id']}/{'index' if n == 1 else f'page-{n}'}.html", html)
    half = (len(threads) + 1) // 2
    dup = threads[0]
    extra = (
        f'<div class="structItem structItem--thread"><div class="structItem-title"><a href="/forum/t/{dup["slug"]}.{dup["id"]}/?utm_source=share">'
        f"{escape(dup['title'])}</a></div></div>"
    )
    _write(root, "forum/f/chuyen-tro.5/index.html", forum_listing(threads[:half], board, 1, True))
    _write(root, "forum/f/chuyen-tro.5/page-2.html", forum_listing(threads[half:], board, 2, False, extra))
    # --- telegram preview pages: newest page first, older page via ?before ---------------
    for ch in c["telegram"]:
        posts = sorted(ch["posts"], key=lambda p: p["id"])
        older, newer = posts[: len(posts) // 2], posts[len(posts) // 2 :]
        _write(root, f"tg/s/{ch['channel']}/index.html", telegram_page(ch, newer, newer[0]["id"]))
        _write(root, f"tg/s/{ch['channel']}/before-{newer[0]['id']}.html", telegram_page(ch, older, None))
    # --- facebook export -----------------------------------------------------------------
    csv_text, json_text = facebook_export(c["facebook"])
    _write(root, "exports/facebook_posts.csv", csv_text)
    _write(root, "exports/facebook_posts.json", json_text)
    for section, label in (("suc-khoe", "Sức khỏe"), ("thoi-su", "Thời sự")):
        rows = "\n".join(
            f'<h3 class="title-news"><a href="/tinnhanh/{a["section"]}/{a["slug"]}.html">{escape(a["title"])}</a></h3>'
            for a in c["tinnhanh"]
            if a["section"] == section
        )
        _write(
            root,
            f"tinnhanh/{section}/index.html",
            _page(f"<title>{label} - Tin Nhanh</title>", f"<h1>{label}</h1>\n{rows}"),
        )
    old = {
        "slug": "bai-cu-2020",
        "section": "suc-khoe",
        "date": "2020-03-15 08:00",
        "title": "Khuyến cáo phòng chống dịch bệnh viêm đường hô hấp cấp do virus corona",
        "lead": "Bộ Y tế khuyến cáo người dân đeo khẩu trang khi đến nơi công cộng và rửa tay thường xuyên bằng xà phòng.",
        "paras": ["Đây là bài viết cũ từ đợt dịch đầu tiên năm 2020, nằm ngoài cửa sổ thời gian của lần thu thập."],
    }
    _write(root, "tinnhanh/suc-khoe/bai-cu-2020.html", tinnhanh_article(old))
    _write(root, "robots.txt", "User-agent: *\nDisallow: /tinnhanh/private/\n")
    _write(
        root,
        "index.html",
        _page(
            "<title>TinRadar fixture site</title>",
            "<h1>TinRadar fixture site</h1><ul>"
            '<li><a href="/tinnhanh/rss/suc-khoe.rss">Tin Nhanh</a></li><li><a href="/baotantrao/xa-hoi/y-te/">Báo Tân Trào</a></li>'
            '<li><a href="/sonduong/sitemap.xml">Cổng TTĐT huyện Sơn Dương</a></li><li><a href="/forum/f/chuyen-tro.5/">Diễn đàn</a></li>'
            '<li><a href="/tg/s/tinnongtuyenquang">Telegram</a></li></ul>',
        ),
    )
    return sum(1 for _ in root.rglob("*") if _.is_file())


def generate_bench(root: Path, pages: int, content: dict[str, Any] | None = None) -> list[str]:
    """Add ``pages`` national-paper articles under ``bench/`` plus a sitemap of them.

    Each page is a distinct article (a numbered variant of a hand-written one, with its
    own canonical URL), so crawlers fetch and extract ``pages`` different documents.
    """
    c = content or load_content()
    arts = [*c["tinnhanh"], *({**a, "section": "suc-khoe", "lead": a["lead"]} for a in c["baotantrao"])]
    urls = []
    for i in range(pages):
        a = dict(arts[i % len(arts)])
        a["slug"] = f"{a['slug']}-{i:05d}"
        a["section"] = "bench"
        a["title"] = f"{a['title']} ({i})"
        a["paras"] = [*a["paras"], f"Bài số {i} trong bộ trang đo hiệu năng của TinRadar."]
        _write(root, f"bench/{a['slug']}.html", tinnhanh_article(a))
        urls.append(f"bench/{a['slug']}.html")
    _write(root, "bench/sitemap.xml", sitemap([(f"{BASE}/{u}", None) for u in urls]))
    return urls


def main() -> None:
    parser = argparse.ArgumentParser(description="Regenerate the TinRadar fixture site")
    parser.add_argument("--out", type=Path, default=SITE)
    parser.add_argument("--bench", type=int, default=0, help="also write this many benchmark pages")
    args = parser.parse_args()
    n = generate(args.out)
    if args.bench:
        generate_bench(args.out, args.bench)
    print(f"wrote {n} files under {args.out}")


if __name__ == "__main__":
    main()


__all__ = ["BASE", "SITE", "fold", "generate", "generate_bench", "load_content"]
