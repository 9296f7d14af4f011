"""Console sessions: an API key, checked once at sign-in, becomes a short-lived cookie.

The cookie holds a random token; the server keeps only its SHA-256 digest, the principal's id
and the session's CSRF token, for ``HQG_CONSOLE__SESSION_MINUTES`` after sign-in (no sliding
renewal: a stolen cookie is worth at most that long). The principal is looked up again on
every request, so a principal removed from the directory is signed out at once. At most
``HQG_CONSOLE__MAX_SESSIONS`` are held; the oldest goes first.

Sessions are kept in a SQLite file of the workspace (``Workspace.console_sessions_path``),
not in the serving process: ``hqg serve --workers N`` runs N processes on one socket and a
browser's requests land on any of them, so a session held by one process signed the user out
whenever the next request reached another. The file is private to the workspace's owner
(0600) and holds no token in the clear; expiry uses the wall clock, the one clock the
processes share. A restart keeps sessions; a sign-out ends a session in every process.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hqg.errors import ConfigError
from ingestion.sqlite import connect

COOKIE = "hqg_console"
PRE_COOKIE = "hqg_console_signin"  # the sign-in form's CSRF token (double submit)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    digest TEXT PRIMARY KEY,
    principal_id TEXT NOT NULL,
    csrf TEXT NOT NULL,
    opened REAL NOT NULL,
    expires REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_by_opened ON sessions (opened);
"""


def new_token() -> str:
    return secrets.token_urlsafe(32)


def same_token(offered: str | None, expected: str) -> bool:
    """Constant-time comparison; a missing token never matches."""
    return offered is not None and hmac.compare_digest(offered.encode(), expected.encode())


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Session:
    principal_id: str
    csrf: str
    expires: float  # wall-clock seconds (shared by every process of the workspace)


class SessionStore:
    """Token digest -> session in one SQLite file, bounded and expiring; safe to use from many
    threads and processes (each call is one transaction on a connection of its own)."""

    def __init__(
        self,
        path: Path,
        *,
        ttl_seconds: float,
        capacity: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self._path = path
        self._capacity = capacity
        self._clock = clock
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))  # private before SQLite
            with connect(path) as con:
                con.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(f"cannot open the console session store {path}: {exc}") from exc

    def open(self, principal_id: str) -> tuple[str, Session]:
        """A new session for ``principal_id``: (the cookie's token, the session)."""
        token = new_token()
        now = self._clock()
        session = Session(principal_id, csrf=new_token(), expires=now + self.ttl_seconds)
        with connect(self._path) as con:
            con.execute("BEGIN IMMEDIATE")
            con.execute("DELETE FROM sessions WHERE expires <= ?", (now,))
            con.execute(
                "INSERT INTO sessions VALUES (?, ?, ?, ?, ?)",
                (_digest(token), principal_id, session.csrf, now, session.expires),
            )
            con.execute(
                "DELETE FROM sessions WHERE digest IN (SELECT digest FROM sessions "
                "ORDER BY opened DESC, rowid DESC LIMIT -1 OFFSET ?)",
                (self._capacity,),
            )
            con.execute("COMMIT")
        return token, session

    def get(self, token: str | None) -> Session | None:
        """The live session of a cookie token, or None (unknown, expired: then forgotten)."""
        if not token:
            return None
        key = _digest(token)
        with connect(self._path) as con:
            row = con.execute(
                "SELECT principal_id, csrf, expires FROM sessions WHERE digest = ?", (key,)
            ).fetchone()
            if row is None:
                return None
            if row["expires"] <= self._clock():
                con.execute("DELETE FROM sessions WHERE digest = ?", (key,))
                return None
        return Session(row["principal_id"], csrf=row["csrf"], expires=row["expires"])

    def close(self, token: str | None) -> None:
        if token:
            with connect(self._path) as con:
                con.execute("DELETE FROM sessions WHERE digest = ?", (_digest(token),))
