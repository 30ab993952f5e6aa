"""A hash chain over the audit index: a deleted, edited or inserted record is detectable.

Every record gets a sequence number ``seq`` (1, 2, 3, …, also its document id), the hash
of the record before it (``prev_hash``) and its own ``hash``: SHA-256 of the record's
canonical JSON (sorted keys, ``hash`` left out), which covers ``prev_hash`` and so, link
by link, everything before it. Deleting a record leaves a gap in ``seq`` and a broken
link; editing one changes its hash; a record slipped in needs a number that is taken.
Only the end of the chain can be cut off without a trace inside the index, so ``verify``
prints the head, to be noted somewhere else, and checks a noted head on request.

Records are written with ``op_type=create`` under their number: a second writer that
raced for the same number gets a conflict, reads the winner's record and chains after
it. So the desk needs only the ``create_doc`` privilege on the audit index (plus ``read``
for the head and the item pages): it can add records and never overwrite or delete one.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterable
from typing import Any

from elasticsearch import ConflictError, Elasticsearch
from pydantic import BaseModel, Field

#: The ``prev_hash`` of record #1.
GENESIS = "0" * 64
#: Mapping of the chain's fields (merged into the audit index's mapping).
CHAIN_MAPPING: dict[str, Any] = {
    "seq": {"type": "long"},
    "prev_hash": {"type": "keyword"},
    "hash": {"type": "keyword"},
}
MAX_RACES = 50

_lock = threading.Lock()  # threads of one desk take turns; other processes meet the create conflict


class AuditWriteError(RuntimeError):
    """No audit record could be written (so the action it would record must not happen)."""


class ChainHead(BaseModel):
    """The last record of the chain: its number and hash (``SEQ:HASH`` on the command line)."""

    seq: int = 0
    hash: str = GENESIS

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> ChainHead:
        seq, _, digest = text.strip().partition(":")
        if not seq.isdigit() or len(digest) != 64:
            raise ValueError(f"not a chain head (SEQ:HASH): {text!r}")
        return cls(seq=int(seq), hash=digest.lower())


class ChainReport(BaseModel):
    """What ``verify`` found."""

    records: int = 0
    head: ChainHead = Field(default_factory=ChainHead)
    legacy: int = Field(default=0, description="Records from before the chain existed (no seq): not verifiable")
    problems: list[str] = Field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def record_hash(record: dict[str, Any]) -> str:
    """SHA-256 of the record's canonical JSON, without its own ``hash``."""
    body = {k: v for k, v in record.items() if k != "hash"}
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def head(client: Elasticsearch, index: str) -> ChainHead:
    """The newest chained record (``GENESIS`` before the first); may lag a concurrent writer."""
    response = client.search(
        index=index,
        query={"exists": {"field": "seq"}},
        sort=[{"seq": {"order": "desc"}}],
        size=1,
        source_includes=["seq", "hash"],
    )
    hits = response["hits"]["hits"]
    if not hits:
        return ChainHead()
    return ChainHead(seq=hits[0]["_source"]["seq"], hash=hits[0]["_source"]["hash"])


def append(client: Elasticsearch, index: str, record: dict[str, Any]) -> dict[str, Any]:
    """Write ``record`` as the next link of the chain; returns it with ``seq``, ``prev_hash``, ``hash``.

    Raises ``AuditWriteError`` when it cannot be written (Elasticsearch errors pass through).
    """
    with _lock:
        last = head(client, index)
        for _ in range(MAX_RACES):
            chained = {**record, "seq": last.seq + 1, "prev_hash": last.hash}
            chained["hash"] = record_hash(chained)
            try:
                client.create(index=index, id=str(chained["seq"]), document=chained, refresh=True)
            except ConflictError:  # another writer took this number: chain after its record
                taken = client.get(index=index, id=str(chained["seq"]))["_source"]
                last = ChainHead(seq=chained["seq"], hash=taken.get("hash", ""))
                continue
            return chained
    raise AuditWriteError(f"the audit chain kept moving: no free number after {MAX_RACES} tries")


def check(records: Iterable[tuple[str, dict[str, Any]]], noted: ChainHead | None = None) -> ChainReport:
    """Check (document id, record) pairs, in any order, as one chain (and against a head noted earlier)."""
    report = ChainReport()
    chained: dict[int, dict[str, Any]] = {}
    unchained: list[dict[str, Any]] = []
    for doc_id, record in records:
        report.records += 1
        seq = record.get("seq")
        if not isinstance(seq, int):
            unchained.append(record)
        elif doc_id != str(seq):
            report.problems.append(f"#{seq}: bản ghi lạ (mã {doc_id}, không phải {seq}): được chèn thêm")
        else:
            chained[seq] = record
    # Records without a number are from before the chain; one written after it began was slipped in.
    started = min((str(r.get("at", "")) for r in chained.values()), default=None)
    late = [r for r in unchained if started is not None and str(r.get("at", "")) >= started]
    report.legacy = len(unchained) - len(late)
    if late:
        report.problems.append(f"{len(late)} bản ghi không thuộc chuỗi (không có seq) được ghi sau khi chuỗi bắt đầu")
    previous = GENESIS
    for seq in range(1, max(chained, default=0) + 1):
        link = chained.get(seq)
        if link is None:
            report.problems.append(f"#{seq}: thiếu bản ghi (đã bị xóa)")
            previous = ""
            continue
        if link.get("hash") != record_hash(link):
            report.problems.append(f"#{seq}: bản ghi bị sửa (hash không khớp nội dung)")
        elif previous and link.get("prev_hash") != previous:
            report.problems.append(f"#{seq}: không nối với bản ghi #{seq - 1} (prev_hash khác)")
        previous = str(link.get("hash", ""))
    if chained:
        last = max(chained)
        report.head = ChainHead(seq=last, hash=str(chained[last].get("hash", "")))
    if noted is not None and noted.seq:
        kept = chained.get(noted.seq)
        if kept is None:
            report.problems.append(
                f"#{noted.seq}: đầu chuỗi đã ghi nhận không còn (chuỗi bị cắt, chỉ còn đến #{report.head.seq})"
            )
        elif kept.get("hash") != noted.hash:
            report.problems.append(f"#{noted.seq}: khác với đầu chuỗi đã ghi nhận (hash {noted.hash[:12]}…)")
    return report
