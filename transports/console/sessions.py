"""Console sessions: an API key, checked once at sign-in, becomes a short-lived cookie.

The cookie holds a random token; the server keeps only its SHA-256 digest, the principal's id
and the session's CSRF token, in memory, for ``HQG_CONSOLE__SESSION_MINUTES`` after sign-in
(no sliding renewal: a stolen cookie is worth at most that long). The principal is looked up
again on every request, so a principal removed from the directory is signed out at once.
Sessions live in one server process: a restart or another replica signs everyone out, which is
the safe failure. At most ``HQG_CONSOLE__MAX_SESSIONS`` are held; the oldest goes first.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

COOKIE = "hqg_console"
PRE_COOKIE = "hqg_console_signin"  # the sign-in form's CSRF token (double submit)


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
    expires: float  # monotonic seconds


class SessionStore:
    """Token digest -> session, bounded and expiring; safe to use from many threads."""

    def __init__(
        self, *, ttl_seconds: float, capacity: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self._capacity = capacity
        self._clock = clock
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()

    def open(self, principal_id: str) -> tuple[str, Session]:
        """A new session for ``principal_id``: (the cookie's token, the session)."""
        token = new_token()
        session = Session(principal_id, csrf=new_token(), expires=self._clock() + self.ttl_seconds)
        with self._lock:
            self._sessions[_digest(token)] = session
            while len(self._sessions) > self._capacity:
                self._sessions.popitem(last=False)
        return token, session

    def get(self, token: str | None) -> Session | None:
        """The live session of a cookie token, or None (unknown, expired: then forgotten)."""
        if not token:
            return None
        key = _digest(token)
        with self._lock:
            session = self._sessions.get(key)
            if session is not None and session.expires <= self._clock():
                del self._sessions[key]
                return None
            return session

    def close(self, token: str | None) -> None:
        if token:
            with self._lock:
                self._sessions.pop(_digest(token), None)
