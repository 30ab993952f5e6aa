"""Turn ``ReportData`` into the files a board reads: HTML (self-contained), Markdown, PDF.

The HTML embeds its CSS and its charts (SVG data URIs) so it can be e-mailed, opened
offline or printed. The PDF is the same HTML printed by headless Chromium when one is
installed; without it the report says so instead of failing.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from datetime import date, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, Template
from pydantic import BaseModel, Field

from crawlers.reasons import skip_label
from flows.report import charts
from flows.report.data import ReportData, short
from flows.report.markdown import md, md_link, md_quote
from tinradar.ids import safe_url
from tinradar.schema import score_text

TEMPLATES = Path(__file__).parent / "templates"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")

WEEKDAYS = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"]
RISK_VI = {"high": "Cao", "medium": "Trung bình", "low": "Thấp"}
STATUS_VI = {"ok": "Tốt", "partial": "Một phần", "down": "Không truy cập được", "failed": "Lỗi"}
#: How a listed item relates to a known claim (``ClaimRef.stance``): a machine reading, so "có vẻ";
#: a district correction that quotes the rumor is not listed as repeating it.
STANCE_VI = {
    "repeats": "⚠ Có vẻ lặp lại tin sai đã biết",
    "refutes": "✓ Có vẻ bác bỏ tin sai đã biết (bài cải chính?)",
    "asks": "? Có vẻ hỏi lại tin sai đã biết",
    "unknown": "Nhắc tới tin sai đã biết (chưa rõ lặp lại hay bác bỏ)",
}
#: The same, short, after "Ví dụ" and in the Markdown list.
EXAMPLE_VI = {"refutes": "bài có vẻ bác bỏ tin này", "asks": "bài có vẻ hỏi lại tin này"}


def vn_day(day: date) -> str:
    return f"{WEEKDAYS[day.weekday()]}, ngày {day.day:02d}/{day.month:02d}/{day.year}"


def change(today: int, yesterday: int) -> str:
    """'▲ 3 (+50%)' style text for a headline number."""
    diff = today - yesterday
    if diff == 0:
        return "không đổi so với hôm trước"
    arrow = "▲" if diff > 0 else "▼"
    pct = f" ({diff / yesterday:+.0%})" if yesterday else ""
    return f"{arrow} {abs(diff)}{pct} so với hôm trước"


def local_time(value: str | None, tz: str = "Asia/Ho_Chi_Minh") -> str:
    """'21:14 30/08' in the board's time zone, from an ISO timestamp."""
    if not value:
        return ""
    from zoneinfo import ZoneInfo

    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(ZoneInfo(tz))
    return moment.strftime("%H:%M %d/%m")


def vn_month(month: str) -> str:
    """'2021-09' → '09/2021', the way the board writes a month."""
    year, _, number = month.partition("-")
    return f"{number}/{year}" if number else month


def tz_vi(zone: str) -> str:
    """The board's time zone in words: "giờ Việt Nam" rather than "Asia/Ho_Chi_Minh"."""
    return "giờ Việt Nam" if zone in ("Asia/Ho_Chi_Minh", "Asia/Saigon") else f"múi giờ {zone}"


def decimal(value: float) -> str:
    """One decimal with the Vietnamese comma: 1,5 (a board member reads '1.5' as fifteen hundred)."""
    return f"{value:.1f}".replace(".", ",")


def day_month(day: str) -> str:
    """'2021-08-28' → '28/08', as the charts and the rest of the report write a day."""
    return f"{day[8:10]}/{day[5:7]}" if len(day) == 10 else day


def crawl_note(error: str | None, limit: int = 160) -> str:
    """A source's crawl error as the board reads it. The run summary keeps
    ``"SourceDown: nguồn x không trả về mục nào / no items (timeout: 1)"`` for the logs; the
    report drops the Python class name (the status column already says the source was down)
    and keeps the Vietnamese half of a bilingual message. An unforeseen exception
    (``KeyError: 'x'``) is said to be a program error, its text kept for whoever fixes it."""
    if not error:
        return ""
    name, sep, rest = error.partition(": ")
    if sep and name.isidentifier() and name[:1].isupper():
        if name != "SourceDown":
            return f"lỗi chương trình (chi tiết cho bộ phận kỹ thuật: {error})"[: limit + 60]
        error = rest
    vietnamese, bilingual, _ = error.partition(" / ")
    return (vietnamese if bilingual else error)[:limit]


def delay(value: str, missing: str) -> str:
    """A delay from ``human_delay``, or words saying why there is none ('—' explained nothing)."""
    return missing if value in ("", "—") else value


def after(value: str, step: str, missing: str) -> str:
    """'cải chính sau 2 giờ', or ``missing`` ('chưa có cải chính') when the step has not happened."""
    return missing if value in ("", "—") else f"{step} sau {value}"


def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        # HTML escaping for the HTML report only; the Markdown one escapes Markdown (``md``) instead
        # (HTML-escaping it showed "&#34;" where a quote was meant).
        autoescape=lambda name: name is not None and name.endswith(".html.j2"),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["vn_day"] = vn_day
    env.filters["safe_url"] = safe_url
    env.filters["md"] = md
    # a reason joined to others by "; " without its own full stop ("…khỏi nhà.; cải chính" read badly)
    env.filters["clause"] = lambda text: str(text).rstrip().rstrip(".;")
    env.globals["md_link"] = md_link
    env.globals["md_quote"] = md_quote
    env.filters["pct"] = score_text  # the desk's and the score steps' way: "62%"
    env.filters["local_time"] = local_time
    env.filters["vn_month"] = vn_month
    env.filters["delay"] = delay
    env.filters["after"] = after
    env.filters["crawl_note"] = crawl_note
    env.filters["decimal"] = decimal
    env.filters["tz_vi"] = tz_vi
    env.filters["day_month"] = day_month
    env.filters["skip_label"] = skip_label
    env.globals.update(
        change=change, risk_vi=RISK_VI, status_vi=STATUS_VI, stance_vi=STANCE_VI, example_vi=EXAMPLE_VI, date=date
    )
    return env


def chart_uris(data: ReportData) -> dict[str, str]:
    """All charts of the report as data URIs (empty dict entries are skipped in the HTML)."""
    out = {
        "volume": charts.stacked_days(
            data.volume_by_source_day,
            data.days,
            "Số tin, bài theo nguồn trong 7 ngày",
            labels={source: data.source_name(source) for source in data.volume_by_source_day},
        ),
        "sentiment": charts.stacked_days(
            data.sentiment_by_day,
            data.days,
            "Sắc thái dư luận trong 7 ngày",
            colors=charts.SENTIMENT_COLORS,
            labels=charts.SENTIMENT_LABELS,
        ),
    }
    if not data.empty:
        out["risk"] = charts.risk_bars(data.risk_today)
    if data.provinces:
        out["provinces"] = charts.place_bars(
            [(r.name, r.window) for r in data.provinces], "Tỉnh/thành được nhắc tới (7 ngày)"
        )
    if data.claim_life is not None and data.claim_life.per_day:
        out["claim_life"] = charts.claim_life(
            data.claim_life.per_day,
            data.claim_life.correction_day,
            f"Vòng đời tin đồn «{short(data.claim_life.claim or data.claim_life.claim_id, 60)}»",
        )
    return out


def _template(name: str, data: ReportData) -> Template:
    """A report template whose ``source`` filter names this report's sources (``ReportData.source_name``)."""
    env = _env()
    env.filters["source"] = data.source_name
    return env.get_template(name)


def render_html(data: ReportData, *, pdf_note: str | None = None) -> str:
    return _template("report.html.j2", data).render(d=data, charts=chart_uris(data), pdf_note=pdf_note)


def render_markdown(data: ReportData, *, pdf_note: str | None = None) -> str:
    return _template("report.md.j2", data).render(d=data, pdf_note=pdf_note)


def find_chromium() -> str | None:
    for candidate in CHROMIUM_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    return shutil.which("chromium")


#: Flags that keep headless Chromium offline, quiet and runnable as root (also used by the
#: review desk's browser tests).
CHROMIUM_QUIET_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)


def chromium_args(binary: str, profile: str) -> list[str]:
    """The command line for printing a page: headless, quiet, its own profile."""
    return [binary, "--headless", *CHROMIUM_QUIET_FLAGS, "--hide-scrollbars", f"--user-data-dir={profile}"]


def render_pdf(html_path: Path, pdf_path: Path, *, timeout: float = 120.0) -> tuple[bool, str]:
    """Print the HTML to PDF with headless Chromium; (written, note for the reader)."""
    binary = find_chromium()
    if binary is None:
        return (
            False,
            "Không có bản PDF: máy này chưa cài Chromium (apt-get install chromium) / no PDF renderer installed.",
        )
    with tempfile.TemporaryDirectory(prefix="tinradar-chromium-") as profile:
        cmd = [
            *chromium_args(binary, profile),
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf_path}",
            html_path.as_uri(),
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        except (subprocess.TimeoutExpired, OSError) as exc:
            return False, f"Không tạo được PDF / PDF rendering failed: {exc}"
    if proc.returncode != 0 or not pdf_path.exists() or pdf_path.stat().st_size == 0:
        tail = proc.stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
        return False, f"Không tạo được PDF / PDF rendering failed (exit {proc.returncode}): {tail[0][:200]}"
    return True, ""


def screenshot(
    html_path: Path, png_path: Path, *, width: int = 1100, height: int = 3000, timeout: float = 120.0
) -> bool:
    """A PNG of the HTML (for people checking the layout; used in development)."""
    binary = find_chromium()
    if binary is None:
        return False
    with tempfile.TemporaryDirectory(prefix="tinradar-chromium-") as profile:
        cmd = [
            *chromium_args(binary, profile),
            f"--window-size={width},{height}",
            f"--screenshot={png_path}",
            html_path.as_uri(),
        ]
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
    return proc.returncode == 0 and png_path.exists()


class ReportFiles(BaseModel):
    """The files one ``write_report`` wrote."""

    html: Path
    markdown: Path
    data: Path = Field(description="data.json: the numbers behind the report")
    pdf: Path | None = Field(default=None, description="None when no PDF was made; pdf_note says why")
    pdf_note: str = ""


def write_report(data: ReportData, folder: Path, *, pdf: bool = True) -> ReportFiles:
    """Write report.html, report.md and (when possible) report.pdf into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    html_path, md_path, pdf_path = folder / "report.html", folder / "report.md", folder / "report.pdf"
    html_path.write_text(render_html(data), encoding="utf-8")
    written, note = (False, "PDF không được yêu cầu / not requested") if not pdf else render_pdf(html_path, pdf_path)
    if not written:
        pdf_path.unlink(missing_ok=True)
        html_path.write_text(render_html(data, pdf_note=note), encoding="utf-8")
    md_path.write_text(render_markdown(data, pdf_note=None if written else note), encoding="utf-8")
    data_path = folder / "data.json"
    data_path.write_text(data.model_dump_json(indent=2), encoding="utf-8")
    return ReportFiles(
        html=html_path,
        markdown=md_path,
        data=data_path,
        pdf=pdf_path if written else None,
        pdf_note="" if written else note,
    )
