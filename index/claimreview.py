"""schema.org ClaimReview: the board's corrections out (JSON-LD for the portal), others' fact-checks in.

Export: one ``ClaimReview`` per claim that has a published answer (a correction the board
recorded, else the refutation's ``source_url``), in a schema.org ``DataFeed``. Google's
required properties are there (``claimReviewed``, ``reviewRating`` with a Vietnamese
``alternateName``, ``url``) plus ``author`` (the board), ``datePublished`` and
``itemReviewed``, a ``Claim`` whose ``appearance`` / ``firstAppearance`` are the crawled
items that repeated it (links only: no author of a post is ever named).

Import: a ``ClaimReview``, a list of them, an ``@graph`` or a ``DataFeed`` (elements may be
wrapped in ``DataFeedItem``). Every record is checked before anything is written, and each
bad one gets its own error (missing required field, a URL already known or repeated in
the file, a retired claim id, HTML in a text); the good ones become ``Claim`` records,
validated by the kernel's ``Claim`` model like the YAML.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from elasticsearch import Elasticsearch
from pydantic import BaseModel, Field, ValidationError

from index import doc as F
from index.claims import ClaimStatus, RegistryClaim
from index.search import spreading
from index.templates import alias_name
from tinradar.schema import CLAIM_ID, Claim, describe_errors
from tinradar.settings import Settings
from tinradar.text import fold, nfc

SCHEMA_ORG = "https://schema.org"
#: The rating every registry claim gets: it is a debunked claim (1 of 5, "false").
FALSE_RATING: dict[str, Any] = {
    "@type": "Rating",
    "ratingValue": 1,
    "bestRating": 5,
    "worstRating": 1,
    "alternateName": "Sai sự thật",
}
#: Category of an imported claim (the registry's categories are the board's; a reviewer can change it).
IMPORTED_CATEGORY = "imported"
_HTML = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>|&(?:lt|gt|amp|quot|#\d+);")
_WORDS = re.compile(r"[a-z0-9]+")


class Appearance(BaseModel):
    """A crawled item that repeated the claim: its link and date (never its author)."""

    url: str
    published_at: datetime


def appearances(client: Elasticsearch, settings: Settings, claim_id: str, size: int = 20) -> list[Appearance]:
    """The earliest crawled items (with a link) that spread a claim, oldest first: a correction that
    quotes it is not its first appearance, nor is an item a reviewer read as not repeating it
    (``index.search.spreading``: a reading overrides the machine's match)."""
    response = client.search(
        index=alias_name(settings),
        query={"bool": {"filter": [spreading(claim_id), {"exists": {"field": "url"}}]}},
        sort=[{F.DATED_AT: "asc"}],
        source_includes=["url", F.DATED_AT],
        size=size,
        ignore_unavailable=True,
        allow_no_indices=True,
    )
    return [
        Appearance(url=h["_source"]["url"], published_at=datetime.fromisoformat(h["_source"][F.DATED_AT]))
        for h in response["hits"]["hits"]
        if h["_source"].get("url")
    ]


def _date(value: datetime) -> str:
    return value.date().isoformat()


def claim_review(
    record: RegistryClaim,
    appearances: Sequence[Appearance],
    *,
    board_name: str,
    board_url: str | None = None,
) -> dict[str, Any] | None:
    """One ClaimReview for a registry claim (None when it has no published answer to point at)."""
    correction = record.first_correction()
    url = correction.url if correction else record.review_url or record.claim.source_url
    if not url:
        return None
    author: dict[str, Any] = {"@type": "Organization", "name": board_name}
    if board_url:
        author["url"] = board_url
    published = correction.published_at if correction else record.updated_at
    item: dict[str, Any] = {"@type": "Claim", "name": record.claim.claim}
    ordered = sorted(appearances, key=lambda a: a.published_at)
    if ordered:
        item["datePublished"] = _date(ordered[0].published_at)
        item["firstAppearance"] = {
            "@type": "CreativeWork",
            "url": ordered[0].url,
            "datePublished": _date(ordered[0].published_at),
        }
        item["appearance"] = [
            {"@type": "CreativeWork", "url": a.url, "datePublished": _date(a.published_at)} for a in ordered
        ]
    return {
        "@context": SCHEMA_ORG,
        "@type": "ClaimReview",
        "identifier": record.id,
        "url": url,
        "inLanguage": "vi",
        "claimReviewed": record.claim.claim,
        "reviewBody": record.claim.correction,
        "datePublished": _date(published),
        "author": author,
        "reviewRating": dict(FALSE_RATING),
        "itemReviewed": item,
    }


def data_feed(reviews: Sequence[dict[str, Any]], *, board_name: str, modified: datetime) -> dict[str, Any]:
    """ClaimReviews as one schema.org DataFeed (what ``tinradar claims import`` reads back)."""
    elements = [{k: v for k, v in r.items() if k != "@context"} for r in reviews]
    return {
        "@context": SCHEMA_ORG,
        "@type": "DataFeed",
        "name": f"{board_name}: cải chính tin đồn về COVID-19",
        "inLanguage": "vi",
        "dateModified": modified.isoformat(),
        "dataFeedElement": elements,
    }


# --- import ------------------------------------------------------------------------------


class RecordError(BaseModel):
    """Why one record of an import file was refused."""

    number: int = Field(description="1-based position of the record in the file")
    url: str | None = None
    message: str

    def __str__(self) -> str:
        where = f" ({self.url})" if self.url else ""
        return f"bản ghi #{self.number}{where}: {self.message}"


class ImportedReview(BaseModel):
    """A record that passed every check: the claim it becomes and the review URL it came from."""

    number: int
    url: str
    claim: Claim


class ImportPlan(BaseModel):
    """What an import file holds: records ready to write, and the refused ones with their reasons."""

    ready: list[ImportedReview] = Field(default_factory=list)
    errors: list[RecordError] = Field(default_factory=list)


def _types(node: Mapping[str, Any]) -> set[str]:
    value = node.get("@type", [])
    values = [value] if isinstance(value, str) else list(value) if isinstance(value, list) else []
    return {str(v).rsplit("/", 1)[-1].rsplit(":", 1)[-1] for v in values}


def review_records(document: Any) -> Iterator[Any]:
    """The ClaimReview records of a JSON-LD document (one, a list, an @graph or a DataFeed)."""
    if isinstance(document, list):
        for node in document:
            yield from review_records(node)
        return
    if not isinstance(document, dict):
        yield document  # refused below as "not a ClaimReview"
        return
    types = _types(document)
    if "@graph" in document and not types:
        yield from review_records(document["@graph"])
    elif "DataFeed" in types:
        elements = document.get("dataFeedElement") or []
        for element in elements if isinstance(elements, list) else [elements]:  # a lone value: one bad record
            if isinstance(element, dict) and "DataFeedItem" in _types(element):
                yield element.get("item")
            else:
                yield element
    else:
        yield document


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return nfc(value).strip()
    return None


def _name(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        return _text(value.get("name"))
    return _text(value)


def claim_id_for(text: str, url: str) -> str:
    """A readable, stable id for an imported claim: its first folded words and a hash of its URL."""
    words = _WORDS.findall(fold(text).lower())[:6]
    digest = hashlib.sha1(url.encode("utf-8")).hexdigest()[:8]
    return "-".join(["cr", *words, digest])


def plan_import(
    document: Any,
    *,
    known_urls: Mapping[str, str],
    registry: Mapping[str, RegistryClaim],
) -> ImportPlan:
    """Check every record of an import file; nothing is written here.

    ``known_urls``: review and source URLs already in the registry (→ claim id);
    ``registry``: the registry by claim id (an id named by ``identifier`` that is retired,
    or taken, is refused).
    """
    plan = ImportPlan()
    seen: dict[str, int] = {}
    for number, node in enumerate(review_records(document), 1):
        url = _text(node.get("url")) if isinstance(node, dict) else None

        def refuse(message: str, number: int = number, url: str | None = url) -> None:
            plan.errors.append(RecordError(number=number, url=url, message=message))

        if not isinstance(node, dict) or "ClaimReview" not in _types(node):
            refuse("không phải ClaimReview (@type phải là ClaimReview) / not a ClaimReview (@type must be ClaimReview)")
            continue
        missing = [
            name
            for name, value in (
                ("claimReviewed", _text(node.get("claimReviewed"))),
                ("url", url),
                ("reviewRating", node.get("reviewRating") if isinstance(node.get("reviewRating"), dict) else None),
            )
            if not value
        ]
        raw_rating = node.get("reviewRating")
        rating: dict[str, Any] = raw_rating if isinstance(raw_rating, dict) else {}
        verdict = _text(rating.get("alternateName"))
        if "reviewRating" not in missing and not verdict:
            missing.append("reviewRating.alternateName")
        if missing:
            fields = ", ".join(missing)
            refuse(f"thiếu trường bắt buộc: {fields} / missing required field(s): {fields}")
            continue
        assert url is not None and verdict is not None
        texts = {
            "claimReviewed": str(node.get("claimReviewed")),
            "reviewBody": str(node.get("reviewBody") or ""),
            "reviewRating.alternateName": verdict,
        }
        html = [name for name, value in texts.items() if _HTML.search(value)]
        if html:
            fields = ", ".join(html)
            refuse(f"có mã HTML trong {fields} (chỉ nhận văn bản thuần) / HTML in {fields} (plain text only)")
            continue
        if url in known_urls:
            refuse(
                f"trùng: URL này đã có trong danh mục (tin đồn {known_urls[url]}) / "
                f"duplicate: this URL is already in the registry (claim {known_urls[url]})"
            )
            continue
        if url in seen:
            refuse(
                f"trùng: URL này đã có ở bản ghi #{seen[url]} của file / "
                f"duplicate: this URL is already in record #{seen[url]} of the file"
            )
            continue
        text = _text(node.get("claimReviewed")) or ""
        identifier = _text(node.get("identifier"))
        claim_id = identifier if identifier and CLAIM_ID.match(identifier) else claim_id_for(text, url)
        existing = registry.get(claim_id)
        if existing is not None:
            if existing.status == ClaimStatus.RETIRED:
                refuse(
                    f"mã tin đồn {claim_id!r} đã ngừng dùng (không dùng lại mã đã ngừng) / "
                    f"claim id {claim_id!r} is retired (a retired id is never reused)"
                )
            else:
                refuse(
                    f"trùng: mã tin đồn {claim_id!r} đã có trong danh mục / "
                    f"duplicate: claim id {claim_id!r} is already in the registry"
                )
            continue
        body = _text(node.get("reviewBody"))
        try:
            claim = Claim.model_validate(
                {
                    "id": claim_id,
                    "claim": text,
                    "category": IMPORTED_CATEGORY,
                    "correction": body or f"{verdict}. Xem: {url}",
                    "debunked_by": [_name(node.get("author")) or _name(node.get("publisher")) or url],
                    "source_url": url,
                }
            )
        except ValidationError as exc:
            refuse(describe_errors(exc))
            continue
        seen[url] = number
        plan.ready.append(ImportedReview(number=number, url=url, claim=claim))
    return plan


def parse_json(text: str) -> Any:
    """The JSON of an import file, or ``ValueError`` saying where it is broken."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"không phải JSON hợp lệ / not valid JSON (dòng / line {exc.lineno}, cột / column {exc.colno}): {exc.msg}"
        ) from None
    except RecursionError:  # thousands of nested brackets: json gives up before any ClaimReview is read
        raise ValueError("lồng quá sâu, không phải ClaimReview / nested too deeply to be ClaimReview") from None
