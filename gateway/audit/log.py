"""Appending to the audit log: one writer at a time, across threads and processes.

The server and a CLI on the same workspace may append at once, so every append takes an
exclusive ``flock`` on the log file, reads the chain's tip under it, writes one line, fsyncs,
updates the head sidecar and only then unlocks. An append that finds the log and its head
disagreeing (lines deleted, head removed) refuses to write: extending a damaged chain would
hide the damage. The one disagreement it repairs is the head lagging the log by exactly one
line, which is what a crash between the two writes leaves behind.
"""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path
from typing import BinaryIO

from gateway.audit.chain import (
    GENESIS_HASH,
    ChainLink,
    decode_line,
    encode_line,
    fsync_directory,
    last_lines,
    read_head,
    write_head,
)
from gateway.audit.record import AuditRecord
from hqg.errors import Unavailable

_DAMAGED = "the audit log does not match its head; run `hqg audit verify`"


class AuditLog:
    """A hash-chained JSONL audit log at ``path`` (created on first append)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def append(self, record: AuditRecord) -> ChainLink:
        """Append ``record`` durably; return its line number and hash.

        Raises ``Unavailable`` when the log cannot be written or is damaged, so a caller that
        must audit before serving fails closed.
        """
        try:
            with self._lock, open(self.path, "a+b", buffering=0, opener=_private) as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                try:
                    return self._append_locked(handle, record)
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)
        except OSError as exc:
            raise Unavailable(f"cannot write the audit log ({exc.strerror})") from exc

    def _append_locked(self, handle: BinaryIO, record: AuditRecord) -> ChainLink:
        tip = _tip(self.path, handle)
        line, digest = encode_line(record, seq=tip.count + 1, prev_hash=tip.hash)
        view = memoryview(line)
        while view:
            written = handle.write(view)
            view = view[written or 0 :]
        os.fsync(handle.fileno())
        if tip.count == 0:
            fsync_directory(self.path.parent)
        link = ChainLink(count=tip.count + 1, hash=digest)
        write_head(self.path, link)
        return link


def _private(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)


def _tip(path: Path, handle: BinaryIO) -> ChainLink:
    """The chain's last link, checked against the head; raise ``Unavailable`` if they disagree."""
    try:
        head = read_head(path)
    except ValueError as exc:
        raise Unavailable(_DAMAGED) from exc
    tail = last_lines(handle, 1)
    if not tail:
        if head is not None and head.count != 0:
            raise Unavailable(_DAMAGED)
        return ChainLink(count=0, hash=GENESIS_HASH)
    handle.seek(-1, os.SEEK_END)
    if handle.read(1) != b"\n":
        raise Unavailable("the audit log ends in an incomplete line; run `hqg audit verify`")
    try:
        last = decode_line(tail[0])
        tip = ChainLink(count=last.seq, hash=last.hash)
    except ValueError as exc:
        raise Unavailable(_DAMAGED) from exc
    if head == tip:
        return tip
    previous = head or ChainLink(count=0, hash=GENESIS_HASH)
    if previous.count == last.seq - 1 and previous.hash == last.prev_hash:
        return tip  # crashed between the line and the head: the line is the truth
    raise Unavailable(_DAMAGED)
