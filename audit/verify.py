"""Checking the chain: finds an edited, deleted, inserted or reordered line, or a cut tail.

``verify`` reads the whole log once and names the first bad line, so an operator knows where
to look; its messages never quote a line's content.
"""

from __future__ import annotations

import fcntl
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from audit.chain import GENESIS_HASH, ChainLink, Line, decode_line
from audit.head import load_head


class VerifyReport(BaseModel):
    """The outcome of checking one log: ``ok``, or the first bad line and what is wrong."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ok: bool
    records: int
    first_bad_line: int | None = None
    problem: str | None = None
    head: ChainLink | None = None


Progress = Callable[[int], None]
"""Told the number of lines checked so far, every ``PROGRESS_EVERY`` lines (the console's
"verify now" shows it on a large log)."""
PROGRESS_EVERY = 1000


def verify(path: Path, *, progress: Progress | None = None) -> VerifyReport:
    """Check every line's hash, sequence and link, then the head sidecar.

    Holds a shared lock on the log while reading, so an append in progress (line written, head
    not yet) is never mistaken for tampering.
    """
    try:
        with path.open("rb") as handle:
            fcntl.flock(handle, fcntl.LOCK_SH)
            return _verify_lines(path, handle, progress)
    except FileNotFoundError:
        return _verify_lines(path, (), progress)  # no log: fine only if there is no head either


def _verify_lines(path: Path, lines: Iterable[bytes], progress: Progress | None) -> VerifyReport:
    try:
        head = load_head(path)  # under the lock ``verify`` holds
    except (OSError, ValueError):
        return VerifyReport(ok=False, records=0, problem="the head file is unreadable")
    numbered = enumerate(lines, start=1)
    return _check_lines(numbered if progress is None else _told(numbered, progress), head=head)


def _told(lines: Iterable[tuple[int, bytes]], progress: Progress) -> Iterator[tuple[int, bytes]]:
    for number, raw in lines:
        if number % PROGRESS_EVERY == 0:
            progress(number)
        yield number, raw


def _check_lines(lines: Iterable[tuple[int, bytes]], *, head: ChainLink | None) -> VerifyReport:
    count, last_hash, hash_at_head = 0, GENESIS_HASH, GENESIS_HASH
    for number, raw in lines:
        checked = _check_line(raw, number=number, prev_hash=last_hash)
        if isinstance(checked, str):
            return VerifyReport(ok=False, records=count, first_bad_line=number, problem=checked)
        count, last_hash = number, checked.hash
        if head is not None and number == head.count:
            hash_at_head = last_hash
    return _check_head(head, count=count, hash_at_head=hash_at_head)


def _check_line(raw: bytes, *, number: int, prev_hash: str) -> Line | str:
    """The parsed line if it is sound, else a description of its first problem."""
    if not raw.endswith(b"\n"):
        return f"line {number} is incomplete (no line end)"
    try:
        line = decode_line(raw)
    except ValueError:
        return f"line {number} is not a chain line"
    if line.computed_hash() != line.hash:
        return f"line {number} was modified (its hash does not match its content)"
    if line.seq != number:
        return f"line {number} carries number {line.seq}: lines were removed, added or reordered"
    if line.prev_hash != prev_hash:
        return f"line {number} does not chain from line {number - 1}"
    try:
        line.record()
    except ValidationError:
        return f"line {number} is not a valid audit record"
    return line


def _check_head(head: ChainLink | None, *, count: int, hash_at_head: str) -> VerifyReport:
    def bad(line: int | None, problem: str) -> VerifyReport:
        return VerifyReport(
            ok=False, records=count, first_bad_line=line, problem=problem, head=head
        )

    if head is None:
        return bad(None, "the head file is missing") if count else VerifyReport(ok=True, records=0)
    if head.count > count:
        return bad(
            count + 1, f"the log ends at line {count} but its head records {head.count} lines"
        )
    if head.hash != hash_at_head:
        return bad(head.count or 1, f"line {head.count} does not match the head")
    if head.count < count:
        return bad(head.count + 1, f"lines after line {head.count} are not covered by the head")
    return VerifyReport(ok=True, records=count, head=head)
