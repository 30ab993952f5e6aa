"""Hand-made signals of a post: engagement, posting hour, style, calls to forward.

These are the "metadata" half of the rumor model. The cues a reviewer reads are found by
``nlp.cues`` in the text itself, with their spans, so that each can be checked there.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from nlp.masking import without_names
from nlp.normalize import NormalizedText
from tinradar.settings import VN_TZ

# Calls to forward, urgency and "they are hiding it" framing, on folded text so that
# "chia se gap" typed without diacritics counts too.
FORWARD_RE = re.compile(
    r"\b(?:chia se (?:gap|ngay|rong rai|cho moi nguoi|de moi nguoi|cho nguoi than|giup)|share (?:gap|ngay|cho)|"
    r"hay chia se|lan truyen (?:ngay|gap)|gui cho (?:moi nguoi|nguoi than|ban be)|"
    r"(?:truyen|chuyen) tiep (?:ngay|cho)|bao cho (?:moi nguoi|nguoi than|ca nha)|"
    r"moi nguoi (?:can|nen|hay) biet|dung bo qua|share de|copy (?:va|roi) (?:dan|gui))\b"
)
URGENT_RE = re.compile(
    r"\b(?:khan cap|gap gap|cap bao|bao dong do|nong:|tin nong|soc|kinh hoang|canh bao khan|"
    r"that kinh khung|cuc ky nguy hiem|tin mat|kin dao|se bi xoa|truoc khi bi xoa)\b"
)
HIDDEN_RE = re.compile(
    r"\b(?:bao chi khong dua tin|giau (?:nhem|thong tin|dich)|che giau|su that (?:ve|la|dang sau)|"
    r"ho khong muon ban biet|khong ai noi|nguon tin noi bo|nguoi nha (?:lam|o) (?:bo y te|benh vien)|"
    r"ban than toi (?:lam|o)|nghe noi|nghe dau|nghe bao)\b"
)
#: Style (capitals, "!", calls to forward) is judged on the opening of a text.
STYLE_CHARS = 5000
EMOJI_RE = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")
HASHTAG_RE = re.compile(r"#\w+")

#: Order of the columns of :func:`metadata_matrix` (kept in the model for a sanity check).
#: Missing values are NaN here. In ReINTEL a missing count is an artefact of collection (85 % of
#: the training posts without a comment count are unreliable) that news articles — which never
#: carry counts — must not inherit; the rumor model therefore scores a post with an unknown count
#: or hour by a second level that never reads them (``nlp.rumor.CONTEXT_SIGNALS``). Filling them
#: with training medians did not do it: the filled rows sat on one exact value that the boosted
#: trees isolated (issue 21).
FEATURE_NAMES = (
    "log_likes",
    "log_comments",
    "log_shares",
    "share_like_ratio",
    "hour_sin",
    "hour_cos",
    "hour_night",
    "urls",
    "phones",
    "emails",
    "log_len",
    "caps_ratio",
    "excl_ratio",
    "question_ratio",
    "forward_call",
    "urgent",
    "hidden_truth",
    "emoji",
    "hashtags",
    "url_only",
)


@dataclass
class PostSignals:
    """Signals of one post; ``vector()`` gives the model's metadata row."""

    likes: float | None
    comments: float | None
    shares: float | None
    hour: float | None
    urls: int
    phones: int
    emails: int
    length: int
    caps_ratio: float
    excl_ratio: float
    question_ratio: float
    forward_call: bool
    urgent: bool
    hidden_truth: bool
    emoji: int
    hashtags: int
    url_only: bool

    def vector(self) -> list[float]:
        nan = float("nan")

        def lg(v: float | None) -> float:
            return math.log1p(v) if v is not None else nan

        hour = self.hour
        share_like = (
            math.log1p(self.shares) - math.log1p(self.likes)
            if self.shares is not None and self.likes is not None
            else nan
        )
        return [
            lg(self.likes),
            lg(self.comments),
            lg(self.shares),
            share_like,
            math.sin(2 * math.pi * hour / 24) if hour is not None else nan,
            math.cos(2 * math.pi * hour / 24) if hour is not None else nan,
            float(hour < 6 or hour >= 23) if hour is not None else nan,
            min(self.urls, 5),
            min(self.phones, 5),
            min(self.emails, 5),
            math.log1p(self.length),
            self.caps_ratio,
            self.excl_ratio,
            self.question_ratio,
            float(self.forward_call),
            float(self.urgent),
            float(self.hidden_truth),
            min(self.emoji, 10) / 10,
            min(self.hashtags, 10) / 10,
            float(self.url_only),
        ]


def _count(value: object) -> float | None:
    """Engagement counts arrive as ints, floats, '' or 'unknown'."""
    if value is None:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number >= 0 else None


def local_hour(when: datetime | float | str | None) -> float | None:
    """Posting hour in Vietnam (0..24), from a datetime or a Unix timestamp."""
    if when is None or when == "":
        return None
    try:
        if isinstance(when, datetime):
            dt = when.astimezone(VN_TZ) if when.tzinfo else when.replace(tzinfo=VN_TZ)
        else:
            dt = datetime.fromtimestamp(float(when), VN_TZ)
    except (TypeError, ValueError, OverflowError, OSError):
        return None
    return dt.hour + dt.minute / 60


def signals(
    norm: NormalizedText,
    *,
    likes: object = None,
    comments: object = None,
    shares: object = None,
    posted: datetime | float | str | None = None,
    blind: bool = True,
) -> PostSignals:
    """Compute the signals of one normalised post.

    With ``blind`` (the default) length and capitals are counted with names left out
    (``nlp.masking``): "Trung Quốc" is longer and more capitalised than "Mỹ", and a score
    must not move with the name (issue 21).
    """
    text = norm.text[:STYLE_CHARS]
    length = len(norm.text)
    if blind:
        plain = without_names(text)
        length -= len(text) - len(plain)
        text = plain
    letters = [c for c in text if c.isalpha()]
    upper = sum(1 for c in letters if c.isupper())
    n_sent = max(1, len(re.findall(r"[.!?\n]+", text)))
    folded = norm.folded[: STYLE_CHARS * 2]
    stripped = re.sub(r"<(?:url|phone|email)>|[\W_]+", "", text[:2000])
    return PostSignals(
        likes=_count(likes),
        comments=_count(comments),
        shares=_count(shares),
        hour=local_hour(posted),
        urls=norm.urls,
        phones=norm.phones,
        emails=norm.emails,
        length=length,
        caps_ratio=upper / len(letters) if len(letters) >= 10 else 0.0,
        excl_ratio=min(1.0, text.count("!") / n_sent),
        question_ratio=min(1.0, text.count("?") / n_sent),
        forward_call=bool(FORWARD_RE.search(folded)),
        urgent=bool(URGENT_RE.search(folded)),
        hidden_truth=bool(HIDDEN_RE.search(folded)),
        emoji=len(EMOJI_RE.findall(text)),
        hashtags=len(HASHTAG_RE.findall(text)),
        url_only=norm.urls > 0 and not stripped,
    )


def metadata_matrix(rows: list[PostSignals]) -> np.ndarray:
    """Stack the signal vectors of many posts (float32, one row per post; NaN = unknown)."""
    if not rows:
        return np.zeros((0, len(FEATURE_NAMES)), dtype=np.float32)
    return np.asarray([r.vector() for r in rows], dtype=np.float32)
