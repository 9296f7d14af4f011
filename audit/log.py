"""Appending to the audit log: group commit in a process, one writer at a time across processes.

Every caller returns only after its own line is on disk (``fsync``), but concurrent callers in
one process share that fsync: the first to arrive becomes the leader and commits the queue in
batches of at most ``MAX_BATCH``, oldest first, until the batch holding its own record has
committed; the others wait for the batch that holds theirs. Each caller is told the outcome of
its own record's batch, never another's.
A commit takes an exclusive ``flock`` on the log file (the server and a CLI may append at once),
reads the chain's tip under it, writes the batch's lines in one write, fsyncs the log, then
updates the head sidecar (``audit.head``: one in-place write and ``fdatasync``) and only
then unlocks. The directory is fsynced only when the log and head are created.

An append that finds the log and its head disagreeing (lines deleted, head removed, a torn last
line) refuses to write: extending a damaged chain would hide the damage. The one disagreement it
repairs is what a crash between the log's fsync and the head's leaves behind: a head that lags
the log by at most one batch, and whose hash is exactly where the lines after it chain from.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from audit.chain import ChainLink, decode_line, encode_line, last_lines
from audit.head import GENESIS, create_head, head_path, read_head, write_head
from audit.record import AuditRecord
from hqg.errors import HqgError, Unavailable

MAX_BATCH = 64
_DAMAGED = "the audit log does not match its head; run `hqg audit verify`"


@dataclass
class _Ticket:
    """One caller's record and, once its batch committed, its link or the batch's error."""

    record: AuditRecord
    link: ChainLink | None = None
    error: HqgError | None = None
    done: bool = False


class AuditLog:
    """A hash-chained JSONL audit log at ``path`` (created on first append)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._cond = threading.Condition()
        self._pending: list[_Ticket] = []
        self._leading = False

    def append(self, record: AuditRecord) -> ChainLink:
        """Append ``record`` durably; return its line number and hash.

        Raises ``Unavailable`` when the log cannot be written or is damaged, so a caller that
        must audit before serving fails closed. A failed batch fails every record in it.
        """
        ticket = _Ticket(record)
        with self._cond:
            self._pending.append(ticket)
            while not ticket.done and self._leading:
                self._cond.wait()
            if ticket.done:
                return _outcome(ticket)
            self._leading = True
        try:
            self._lead_until_done(ticket)
        finally:
            with self._cond:
                self._leading = False
                self._cond.notify_all()
        return _outcome(ticket)

    def _lead_until_done(self, ticket: _Ticket) -> None:
        """Commit queued batches, oldest first, until ``ticket``'s own batch has committed.

        A leader's ticket may sit behind more than ``MAX_BATCH`` others, so one batch is not
        enough: it answers its caller only with the outcome of the batch that held its record.
        """
        while True:
            with self._cond:
                if ticket.done:
                    return
                batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            self._commit(batch)

    def _commit(self, batch: list[_Ticket]) -> None:
        """Write ``batch`` as one durable commit and settle every ticket in it."""
        links: list[ChainLink] = []
        error: HqgError | None = None
        try:
            links = self._write(batch)
        except HqgError as exc:
            error = exc
        except OSError as exc:
            error = Unavailable(f"cannot write the audit log ({exc.strerror})")
        except Exception as exc:  # anything else: settle the batch, never leave callers waiting
            error = Unavailable(f"cannot write the audit log ({type(exc).__name__})")
        with self._cond:
            for index, ticket in enumerate(batch):
                ticket.link = links[index] if links else None
                ticket.error = error
                ticket.done = True
            self._cond.notify_all()  # followers in this batch return without waiting for more

    def prepare(self) -> None:
        """Open the log as an append does: create it and its head (durably) when neither
        exists yet, else check the log against its head (``Unavailable`` when damaged). No
        record is written.

        The start-up warm-up calls it, so the first request's append does not also pay for
        creating the log, its head and their directory entry (two more fsyncs)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._locked() as handle:
            _tip(self.path, handle)

    @contextmanager
    def _locked(self) -> Iterator[BinaryIO]:
        """The log opened for append under an exclusive ``flock`` (other processes wait)."""
        with open(self.path, "a+b", buffering=0, opener=_private) as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield handle
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _write(self, batch: list[_Ticket]) -> list[ChainLink]:
        with self._locked() as handle:
            return self._write_locked(handle, batch)

    def _write_locked(self, handle: BinaryIO, batch: list[_Ticket]) -> list[ChainLink]:
        tip = _tip(self.path, handle)
        lines, links = [], []
        for ticket in batch:
            line, digest = encode_line(ticket.record, seq=tip.count + 1, prev_hash=tip.hash)
            tip = ChainLink(count=tip.count + 1, hash=digest)
            lines.append(line)
            links.append(tip)
        view = memoryview(b"".join(lines))
        while view:
            written = handle.write(view)
            view = view[written or 0 :]
        os.fsync(handle.fileno())
        write_head(self.path, tip)  # only after the lines are durable: never ahead of the log
        return links


def _outcome(ticket: _Ticket) -> ChainLink:
    if ticket.error is not None:  # a fresh error per caller: threads must not share a traceback
        raise Unavailable(ticket.error.message) from ticket.error
    if ticket.link is None:
        raise Unavailable("the audit record was not written")
    return ticket.link


def _private(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)


def _tip(path: Path, handle: BinaryIO) -> ChainLink:
    """The chain's last link, checked against the head; raise ``Unavailable`` if they disagree.

    A log with no head yet gets an empty one (durably) before its first line is written.
    """
    tail = last_lines(handle, 1)
    if not tail and not head_path(path).exists():
        create_head(path)  # fsyncs the directory too: covers the new log's entry as well
    try:
        head = read_head(path)
    except ValueError as exc:
        raise Unavailable(_DAMAGED) from exc
    if head is None:
        raise Unavailable(_DAMAGED)  # the head was deleted
    if not tail:
        if head.count != 0:
            raise Unavailable(_DAMAGED)
        return GENESIS
    handle.seek(-1, os.SEEK_END)
    if handle.read(1) != b"\n":
        raise Unavailable("the audit log ends in an incomplete line; run `hqg audit verify`")
    try:
        last = decode_line(tail[0])
    except ValueError as exc:
        raise Unavailable(_DAMAGED) from exc
    tip = ChainLink(count=last.seq, hash=last.hash)
    if head == tip or _lags_by_one_batch(handle, head=head, tip=tip):
        return tip
    raise Unavailable(_DAMAGED)


def _lags_by_one_batch(handle: BinaryIO, *, head: ChainLink, tip: ChainLink) -> bool:
    """Whether the lines after ``head`` (at most one batch) chain exactly from it to ``tip``."""
    behind = tip.count - head.count
    if not 0 < behind <= MAX_BATCH:
        return False
    try:
        after = [decode_line(raw) for raw in last_lines(handle, behind)]
    except ValueError:
        return False
    expected_seq, expected_prev = head.count + 1, head.hash
    for line in after:
        if line.seq != expected_seq or line.prev_hash != expected_prev:
            return False
        if line.computed_hash() != line.hash:
            return False
        expected_seq, expected_prev = expected_seq + 1, line.hash
    return len(after) == behind
