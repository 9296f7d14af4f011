"""The hash chain: how a record becomes a line, and how a line is checked.

Each line is the record's JSON plus ``seq`` (1-based line number), ``prev_hash`` and ``hash``,
where ``hash`` is SHA-256 over the canonical JSON (sorted keys, no spaces) of everything else on
the line. Editing a line breaks its hash; deleting, inserting or reordering lines breaks ``seq``
and ``prev_hash``. Deleting the last lines leaves a valid chain, so the writer also keeps a
sidecar head file (``audit.head`` beside ``audit.jsonl``, see ``audit.head``)
with the latest count and hash.

The chain has no secret: someone who can rewrite the whole log and its head can forge a
consistent history. Tamper-evidence against that needs the head hash copied elsewhere.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from typing import Any, BinaryIO

from pydantic import BaseModel, ConfigDict, Field

from audit.record import AuditRecord

GENESIS_HASH = "0" * 64
CHAIN_FIELDS = ("seq", "prev_hash", "hash")
_BLOCK = 64 * 1024


class ChainLink(BaseModel):
    """Where a record sits in the chain: its line number and its hash."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    count: int = Field(ge=0)
    hash: str = Field(pattern=r"^[0-9a-f]{64}$")


class Line(BaseModel):
    """A parsed log line: the record's fields and the chain fields, not yet checked."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    body: dict[str, Any]
    seq: int
    prev_hash: str
    hash: str

    def computed_hash(self) -> str:
        return _digest({**self.body, "seq": self.seq, "prev_hash": self.prev_hash})

    def record(self) -> AuditRecord:
        return AuditRecord.model_validate(self.body)


def canonical_json(data: Mapping[str, Any]) -> bytes:
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def _digest(data: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(data)).hexdigest()


def encode_line(record: AuditRecord, *, seq: int, prev_hash: str) -> tuple[bytes, str]:
    """Render ``record`` as the line that follows ``prev_hash``; return it and its hash."""
    body = {**record.model_dump(mode="json"), "seq": seq, "prev_hash": prev_hash}
    digest = _digest(body)
    return canonical_json({**body, "hash": digest}) + b"\n", digest


def decode_line(raw: bytes) -> Line:
    """Parse one line; raise ``ValueError`` (without its content) if it is not a chain line."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError("not JSON") from exc
    if not isinstance(data, dict) or not all(key in data for key in CHAIN_FIELDS):
        raise ValueError("missing chain fields")
    seq, prev_hash, digest = (data.pop(key) for key in CHAIN_FIELDS)
    if type(seq) is not int or not isinstance(prev_hash, str) or not isinstance(digest, str):
        raise ValueError("chain fields have the wrong type")
    return Line(body=data, seq=seq, prev_hash=prev_hash, hash=digest)


def last_lines(handle: BinaryIO, n: int) -> list[bytes]:
    """The last ``n`` complete lines of an open file, oldest first, read from the end."""
    end = handle.seek(0, os.SEEK_END)
    data, position = b"", end
    while position > 0 and data.count(b"\n") <= n:
        step = min(_BLOCK, position)
        position -= step
        handle.seek(position)
        data = handle.read(step) + data
    lines = data.split(b"\n")
    if position > 0:
        lines = lines[1:]  # the first piece may be the tail of an earlier line
    return [line for line in lines if line][-n:] if n > 0 else []
