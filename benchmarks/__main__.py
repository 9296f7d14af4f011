"""``python -m benchmarks [--only NAME] [--quick]``: run, print a table, write latest.json."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import (
    ask,
    embedding,
    http,
    ingest,
    mcp,
    million,
    pii,
    policy,
    search,
    sql,
    startup,
)
from benchmarks.common import Row, RunContext

BENCHMARKS: dict[str, Callable[[RunContext], list[Row]]] = {
    ingest.NAME: ingest.run,
    sql.NAME: sql.run,
    policy.NAME: policy.run,
    search.NAME: search.run,
    ask.NAME: ask.run,
    embedding.NAME: embedding.run,
    http.NAME: http.run,
    pii.NAME: pii.run,
    startup.NAME: startup.run,
    mcp.NAME: mcp.run,
    million.NAME: million.run,
}
OPT_IN = frozenset({million.NAME})
"""Run only when named with ``--only`` (a million chunks take hours to index here)."""
RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"


def _fmt(value: float) -> str:
    if value >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}" if value < 1 else f"{value:.2f}"


def render(rows: list[Row]) -> str:
    """A Markdown table (the same text goes into docs/benchmarks.md)."""
    lines = [
        "| benchmark | measure | unit | baseline | hqg | ratio | note |",
        "|---|---|---|---:|---:|---:|---|",
    ]
    lines += [
        f"| {r.benchmark} | {r.measure} | {r.unit} | {_fmt(r.baseline)} | {_fmt(r.hqg)} "
        f"| {r.ratio:.2f}x | {r.note} |"
        for r in rows
    ]
    return "\n".join(lines)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be a positive number")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--only", choices=sorted(BENCHMARKS), action="append")
    parser.add_argument("--quick", action="store_true", help="100k-row tables, fewer iterations")
    parser.add_argument(
        "--chunks", type=_positive, help="chunks in the million benchmark (default 1,000,000)"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    chosen = args.only or [name for name in BENCHMARKS if name not in OPT_IN]
    rows: list[Row] = []
    seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="hqg-bench-") as scratch:
        ctx = RunContext(quick=args.quick, scratch=Path(scratch), chunks=args.chunks)
        for name in chosen:
            print(f"running {name} ...", file=sys.stderr, flush=True)
            start = time.perf_counter()
            rows += BENCHMARKS[name](ctx)
            seconds[name] = round(time.perf_counter() - start, 1)
    print(render(rows))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": args.quick,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "seconds": seconds,
        "rows": [r.model_dump() for r in rows],
    }
    RESULTS.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
