"""Charts drawn on the server as SVG (no chart library, nothing from the internet). Every label
is escaped; the result is marked safe for templates. Each chart has a <title> and a text
alternative for screen readers."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

__all__ = ["bar_chart", "grouped_bar_chart"]

PALETTE = ["#2f6eb5", "#e07b39", "#4e9a52", "#b5473d", "#7a5ea8", "#8c6d31"]


def _number(value) -> float:
    if value is None:
        return 0.0
    return float(value) if isinstance(value, int | float | Decimal) else 0.0


def _label(value, percent: bool) -> str:
    number = _number(value)
    if percent:
        return f"{number * 100:.2f}%"
    return f"{number:,.0f}" if number == int(number) else f"{number:,.2f}"


def bar_chart(
    title: str, items: Sequence[tuple[str, object]], *, percent: bool = False, width: int = 560
) -> SafeString:
    """Horizontal bars, one per (label, value), scaled to the largest value."""
    row, left, gap = 26, 150, 6
    height = max(1, len(items)) * row + 30
    largest = max((_number(value) for _label_text, value in items), default=0) or 1
    span = width - left - 90
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for index, (label, value) in enumerate(items):
        y = 10 + index * row
        length = max(0.0, _number(value) / largest * span)
        parts.append(
            f'<text x="{left - gap}" y="{y + 15}" text-anchor="end" font-size="12">{escape(label)}</text>'
            f'<rect x="{left}" y="{y}" width="{length:.1f}" height="{row - 8}" fill="{PALETTE[0]}"/>'
            f'<text x="{left + length + gap:.1f}" y="{y + 15}" font-size="12">{escape(_label(value, percent))}</text>'
        )
    if not items:
        parts.append(f'<text x="10" y="20" font-size="12">{escape("—")}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 -- every text above is escaped


def grouped_bar_chart(
    title: str, categories: Sequence[str], series: Sequence[tuple[str, Sequence[object]]], *, width: int = 560
) -> SafeString:
    """Vertical bars grouped by category (a year), one colour per series, with a legend."""
    height, bottom, top, left = 250, 30, 40, 40  # top: the legend and the values over the bars
    plot_height = height - bottom - top
    largest = max((_number(v) for _name, values in series for v in values), default=0) or 1
    group_width = (width - left - 10) / max(1, len(categories))
    bar = max(4.0, (group_width - 12) / max(1, len(series)))
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for index, (name, _values) in enumerate(series):
        x = left + index * 140
        parts.append(
            f'<rect x="{x}" y="6" width="12" height="12" fill="{PALETTE[index % len(PALETTE)]}"/>'
            f'<text x="{x + 16}" y="16" font-size="12">{escape(name)}</text>'
        )
    for position, category in enumerate(categories):
        x0 = left + position * group_width + 6
        for index, (_name, values) in enumerate(series):
            value = values[position] if position < len(values) else 0
            bar_height = _number(value) / largest * plot_height
            x = x0 + index * bar
            y = top + plot_height - bar_height
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar - 2:.1f}" height="{bar_height:.1f}" '
                f'fill="{PALETTE[index % len(PALETTE)]}"><title>{escape(category)} {escape(_name)}: '
                f"{escape(_label(value, False))}</title></rect>"
                # the value over its bar: the chart has no axis to read it from
                f'<text x="{x + (bar - 2) / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" font-size="11">'
                f"{escape(_label(value, False))}</text>"
            )
        parts.append(
            f'<text x="{x0 + group_width / 2 - 6:.1f}" y="{height - 10}" text-anchor="middle" font-size="12">'
            f"{escape(category)}</text>"
        )
    parts.append(f'<line x1="{left}" y1="{top + plot_height}" x2="{width}" y2="{top + plot_height}" stroke="#888"/>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 -- every text above is escaped
