"""The workspace catalog file: one SQLite database (WAL) shared by the table and document
catalogs, and the ``generation`` counter every committed change bumps so readers know when to
refresh.

Many processes open it at once (a serving gateway, ``hqg ingest``): WAL lets readers proceed
during a write, ``synchronous=FULL`` makes a commit durable, and writers take the lock up front
with ``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import ClassVar

from hqg.errors import ConfigError

META_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO meta VALUES ('generation', '0');
"""


@contextmanager
def connect(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection in autocommit mode with rows as mappings; closed on exit."""
    con = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=FULL")
        con.row_factory = sqlite3.Row
        yield con
    finally:
        con.close()


def create_schema(path: Path, schema: str) -> None:
    """Create the meta table and ``schema`` idempotently; failure is a ConfigError."""
    try:
        with connect(path) as con:
            con.executescript(META_SCHEMA + schema)
    except sqlite3.Error as exc:
        raise ConfigError(f"cannot open catalog {path}: {exc}") from exc


GENERATION_QUERY = "SELECT value FROM meta WHERE key='generation'"


def bump_generation(con: sqlite3.Connection) -> None:
    """Call inside the writing transaction, so readers see the change and the bump together."""
    con.execute(
        "UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key='generation'"
    )


class CatalogFile:
    """Base of the catalogs: a schema created on open, connections, the generation counter."""

    schema: ClassVar[str]

    def __init__(self, path: Path) -> None:
        self._path = path
        self._readers = threading.local()
        create_schema(path, self.schema)

    def _connect(self) -> AbstractContextManager[sqlite3.Connection]:
        return connect(self._path)

    def generation(self) -> int:
        """A counter bumped by every commit: readers compare it to know when to refresh.

        Read on every request, so it goes through this thread's reader connection (``_reading``).
        """
        with self._reading() as con:
            rows = con.execute(GENERATION_QUERY).fetchall()
        return int(rows[0][0])

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """This thread's long-lived read-only connection, rows as mappings.

        Requests read the catalog several times each (the generation, the collections, the
        cited documents); opening the file costs ~0.3 ms a time (two pragmas), and the first
        request on a thread would pay it again. In autocommit mode each SELECT is its own read
        transaction, ended when the statement is stepped to its end, so callers must read
        with ``fetchall``: it then always sees the latest commit and never holds back a WAL
        checkpoint. A connection that fails is closed and the next read reconnects.
        """
        con: sqlite3.Connection | None = getattr(self._readers, "con", None)
        if con is None:
            con = sqlite3.connect(self._path, timeout=30, isolation_level=None)
            con.row_factory = sqlite3.Row
            self._readers.con = con
        try:
            yield con
        except sqlite3.Error:
            self._readers.con = None  # the next read reconnects instead of reusing a broken one
            con.close()
            raise
