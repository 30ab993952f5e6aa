"""The report's charts, drawn with matplotlib and embedded as SVG data URIs.

SVG keeps the charts sharp in print and in the PDF; text is drawn as paths, so the
Vietnamese labels look right on a machine without our fonts, and the HTML needs no
external file at all (e-mail clients and offline readers see everything).
"""

from __future__ import annotations

import base64
import io
from datetime import date

import matplotlib

matplotlib.use("Agg")  # no display: charts are only ever written to files

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

#: One colour per meaning, the same in every chart and in the HTML.
RISK_COLORS = {"high": "#c0392b", "medium": "#e67e22", "low": "#7f8c8d"}
RISK_LABELS = {"high": "Cao", "medium": "Trung bình", "low": "Thấp"}
SENTIMENT_COLORS = {"neg": "#c0392b", "neu": "#95a5a6", "pos": "#27ae60"}
SENTIMENT_LABELS = {"neg": "Tiêu cực", "neu": "Trung tính", "pos": "Tích cực"}
PALETTE = ["#2c6fbb", "#e67e22", "#27ae60", "#8e44ad", "#c0392b", "#16a085", "#d35400", "#7f8c8d", "#34495e"]


def _svg_uri(fig: Figure) -> str:
    buf = io.BytesIO()
    with plt.rc_context({"svg.fonttype": "path", "svg.hashsalt": "tinradar"}):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _day_labels(days: list[str]) -> list[str]:
    return [date.fromisoformat(d).strftime("%d/%m") for d in days]


def _style(ax: Axes) -> None:
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)


def stacked_days(
    series: dict[str, dict[str, int]],
    days: list[str],
    title: str,
    colors: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
) -> str:
    """Stacked bars per day (one colour per series)."""
    fig, ax = plt.subplots(figsize=(7.5, 3.2), dpi=100)
    bottom = [0] * len(days)
    x = list(range(len(days)))
    for i, (key, per_day) in enumerate(series.items()):
        values = [per_day.get(d, 0) for d in days]
        color = (colors or {}).get(key, PALETTE[i % len(PALETTE)])
        ax.bar(x, values, bottom=bottom, color=color, label=(labels or {}).get(key, key), width=0.7)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_xticks(x, _day_labels(days))
    ax.set_ylabel("Số tin, bài")
    ax.set_title(title, fontsize=11, loc="left")
    if series:
        ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    _style(ax)
    return _svg_uri(fig)


def risk_bars(risk: dict[str, int]) -> str:
    """Horizontal bars: items per risk level today."""
    levels = ["high", "medium", "low"]
    values = [risk.get(level, 0) for level in levels]
    fig, ax = plt.subplots(figsize=(5.5, 1.9), dpi=100)
    bars = ax.barh([RISK_LABELS[level] for level in levels], values, color=[RISK_COLORS[level] for level in levels])
    ax.bar_label(bars, padding=3, fontsize=9)
    ax.invert_yaxis()
    ax.set_xlabel("Số tin, bài hôm nay")
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_xlim(0, max([*values, 1]) * 1.15)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return _svg_uri(fig)


def place_bars(rows: list[tuple[str, int]], title: str) -> str:
    """Horizontal bars for places (name, count), largest on top."""
    rows = rows[:10]
    fig, ax = plt.subplots(figsize=(6.5, 0.35 * max(len(rows), 2) + 0.8), dpi=100)
    bars = ax.barh([name for name, _ in rows], [n for _, n in rows], color="#2c6fbb")
    ax.bar_label(bars, padding=3, fontsize=9)
    ax.invert_yaxis()
    ax.set_title(title, fontsize=11, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_xlim(0, max([n for _, n in rows] + [1]) * 1.15)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return _svg_uri(fig)


def claim_life(per_day: dict[str, int], correction_day: str | None, title: str) -> str:
    """Posts per day of one claim, with the day the board's correction was published marked."""
    days = list(per_day)
    fig, ax = plt.subplots(figsize=(7.5, 3.0), dpi=100)
    x = list(range(len(days)))
    colors = ["#2c6fbb" if correction_day is None or d < correction_day else "#95a5a6" for d in days]
    ax.bar(x, [per_day[d] for d in days], color=colors, width=0.7)
    if correction_day is not None:
        at = days.index(correction_day) if correction_day in days else len(days) - 0.5
        ax.axvline(at - 0.5 if correction_day in days else at, color="#27ae60", linewidth=2)
        ax.annotate(
            "Cải chính", xy=(at - 0.45, 1), xycoords=("data", "axes fraction"), color="#27ae60", fontsize=9, va="top"
        )
    step = max(1, len(days) // 12)
    ax.set_xticks(x[::step], _day_labels(days)[::step])
    ax.set_ylabel("Số tin, bài")
    ax.set_title(title, fontsize=11, loc="left")
    _style(ax)
    return _svg_uri(fig)
