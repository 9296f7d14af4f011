"""Small bar charts drawn on the server as SVG geometry: no chart library, no script.

The template draws each ``Bar`` as a ``<rect>`` with a ``<title>`` (the exact value, read by
screen readers and shown on hover); the chart's ``label`` is its accessible name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH, HEIGHT, GAP = 320, 80, 2


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str


@dataclass(frozen=True)
class BarChart:
    label: str
    bars: tuple[Bar, ...]
    peak: int
    width: int = WIDTH
    height: int = HEIGHT


def bar_chart(label: str, values: Sequence[int], names: Sequence[str]) -> BarChart:
    """Bars scaled to the largest value (a chart of zeros is flat, not empty)."""
    peak = max(values, default=0)
    step = WIDTH / max(len(values), 1)
    bars = tuple(
        Bar(
            x=round(i * step, 2),
            y=round(HEIGHT - (HEIGHT * v / peak if peak else 0), 2),
            width=round(max(step - GAP, 1), 2),
            height=round(HEIGHT * v / peak if peak else 0, 2),
            title=f"{name}: {v}",
        )
        for i, (v, name) in enumerate(zip(values, names, strict=True))
    )
    return BarChart(label=label, bars=bars, peak=peak)
