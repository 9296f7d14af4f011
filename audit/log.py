"""Appending to the audit log: group commit in a process, one writer at a time across processes.

Every caller returns only after its own line is on disk (``fsync``), but concurrent callers in
one process share that fsync: the first to arrive becomes the leader and commits the queue in
batches of at most ``MAX_BATCH``, oldest first, until the batch holding its own record has
committed; the others wait for the batch that holds theirs. Each caller is told the outcome of
its own record's batch, never another's.

A commit takes an exclusive ``flock`` on the log file (the server and a CLI may append at once),
finds the chain's tip, writes the batch's lines in one write and fsyncs the log. Its callers
return then: their lines are durable. The head sidecar (``audit.head``: one in-place write and
``fdatasync``) is updated after that by the log's head thread, which owns the still-locked file
and unlocks it only once the head is durable. So:

- the head never runs ahead of the log: it is written only after the lines it covers are
  fsynced, exactly as when the caller wrote it itself;
- a crash after the callers returned and before the head's sync leaves the head one batch
  behind, the state a crash between the two syncs always could leave, which the next append
  repairs (below);
- nobody sees the commit half done: the next commit (of this process or another) and readers
  of the head (``audit.head.read_head``, ``verify``) wait for the lock, held until the head is
  durable;
- callers no longer wait for the second sync, and concurrent callers queue for the next batch
  while it runs (``flush`` waits for it: tests that edit the files, ``Gateway.close``; at
  interpreter exit the pending head updates still run).

The tip comes from memory when the log and the head still hold exactly the bytes this process's
last commit left (the log's size and last line, the head file's bytes: two small reads, no
parsing); anything else (another process appended, a file was edited, a head update failed) and
both files are read and checked again.

An append that finds the log and its head disagreeing (lines deleted, head removed, a torn last
line) refuses to write: extending a damaged chain would hide the damage. The one disagreement it
repairs is what a crash between the log's fsync and the head's leaves behind: a head that lags
the log by at most one batch, and whose hash is exactly where the lines after it chain from.
The repair (the head brought up to the tip, synced) happens before the log grows again, so a
second failure can never leave the head two batches behind.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from audit.chain import ChainLink, decode_line, encode_line, last_lines
from audit.head import GENESIS, HeadImage, create_head, head_path, load_head, write_head
from audit.record import AuditRecord
from hqg.errors import HqgError, Unavailable

MAX_BATCH = 64
_DAMAGED = "the audit log does not match its head; run `hqg audit verify`"
logger = logging.getLogger(__name__)


@dataclass
class _Ticket:
    """One caller's record and, once its batch committed, its link or the batch's error."""

    record: AuditRecord
    link: ChainLink | None = None
    error: HqgError | None = None
    done: bool = False


@dataclass(frozen=True)
class _Tip:
    """The end of the log as this process's last commit left it: the log's size, its last line
    (newline included) and that line's link, and the head file's bytes (None until the head
    for ``link`` is written). A commit trusts it only while both files hold exactly these bytes.
    """

    size: int
    last_line: bytes
    link: ChainLink
    head: HeadImage | None


class AuditLog:
    """A hash-chained JSONL audit log at ``path`` (created on first append)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._cond = threading.Condition()
        self._pending: list[_Ticket] = []
        self._leading = False
        self._known: _Tip | None = None  # read and written only under the log's flock
        self._heads: ThreadPoolExecutor | None = None
        self._heads_pid = 0

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

    def flush(self) -> None:
        """Return once the head covers every append that returned before this call (the head
        follows the log's fsync in the background, see the module docstring)."""
        try:
            self._head_thread().submit(int).result()
        except RuntimeError:  # interpreter exit: its own join has run every pending update
            return

    def close(self) -> None:
        """Flush the head; the log stays usable (a later append simply opens it again)."""
        self.flush()

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
        """Write ``batch`` as one durable commit, hand the head to the head thread (it unlocks
        the log when the head is durable) and settle every ticket in it."""
        links: list[ChainLink] = []
        error: HqgError | None = None
        handle: BinaryIO | None = None
        try:
            handle = self._lock()
            links, tip = self._write_locked(handle, batch)
            self._hand_over_head(handle, tip)
        except HqgError as exc:
            error = exc
        except OSError as exc:
            error = Unavailable(f"cannot write the audit log ({exc.strerror})")
        except Exception as exc:  # anything else: settle the batch, never leave callers waiting
            error = Unavailable(f"cannot write the audit log ({type(exc).__name__})")
        if error is not None:
            self._known = None  # the next commit reads both files again
            if handle is not None:
                _unlock(handle)
        with self._cond:
            for index, ticket in enumerate(batch):
                ticket.link = links[index] if error is None else None
                ticket.error = error
                ticket.done = True
            self._cond.notify_all()  # followers in this batch return without waiting for more

    def _hand_over_head(self, handle: BinaryIO, tip: _Tip) -> None:
        """Queue the head's update on the head thread, which owns the locked ``handle`` from now
        on; at interpreter exit, when no thread can be started, update it here."""
        try:
            self._head_thread().submit(self._update_head, handle, tip)
        except RuntimeError:
            self._update_head(handle, tip)

    def _head_thread(self) -> ThreadPoolExecutor:
        """The one thread that updates the head, in order; a forked child gets its own (the
        parent's thread does not exist in it)."""
        if self._heads is None or self._heads_pid != os.getpid():
            self._heads = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hqg-audit-head")
            self._heads_pid = os.getpid()
        return self._heads

    def _update_head(self, handle: BinaryIO, tip: _Tip) -> None:
        """Write the head for ``tip`` (the log is durable up to it), remember both files' state
        and unlock. A failure leaves the head one batch behind, which the next commit checks
        and repairs before it writes anything (``_tip_locked``)."""
        try:
            image = write_head(self.path, tip.link, known=tip.head)
            self._known = _Tip(tip.size, tip.last_line, tip.link, image)
        except Exception as exc:
            self._known = None
            logger.warning("cannot update the audit head (%s)", type(exc).__name__)
        finally:
            _unlock(handle)

    def prepare(self) -> None:
        """Open the log as an append does: create it and its head (durably) when neither
        exists yet, else check the log against its head (``Unavailable`` when damaged). No
        record is written.

        The start-up warm-up calls it, so the first request's append does not also pay for
        creating the log, its head and their directory entry (two more fsyncs), nor for
        starting the head thread: a new thread's start waits until the scheduler runs it,
        which a first request measured at 14 ms on a loaded machine."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self._lock()
        try:
            _tip(self.path, handle)
        finally:
            _unlock(handle)
        self.flush()  # starts the head thread

    def _lock(self) -> BinaryIO:
        """The log opened for append under an exclusive ``flock`` (other processes wait, and so
        does this process's next commit until the head thread has unlocked the previous one)."""
        handle = open(self.path, "a+b", buffering=0, opener=_private)  # noqa: SIM115
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
        except BaseException:
            handle.close()
            raise
        return handle

    def _write_locked(self, handle: BinaryIO, batch: list[_Ticket]) -> tuple[list[ChainLink], _Tip]:
        tip, head = self._tip_locked(handle)
        lines, links = [], []
        for ticket in batch:
            line, digest = encode_line(ticket.record, seq=tip.count + 1, prev_hash=tip.hash)
            tip = ChainLink(count=tip.count + 1, hash=digest)
            lines.append(line)
            links.append(tip)
        data = b"".join(lines)
        view = memoryview(data)
        while view:
            written = handle.write(view)
            view = view[written or 0 :]
        os.fsync(handle.fileno())
        size = os.fstat(handle.fileno()).st_size
        return links, _Tip(size=size, last_line=lines[-1], link=tip, head=head)

    def _tip_locked(self, handle: BinaryIO) -> tuple[ChainLink, HeadImage | None]:
        """The chain's tip and, when known, the head file's bytes. From memory when both files
        still hold exactly what this process's last commit left (size, last line, head bytes);
        else read and checked (``_tip``), and a head lagging one batch behind (a crash, or a
        failed head update) is brought up to the tip before the log grows again, so it never
        lags by more than the one batch the check accepts."""
        known = self._known
        if known is not None and known.head is not None and _unchanged(self.path, handle, known):
            return known.link, known.head
        self._known = None
        tip, head = _tip(self.path, handle)
        if head != tip:
            return tip, write_head(self.path, tip)
        return tip, None


def _unlock(handle: BinaryIO) -> None:
    try:
        fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        handle.close()


def _unchanged(path: Path, handle: BinaryIO, known: _Tip) -> bool:
    """Whether the log still ends exactly as ``known`` says (same size, a newline, then the
    same last line) and the head file still holds exactly ``known.head``."""
    fd = handle.fileno()
    if os.fstat(fd).st_size != known.size:
        return False
    start = known.size - len(known.last_line) - 1
    tail = (
        os.pread(fd, len(known.last_line) + 1, start)
        if start >= 0
        else b"\n" + os.pread(fd, len(known.last_line), 0)
    )
    if tail != b"\n" + known.last_line:
        return False
    try:
        return head_path(path).read_bytes() == (known.head.raw if known.head else None)
    except OSError:
        return False


def _outcome(ticket: _Ticket) -> ChainLink:
    if ticket.error is not None:  # a fresh error per caller: threads must not share a traceback
        raise Unavailable(ticket.error.message) from ticket.error
    if ticket.link is None:
        raise Unavailable("the audit record was not written")
    return ticket.link


def _private(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)


def _tip(path: Path, handle: BinaryIO) -> tuple[ChainLink, ChainLink]:
    """The chain's last link and the head, checked against each other: equal, or the head
    lagging one batch behind; raise ``Unavailable`` if they disagree otherwise.

    A log with no head yet gets an empty one (durably) before its first line is written.
    """
    tail = last_lines(handle, 1)
    if not tail and not head_path(path).exists():
        create_head(path)  # fsyncs the directory too: covers the new log's entry as well
    try:
        head = load_head(path)
    except ValueError as exc:
        raise Unavailable(_DAMAGED) from exc
    if head is None:
        raise Unavailable(_DAMAGED)  # the head was deleted
    if not tail:
        if head.count != 0:
            raise Unavailable(_DAMAGED)
        return GENESIS, head
    handle.seek(-1, os.SEEK_END)
    if handle.read(1) != b"\n":
        raise Unavailable("the audit log ends in an incomplete line; run `hqg audit verify`")
    try:
        last = decode_line(tail[0])
    except ValueError as exc:
        raise Unavailable(_DAMAGED) from exc
    tip = ChainLink(count=last.seq, hash=last.hash)
    if head == tip or _lags_by_one_batch(handle, head=head, tip=tip):
        return tip, head
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
