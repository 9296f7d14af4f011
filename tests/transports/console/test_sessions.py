"""Console sessions expire, are bounded, keep no token in the clear, and are shared by every
serving process of a workspace."""

from __future__ import annotations

import stat
from pathlib import Path

from transports.console.sessions import SessionStore, same_token


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def store(path: Path, *, capacity: int = 10, clock: Clock | None = None) -> SessionStore:
    if clock is None:
        return SessionStore(path, ttl_seconds=60, capacity=capacity)
    return SessionStore(path, ttl_seconds=60, capacity=capacity, clock=clock)


def test_a_session_expires_after_its_lifetime(tmp_path: Path) -> None:
    clock = Clock()
    sessions = store(tmp_path / "s.sqlite", clock=clock)
    token, _ = sessions.open("demo-sec")
    clock.now += 59
    assert sessions.get(token) is not None
    clock.now += 2
    assert sessions.get(token) is None


def test_signing_out_forgets_the_session(tmp_path: Path) -> None:
    sessions = store(tmp_path / "s.sqlite")
    token, _ = sessions.open("demo-sec")
    sessions.close(token)
    assert sessions.get(token) is None


def test_the_oldest_session_goes_first_when_the_store_is_full(tmp_path: Path) -> None:
    clock = Clock()
    sessions = store(tmp_path / "s.sqlite", capacity=2, clock=clock)
    first, _ = sessions.open("a")
    clock.now += 1
    second, _ = sessions.open("b")
    clock.now += 1
    third, _ = sessions.open("c")
    assert sessions.get(first) is None
    assert sessions.get(second) is not None
    assert sessions.get(third) is not None


def test_the_store_keeps_digests_not_tokens_in_a_file_only_its_owner_reads(
    tmp_path: Path,
) -> None:
    path = tmp_path / "console" / "s.sqlite"
    sessions = store(path)
    token, session = sessions.open("a")
    assert sessions.get(token) == session
    stored = b"".join(p.read_bytes() for p in path.parent.iterdir())
    assert token.encode() not in stored
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_session_opened_by_one_serving_process_is_seen_and_ended_by_another(
    tmp_path: Path,
) -> None:
    """``hqg serve --workers N``: the browser's next request may reach any process."""
    path = tmp_path / "s.sqlite"
    one, other = store(path), store(path)
    token, session = one.open("demo-sec")
    assert other.get(token) == session
    other.close(token)
    assert one.get(token) is None


def test_sessions_outlive_a_restart_of_the_server(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    token, session = store(path).open("demo-sec")
    assert store(path).get(token) == session


def test_a_missing_or_wrong_token_never_matches() -> None:
    assert not same_token(None, "x")
    assert not same_token("y", "x")
    assert same_token("x", "x")
