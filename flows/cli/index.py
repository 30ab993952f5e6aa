"""``tinradar index init|load|replay|rejected|stats``, ``tinradar search`` and ``tinradar kibana import``.

Human output goes to stderr (``console``); ``search --format json|csv`` writes only the
result to stdout so scripts can rely on it.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape

from flows.cli.common import ExitCode, LineReport, console, fail, input_file, load_settings, out
from tinradar.text import spreadsheet_text

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch
    from rich.text import Text

    from index.deadletter import DeadLetter, DeadLetterBox
    from index.indexer import IndexStats
    from index.search import Hit, SearchResult, SearchStats
    from tinradar.schema import ScoredItem
    from tinradar.settings import Settings

index_app = typer.Typer(help="Chỉ mục Elasticsearch / the Elasticsearch index.", no_args_is_help=True)
kibana_app = typer.Typer(help="Đối tượng Kibana / Kibana saved objects.", no_args_is_help=True)


def _connect(settings: Settings) -> Elasticsearch:
    from index.client import ElasticsearchUnavailable, connect

    try:
        return connect(settings)
    except ElasticsearchUnavailable as exc:
        fail(str(exc), hint=exc.hint, code=3)


def _templates(client: Elasticsearch, settings: Settings, *, create_current: bool = True) -> dict[str, Any]:
    """Install the index template; an index that contradicts it is a clear error (exit 3), not a crash."""
    from index.templates import TemplateConflict, ensure_templates

    try:
        return ensure_templates(client, settings, create_current=create_current)
    except TemplateConflict as exc:
        fail(str(exc), hint=exc.hint, code=ExitCode.UNAVAILABLE)


def _print_stats(stats: IndexStats, title: str) -> None:
    from rich.table import Table

    table = Table(title=title, show_header=True)
    columns = ("indexed", "updated", "unchanged", "failed", "dead_lettered", "rejected")
    for column in columns:
        table.add_column(column, justify="right")
    table.add_row(*(str(getattr(stats, c)) for c in columns))
    console.print(table)
    shown = stats.errors[:20]
    for error in shown:
        console.print(f"[red]✗[/] {escape(error.id)}: HTTP {error.status} {error.type or ''} {escape(error.reason)}")
    if stats.failed > len(shown):  # the true remainder: ``errors`` keeps only the first ones
        console.print(f"… {stats.failed - len(shown)} lỗi khác / more errors")


@index_app.command("init")
def init() -> None:
    """Cài template và tạo alias / install the index template and create the read alias."""

    settings = load_settings()
    client = _connect(settings)
    done = _templates(client, settings)
    console.print(
        f"[green]Template {done['template']} v{done['version']}[/] → alias [bold]{done['alias']}[/] (index {done['created']})"
    )


@dataclass
class _ReadCounts:
    """What reading a scored file met: the bad lines (with why) and the lines given defaults."""

    report: LineReport = field(default_factory=LineReport)
    defaulted: int = 0


def _read_scored(path: Path, source_id: str, counts: _ReadCounts, max_bytes: int) -> Iterator[ScoredItem]:
    """Stream a ``tinradar score`` file (any size) through the one JSON-lines reader; bad lines are reported, not fatal.

    Lines that got default metadata (no ``source_id``/``kind``/``fetched_at``) are
    counted in ``counts.defaulted``; each such item carries a note saying which defaults.
    """
    from tinradar.jsonlines import read_lines
    from tinradar.schema import LineError, NoteCode, ScoredItem

    report = counts.report
    for line in read_lines(path, max_bytes=max_bytes):
        if line.obj is None:
            report.skip(line.number, line.error or "?")
            continue
        try:
            item = ScoredItem.from_line(line.obj, source_id=source_id)
        except LineError as exc:
            why = str(exc).splitlines()[0][:300]
            # what the reader changed may be why it fails (a NaN made null): say it with the reason
            report.skip(line.number, f"{why} ({line.warning})" if line.warning else why)
            continue
        if line.warning:
            report.warn(line.number, line.warning)
        if any(n.code is NoteCode.DEFAULTS for n in item.analysis.notes):
            counts.defaulted += 1
        yield item


@index_app.command("load")
def load(
    file: Path = typer.Argument(..., help="JSON lines written by 'tinradar score' (document + analysis fields)"),
    source_id: str = typer.Option("import", help="Source id for lines that carry none"),
) -> None:
    """Đưa kết quả chấm điểm vào chỉ mục / index a scored JSON-lines file (idempotent: rerun is safe).

    Exit code 0: every line is in the index; 1: some lines were skipped or failed (each
    named), the rest went in; 2: no usable line, or no such file; 3: Elasticsearch is down.
    """
    from index.indexer import Indexer

    # Any file that reads: a FIFO, /dev/stdin or a shell's <(…) too (each line bounded by the reader).
    input_file(file, hint="Give the path of a 'tinradar score' output (.jsonl).")
    settings = load_settings()
    client = _connect(settings)
    _templates(client, settings)
    counts = _ReadCounts()
    indexer = Indexer(client, settings)
    stats = indexer.index(_read_scored(file, source_id, counts, settings.max_line_bytes))
    counts.report.finish()
    total, problems = stats.ok + stats.failed, counts.report.skipped
    if counts.defaulted:
        console.print(
            f"{counts.defaulted} dòng không có source_id/kind/fetched_at, đã dùng mặc định / lines without "
            f"source_id/kind/fetched_at got defaults: source '{escape(source_id)}', kind inferred "
            "(news for a title + URL, else social), fetched now; each item's notes say which."
        )
    if not total:  # no usable line; an empty file too (it was exit 0, "0 items", while score and ingest say 2)
        fail(
            f"Không dòng nào đọc được / no readable line in {file} ({len(problems)} bad)."
            if problems
            else f"Tệp không có dòng nào / the file has no lines: {file}",
            hint="Is it 'tinradar score' output?",
            code=ExitCode.USAGE,
        )
    _print_stats(stats, f"{file.name}: {total} mục / items, {len(problems)} dòng lỗi / bad lines")
    if stats.dead_lettered:
        console.print(
            f"[yellow]→ {stats.dead_lettered} mục trong hàng chờ lỗi / dead-lettered; send again: tinradar index replay[/]"
        )
    _say_rejected(stats.rejected, indexer.deadletters.rejected_path)
    if stats.failed or problems:
        raise typer.Exit(ExitCode.PARTIAL)


@index_app.command("replay")
def replay() -> None:
    """Gửi lại các mục lỗi / resend dead-lettered items; what fails again stays for the next replay.

    Exit code 0: every item went in (or nothing waited); 1: some items failed again (each named)
    or some lines were unreadable (kept aside in *.unreadable.jsonl), the rest went in; 3:
    Elasticsearch is down. The same codes as ``index rejected --retry``.
    """
    from index.indexer import Indexer

    settings = load_settings()
    client = _connect(settings)
    _templates(client, settings, create_current=False)
    indexer = Indexer(client, settings)
    box = indexer.deadletters
    waiting, unreadable = box.pending()  # items (ids), as the replay sends them; unreadable lines apart
    if not waiting and not unreadable:
        console.print("Không có mục nào chờ gửi lại / nothing to replay.")
        _rejected_total(box)
        return
    stats = indexer.replay()
    _print_stats(stats, f"Gửi lại / replayed {len(waiting)} mục / items")
    if stats.skipped:
        console.print(f"[yellow]{stats.skipped} dòng không đọc được, để riêng / unreadable lines kept aside[/]")
    _say_rejected(stats.rejected, box.rejected_path)
    _pending_total(box)
    _rejected_total(box)
    if stats.failed or stats.skipped:  # lines skipped: "some lines skipped", as --retry says it
        raise typer.Exit(ExitCode.PARTIAL)


def _say_rejected(rejected: int, path: Path) -> None:
    """This run's items refused for good: said once, here, then never replayed."""
    if rejected:
        console.print(
            f"[yellow]→ {rejected} mục bị Elasticsearch từ chối hẳn (ánh xạ sai, quá lớn), không gửi lại / refused "
            f"for good (a mapping error, too large): not replayed; each kept whole with its reason in {escape(str(path))}[/]"
        )


def _pending_total(box: DeadLetterBox, *, rejected: int | None = None) -> None:
    """The items still waiting for a replay, counted as the replay counts them (ids, through
    ``DeadLetterBox.pending``), after the items still rejected when given; the pending files'
    unreadable lines said apart (a replay keeps them aside, so they are left only after a
    ``rejected --retry``, which does not read the dead letters)."""
    still, unreadable = box.pending()
    if rejected is None:
        console.print(f"Còn chờ gửi lại / still pending: {len(still)}")
    else:
        console.print(f"Còn bị từ chối / still rejected: {rejected} · chờ gửi lại / pending: {len(still)}")
    if unreadable:
        console.print(
            f"[yellow]{len(unreadable)} dòng không đọc được / unreadable lines in {escape(str(box.path))}: "
            "tinradar index replay[/]"
        )


def _rejected_total(box: DeadLetterBox) -> None:
    """The items refused for good so far, counted as the listing counts them (ids), and the
    unreadable lines of the rejected files (a letter the current schema refuses), said apart."""
    found = _read_rejected(box.rejected_files())
    if found.letters:
        console.print(
            f"Bị từ chối hẳn / rejected for good (not pending): {len(found.letters)} in {escape(str(box.rejected_path))}"
        )
    if found.unreadable:
        console.print(
            f"[yellow]{found.unreadable} dòng không đọc được / unreadable lines in {escape(str(box.rejected_path))}: "
            "tinradar index rejected[/]"
        )


#: How much of a rejection's reason one line of ``index rejected`` shows (the file keeps it whole).
REASON_SHOWN = 160


@dataclass
class _Rejected:
    """The rejected files as read: the latest letter of each id, and how many lines did not read."""

    letters: dict[str, DeadLetter] = field(default_factory=dict)
    unreadable: int = 0


def _read_rejected(paths: list[Path]) -> _Rejected:
    from index.deadletter import DeadLetterBox

    letters, unreadable = DeadLetterBox.latest(paths)
    return _Rejected(letters, len(unreadable))


def _reason_kind(reason: str) -> str:
    """What a reason is, for the counts: its head (``document_parsing_exception``, ``document over the bulk limit …``)."""
    return reason.split(":", 1)[0].strip()[:80] or "?"


@index_app.command("rejected")
def rejected_command(
    retry: bool = typer.Option(
        False, "--retry", help="Gửi lại sau khi đã sửa nguyên nhân / send them again once the cause is fixed"
    ),
    as_json: bool = typer.Option(
        False,
        "--json",
        help="Mỗi mục một dòng JSON ra stdout / one JSON object per item: id, status, reason, at, attempts",
    ),
) -> None:
    """Các mục Elasticsearch từ chối hẳn / items refused for good (a mapping error, too large): list or --retry.

    Listing reads the rejected file only (no Elasticsearch needed): counts by status and reason,
    then one line per item. ``--retry`` sends them again like ``index replay``. Exit code 0:
    nothing rejected, or every item went in; 1: some lines are unreadable, or (``--retry``)
    some items failed again (each named); 3: Elasticsearch is down.
    """
    from index.deadletter import DeadLetterBox

    if retry and as_json:
        fail("--json chỉ dùng khi liệt kê / --json is for the listing, not --retry", code=ExitCode.USAGE)
    settings = load_settings()
    box = DeadLetterBox(settings)
    if retry:
        _retry_rejected(settings)
        return
    found = _read_rejected(box.rejected_files())
    if not found.letters and not found.unreadable:  # no file, or an empty one
        console.print("Không có mục nào bị từ chối hẳn / nothing rejected.")
        return
    if as_json:  # no item bodies: what a script needs to see and count them
        for letter in found.letters.values():
            sys.stdout.write(json.dumps(letter.model_dump(mode="json", exclude={"item"}), ensure_ascii=False) + "\n")
    elif found.letters:
        _print_rejected(found, box.rejected_path)
    if found.unreadable:
        console.print(
            f"[yellow]{found.unreadable} dòng không đọc được / unreadable lines in {escape(str(box.rejected_path))} "
            "(not listed; a retry keeps them aside in *.unreadable.jsonl)[/]"
        )
        raise typer.Exit(ExitCode.PARTIAL)


@index_app.command("stats")
def stats_command(
    as_json: bool = typer.Option(
        False, "--json", help="Một đối tượng JSON ra stdout / one JSON object: total, with_ignored, by_field"
    ),
) -> None:
    """Số mục trong chỉ mục và giá trị bị bỏ qua / documents in the index, and values left out (ignore_above).

    A keyword value over its ``ignore_above`` (8191 characters; less for some fields) goes in
    with its document, kept whole in ``_source``, but is no term: no filter, facet or sort sees
    it. This counts the documents that hold one, by field. Exit code 0; 3: Elasticsearch is down.
    """
    from elasticsearch import ApiError, TransportError

    from index.client import scrub
    from index.ignored import ignored_values

    settings = load_settings()
    client = _connect(settings)
    try:
        found = ignored_values(client, settings)
    except (ApiError, TransportError) as exc:
        fail(
            f"Không đọc được chỉ mục / cannot read the index: {scrub(str(exc), settings)[:300]}",
            hint="Check the node: tinradar es status",
            code=ExitCode.UNAVAILABLE,
        )
    if as_json:
        sys.stdout.write(found.model_dump_json() + "\n")
        return
    from index.templates import alias_name

    console.print(f"Chỉ mục / index {escape(alias_name(settings))}: {found.total} mục / documents")
    if not found.with_ignored:
        console.print("Không mục nào có giá trị bị bỏ qua / no document has a value left out (ignore_above).")
        return
    console.print(
        f"[yellow]{found.with_ignored} mục có giá trị quá dài bị bỏ qua khi lập chỉ mục / documents with a value "
        "too long to index (ignore_above): kept whole in _source, but no filter, facet or sort sees it[/]"
    )
    for name, n in found.by_field.items():
        console.print(f"  {escape(name)}: {n} mục / documents")
    console.print('Tìm chúng / find them: query term {"_ignored": "<field>"} (Kibana: _ignored : <field>)')


def _print_rejected(found: _Rejected, path: Path) -> None:
    from collections import Counter

    from rich.table import Table

    letters = list(found.letters.values())
    table = Table(title=f"{len(letters)} mục bị từ chối hẳn / items refused for good ({escape(str(path))})")
    table.add_column("HTTP", justify="right")
    table.add_column("lý do / reason")
    table.add_column("mục / items", justify="right")
    counts = Counter((str(letter.status), _reason_kind(letter.reason)) for letter in letters)
    for (status, kind), n in counts.most_common():
        table.add_row(escape(status), escape(kind), str(n))
    console.print(table)
    for letter in letters:
        reason = letter.reason if len(letter.reason) <= REASON_SHOWN else letter.reason[: REASON_SHOWN - 1] + "…"
        console.print(
            f"{escape(letter.id)}  HTTP {escape(str(letter.status))}  {escape(letter.at[:19])}  "
            f"lần / attempts {letter.attempts}  {escape(reason)}"
        )
    console.print("Sửa nguyên nhân rồi gửi lại / fix the cause, then: tinradar index rejected --retry")


def _retry_rejected(settings: Settings) -> None:
    """``index rejected --retry``: the same path, output and exit codes as ``index replay``."""
    from index.indexer import Indexer

    client = _connect(settings)
    _templates(client, settings, create_current=False)
    indexer = Indexer(client, settings)
    box = indexer.deadletters
    waiting = _read_rejected(box.rejected_files())  # ids, as the listing counts them
    if not waiting.letters and not waiting.unreadable:
        console.print("Không có mục nào bị từ chối hẳn / nothing rejected.")
        return
    stats = indexer.retry_rejected()
    _print_stats(stats, f"Gửi lại / retried {len(waiting.letters)} mục bị từ chối / rejected items")
    if stats.skipped:
        console.print(f"[yellow]{stats.skipped} dòng không đọc được, để riêng / unreadable lines kept aside[/]")
    if stats.rejected:
        console.print(
            f"[yellow]→ {stats.rejected} mục vẫn bị từ chối / refused again, kept with the new reason in "
            f"{escape(str(box.rejected_path))}: tinradar index rejected[/]"
        )
    if stats.dead_lettered:
        console.print(
            f"[yellow]→ {stats.dead_lettered} mục trong hàng chờ lỗi / dead-lettered (a failure that may pass); "
            "send again: tinradar index replay[/]"
        )
    _pending_total(box, rejected=box.rejected())
    if stats.failed or stats.skipped:
        raise typer.Exit(ExitCode.PARTIAL)


#: The option a ``SearchQuery`` field comes from, so an error names what the user typed.
_SEARCH_OPTIONS = {
    "kinds": "--kind",
    "sentiments": "--sentiment",
    "statuses": "--status",
    "precisions": "--precision",
    "sort": "--sort",
    "risk_min": "--risk-min",
    "sources": "--source",
    "provinces": "--province",
    "claims": "--claim",
}


def _search_problems(exc: Any) -> str:
    """One phrase per bad option, named as typed (``--risk-min 'abc'``), not as pydantic's path.

    ``--risk-min abc`` used to read "risk_min.str-enum[RiskLevel]: Input should be …;
    risk_min.constrained-float: Input should be a valid number": two errors of a union, for one value.
    """
    said: dict[str, str] = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        option = _SEARCH_OPTIONS.get(field, field)
        if option in said:
            continue
        value = error.get("input")
        if field == "risk_min":
            why = "chọn low, medium, high hoặc một điểm 0..1 / choose low, medium, high or a score 0..1"
        else:
            why = error["msg"]
        said[option] = f"{option} {value!r}: {why}"
    return "; ".join(said.values())


def _day(value: str | None, name: str) -> date | datetime | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
    except ValueError:
        fail(
            f"{name}: '{value}' không phải ngày / is not a date",
            hint="dùng dạng / use YYYY-MM-DD (hoặc giờ ISO / or an ISO time)",
            code=2,
        )


_PROVINCE_PREFIX = re.compile(r"^(?:tinh|thanh pho|tp)\.?\s+")


def _province_key(value: str) -> str:
    """A province as typed, compared folded: "Tỉnh Tuyên Quang", "tuyen-quang" → "tuyen quang"."""
    from tinradar.text import fold

    return _PROVINCE_PREFIX.sub("", " ".join(fold(value).replace("-", " ").split()))


def _province_codes(values: list[str]) -> list[str]:
    """``--province`` as an analyst types it: the code (``08``, or ``8``) or the province's name,
    with or without diacritics and "Tỉnh"/"Thành phố" (``"Tuyên Quang"``, ``tuyen quang``, ``HCM``).

    The index stores codes only, so a name or an unpadded code used to find nothing and print
    "0 kết quả" (exit 0): the analyst read "no item mentions it". A value that names no province
    is now exit 2, naming it and the nearest names (before Elasticsearch is asked).
    """
    if not values:
        return []
    from difflib import get_close_matches

    from nlp.places import ALIASES, PlaceNames

    names = PlaceNames.load().provinces  # code → "Tỉnh Tuyên Quang"
    by_key = {_province_key(name): code for code, name in names.items()}
    for alias, code in ALIASES.items():
        if code in names:
            by_key.setdefault(_province_key(alias), code)
    codes: list[str] = []
    for value in values:
        typed = value.strip()
        code = typed.zfill(2) if typed.isdigit() else by_key.get(_province_key(typed), "")
        if code not in names:
            near = [names[by_key[k]] for k in get_close_matches(_province_key(typed), list(by_key), n=3, cutoff=0.6)]
            fail(
                f"--province {value!r}: không có tỉnh/thành này / no such province",
                hint=(f"gần giống / did you mean: {', '.join(dict.fromkeys(near))}; " if near else "")
                + "nhập mã (08) hoặc tên tỉnh, có dấu hay không / give the code (08) or the name, diacritics optional",
                code=ExitCode.USAGE,
            )
        codes.append(code)
    return codes


def _check_claims(client: Elasticsearch, settings: Settings, ids: list[str]) -> None:
    """``--claim`` ids must be known claims (the shipped YAML, else the registry index, any status).

    A misspelt id used to find nothing and print "0 kết quả" (exit 0), which reads as "this rumor
    has not appeared". Nothing to check against (no YAML, no registry) refuses nothing.
    """
    from difflib import get_close_matches

    from flows.claims import shipped_claims
    from index.claims import all_claims

    try:
        known = {c.id for c in shipped_claims(settings)}
    except (ValueError, OSError):  # a broken YAML is `claims seed`'s error to report, not search's
        known = set()
    if all(i in known for i in ids):
        return
    known |= {r.claim.id for r in all_claims(client, settings)}
    for claim_id in ids:
        if known and claim_id not in known:
            near = get_close_matches(claim_id, sorted(known), n=3, cutoff=0.6)
            fail(
                f"--claim {claim_id!r}: không có tin đồn này trong danh mục / no such claim in the registry",
                hint=(f"gần giống / did you mean: {', '.join(near)}; " if near else "")
                + "xem danh mục / see the ids: tinradar claims list",
                code=ExitCode.USAGE,
            )


#: Columns of ``search --format csv`` (lists are joined with "|").
CSV_COLUMNS = (
    "id",
    "score",
    "dated_at",
    "source_id",
    "kind",
    "risk_level",
    "rumor_risk",
    "sentiment",
    "claim_ids",
    "provinces",
    "review_status",
    "title",
    "url",
)


def _csv_row(hit: Hit) -> list[str]:
    return [spreadsheet_text(cell) for cell in _csv_cells(hit)]


def _csv_cells(hit: Hit) -> list[str]:
    doc = hit.doc
    return [
        hit.id,
        "" if hit.score is None else str(hit.score),
        doc.dated_at.isoformat(),
        doc.source_id,
        doc.kind.value,
        doc.risk_level.value,
        str(doc.rumor_risk),
        doc.sentiment.value,
        "|".join(doc.claim_ids),
        "|".join(doc.provinces),
        doc.review_state.status.value,
        doc.title,
        doc.url or "",
    ]


def _highlighted(fragment: str, base: str = "") -> Text:
    """A highlight fragment as a Rich ``Text``: never parsed as markup, whatever the crawled text holds.

    Elasticsearch marks matches with ``<em>``/``</em>`` inside the crawled text, which may
    itself contain ``</em>``, ``[/]`` or a backslash; only a balanced pair styles, anything
    else is shown as the text it is.
    """
    from rich.text import Text

    text, inside = Text(style=base), False
    for piece in re.split(r"(</?em>)", fragment):
        if piece == "<em>" and not inside:
            inside = True
        elif piece == "</em>" and inside:
            inside = False
        elif piece:
            text.append(piece, style="bold yellow" if inside else None)
    return text


def search_command(
    query: str = typer.Argument("", help='Từ khóa, "cụm từ" / words and "quoted phrases"; with or without diacritics'),
    since: str = typer.Option(None, "--since", help="Từ ngày / from day YYYY-MM-DD (board time zone)"),
    until: str = typer.Option(None, "--until", help="Đến ngày / to day YYYY-MM-DD, inclusive"),
    source: list[str] = typer.Option([], "--source", help="Source id (repeatable)"),
    kind: list[str] = typer.Option([], "--kind", help="news | social"),
    province: list[str] = typer.Option(
        [], "--province", help='Mã hoặc tên tỉnh / province code or name: 08, "Tuyên Quang", tuyen quang (repeatable)'
    ),
    risk_min: str = typer.Option(None, "--risk-min", help="low | medium | high, or a score 0..1 (e.g. 0.7)"),
    sentiment: list[str] = typer.Option([], "--sentiment", help="neg | neu | pos"),
    claim: list[str] = typer.Option(
        [], "--claim", help="Mã tin đồn / known claim id, see tinradar claims list (repeatable)"
    ),
    status: list[str] = typer.Option(
        [], "--status", help="Review status: new, in_review, confirmed_false, misleading, accurate, irrelevant"
    ),
    precision: list[str] = typer.Option(
        [],
        "--precision",
        help="Độ chính xác giờ đăng / how precisely the publication time is known: minute | day | none (repeatable)",
    ),
    sort: str = typer.Option("relevance", "--sort", help="relevance | newest | oldest | risk"),
    limit: int = typer.Option(20, "--limit", min=0, max=10_000),
    offset: int = typer.Option(0, "--offset", min=0),
    fmt: str = typer.Option("table", "--format", help="table | json | csv"),
    with_stats: bool = typer.Option(
        False, "--stats", help="Thêm thống kê / add counts by day, source, risk level, ..."
    ),
) -> None:
    """Tìm kiếm tin / search items (không dấu cũng được / diacritics optional)."""
    from pydantic import ValidationError

    from index.search import SearchQuery, search, stats

    if fmt not in ("table", "json", "csv"):
        fail(f"--format {fmt}: chọn / choose table, json or csv", code=2)
    settings = load_settings()
    try:
        q = SearchQuery.model_validate(  # validation turns the option strings into enums, with clear errors
            {
                "text": query,
                "since": _day(since, "--since"),
                "until": _day(until, "--until"),
                "sources": source,
                "kinds": kind,
                "provinces": _province_codes(province),
                "risk_min": risk_min,
                "sentiments": sentiment,
                "claims": claim,
                "statuses": status,
                "precisions": precision,
                "sort": sort,
                "limit": limit,
                "offset": offset,
            }
        )
    except ValidationError as exc:
        fail(f"Tham số không hợp lệ / invalid option: {_search_problems(exc)}", code=2)
    client = _connect(settings)
    from elasticsearch import ApiError, TransportError

    try:
        if q.claims:
            _check_claims(client, settings, list(q.claims))
        result = search(client, settings, q)
        counts = stats(client, settings, q) if with_stats else None
        if with_stats and len(claim) == 1:  # one claim: its response times too (on stderr, like the table)
            from flows.cli.claims import print_timeline

            print_timeline(client, settings, claim[0])
    except (ApiError, TransportError) as exc:
        from index.client import scrub
        from index.search import query_too_long

        if query_too_long(exc):
            fail(
                f"Câu tìm quá dài / the query is too long ({len(query)} characters, {len(query.split())} words): "
                "it makes more clauses than Elasticsearch allows (indices.query.bool.max_clause_count)",
                hint="Rút gọn: vài từ khóa hoặc một cụm từ trong ngoặc kép / shorten it: a few words or one quoted phrase",
                code=ExitCode.USAGE,
            )
        fail(
            f"Tìm kiếm thất bại / search failed: {scrub(str(exc), settings)[:300]}",
            hint="Check the node: tinradar es status",
            code=3,
        )

    if fmt == "json":
        payload: dict[str, Any] = {
            "total": result.total,
            "hits": [
                {
                    "id": h.id,
                    "score": h.score,
                    "index": h.index,
                    "fields": h.doc.model_dump(mode="json", exclude_unset=True),
                    "highlights": h.highlights,
                }
                for h in result.hits
            ],
        }
        if counts is not None:
            payload["stats"] = counts.model_dump()
        sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
        return
    if fmt == "csv":
        import csv

        writer = csv.writer(sys.stdout)
        writer.writerow(CSV_COLUMNS)
        for h in result.hits:
            writer.writerow(_csv_row(h))
        return
    _print_table(result, counts)


def _print_table(result: SearchResult, counts: SearchStats | None) -> None:
    from rich.table import Table
    from rich.text import Text

    from flows.report.data import short  # the report's "cut at a word", for a title-less row's first line

    table = Table(title=f"{result.total} kết quả / results", show_lines=True)
    table.add_column("Ngày / date", no_wrap=True)
    table.add_column("Nguồn / source")
    table.add_column("Rủi ro / risk", justify="right")
    table.add_column("Cảm xúc", justify="center")
    table.add_column("Tin / item", ratio=1)
    for h in result.hits:
        # Every cell is a Text, not markup: crawled and indexed values are shown as they are.
        doc = h.doc
        titles, texts = h.highlights.get("title"), h.highlights.get("text")
        snippet = _highlighted(" … ".join(texts)) if texts else Text(doc.text[:160])
        if titles or doc.title:
            head = _highlighted(titles[0], "bold") if titles else Text(doc.title, style="bold")
            body = Text.assemble(head, "\n", snippet)
        elif texts:  # a social post (no title): its opening, then where the query matched
            body = Text.assemble(Text(short(doc.text, 80), style="bold"), "\n", snippet)
        else:  # no title and nothing highlighted: the opening of the text is the cell's first line
            body = snippet
        if doc.claim_ids:
            body.append(f"\nclaims: {', '.join(doc.claim_ids)}", style="magenta")
        body.append(f"\n{h.id} · review: {doc.review_state.status.value}", style="dim")
        risk = f"{doc.risk_level.value} {doc.rumor_risk:.2f}"
        cells = [doc.dated_at.isoformat()[:16], doc.source_id, risk, doc.sentiment.value]
        table.add_row(*(Text(c) for c in cells), body)
    out.print(table)
    if counts is not None:
        from nlp.places import PlaceNames

        places = PlaceNames.load()  # the daily report's names: "Tỉnh Tuyên Quang (08)", not "08"
        names = ("by_day", "by_source", "by_risk_level", "by_sentiment", "by_province", "by_claim", "spread_by_claim")
        for name in (*names, "read_by_claim", "by_status"):
            values = getattr(counts, name)
            label = (lambda k: f"{places.province(k)} ({k})") if name == "by_province" else str
            shown = ", ".join(f"{label(k)}: {v}" for k, v in list(values.items())[:15] if v)
            out.print(f"[bold]{name}[/]: {escape(shown) or '—'}")
        out.print(f"[bold]spreading[/] (items that spread any known claim): {counts.spreading}")


@kibana_app.command("import")
def kibana_import(
    url: str = typer.Option(..., "--url", help="Địa chỉ Kibana / Kibana URL, e.g. https://kibana.example.org:5601"),
    api_key: str = typer.Option(
        None,
        "--api-key",
        envvar="TINRADAR_KIBANA_API_KEY",
        help="API key của Kibana/Elasticsearch / Kibana/Elasticsearch API key (base64 id:key)",
    ),
    space: str = typer.Option(
        None,
        "--space",
        help="Mã space Kibana (bỏ trống: space mặc định) / Kibana space id (default space when omitted)",
    ),
    files: list[Path] = typer.Option(
        [], "--file", help="Tệp NDJSON (mặc định: mọi kibana/*.ndjson) / NDJSON files (default: every kibana/*.ndjson)"
    ),
    ca_certs: Path = typer.Option(
        None, "--ca-certs", help="Chứng chỉ CA (PEM) cho TLS của Kibana / CA certificate (PEM) for Kibana's TLS"
    ),
) -> None:
    """Nhập đối tượng Kibana / import TinRadar's Kibana saved objects (overwrite)."""
    from urllib.parse import urlsplit

    from index.kibana import KibanaImportError, import_objects, objects_files

    # Said here, as usage errors: a folder or a missing --file (IsADirectoryError,
    # FileNotFoundError) and a URL httpx cannot even parse ('http://[::1': InvalidURL) were exit 70.
    for path in files:
        if not path.is_file():
            what = "là một thư mục / is a folder" if path.is_dir() else "không có tệp / no such file"
            fail(
                f"--file {path}: {what}",
                hint="--file nhận tệp NDJSON xuất từ Kibana / --file takes a Kibana NDJSON export",
                code=ExitCode.USAGE,
            )
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
        problem = None if parts.scheme in ("http", "https") and parts.hostname else "cần / needs http(s)://host[:port]"
    except ValueError as exc:
        problem = f"không phải URL hợp lệ / not a valid URL ({exc})"
    if problem:
        fail(
            f"--url {url!r}: {problem}", hint="ví dụ / e.g. --url https://kibana.example.org:5601", code=ExitCode.USAGE
        )
    try:
        result = import_objects(url, files or objects_files(), api_key=api_key, space=space, ca_certs=ca_certs)
    except KibanaImportError as exc:
        fail(str(exc), hint=exc.hint, code=3)
    console.print(f"[green]Đã nhập / imported {result.success_count} đối tượng / objects[/] vào / into {result.target}")
    for error in result.errors:
        console.print(f"[red]✗[/] {error}")
    if not result.success:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``index``, ``search`` and ``kibana`` to the main app."""
    app.add_typer(index_app, name="index")
    app.command("search")(search_command)
    app.add_typer(kibana_app, name="kibana")
