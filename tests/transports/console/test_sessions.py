"""Console sessions expire, are bounded, and keep no token in the clear."""

from __future__ import annotations

from transports.console.sessions import SessionStore, same_token


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_session_expires_after_its_lifetime() -> None:
    clock = Clock()
    store = SessionStore(ttl_seconds=60, capacity=10, clock=clock)
    token, _ = store.open("demo-sec")
    clock.now += 59
    assert store.get(token) is not None
    clock.now += 2
    assert store.get(token) is None


def test_signing_out_forgets_the_session() -> None:
    store = SessionStore(ttl_seconds=60, capacity=10)
    token, _ = store.open("demo-sec")
    store.close(token)
    assert store.get(token) is None


def test_the_oldest_session_goes_first_when_the_store_is_full() -> None:
    store = SessionStore(ttl_seconds=60, capacity=2)
    first, _ = store.open("a")
    second, _ = store.open("b")
    third, _ = store.open("c")
    assert store.get(first) is None
    assert store.get(second) is not None
    assert store.get(third) is not None


def test_the_store_keeps_digests_not_tokens() -> None:
    store = SessionStore(ttl_seconds=60, capacity=2)
    token, _ = store.open("a")
    assert token not in repr(store._sessions)


def test_a_missing_or_wrong_token_never_matches() -> None:
    assert not same_token(None, "x")
    assert not same_token("y", "x")
    assert same_token("x", "x")
