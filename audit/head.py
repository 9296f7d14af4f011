"""The head sidecar: the chain's latest count and hash, kept so a cut tail is detectable.

The log line is the source of truth; the head only has to be durable enough that, after a
crash, it lags the log by at most one commit batch and never runs ahead of it. That needs one
``fdatasync`` of an in-place write, not a temp file + fsync + rename + directory fsync:

- The file holds two fixed-size slots; a commit overwrites the slot that does *not* hold the
  newest head. Each slot carries a checksum, so a write torn by a crash is detectable, and it can
  only tear the slot being written: the other slot still holds the previous commit's head.
  The reader takes the valid slot with the highest count.
- The file is created (empty slots, fsynced, directory fsynced) before the first log line is
  written, so "head file missing" always means deleted, never "crashed during the first append".
  An existing head whose slots are both empty or torn reads as count 0 (the genesis).
- Overwriting in place does not change the file's size or name, so the sync is a data flush
  without a journal commit.

A head written by an older version (one bare JSON object) is still read, and rewritten in the
slot format on the next commit.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from audit.chain import GENESIS_HASH, ChainLink

SLOT_BYTES = 192
_SLOTS = 2
HEAD_BYTES = SLOT_BYTES * _SLOTS
GENESIS = ChainLink(count=0, hash=GENESIS_HASH)


def head_path(log_path: Path) -> Path:
    return log_path.with_suffix(".head")


def _check(count: int, digest: str) -> str:
    return hashlib.sha256(f"hqg-audit-head:{count}:{digest}".encode()).hexdigest()[:16]


def encode_slot(link: ChainLink) -> bytes:
    """One slot: JSON with a checksum, space-padded to ``SLOT_BYTES`` and ending in a newline."""
    text = json.dumps(
        {"count": link.count, "hash": link.hash, "check": _check(link.count, link.hash)},
        separators=(",", ":"),
    ).encode("ascii")
    return text.ljust(SLOT_BYTES - 1, b" ") + b"\n"


def _decode_slot(raw: bytes) -> ChainLink | None:
    """The slot's link, or None if it is empty or torn (checksum or shape wrong)."""
    try:
        data = json.loads(raw)
        link = ChainLink(count=data["count"], hash=data["hash"])
    except (ValueError, KeyError, TypeError, ValidationError):
        return None
    return link if data.get("check") == _check(link.count, link.hash) else None


def parse_head(raw: bytes) -> ChainLink:
    """The newest valid slot (genesis if none); a legacy single-JSON head is read as is.

    Raises ``ValueError`` for a legacy head that does not parse: it had no torn-write story.
    """
    if len(raw) != HEAD_BYTES:
        try:
            return ChainLink.model_validate_json(raw)
        except ValidationError as exc:
            raise ValueError("unreadable head") from exc
    return _slots(raw)[1]


def _slots(raw: bytes) -> tuple[int, ChainLink]:
    """The index of the slot holding the newest valid head (0 if none), and that head."""
    slots = [_decode_slot(raw[i * SLOT_BYTES : (i + 1) * SLOT_BYTES]) for i in range(_SLOTS)]
    valid = [(link.count, index, link) for index, link in enumerate(slots) if link is not None]
    if not valid:
        return 0, GENESIS
    _, index, link = max(valid, key=lambda item: item[0])
    return index, link


def read_head(log_path: Path) -> ChainLink | None:
    """The head as of the last finished commit, or None if the file does not exist; raise
    ``ValueError`` if it is unreadable.

    Read under a shared lock on the log: a commit holds the exclusive lock from its lines'
    write until its head is durable (the head is written after the appending callers have
    returned, ``audit.log``), so a reader never sees a commit half done. A caller that already
    holds a lock on the log reads with ``load_head``.
    """
    try:
        handle = log_path.open("rb")
    except FileNotFoundError:
        return load_head(log_path)
    with handle:
        fcntl.flock(handle, fcntl.LOCK_SH)
        return load_head(log_path)


def load_head(log_path: Path) -> ChainLink | None:
    """``read_head`` for a caller holding a lock on the log (or when there is no log)."""
    try:
        raw = head_path(log_path).read_bytes()
    except FileNotFoundError:
        return None
    return parse_head(raw)


def create_head(log_path: Path) -> None:
    """Create an empty head durably (file and directory entry) before the first log line."""
    target = head_path(log_path)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, b" " * (HEAD_BYTES - 1) + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    fsync_directory(target.parent)


@dataclass(frozen=True)
class HeadImage:
    """A head file's bytes as its writer last wrote them, and the slot holding the newest head:
    a writer that finds the file unchanged need not read and parse it again."""

    raw: bytes
    newest: int


def write_head(log_path: Path, link: ChainLink, *, known: HeadImage | None = None) -> HeadImage:
    """Overwrite the older slot in place and ``fdatasync`` (see the module docstring); return
    the file as now written.

    ``known``: the file as the caller last wrote it, when the caller has checked that it still
    holds exactly those bytes; otherwise it is read to find the newest slot.
    Call only after the log lines up to ``link`` are durable, so the head never runs ahead.
    """
    fd = os.open(head_path(log_path), os.O_RDWR)
    try:
        if known is None:
            raw = os.pread(fd, HEAD_BYTES + 1, 0)
            if len(raw) != HEAD_BYTES:  # legacy format or damaged size: rewrite whole
                image = HeadImage(raw=encode_slot(link) * _SLOTS, newest=0)
                os.pwrite(fd, image.raw, 0)
                os.ftruncate(fd, HEAD_BYTES)
                os.fsync(fd)
                return image
            known = HeadImage(raw=raw, newest=_slots(raw)[0])
        slot, target = encode_slot(link), 1 - known.newest
        start = target * SLOT_BYTES
        os.pwrite(fd, slot, start)
        os.fdatasync(fd)
        raw = known.raw[:start] + slot + known.raw[start + SLOT_BYTES :]
        return HeadImage(raw=raw, newest=target)
    finally:
        os.close(fd)


def fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
