"""Vietnamese labels and Jinja2 filters: how the desk shows statuses, risks, times and links."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2

from flows.claims import claim_name as claim_name  # the desk's messages name claims as the CLI does
from flows.source_names import source_name, source_names
from index.doc import IndexDoc
from index.review.models import QUEUE_RISK_LEVELS
from tinradar.ids import safe_url  # the one rule for crawled links (also the daily report's)
from tinradar.schema import ClaimMatch, Stance, score_text
from tinradar.text import body_span

STATUS_LABELS = {
    "new": "Chưa xem xét",
    "in_review": "Đang xem xét",
    "confirmed_false": "Sai sự thật",
    "misleading": "Gây hiểu lầm",
    "accurate": "Chính xác",
    "irrelevant": "Không liên quan",
}
STATUS_HELP = {
    "confirmed_false": "Đã đối chiếu: nội dung là tin sai/tin đồn.",
    "misleading": "Có phần đúng nhưng dễ gây hiểu sai.",
    "accurate": "Nội dung đúng sự thật.",
    "irrelevant": "Không liên quan đến COVID-19 hoặc không cần xử lý.",
}
RISK_LABELS = {"high": "Cao", "medium": "Trung bình", "low": "Thấp"}
SENTIMENT_LABELS = {"neg": "Tiêu cực", "neu": "Trung tính", "pos": "Tích cực"}
KIND_LABELS = {"news": "Báo chí", "social": "Mạng xã hội"}
ROLE_LABELS = {"reviewer": "Người duyệt", "analyst": "Phân tích viên (chỉ xem)", "admin": "Quản trị"}
STATUS_FILTERS = [("open", "Cần xử lý (chưa quyết định)"), ("all", "Tất cả"), *STATUS_LABELS.items()]
MODE_LABELS = {"risk": "Rủi ro cao trước", "uncertain": "Mô hình chưa chắc chắn trước"}

#: How an item relates to a known claim it matched (``ClaimMatch.stance``), in the desk's verb: the one
#: wording of the sentences below and of the queue's stance menu.
STANCE_VERBS = {"repeats": "nhắc lại", "refutes": "bác bỏ", "asks": "hỏi lại"}
#: The same, said to a reviewer who reads the item page: a machine reading ("có vẻ"), in the words of
#: the analyzer's cues, so a correction that quotes the rumor to deny it is not taken for the rumor.
STANCE_LABELS = {
    "repeats": f"Bài này có vẻ {STANCE_VERBS['repeats']} tin đồn này.",
    "refutes": f"Bài này có vẻ {STANCE_VERBS['refutes']} tin đồn này (có thể là bài cải chính).",
    "asks": f"Bài này có vẻ {STANCE_VERBS['asks']} tin đồn này (có thể trả lời bằng thông tin cải chính).",
    # matches stored before stances were read: the page must not guess that the item repeats the rumor
    "unknown": "Bài được phân tích trước khi máy phân biệt nhắc lại hay bác bỏ: cần đọc bài để biết.",
}
#: The queue's stance menu (``?stance=``): value → label, in the order of ``Stance``.
STANCE_FILTERS = {stance.value: f"Có vẻ {STANCE_VERBS[stance.value]} tin đồn" for stance in Stance}
#: The queue's risk menu (``?risk=``): the levels the queue lists (``QUEUE_RISK_LEVELS``: medium and
#: up), riskiest first, in ``RISK_LABELS``' words; "low" is never in the queue, so it is not offered.
RISK_FILTERS = {level.value: RISK_LABELS[level.value] for level in QUEUE_RISK_LEVELS}
#: The short form before a claim's tag in the queue rows (the whole sentence is its tooltip).
STANCE_TAGS = {"repeats": "≈", "refutes": "có vẻ bác bỏ:", "asks": "có vẻ hỏi:", "unknown": "≈"}
#: The tooltip of the words a stance was read from (``stance_words``) where they are marked in the text.
STANCE_MARKS = {"refutes": "lời có vẻ bác bỏ tin đồn", "asks": "câu có vẻ hỏi lại tin đồn"}


def stance_of(match: ClaimMatch) -> str:
    """The match's stance, or ``"unknown"`` for a document written before stances were stored
    (the schema reads those as ``repeats``; the desk says it does not know instead)."""
    return match.stance.value if "stance" in match.model_fields_set else "unknown"


def stance_words(match: ClaimMatch) -> str | None:
    """The words the stance was read from, for a refuting match or a question that carries them
    (the refuting words; the question's last clause); ``None`` for a repeat and for older matches."""
    if match.stance is Stance.REPEATS or "stance" not in match.model_fields_set:
        return None
    return match.stance_phrase


def local_time(value: datetime | None, tz: ZoneInfo, fmt: str = "%H:%M %d/%m/%Y") -> str:
    """A moment shown in the board's time zone; '' when unknown."""
    if value is None:
        return ""
    if value.tzinfo is None:
        return value.strftime(fmt)
    return value.astimezone(tz).strftime(fmt)


def opening(text: str, limit: int) -> str:
    """The first ``limit`` characters of a text on one line, "…" where it was cut."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def snippet(doc: IndexDoc, limit: int = 180) -> str:
    """Title, or the start of the text, for queue rows."""
    return opening(doc.title.strip() or doc.text.strip(), limit)


def _mark_phrase(body: str, marks: list[tuple[int, int, str]], phrase: str, mark: str) -> list[tuple[int, int, str]]:
    """``marks`` with the stance's words (labelled ``mark``) marked too: inside the mark that holds them (the claim
    sentence, usually) they split it in three, so both stay visible; beside the marks they are added;
    where they would cross a mark's edge, or are not in the body (the title), they are left unmarked."""
    starts: list[int] = []
    at = body.find(phrase) if phrase else -1
    while at >= 0:
        starts.append(at)
        at = body.find(phrase, at + 1)
    if not starts:
        return marks
    # prefer the occurrence inside a mark (the sentence the stance was read from), else the first
    inside = [i for i in starts if any(s <= i and i + len(phrase) <= e for s, e, _ in marks)]
    i = (inside or starts)[0]
    j = i + len(phrase)
    out: list[tuple[int, int, str]] = []
    for s, e, label in marks:
        if s <= i and j <= e:
            out += [(s, i, label), (i, j, mark), (j, e, label)]
        elif j <= s or i >= e:
            out.append((s, e, label))
        else:
            return marks  # crosses a mark's edge: leave the text as the cues marked it
    if len(out) == len(marks):
        out.append((i, j, mark))
    return [m for m in out if m[0] < m[1]]


def highlighted(doc: IndexDoc) -> list[tuple[str, str | None]]:
    """The body as (segment, cue label or None) pieces: each cue's phrase marked where it
    stands, so a reviewer checks the cue in the text (the template escapes every piece), and
    the words of a refuting match (the ones its claim box quotes)."""
    body = doc.text or ""
    marks: list[tuple[int, int, str]] = []
    for cue in doc.cue_spans:
        found = body_span(doc.title, body, cue.start, cue.end, cue.text)
        if found and all(found[1] <= s or found[0] >= e for s, e, _ in marks):
            marks.append((found[0], found[1], cue.label))
    for match in doc.matched_claims:
        phrase = stance_words(match)
        if phrase:
            marks = _mark_phrase(body, marks, phrase, STANCE_MARKS[match.stance.value])
    pieces: list[tuple[str, str | None]] = []
    pos = 0
    for s, e, label in sorted(marks):
        pieces += [(body[pos:s], None), (body[s:e], label)]
        pos = e
    pieces.append((body[pos:], None))
    return [p for p in pieces if p[0]]


@lru_cache(maxsize=1)
def province_names() -> dict[str, str]:
    """Official province code → name, from the NLP gazetteer table."""
    from nlp.places import PlaceNames

    return PlaceNames.load().provinces


def percent(value: float | None) -> str:
    return "–" if value is None else score_text(value)


def install(env: jinja2.Environment, tz: ZoneInfo, sources_file: Path) -> None:
    """Register filters and globals on the templates' environment (``sources_file``: the
    registry the source names come from, read on first use and then kept)."""
    env.filters["localtime"] = lambda v, fmt="%H:%M %d/%m/%Y": local_time(v, tz, fmt)
    env.filters["safe_url"] = safe_url
    env.filters["snippet"] = snippet
    env.filters["highlighted"] = highlighted
    env.filters["percent"] = percent
    env.filters["stance"] = stance_of
    env.filters["province"] = lambda code: province_names().get(code or "", code or "")
    env.filters["source_name"] = lambda source_id: source_name(source_id, source_names(sources_file))
    env.globals.update(
        STATUS_LABELS=STATUS_LABELS,
        STATUS_HELP=STATUS_HELP,
        RISK_LABELS=RISK_LABELS,
        SENTIMENT_LABELS=SENTIMENT_LABELS,
        KIND_LABELS=KIND_LABELS,
        ROLE_LABELS=ROLE_LABELS,
        STATUS_FILTERS=STATUS_FILTERS,
        MODE_LABELS=MODE_LABELS,
        STANCE_LABELS=STANCE_LABELS,
        STANCE_FILTERS=STANCE_FILTERS,
        RISK_FILTERS=RISK_FILTERS,
        STANCE_MARKS=STANCE_MARKS,
        STANCE_TAGS=STANCE_TAGS,
    )
