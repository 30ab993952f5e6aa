"""A multi-day storyline of the fixture site's web: a new rumor appears, spreads, is answered, fades.

Day 1 (2 August 2021): in the "Phố Núi" forum someone repeats hearsay from the market — drinking
perilla-leaf water with alum makes you immune to the Delta variant — and a Telegram channel
posts it in capitals with "chia sẻ gấp". No claim of the registry says this. Day 2: the
channel and two forum members repost it (a repeat cluster of risky posts: an *emerging
narrative*). Day 3: the district portal publishes the correction (07:30) — after one more
repost. Day 4: one question, then nothing.

What the storyline defines (the day-by-day test checks the pipeline states exactly this):
first seen = day 1, 09:00; first flagged = the same post (a reviewer's queue shows it at once);
the board's answer = day 3, 07:30, so the time to answer is 1 day 22 h 30 min.

Texts are written for TinRadar (fictional people and places of the fixture site); the
documents are what the crawlers produce from the forum, Telegram and the portal pages.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from tinradar.schema import Document, Kind
from tinradar.settings import VN_TZ

DAY1 = date(2021, 8, 2)
FIRST_SEEN = datetime.combine(DAY1, time(9, 0), tzinfo=VN_TZ)
FIRST_FLAGGED = FIRST_SEEN
CORRECTION_URL = "https://sonduong.example/tin-tuc/bac-bo-tin-uong-nuoc-la-tia-to-phen-chua"
CORRECTION_AT = datetime.combine(DAY1 + timedelta(days=2), time(7, 30), tzinfo=VN_TZ)
TIME_TO_FLAG = FIRST_FLAGGED - FIRST_SEEN
TIME_TO_ANSWER = CORRECTION_AT - FIRST_SEEN

#: The claim a reviewer writes down from the day-2 cluster.
CLAIM_TEXT = "Uống nước lá tía tô pha với phèn chua giúp miễn dịch hoàn toàn với biến chủng Delta."
CLAIM_CORRECTION = (
    "Không có loại nước lá nào giúp miễn dịch với COVID-19; phèn chua uống vào có thể gây ngộ độc. "
    "Hãy tiêm vắc xin và làm theo 5K."
)

_RUMOR = (
    "KHẨN: Tối nay ai uống nước lá tía tô pha với phèn chua sẽ miễn dịch hoàn toàn với biến chủng Delta, "
    "bác sĩ bệnh viện tỉnh vừa tiết lộ. Chia sẻ gấp cho cả nhà!"
)

#: (day, hour, minute, source, platform, path, text)
_POSTS: list[tuple[int, int, int, str, str, str, str]] = [
    (
        1,
        9,
        0,
        "forum-phonui",
        "forum",
        "threads/nghe-noi-la-tia-to.901",
        "Hôm qua ở chợ nghe mấy bà nói uống nước lá tía tô pha với phèn chua thì miễn dịch với biến chủng Delta, "
        "không biết có đúng không.",
    ),
    (1, 20, 0, "tg-tinnong", "telegram", "tinnongtuyenquang/501", _RUMOR),
    (2, 8, 0, "tg-tinnong", "telegram", "tinnongtuyenquang/502", _RUMOR.replace("nhà!", "nhà!!!")),
    (
        2,
        10,
        0,
        "forum-phonui",
        "forum",
        "threads/la-tia-to-phen-chua.902",
        _RUMOR.replace("KHẨN: Tối nay ai", "Khẩn: ai"),
    ),
    (
        2,
        15,
        0,
        "forum-phonui",
        "forum",
        "threads/la-tia-to-phen-chua.902/page-2",
        "Mọi người ơi, uống nước lá tía tô pha phèn chua là miễn dịch hoàn toàn với Delta đó, bác sĩ bệnh viện tỉnh "
        "nói rồi, share ngay",
    ),
    (3, 6, 0, "tg-tinnong", "telegram", "tinnongtuyenquang/503", _RUMOR.replace("Tối nay", "Sáng nay")),
    (
        3,
        7,
        30,
        "sonduong",
        "web",
        "tin-tuc/bac-bo-tin-uong-nuoc-la-tia-to-phen-chua",
        "UBND huyện Sơn Dương khẳng định thông tin uống nước lá tía tô pha với phèn chua giúp miễn dịch hoàn toàn "
        "với biến chủng Delta là sai sự thật. Phèn chua uống vào có thể gây ngộ độc. Người dân hãy tiêm vắc xin "
        "và thực hiện 5K.",
    ),
    (
        4,
        11,
        0,
        "forum-phonui",
        "forum",
        "threads/la-tia-to-phen-chua.902/page-3",
        "Huyện đã bác bỏ rồi nhé, uống nước lá tía tô pha phèn chua không miễn dịch được với Delta đâu.",
    ),
]

_BASE = {
    "forum-phonui": "https://diendan-phonui.example/",
    "tg-tinnong": "https://t.me/",
    "sonduong": "https://sonduong.example/",
}


def day_of(n: int) -> date:
    """The calendar day of storyline day ``n`` (1-based)."""
    return DAY1 + timedelta(days=n - 1)


def documents(n: int) -> list[Document]:
    """What the crawlers bring in on storyline day ``n`` (the posts published that day)."""
    out: list[Document] = []
    for day, hour, minute, source, platform, path, text in _POSTS:
        if day != n:
            continue
        when = datetime.combine(day_of(day), time(hour, minute), tzinfo=VN_TZ)
        url = _BASE[source] + path
        out.append(
            Document(
                id="story-" + path.replace("/", "-").replace(".", "-"),
                url=url,
                source_id=source,
                kind=Kind.NEWS if platform == "web" else Kind.SOCIAL,
                platform=platform,
                title="Bác bỏ tin uống nước lá tía tô pha phèn chua chống Delta" if platform == "web" else "",
                text=text,
                published_at=when,
                published_precision="minute",
                fetched_at=when + timedelta(minutes=20),
                language="vi",
            )
        )
    return out


DAYS = sorted({p[0] for p in _POSTS})
