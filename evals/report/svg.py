"""Horizontal bar charts as inline SVG: value bars, 95 % interval whiskers, threshold ticks.

Generated here so the HTML report needs no chart library, no script and no network.
"""

from __future__ import annotations

from html import escape

from evals.model import Chart

ROW = 22
LABEL_WIDTH = 300
PLOT_WIDTH = 380
PAD = 8


def _scale(chart: Chart) -> float:
    values = [b.value for b in chart.bars]
    values += [b.high for b in chart.bars if b.high is not None]
    values += [b.threshold for b in chart.bars if b.threshold is not None]
    top = max(values, default=1.0)
    return 1.0 if 0 < top <= 1.0 and chart.unit in ("rate", "recall", "nDCG@10") else top or 1.0


def render_chart(chart: Chart) -> str:
    """One chart as an ``<svg>`` element (all text escaped)."""
    top = _scale(chart)
    height = PAD * 2 + ROW * (len(chart.bars) + 1)
    width = LABEL_WIDTH + PLOT_WIDTH + 90

    def x(value: float) -> float:
        return LABEL_WIDTH + PLOT_WIDTH * max(0.0, min(value / top, 1.0))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><title>{escape(chart.title)}</title>',
        f'<text x="{PAD}" y="{PAD + 12}" font-weight="bold">{escape(chart.title)}</text>',
    ]
    for i, bar in enumerate(chart.bars):
        y = PAD + ROW * (i + 1)
        parts.append(f'<text x="{PAD}" y="{y + 14}">{escape(bar.label[:45])}</text>')
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{x(bar.value) - LABEL_WIDTH:.1f}" '
            f'height="{ROW - 8}" fill="#4c78a8"/>'
        )
        if bar.low is not None and bar.high is not None:
            mid = y + ROW / 2
            parts.append(
                f'<line x1="{x(bar.low):.1f}" y1="{mid:.1f}" x2="{x(bar.high):.1f}" '
                f'y2="{mid:.1f}" stroke="#222" stroke-width="1.5"/>'
            )
        if bar.threshold is not None:
            parts.append(
                f'<line x1="{x(bar.threshold):.1f}" y1="{y + 1}" x2="{x(bar.threshold):.1f}" '
                f'y2="{y + ROW - 3}" stroke="#d62728" stroke-width="2"/>'
            )
        label = f"{bar.value:.3g}{(' ' + chart.unit) if chart.unit == 'ms' else ''}"
        parts.append(
            f'<text x="{LABEL_WIDTH + PLOT_WIDTH + 6}" y="{y + 14}">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
