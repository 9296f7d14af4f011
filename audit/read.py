"""Reading records back: the newest few for ``hqg audit tail``, or all of them for replay.

Readers do not check the chain (``verify`` does); they fail on a line that is not a record.
A line still being written (no line end yet) is not read.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from audit.chain import decode_line, last_lines
from audit.record import AuditRecord


def tail(path: Path, n: int) -> list[AuditRecord]:
    """The last ``n`` records, oldest first; empty if the log does not exist."""
    if n <= 0 or not path.exists():
        return []
    with path.open("rb") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH)  # brief: writers wait at most one read from the end
        raws = last_lines(handle, n + 1)
        if raws and handle.seek(-1, os.SEEK_END) >= 0 and handle.read(1) != b"\n":
            raws = raws[:-1]
    return [decode_line(raw).record() for raw in raws[-n:]]


def iter_records(path: Path, since: datetime | None = None) -> Iterator[AuditRecord]:
    """Every record in order, optionally only those at or after ``since`` (timezone-aware)."""
    if not path.exists():
        return
    with path.open("rb") as handle:
        for raw in handle:
            if not raw.endswith(b"\n"):
                return
            record = decode_line(raw).record()
            if since is None or record.ts >= since:
                yield record
