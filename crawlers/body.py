"""What in an article page is not the article: captions, credits, bylines, sources, boxes.

Vietnamese outlets put photo captions under every picture (``figcaption``, ``p.Image``,
a centered italic line, a table row under the photo), end the text with the byline
("K. Miên", "Nhóm PV", "Tin, ảnh: ..."), the source ("Theo Infonet") and photo credits,
and drop "Tin liên quan" / "Xem thêm" boxes and tag lists into the body. The models must
score the article's own sentences, so these are taken out: captions into ``captions``
(searchable context), the writer's byline into ``author``, the source into ``via``
(photo credits leave the text and are credited to no one).

Two passes: on the page tree (captions and related/tag boxes, found by their markup),
and on the extracted lines (the trailing byline/source/related lines, found by their
shape, helped by the page's own ``author``/``source`` classes). A photo story, whose text
*is* its captions, keeps them in the text.

A credit is cleaned before it becomes ``author``/``via`` (``credit``, ``writer_credit``),
because reviewers read it and outlet names are matched on it: one line; without the
button words a layout prints at its end ("Theo Nhịp sống thị trường Copy link"); for the
author, without a label naming the writer's work ("Tin, ảnh: Vũ Phương Thảo"), the photo
(video, graphics) credit that follows the writer ("H.V. Ảnh : Misso" → "H.V.") and a role
note ("Hà Thu (tổng hợp)").
When the page labels its credits in markup, trailing lines that match none of the labels
and are credits only by their shape (capitalised words, not "Theo …" or "Tin, ảnh: …")
are cut from the text but credited to no one: they are furniture of the page (box
headings, a calendar), not a second byline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import lxml.html

from tinradar.text import clean_text, fold, fold_aligned

_BLOCKS = {"p", "div", "td", "center", "figure", "section", "li", "h2", "h3", "h4", "blockquote", "table"}
#: Elements a browser lays out on a line of their own (``shown_text``).
_BREAKS = _BLOCKS | {
    "br",
    "ul",
    "ol",
    "tr",
    "th",
    "h1",
    "h5",
    "h6",
    "dd",
    "dt",
    "figcaption",
    "header",
    "footer",
    "article",
}
#: Class tokens of caption elements (VnExpress ``p.Image``, Zing ``td.pCaption``, ``PhotoCMS_Caption``, ...).
_CAPTION_TOKEN = re.compile(r"caption|^image$|chu-?thich|(img|image|photo)-?desc|desc-?(img|image|photo)", re.I)
_RELATED = re.compile(r"relate|lien-?quan|tinlienquan|xem-?them|read-?more|more-?news|other-?news|tin-?khac", re.I)
_TAGS = re.compile(r"tags?(?![a-z])|tag(?:box|list|cnt|article|detail|s?item)|keyword|tu-?khoa", re.I)
_COMMENTS = re.compile(r"comment|binh-?luan|phan-?hoi|y-?kien|feedback", re.I)
_AUTHOR = re.compile(r"author|byline|tac-?gia|writer", re.I)
_SOURCE = re.compile(r"source|nguon", re.I)
_MAX_CAPTION = 300
#: Longer than this, a box that names the outlet is more than a notice (``drop_house_notes``).
_MAX_HOUSE_NOTE = 1200
_MAX_NAME = 80

#: Short trailing lines that are navigation, not text (folded, lower case).
_NAV_LINE = re.compile(
    r"^\W*(xem them|tin lien quan|doc them|tham khao them|xem tiep|tin cung chuyen muc|tu khoa|tags?\b|chu de\b|"
    r"theo dong su kien|cac tin khac|tin khac\b|co the ban quan tam|bai viet khac|quay lai|tro ve|chia se|"
    r"binh luan|y kien ban doc|gui y kien|gui phan hoi|xem nhieu nhat|doc nhieu nhat|tin moi|tin noi bat|"
    r"xem tat ca|thong tin cap nhat)"
)
#: A related-link list item: "- Headline" with no sentence end.
_LINK_ITEM = re.compile(r"^[-•·–]\s+\S.*[^.!?:;…\"”)]$")
_MAX_LINK_ITEM_WORDS = 30
_MAX_NAV_WORDS = 16
#: At most this many lines after the text are its signature (byline, credits, source).
_MAX_SIGNATURE = 3
_DATE_LINE = re.compile(
    r"\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{2,4}.*\d{1,2}\s*[:h]\s*\d{2}|\d{1,2}\s*[:h]\s*\d{2}.*\d{1,2}/\d{1,2}/\d{2,4}"
)
_DATED_LINK = re.compile(r"\(\d{1,2}/\d{1,2}(?:/\d{2,4})?\)$")
_CREDIT_LINE = re.compile(r"^(tin,? anh|tin va anh|bai va anh|bai,? anh|anh|video|do hoa|clip)\s*:", re.I)
_GROUP_BYLINE = re.compile(r"^(nhom )?(pv|ptv|ctv|btv)\b|\(tong hop\)$|\(theo .*\)$", re.I)
#: Button and link words some layouts print at the end of a credit (folded): "Copy link"
#: after CafeF's source, "Chia sẻ" / "Theo dõi" / "Bình luận" / "Lưu" beside a byline. A
#: bare "Lưu" is also a name, so it counts only after a separator ("· Lưu").
_UI_TAIL = re.compile(
    r"(?:[\s|·•/-]*\b(?:copy link|lay link|sao chep(?: lien ket)?|chia se|theo doi|binh luan|luu (?:bai|tin|lai)|"
    r"in bai|share|follow|print)|\s*[|·•]\s*luu)+[\s|·•/-]*$"
)
#: A credit wholly inside one pair of brackets, nothing outside it: "(TTXVN/Vietnam+)".
_WRAPPED = re.compile(r"\(\s*([^()]+?)\s*\)")
#: A label naming the writer's own work before the name (folded): "Tin, ảnh:", "Bài và ảnh:", "Bài:".
_WRITER_LABEL = re.compile(r"^(?:(?:tin|bai)(?:\s*(?:,|va|&)\s*(?:anh|video))?|thuc hien|tac gia)\s*:\s*")
#: Where a photo, video or graphics credit starts in a byline (folded): "H.V. Ảnh : Misso",
#: "Tâm Giao / Ảnh: Cao Trung Hiếu"; what follows credits the pictures, not the text.
_PICTURE_CREDIT = re.compile(r"(?:^|[\s/|,;-]+)(?:anh|video|clip|do hoa|thiet ke)\s*:")
#: A note of the writer's role after the name (folded): "Hà Thu (tổng hợp)", "(lược dịch)".
_ROLE_NOTE = re.compile(r"\s*\((?:tong hop|luoc dich|bien dich|dich|luoc thuat|ghi|thuc hien)\)$")


@dataclass
class Tail:
    """A body split from its trailing byline and source lines."""

    lines: list[str]
    author: str | None = None
    via: str | None = None


@dataclass
class Hints:
    """Byline and source texts the page marks as such (class ``author``/``source``), and
    the sources it names in words under the text ("Nguồn: …", ``take_worded_sources``):
    those are not markup labels, so they do not make name-shaped lines furniture."""

    authors: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    worded: list[str] = field(default_factory=list)


# --- the page tree ------------------------------------------------------------------------


def find_captions(root: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """Caption elements of the page, outermost first, without duplicates."""
    found: dict[int, lxml.html.HtmlElement] = {}
    for el in root.iter("figcaption"):
        found[id(el)] = el
    for el in root.xpath("//*[@class]"):
        if el.tag in ("img", "figure", "html", "body", "table") or not isinstance(el.tag, str):
            continue
        if any(_CAPTION_TOKEN.search(token) for token in el.get("class", "").split()):
            found[id(el)] = el
    for img in root.iter("img"):
        for el in _captions_near(img):
            found[id(el)] = el
    out = list(found.values())
    inside = {id(d) for el in out for d in el.iterdescendants()}
    return [el for el in out if id(el) not in inside and _text(el)]


def _captions_near(img: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """Text placed right under a photo and styled as a caption."""
    block = _block_of(img)
    if block is None:
        return []
    table = next((a for a in img.iterancestors("table")), None)
    if table is not None and len(_text(table)) <= _MAX_CAPTION and len(table.xpath(".//img")) <= 3:
        row = next(img.iterancestors("tr"), None)
        rows = [r for r in table.iter("tr") if r is not row and not r.xpath(".//img") and _text(r)]
        if row is not None and rows:  # a caption row under (or over) the photo's row
            return rows
    alt = fold(img.get("alt") or img.get("title") or "").strip()
    own = _text(block)
    if own and len(own) <= _MAX_CAPTION and _after_image_only(block, img) and _looks_like_caption(block, alt):
        return [block]  # the photo and its caption in one block
    after = block.getnext()
    while after is not None and isinstance(after.tag, str) and not _text(after) and not after.xpath(".//img"):
        after = after.getnext()
    if after is None or not isinstance(after.tag, str) or after.tag not in _BLOCKS | {"span"}:
        return []
    if after.xpath(".//img") or len(_text(after)) > _MAX_CAPTION or _teaser_title(after, img):
        return []
    return [after] if _looks_like_caption(after, alt) else []


def _teaser_title(el: lxml.html.HtmlElement, img: lxml.html.HtmlElement) -> bool:
    """A linked thumbnail with a line under it that is all link: another story's teaser
    (its headline repeats the thumbnail's alt), not a caption of this page's photo.
    Hànộimới 2026's "Đọc tiếp" list came back as six captions."""
    if not any(a.get("href") for a in img.iterancestors("a")):
        return False
    linked = clean_text(" ".join(" ".join(a.itertext()) for a in el.iter("a") if a.get("href")))
    return bool(linked) and linked == _text(el)


def _after_image_only(block: lxml.html.HtmlElement, img: lxml.html.HtmlElement) -> bool:
    """The block's text all comes after its photo, and it holds no heading."""
    if block.xpath(".//h1|.//h2|.//h3|.//h4"):
        return False
    for node in block.iter():
        if node is img:
            return True
        if isinstance(node.tag, str) and (node.text or "").strip():
            return False
        if node is not block and (node.tail or "").strip() and img not in node.iterdescendants():
            return False
    return False


def _block_of(img: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    for el in img.iterancestors():
        if el.tag in _BLOCKS:
            return el
    return None


def _looks_like_caption(el: lxml.html.HtmlElement, alt: str) -> bool:
    """Centered and italic/colored, or repeating the photo's alt text; never a heading."""
    if el.tag in ("h1", "h2", "h3", "h4") or el.xpath(".//h1|.//h2|.//h3|.//h4"):
        return False
    if alt and len(alt) > 10 and _squash(fold(_text(el))) == _squash(alt):
        return True
    return _centered(el) and (_italic(el) or _styled(el))


def _squash(text: str) -> str:
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


def _style(el: lxml.html.HtmlElement) -> str:
    return (el.get("style") or "").lower().replace(" ", "")


def _centered(el: lxml.html.HtmlElement) -> bool:
    for node in [el, *el.iterancestors()][:3]:
        if (node.get("align") or "").lower() == "center" or "text-align:center" in _style(node):
            return True
    return False


def _italic(el: lxml.html.HtmlElement) -> bool:
    """All of the element's text is italic (its own style, or inside i/em/italic spans)."""
    if "font-style:italic" in _style(el):
        return True
    plain = el.text or ""
    for child in el:
        italic = child.tag in ("i", "em") or "font-style:italic" in _style(child) or _italic(child)
        if not italic and (child.text_content() or "").strip():
            return False
        plain += child.tail or ""
    return not plain.strip()


def _styled(el: lxml.html.HtmlElement) -> bool:
    """Colored or smaller text: how 2012 layouts set a caption apart."""
    return any(("color:" in _style(n) or "font-size:" in _style(n)) for n in el.iter() if isinstance(n.tag, str))


def shown_text(el: lxml.html.HtmlElement) -> str:
    """The element's text as a browser lays it out: an inline element (``em``, ``a``,
    ``span``) joins its neighbours as the markup does, a block or ``<br>`` starts a new
    line. "Ảnh: <em> Reuters</em>." reads "Ảnh: Reuters.", not "Ảnh: Reuters ." (Znews 2025),
    and "<em>Ảnh</em>: X" stays one word plus its colon."""
    parts: list[str] = []

    def walk(node: lxml.html.HtmlElement, top: bool) -> None:
        tag = node.tag if isinstance(node.tag, str) else None  # comments keep only their tail
        breaks = not top and tag in _BREAKS
        if breaks:
            parts.append("\n")
        if tag is not None:
            parts.append(node.text or "")
            for child in node:
                walk(child, False)
        if breaks:
            parts.append("\n")
        if not top:
            parts.append(node.tail or "")

    walk(el, True)
    return clean_text("".join(parts))


def _text(el: lxml.html.HtmlElement) -> str:
    return clean_text(" ".join(el.itertext()))


def drop_boxes(root: lxml.html.HtmlElement) -> None:
    """Remove related-news boxes and tag lists (blocks that are mostly links)."""
    for el in root.xpath("//*[@class or @id or @type]"):
        if not isinstance(el.tag, str) or el.tag not in _BLOCKS | {"ul", "aside", "nav", "ol"}:
            continue
        key = f"{el.get('class') or ''} {el.get('id') or ''} {el.get('type') or ''}"
        if el.getparent() is None:
            continue
        if _COMMENTS.search(key) and not el.xpath(".//h1") and el.xpath(".//form|.//textarea|.//input"):
            el.drop_tree()  # a comment form and the readers' comments around it
            continue
        related, tags = _RELATED.search(key), _TAGS.search(key)
        if not (related or tags):
            continue
        text = _text(el)
        links = clean_text(" ".join(" ".join(a.itertext()) for a in el.iter("a")))
        density = len(links) / len(text) if text else 1.0
        if (related and el.iter("a") and (density >= 0.3 or len(text) <= 400)) or (tags and density >= 0.5):
            el.drop_tree()


#: Class tokens of the note boxes a CMS puts in the body (``cms-note``, ``notebox``).
_NOTE = re.compile(r"note", re.I)
#: A line that ends like a sentence (a closing quote or bracket may follow).
_SENTENCE_END = re.compile(r"[.!?…][\"”’')\]]*$")


def drop_data_boxes(root: lxml.html.HtmlElement) -> None:
    """Remove a note box that opens the article's text and holds no sentence: a match box
    of goals and line-ups ("Bàn thắng" / "Đội hình thi đấu", Nhân Dân 2026) is data, not
    the report's prose, and its names would be read as claims. The box is classed as a
    note, comes before any long paragraph of its block and before at least two, and none
    of its lines ends like a sentence; a note box that tells something in sentences
    stays."""
    for el in root.xpath("//div[@class]|//aside[@class]|//section[@class]|//table[@class]"):
        if el.getparent() is None or not any(_NOTE.search(t) for t in el.get("class", "").split()):
            continue
        if any(len(_text(s)) >= 80 for s in el.itersiblings(preceding=True) if isinstance(s.tag, str)):
            continue  # not the opening of its block
        if sum(len(_text(p)) >= 80 for p in el.itersiblings("p")) < 2:
            continue
        text = _text(el)
        if not text or len(text) > _MAX_HOUSE_NOTE:
            continue
        lines = [_text(p) for p in el.iter("p", "li", "tr") if _text(p)] or [text]
        if len(lines) >= 2 and not any(_SENTENCE_END.search(line) for line in lines):
            el.drop_tree()


def drop_house_notes(root: lxml.html.HtmlElement, names: list[str]) -> None:
    """Remove the outlet's own notice that closes the article: a classed box, after at
    least two paragraphs of text and with no text after it in its block, whose words name
    the outlet (``names``: the site's name or its domain's label, folded). Znews 2025 ends
    every business story with "Tri Thức - Znews giới thiệu độc giả Tủ sách kiến thức kinh
    tế …"; a notice about the outlet is not the story, and its claims are not the story's."""
    wanted = [n for n in names if len(n) >= 3]
    if not wanted:
        return
    for el in root.xpath("//div[@class]|//aside|//section[@class]|//table[@class]|//blockquote[@class]"):
        if el.getparent() is None or any(isinstance(s.tag, str) and _text(s) for s in el.itersiblings()):
            continue  # not the last thing in its block
        if sum(len(_text(p)) >= 80 for p in el.itersiblings("p", preceding=True)) < 2:
            continue
        text = _text(el)
        if not text or len(text) > _MAX_HOUSE_NOTE:
            continue
        folded = fold(text)
        if any(re.search(rf"(?<!\w){re.escape(n)}(?!\w)", folded) for n in wanted):
            el.drop_tree()


@dataclass
class Layout:
    """Where nodes sit in the page (document order) and where each text starts, recorded
    before the nodes are dropped, to tell the article's captions from a sidebar's."""

    positions: list[int]
    starts: list[tuple[int, str]]
    anchor: int | None = None

    @classmethod
    def of(
        cls, root: lxml.html.HtmlElement, nodes: list[lxml.html.HtmlElement], anchor: lxml.html.HtmlElement | None
    ) -> Layout:
        if not nodes:
            return cls([], [], None)
        wanted = {id(n) for n in [*nodes, *([anchor] if anchor is not None else [])]}  # held: ids stay stable
        where: dict[int, int] = {}
        starts: list[tuple[int, str]] = []
        for position, el in enumerate(root.iter()):
            if id(el) in wanted:
                where[id(el)] = position
            own = (el.text or "").strip() if isinstance(el.tag, str) else ""
            if len(own) >= 12:
                starts.append((position, _squash(fold(own[:60]))[:30]))
        head = where.get(id(anchor)) if anchor is not None else None
        return cls([where.get(id(n), -1) for n in nodes], starts, head)

    def near_headline(self) -> list[bool]:
        """For each node: is it one of the article's own photos — the run of nodes that
        starts near the headline, each close to the previous one (a sidebar's photos come
        after a gap)?"""
        if self.anchor is None:
            return [True] * len(self.positions)
        keep: set[int] = set()
        last = self.anchor
        for position in sorted(p for p in self.positions if p >= self.anchor - 80):
            if position - last > (400 if last == self.anchor else 80):
                break
            keep.add(position)
            last = max(last, position)
        return [p in keep for p in self.positions]

    def among(self, line: str, chosen: list[bool]) -> bool:
        """Does ``line`` start among the chosen nodes (between the headline and a little
        after the last of them), rather than in a column beside or below them?"""
        probe = _squash(fold(line[:60]))[:30]
        where = [p for p, start in self.starts if _same_start(start, probe)]
        last = max((p for p, keep in zip(self.positions, chosen, strict=True) if keep), default=None)
        if self.anchor is None or last is None or not where:
            return True
        return any(self.anchor - 80 <= p <= last + 40 for p in where)

    def near_text(self, first: str, last: str) -> list[bool]:
        """For each node: does it sit between a little before ``first`` and a while after ``last``?"""
        head, tail = _squash(fold(first[:60]))[:30], _squash(fold(last[:60]))[:30]
        start = next((p for p, probe in self.starts if _same_start(probe, head)), None)
        end = next((p for p, probe in reversed(self.starts) if _same_start(probe, tail)), None)
        if start is None or end is None:
            return [True] * len(self.positions)
        return [start - 80 <= p <= max(start, end) + 200 for p in self.positions]


def _same_start(probe: str, line: str) -> bool:
    return bool(probe and line) and (probe.startswith(line) or line.startswith(probe))


def unwrap_layout_tables(root: lxml.html.HtmlElement) -> None:
    """Turn layout tables (cells holding paragraphs, blocks or other tables, as 2012
    layouts use them) into plain blocks, so the article inside reads as paragraphs and not
    as one table row ("| | whole article |"). Data tables keep their shape."""
    for table in list(root.iter("table")):
        if table.getparent() is None or not table.xpath(".//p|.//div|.//h1|.//h2|.//h3|.//ul|.//table"):
            continue
        if _short(table, _MAX_CAPTION):  # a photo with its caption, not a page layout
            continue
        for el in [table, *table.iter("thead", "tbody", "tfoot", "tr", "td", "th")]:
            el.tag = "div"


def paragraphs_from_divs(root: lxml.html.HtmlElement) -> None:
    """A ``<div>`` holding only a paragraph's worth of text among ``<p>`` siblings is a
    paragraph (2012 editors wrote "<DIV>first paragraph</DIV><P>...</P>"); trafilatura
    would skip it."""
    for div in list(root.iter("div")):
        parent = div.getparent()
        if parent is None or parent.find("p") is None or any(c.tag in _BLOCKS for c in div.iter() if c is not div):
            continue
        if len(_text(div)) >= 100:
            div.tag = "p"


_LIST_TAGS = {"div", "ul", "ol", "section", "aside", "td", "table", "tbody"}


def drop_teaser_lists(root: lxml.html.HtmlElement) -> None:
    """Remove lists of story teasers (a headline link, maybe a thumbnail and a short sapo,
    repeated), whatever their class: sidebars and "more stories" boxes that trafilatura
    takes for text on 2012 layouts."""
    candidates: dict[int, lxml.html.HtmlElement] = {}
    for link in root.iter("a"):  # only blocks that hold headline-length links can be teaser lists
        if len(link.text_content()) >= 15:
            for el in list(link.iterancestors())[:4]:
                candidates.setdefault(id(el), el)
    for el in candidates.values():
        if el.tag not in _LIST_TAGS:
            continue
        children = [c for c in el if isinstance(c.tag, str)]
        if len(children) < 2 or el.getparent() is None:
            continue
        items = [_teaser(c) for c in children]
        if not (all(items) or (sum(items) >= 3 and sum(items) >= 0.6 * len(children))):
            continue
        others = [c for c, item in zip(children, items, strict=True) if not item]
        if el.xpath(".//h1") or any(not _short(c, 200) and _text(c) for c in others):
            continue  # holds the headline or real text besides the teasers
        if _labelled_credit(el):
            continue  # a source box of links ("Theo X" + "Link bài gốc"): ``take_hints`` reads it
        el.drop_tree()


def _labelled_credit(el: lxml.html.HtmlElement) -> bool:
    """The page labels the block as a byline or source (class/id ``author``/``source``) and
    its own line is a credit ``take_hints`` would read. VCCorp's 2026 source box
    (``div.link-source-wrapper``: "Theo Đời sống Pháp luật" + "Copy link", then "Link bài
    gốc" and the original URL) is two links, which would otherwise pass for a teaser list,
    and the source would be lost (GenK 2026)."""
    key = f"{el.get('class') or ''} {el.get('id') or ''}"
    if not (_AUTHOR.search(key) or _SOURCE.search(key)):
        return False
    text = credit(_own_text(el))
    return bool(text) and len(text) <= _MAX_NAME and len(text.split()) <= 10


def _teaser(el: lxml.html.HtmlElement) -> bool:
    """One teaser: short, with a headline-length link making a good part of its text."""
    text = _short(el, _MAX_CAPTION)
    if not text:
        return False
    links = [clean_text(" ".join(a.itertext())) for a in el.iter("a")]
    longest = max((len(t) for t in links), default=0)
    headed = any(len(_text(h)) >= 15 and h.xpath(".//a") for h in el.iter("h2", "h3", "h4", "h5", "h6"))
    return headed or (longest >= 25 and sum(map(len, links)) >= 0.25 * len(text))


def _short(el: lxml.html.HtmlElement, limit: int) -> str:
    """The element's text, or '' when it is empty or longer than ``limit``."""
    parts: list[str] = []
    size = 0
    for piece in el.itertext():
        size += len(piece.strip())
        if size > limit:
            return ""
        parts.append(piece)
    return clean_text(" ".join(parts))


def drop(elements: list[lxml.html.HtmlElement]) -> None:
    for el in elements:
        if el.getparent() is not None:
            el.drop_tree()


def take_hints(root: lxml.html.HtmlElement) -> Hints:
    """Remove the short blocks the page labels as byline or source, and return their texts.

    ``class="author"``, ``p.pSource``, ``div.nguontin``, ``itemprop="author"``: bylines and
    "Theo ..." lines are not article text even when trafilatura keeps them inside a
    paragraph (24h's one-line table layout).
    """
    hints = Hints()
    found: list[lxml.html.HtmlElement] = []
    for el in root.xpath("//*[@class or @id or @itemprop or @data-role or @align or @style]"):
        if not isinstance(el.tag, str) or el.tag in ("meta", "link", "script", "img", "html", "body", "head"):
            continue
        if _control(el):
            continue  # a button the page's script handles is not a credit, whatever its class
        key = _credit_labels(el)
        is_author, is_source = _AUTHOR.search(key), _SOURCE.search(key)
        signed = not (is_author or is_source) and el.tag in ("p", "div") and _right_aligned(el)
        if not (is_author or is_source or signed) or any(el in f.iterdescendants() for f in found):
            continue
        text = credit(_own_text(el))
        if not text or len(text) > _MAX_NAME or len(text.split()) > 10:
            continue
        if signed:  # a right-aligned line under the text: "K. Miên", "Theo Infonet", "Forbes" after it
            folded = fold(text)
            follows = bool(found) and el.getprevious() is found[-1] and bool(hints.sources)
            if folded.startswith("theo ") or (follows and not any(c.isdigit() for c in text)):
                is_source = True
            elif not (_CREDIT_LINE.match(folded) or is_name(text)) or any(c.isdigit() for c in text):
                continue
        (hints.sources if is_source and not is_author else hints.authors).append(text)
        found.append(el)
    for el in found:
        if _short(el, 200) or not _text(el):
            drop([el])
        else:
            _drop_keep_blocks(el)
    take_worded_sources(root, hints)
    return hints


#: A source named in words (folded): "Nguồn: Báo Chính phủ", "Nguồn tin: TTXVN".
_WORDED_SOURCE = re.compile(r"^nguon(?: tin)?\s*:\s*")
_BARE_URL = re.compile(r"https?://(?:www\.)?([^/\s:?#]+)\S*")


def take_worded_sources(root: lxml.html.HtmlElement, hints: Hints) -> None:
    """Remove the line that closes the text with its source in words, "Nguồn: X", and keep
    X in ``hints.worded``. A government portal republishing a paper's story ends it with
    "Nguồn: " and a link whose text is the story's address (Bộ Y tế's COVID-19 portal,
    2021, held-out batch 8); the link made the line look like a related link, so it left
    the text and the source was lost. A bare address is credited by its site
    ("baochinhphu.vn"). Only a block that ends its container after the text counts: a
    "Nguồn: …" under a table or chart in mid-text credits that figure, not the story."""
    for el in root.xpath("//p|//div"):
        if el.getparent() is None or el.xpath(".//p|.//div|.//table|.//img"):
            continue
        line = " ".join(clean_text(el.text_content()).split())
        label = _WORDED_SOURCE.match(fold_aligned(line))
        if not label or not _closes_text(el):
            continue
        rest = line[label.end() :].strip()
        url = _BARE_URL.fullmatch(rest)
        source = url.group(1) if url else credit(rest).rstrip(" .")
        if source and len(source) <= _MAX_NAME and len(source.split()) <= 10:
            hints.worded.append(source)
            drop([el])


def _closes_text(el: lxml.html.HtmlElement) -> bool:
    """Nothing with text follows ``el`` in its container, and text comes before it."""
    if any(_text(sib) for sib in el.itersiblings() if isinstance(sib.tag, str)):
        return False
    return any(len(_text(sib)) >= 80 for sib in el.itersiblings(preceding=True) if isinstance(sib.tag, str))


def _credit_labels(el: lxml.html.HtmlElement) -> str:
    """The words by which the page labels an element's role: class, id, ``itemprop`` and
    ``data-role``. VCCorp's CMS marks the parts of an article with ``data-role`` ("title",
    "sapo", "content", "author"); Người Lao Động 2026 prints its byline in ``p.name[data-role=
    author]`` inside ``div.detail-author > div.author-info``, two blocks whose own text is
    empty, so the class alone never reached the name."""
    return " ".join(el.get(name) or "" for name in ("class", "id", "itemprop", "data-role"))


def _control(el: lxml.html.HtmlElement) -> bool:
    """A button or a script link (``href="javascript:…"``): page furniture. Soha 2026's
    "Xem hướng dẫn." (``a.open-popup-nguonuutien``, the help link of a "choose Soha as a
    preferred source" tip) carries "nguon" in its class and was read as a source."""
    return el.tag == "button" or (el.tag == "a" and (el.get("href") or "").strip().lower().startswith("javascript"))


def _right_aligned(el: lxml.html.HtmlElement) -> bool:
    return (el.get("align") or "").lower() == "right" or "text-align:right" in _style(el)


def _own_text(el: lxml.html.HtmlElement) -> str:
    """Text of the element and its inline children (not of nested blocks)."""
    parts = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str) and child.tag not in _BLOCKS and child.tag != "ul":
            parts.append(child.text_content())
        parts.append(child.tail or "")
    return clean_text(" ".join(parts))


def _drop_keep_blocks(el: lxml.html.HtmlElement) -> None:
    """Drop an element but keep its nested blocks (a rating box inside a source line)."""
    parent = el.getparent()
    if parent is None:
        return
    for child in list(el):
        if isinstance(child.tag, str) and (child.tag in _BLOCKS or child.tag == "ul"):
            child.tail = None
            el.addprevious(child)
    el.drop_tree()


# --- credits ------------------------------------------------------------------------------


def credit(text: str) -> str:
    """A byline or source as one line, without the button words at its end ("Copy link")
    and without a pair of brackets around the whole credit: TTXVN's papers close a story
    with "(TTXVN/Vietnam+)", and the source a reviewer reads is "TTXVN/Vietnam+"."""
    line = " ".join(clean_text(text).split())
    match = _UI_TAIL.search(fold_aligned(line))
    line = line[: match.start()].strip() if match else line
    wrapped = _WRAPPED.fullmatch(line)
    return wrapped.group(1).strip() if wrapped else line


def writer_credit(text: str) -> str:
    """The writer's part of a byline: ``credit``, without a label naming the writer's work
    ("Tin, ảnh: X" → "X"), the picture credit after the name ("H.V. Ảnh : Misso" → "H.V.")
    or a note of the writer's role ("Hà Thu (tổng hợp)" → "Hà Thu": one writer, one value).
    A credit that is only a picture credit ("Ảnh: X") names no writer: ''."""
    line = credit(text)
    folded = fold_aligned(line)  # a match in it is a span of ``line``
    label = _WRITER_LABEL.match(folded)
    if label:
        line, folded = line[label.end() :], folded[label.end() :]
    pictures = _PICTURE_CREDIT.search(folded)
    if pictures:
        line, folded = line[: pictures.start()], folded[: pictures.start()]
    role = _ROLE_NOTE.search(folded)
    return (line[: role.start()] if role else line).strip(" /|,;-")


# --- the extracted lines ------------------------------------------------------------------


def split_tail(lines: list[str], hints: Hints, *, title: str = "") -> Tail:
    """Drop navigation lines, the headline and date line trafilatura sometimes keeps at the
    top, and take the trailing byline/source lines out of the body."""
    body = [_unpipe(re.split(r"\s*(?:>>|»)", line)[0]) for line in lines]  # ">> Related story"
    headline = _squash(fold(title))
    body = [line for i, line in enumerate(body) if line and not (i < 4 and _header_line(line, headline))]
    tail: list[str] = []
    while body:
        kind = _tail_kind(body[-1], hints)
        if kind is None:
            break
        line = body.pop()
        if kind != "nav":
            tail.insert(0, line)
    author_parts: list[str] = []
    via_parts: list[str] = []
    signature = tail[:_MAX_SIGNATURE]  # what follows is page furniture
    if hints.authors or hints.sources:  # the page labels its credits: lines only shaped like names are furniture
        signature = [line for line in signature if _labelled(line, hints) or _worded_credit(line)]
    for i, line in enumerate(signature):
        folded = fold(line)
        if folded.startswith("theo ") or _matches(line, hints.sources):
            via_parts.append(re.sub(r"^theo\s+", "", line, flags=re.I))
        elif via_parts and i == len(author_parts) + len(via_parts) and not _matches(line, hints.authors):
            via_parts.append(line)  # "Theo Minh Nguyễn/Vcamp.vn" + "Forbes"
        elif not via_parts:
            author_parts.append(line)
    if not author_parts and via_parts and not _matches(via_parts[0], hints.sources):
        writer, via_parts = writer_of_source(via_parts)
        author_parts = [writer] if writer else []
    authors = [a for a in map(writer_credit, author_parts) if a]
    sources = [v for v in map(credit, via_parts) if v]
    return Tail(body, " / ".join(authors) or None, " / ".join(sources) or None)


def _labelled(line: str, hints: Hints) -> bool:
    return _matches(line, hints.authors) or _matches(line, hints.sources)


def _worded_credit(line: str) -> bool:
    """A credit by its words, not only by its shape: "Theo …", "Tin, ảnh: …", "Nhóm PV"."""
    folded = fold(line).strip()
    return folded.startswith("theo ") or bool(_CREDIT_LINE.match(folded) or _GROUP_BYLINE.search(folded))


def writer_of_source(parts: list[str]) -> tuple[str | None, list[str]]:
    """(writer, source parts) of a republished story's credit: "Theo <writer>/<outlet>",
    "Theo <writer> (<outlet>)", or "Theo <writer>" with the outlet on the next line, names
    the writer first. The first part counts as a writer only when another part follows it
    and it reads as a person's name (two to four capitalised words, no domain, digit or @);
    otherwise the parts are all sources ("Theo Infonet", "Theo Tuổi Trẻ")."""
    if not parts:
        return None, parts
    bracketed = re.fullmatch(r"(.+?)\s*\((.+)\)", parts[0])
    head = [bracketed.group(1), bracketed.group(2)] if bracketed else re.split(r"\s*/\s*", parts[0], maxsplit=1)
    split = [p for p in head if p] + parts[1:]
    first = split[0]
    words = first.split()
    if len(split) < 2 or not 2 <= len(words) <= 4 or not is_name(first) or re.search(r"[.\d@]", first):
        return None, parts
    return first, split[1:]


def _unpipe(line: str) -> str:
    """trafilatura writes layout tables as "| cell | cell |": keep the cells' text."""
    if "|" not in line:
        return line.strip()
    return " ".join(cell.strip() for cell in line.split("|") if cell.strip())


def _header_line(line: str, headline: str) -> bool:
    """The headline (folded, squashed) or a bare date line repeated at the top of the text."""
    if len(line) > 3 * len(headline) + 60:
        return False
    folded = fold(line)
    if headline and _squash(folded) == headline:
        return True
    return len(line) <= 60 and bool(_DATE_LINE.search(folded))


def _matches(line: str, names: list[str]) -> bool:
    folded = fold(line)
    return any(folded == fold(n) or (len(n) > 3 and folded.startswith(fold(n))) for n in names)


def _tail_kind(line: str, hints: Hints) -> str | None:
    folded = fold(line).strip()
    words = line.split()
    if (_NAV_LINE.match(folded) and len(words) <= _MAX_NAV_WORDS) or _DATED_LINK.search(folded):
        return "nav"
    if _LINK_ITEM.match(line.strip()) and len(words) <= _MAX_LINK_ITEM_WORDS:
        return "nav"
    if _matches(line, hints.authors) or _matches(line, hints.sources):
        return "name"
    if len(line) > _MAX_NAME or len(words) > 10:
        return None
    if folded.startswith("theo ") and "," not in line and not line.rstrip().endswith((".", "!", "?", ":")):
        return "name"
    if _CREDIT_LINE.match(folded) or _GROUP_BYLINE.search(folded):
        return "name"
    return "name" if is_name(line) else None


def is_name(line: str) -> bool:
    """A byline: a few capitalised words ("K. Miên", "Quang Phong - Tùng Nguyên", "H.V.")."""
    if line.rstrip().endswith(("!", "?", ":", ";", ",")) or len(line.split()) > 8:
        return False
    words = [w for w in re.split(r"[\s/\-–,&]+", line) if any(c.isalpha() for c in w)]
    if not words:
        return False
    if line.rstrip().endswith(".") and not re.search(r"\b\w\.$", line.rstrip()):  # "H.V." yes, "Hết nhé." no
        return False
    capital = sum(1 for w in words if w.lstrip("(“\"'")[:1].isupper())
    return capital == len(words) or (len(words) >= 3 and capital >= len(words) - 1 and capital / len(words) >= 0.75)
