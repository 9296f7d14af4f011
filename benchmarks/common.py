"""What every benchmark shares: timing loops, percentile summaries, one result row type."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from privacy.composite import CompositeDetector
    from privacy.detector import PresidioDetector
    from privacy.rampart import RampartDetector


class Row(BaseModel):
    """One line of the results table: hqg's number, the baseline's, and their ratio."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    benchmark: str
    measure: str
    unit: str
    baseline: float
    hqg: float
    ratio: float  # hqg / baseline
    note: str = ""


class Latency(BaseModel):
    """Latency percentiles in milliseconds over ``n`` timed calls."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    n: int
    p50_ms: float
    p95_ms: float
    mean_ms: float
    p99_ms: float | None = None  # set by ``latency``; summaries built elsewhere may omit it


def row(
    benchmark: str, measure: str, unit: str, *, baseline: float, hqg: float, note: str = ""
) -> Row:
    ratio = hqg / baseline if baseline else float("inf")
    return Row(
        benchmark=benchmark,
        measure=measure,
        unit=unit,
        baseline=baseline,
        hqg=hqg,
        ratio=ratio,
        note=note,
    )


def latency(call: Callable[[], Any], *, n: int, warmup: int = 5) -> Latency:
    """Time ``n`` calls after ``warmup`` untimed ones (connections, caches, imports)."""
    for _ in range(warmup):
        call()
    samples: list[float] = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return Latency(
        n=n,
        p50_ms=statistics.median(samples),
        p95_ms=samples[min(n - 1, round(0.95 * (n - 1)))],
        mean_ms=statistics.fmean(samples),
        p99_ms=samples[min(n - 1, round(0.99 * (n - 1)))],
    )


def latency_rows(
    benchmark: str, measure: str, *, baseline: Latency, hqg: Latency, note: str = ""
) -> list[Row]:
    """Two rows (p50 and p95) comparing two latency summaries."""
    return [
        row(benchmark, f"{measure} p50", "ms", baseline=baseline.p50_ms, hqg=hqg.p50_ms, note=note),
        row(benchmark, f"{measure} p95", "ms", baseline=baseline.p95_ms, hqg=hqg.p95_ms),
    ]


def timed(call: Callable[[], Any]) -> float:
    """Wall seconds of one call."""
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def _privacy_settings() -> Any:
    from pydantic import SecretStr

    from privacy.settings import PrivacySettings

    return PrivacySettings(hash_salt=SecretStr("bench-salt-" + "x" * 16))


class RunContext:
    """Per-run options and the expensive shared objects, built on first use."""

    def __init__(self, *, quick: bool, scratch: Path, chunks: int | None = None) -> None:
        self.quick = quick
        self.scratch = scratch
        self.chunks = chunks  # ``--chunks``: the size of the ``million`` collection
        self._spacy: PresidioDetector | None = None
        self._rampart: RampartDetector | None = None

    @property
    def rows(self) -> int:
        """The size of the big generated tables: 1M, or 100k with ``--quick``."""
        return 100_000 if self.quick else 1_000_000

    def spacy(self) -> PresidioDetector:
        """spaCy + Presidio's recognizers alone (~6 s to build: once per run)."""
        if self._spacy is None:
            from privacy.detector import PresidioDetector

            self._spacy = PresidioDetector(_privacy_settings())
        return self._spacy

    def rampart(self) -> RampartDetector:
        """The second NER, configured as the product's settings configure it."""
        if self._rampart is None:
            from privacy.rampart import RampartDetector

            settings = _privacy_settings()
            self._rampart = RampartDetector(
                entities=settings.entities,
                threshold=settings.rampart_threshold,
                max_tokens=settings.rampart_max_tokens,
                threads=settings.rampart_threads,
                int8=settings.rampart_int8,
            )
        return self._rampart

    def detector(self) -> CompositeDetector:
        """The detector the product uses (both models, the settings' allow-list; a caller
        with a catalog passes its vocabulary to ``privacy.detector.build_detector``)."""
        from privacy.detector import build_detector

        return build_detector(_privacy_settings(), models=[self.spacy(), self.rampart()])
