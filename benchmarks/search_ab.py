"""``python -m benchmarks.search_ab BASE_TREE HOME``: a governed route over HTTP, two trees A/B.

A before/after figure taken on a shared, loaded machine means nothing unless both sides ran in
the same minutes. This starts two real ``hqg serve`` processes, A from ``BASE_TREE`` (another
checkout, e.g. ``git archive <commit> | tar -x -C /tmp/base``) and B from this tree, each over
its own copy of the demo workspace ``HOME``, and drives ``/v1/search`` (hybrid, k 5, as
demo-alice, every query text distinct: ``benchmarks.http.SEARCH``; ``--probe /v1/sql`` for the
governed point query, ``/healthz`` for the floor) in alternating blocks, the order swapped
every round. Reported per concurrency: the median over rounds of req/s, p50, p95
and the **server's CPU time per request** (``/proc/<pid>/stat``, user + system, every thread
of the serving process), the figure that moves least with other load on the machine.

Settings for both servers: ``--set NAME=VALUE`` (``--set HQG_EMBEDDING__RUNTIME=onnx-int8``).
Linux only (``/proc``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from benchmarks.http import PROBES, REPO, SEARCH, Probe, drive, served

_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Block:
    """One block of one server at one concurrency."""

    rate: float
    p50: float
    p95: float
    cpu_ms: float  # server CPU per answered request
    errors: int


def _children() -> set[int]:
    """Pids of this process's children (the servers ``served`` starts)."""
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid():
            found.add(int(entry))
    return found


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def _block(url: str, pid: int, probe: Probe, concurrency: int, seconds: float) -> Block:
    before = _cpu_seconds(pid)
    cell = drive(url, probe, concurrency=concurrency, seconds=seconds)
    answered = max(len(cell.latencies_ms), 1)
    return Block(
        rate=cell.rate,
        p50=cell.percentile(50),
        p95=cell.percentile(95),
        cpu_ms=(_cpu_seconds(pid) - before) / answered * 1000,
        errors=cell.errors,
    )


def compare(
    base: Path,
    home: Path,
    *,
    rounds: int,
    seconds: float,
    concurrency: tuple[int, ...],
    env: dict[str, str],
    probe: Probe = SEARCH,
) -> dict[tuple[str, int], list[Block]]:
    """Blocks per (side, concurrency); A is ``base``, B this tree."""
    trees = {"A": base, "B": REPO}
    blocks: dict[tuple[str, int], list[Block]] = {(s, c): [] for s in trees for c in concurrency}
    with tempfile.TemporaryDirectory(prefix="hqg-search-ab-") as scratch, ExitStack() as stack:
        urls, pids = {}, {}
        for side, tree in trees.items():
            copy = Path(scratch) / f"home-{side}"
            shutil.copytree(home, copy)
            before = _children()
            log = Path(scratch) / f"{side}.log"
            urls[side] = stack.enter_context(served(copy, log=log, source=tree, env=env))
            (pids[side],) = _children() - before
        for side in trees:  # first-use paths, connections, caches of the decision
            drive(urls[side], probe, concurrency=1, seconds=30, max_requests=20)
        for index in range(rounds):
            order = ("A", "B") if index % 2 == 0 else ("B", "A")
            for c in concurrency:
                for side in order:
                    block = _block(urls[side], pids[side], probe, c, seconds)
                    blocks[(side, c)].append(block)
                    print(side, c, block, flush=True)
    return blocks


def report(blocks: dict[tuple[str, int], list[Block]], concurrency: tuple[int, ...]) -> str:
    """A markdown table: medians over rounds, A and B, and B/A."""
    lines = [
        "| concurrency | req/s A → B | p50 ms A → B | p95 ms A → B "
        "| server CPU ms/request A → B | errors |",
        "|---|---|---|---|---|---|",
    ]
    for c in concurrency:
        a, b = blocks[("A", c)], blocks[("B", c)]
        cells = []
        for name in ("rate", "p50", "p95", "cpu_ms"):
            before = statistics.median(getattr(x, name) for x in a)
            after = statistics.median(getattr(x, name) for x in b)
            cells.append(f"{before:.1f} → {after:.1f} ({after / before:.2f}x)")
        errors = f"{sum(x.errors for x in a)} / {sum(x.errors for x in b)}"
        lines.append(f"| {c} | {' | '.join(cells)} | {errors} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", type=Path, help="the other tree (A)")
    parser.add_argument("home", type=Path, help="a demo workspace (copied per server)")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--concurrency", default="1,8")
    parser.add_argument(
        "--probe", default=SEARCH.path, choices=[p.path for p in PROBES], help="the route driven"
    )
    parser.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE", help="for both servers"
    )
    args = parser.parse_args()
    concurrency = tuple(int(c) for c in args.concurrency.split(","))
    env = dict(setting.split("=", 1) for setting in args.set)
    blocks = compare(
        args.base.resolve(),
        args.home.resolve(),
        rounds=args.rounds,
        seconds=args.seconds,
        concurrency=concurrency,
        env=env,
        probe=next(p for p in PROBES if p.path == args.probe),
    )
    print(report(blocks, concurrency))


if __name__ == "__main__":
    main()
