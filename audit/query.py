"""Querying the audit log: a typed filter and a paged reader that streams the chain.

``hqg audit tail``, ``GET /v1/audit``, ``hqg audit show`` and policy replay read the log through
here. The log grows without bound, so no reader loads it: a page reads lines one at a time
(newest first from the end of the file, or oldest first from a point), keeps at most ``limit``
matches and stops after ``max_scan`` lines even if the page is not full, so one request costs a
bounded amount of work whatever the filter. The page's ``cursor`` is the byte offset where the
next page resumes; it is checked to sit on a line boundary, so a forged one cannot make the
reader parse half a line.

Readers take no lock: lines are only ever appended, and a line still being written (no line end
yet) is not read. They do not check the chain either (``verify`` does); a line that is not a
record raises ``ValueError`` without its content.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO

from audit.chain import decode_line
from audit.record import AuditRecord

DEFAULT_LIMIT = 50
MAX_LIMIT = 1000
DEFAULT_MAX_SCAN = 100_000
_BLOCK = 64 * 1024
_COLLECTION_PREFIX = "collection:"


class Outcome(StrEnum):
    """A request's outcome as the audit log keeps it: served or not."""

    ALLOWED = "allowed"
    DENIED = "denied"


@dataclass(frozen=True, kw_only=True)
class AuditFilter:
    """Which records a query wants; every field left ``None`` matches everything.

    ``action`` matches exactly, or by family when it ends in ``.*`` (``mcp.*``, ``policy.*``).
    ``resource`` names a dataset or a collection (``tickets`` matches ``collection:tickets``
    too). ``since`` is inclusive and ``until`` exclusive; both must be timezone-aware.
    """

    principal: str | None = None
    action: str | None = None
    outcome: Outcome | None = None
    resource: str | None = None
    decision_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def __post_init__(self) -> None:
        for bound in (self.since, self.until):
            if bound is not None and bound.tzinfo is None:
                raise ValueError("since and until must be timezone-aware")

    def matches(self, record: AuditRecord) -> bool:
        return (
            (self.principal is None or record.principal_id == self.principal)
            and (self.action is None or _action_matches(self.action, record.action))
            and (self.outcome is None or record.allowed == (self.outcome is Outcome.ALLOWED))
            and (self.resource is None or _names_resource(record, self.resource))
            and (self.decision_id is None or record.decision_id == self.decision_id)
            and (self.since is None or record.ts >= self.since)
            and (self.until is None or record.ts < self.until)
        )


@dataclass(frozen=True)
class AuditEntry:
    """A record and its place in the chain (``seq``, 1-based line number)."""

    seq: int
    record: AuditRecord


@dataclass(frozen=True)
class AuditPage:
    """One page of matches; ``cursor`` resumes after it (None: the log has no more lines)."""

    entries: tuple[AuditEntry, ...]
    cursor: int | None
    scanned: int


def page(
    path: Path,
    flt: AuditFilter,
    *,
    limit: int = DEFAULT_LIMIT,
    cursor: int | None = None,
    newest_first: bool = True,
    max_scan: int = DEFAULT_MAX_SCAN,
) -> AuditPage:
    """Up to ``limit`` records matching ``flt``, reading at most ``max_scan`` lines.

    Newest first, a page starts at the end of the log (or before ``cursor``); oldest first, at
    its start (or at ``cursor``). A page cut short by ``max_scan`` still returns a cursor, so a
    caller pages on through a log where few records match.
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}")
    if max_scan < 1:
        raise ValueError("max_scan must be at least 1")
    if not path.exists():
        return AuditPage((), None, 0)
    entries: list[AuditEntry] = []
    scanned = 0
    with path.open("rb") as handle:
        end = _complete_end(handle)
        start = _checked_cursor(handle, cursor, end, default=end if newest_first else 0)
        lines = _backward(handle, start) if newest_first else _forward(handle, start, end)
        next_cursor: int | None = None
        for offset, raw in lines:
            if len(entries) == limit or scanned == max_scan:
                next_cursor = offset if not newest_first else offset + len(raw)
                break
            scanned += 1
            entry = _entry(raw)
            if flt.matches(entry.record):
                entries.append(entry)
    return AuditPage(tuple(entries), next_cursor, scanned)


def iter_matching(path: Path, flt: AuditFilter) -> Iterator[AuditEntry]:
    """Every matching record, oldest first, one line in memory at a time."""
    if not path.exists():
        return
    with path.open("rb") as handle:
        end = _complete_end(handle)
        for _, raw in _forward(handle, 0, end):
            entry = _entry(raw)
            if flt.matches(entry.record):
                yield entry


def find(path: Path, ident: str) -> AuditEntry | None:
    """The record whose request id or decision id is ``ident``, or whose ``seq`` it spells.

    Request ids are unique per request; a decision id names the record of the request that
    made it. The newest match wins (the log is read from the end).
    """
    if not path.exists():
        return None
    seq = int(ident) if ident.isdigit() else None
    with path.open("rb") as handle:
        for _, raw in _backward(handle, _complete_end(handle)):
            entry = _entry(raw)
            record = entry.record
            if ident in (record.request_id, record.decision_id) or entry.seq == seq:
                return entry
            if seq is not None and entry.seq < seq:
                return None
    return None


def _action_matches(wanted: str, action: str) -> bool:
    if wanted.endswith(".*"):
        return action.startswith(wanted[:-1])
    return action == wanted


def _names_resource(record: AuditRecord, resource: str) -> bool:
    bare = resource.removeprefix(_COLLECTION_PREFIX)
    return any(ref.name in (bare, _COLLECTION_PREFIX + bare) for ref in record.datasets)


def _entry(raw: bytes) -> AuditEntry:
    line = decode_line(raw)
    return AuditEntry(seq=line.seq, record=line.record())


def _complete_end(handle: BinaryIO) -> int:
    """The offset just after the last complete line (a line being written is not read)."""
    end = handle.seek(0, os.SEEK_END)
    position = end
    while position > 0:
        step = min(_BLOCK, position)
        handle.seek(position - step)
        block = handle.read(step)
        newline = block.rfind(b"\n")
        if newline >= 0:
            return position - step + newline + 1
        position -= step
    return 0


def _checked_cursor(handle: BinaryIO, cursor: int | None, end: int, *, default: int) -> int:
    """``cursor`` if it is a line boundary inside the complete part of the log, else refuse."""
    if cursor is None:
        return default
    if not 0 <= cursor <= end:
        raise ValueError("cursor is outside the audit log")
    if cursor > 0:
        handle.seek(cursor - 1)
        if handle.read(1) != b"\n":
            raise ValueError("cursor is not at the start of a record")
    return cursor


def _forward(handle: BinaryIO, start: int, end: int) -> Iterator[tuple[int, bytes]]:
    """(offset, line) pairs from ``start`` up to ``end``, oldest first."""
    handle.seek(start)
    offset = start
    while offset < end:
        raw = handle.readline()
        if not raw.endswith(b"\n"):
            return
        yield offset, raw
        offset += len(raw)


def _backward(handle: BinaryIO, end: int) -> Iterator[tuple[int, bytes]]:
    """(offset, line) pairs ending at or before ``end``, newest first, read block by block.

    Holds one block plus the one partial line that straddles it, never the file.
    """
    position, carry = end, b""
    while position > 0:
        step = min(_BLOCK, position)
        position -= step
        handle.seek(position)
        data = handle.read(step) + carry
        pieces = data.split(b"\n")
        carry = pieces[0]  # may be the tail of an earlier line: joined with the next block
        offset = position + len(data)
        for piece in reversed(pieces[1:]):
            offset -= len(piece) + 1
            if piece:
                yield offset + 1, piece + b"\n"
    if carry:
        yield 0, carry + b"\n"
