"""Querying the audit log: filters, pages both ways, bounded scans, cursors, lookup by id."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

import pytest

from audit import AuditLog, DatasetRef
from audit.query import AuditEntry, AuditFilter, Outcome, find, iter_matching, page
from tests.audit.test_audit_log import T0, make_record


def _log(tmp_path: Path, count: int = 30) -> Path:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    for n in range(count):
        log.append(
            make_record(
                n,
                principal_id="alice" if n % 2 else "bob",
                action="search" if n % 3 == 0 else "sql",
                allowed=n % 5 != 0,
                status=200 if n % 5 else 403,
                decision_id=f"dec-{n}",
                datasets=(
                    (DatasetRef(name="collection:tickets"),)
                    if n % 3 == 0
                    else (DatasetRef(name="orders", version="v1"),)
                ),
            )
        )
    return path


def _seqs(entries: Iterable[AuditEntry]) -> list[int]:
    return [e.seq for e in entries]


def test_filters_combine_principal_action_outcome_resource_and_time(tmp_path: Path) -> None:
    path = _log(tmp_path)
    flt = AuditFilter(
        principal="alice",
        action="search",
        outcome=Outcome.DENIED,
        resource="tickets",
        since=T0,
        until=T0 + timedelta(seconds=29),
    )
    got = [e.record.request_id for e in iter_matching(path, flt)]
    assert got == ["req-15"]  # odd (alice), multiple of 3 (search), multiple of 5 (denied)
    assert all(
        e.record.principal_id == "alice"
        for e in iter_matching(path, AuditFilter(principal="alice"))
    )


def test_resource_filter_matches_a_collection_by_its_bare_or_prefixed_name(
    tmp_path: Path,
) -> None:
    path = _log(tmp_path)
    bare = [e.seq for e in iter_matching(path, AuditFilter(resource="tickets"))]
    prefixed = [e.seq for e in iter_matching(path, AuditFilter(resource="collection:tickets"))]
    assert bare == prefixed == [n + 1 for n in range(0, 30, 3)]
    assert not list(iter_matching(path, AuditFilter(resource="ticket")))


def test_action_family_filter_matches_every_action_of_the_family(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    for n, action in enumerate(["policy.simulate", "policy.eval", "sql", "policy.test"]):
        log.append(make_record(n, action=action))
    got = [e.record.action for e in iter_matching(path, AuditFilter(action="policy.*"))]
    assert got == ["policy.simulate", "policy.eval", "policy.test"]


def test_newest_first_pages_resume_at_their_cursor_until_the_log_ends(tmp_path: Path) -> None:
    path = _log(tmp_path)
    seen: list[int] = []
    cursor = None
    for _ in range(10):
        result = page(path, AuditFilter(), limit=7, cursor=cursor)
        seen += _seqs(result.entries)
        cursor = result.cursor
        if cursor is None:
            break
    assert seen == list(range(30, 0, -1))


def test_oldest_first_pages_resume_at_their_cursor_until_the_log_ends(tmp_path: Path) -> None:
    path = _log(tmp_path)
    seen: list[int] = []
    cursor = None
    for _ in range(10):
        result = page(path, AuditFilter(), limit=8, cursor=cursor, newest_first=False)
        seen += _seqs(result.entries)
        cursor = result.cursor
        if cursor is None:
            break
    assert seen == list(range(1, 31))


def test_a_page_stops_after_max_scan_lines_and_still_returns_a_cursor(tmp_path: Path) -> None:
    path = _log(tmp_path)
    flt = AuditFilter(decision_id="dec-0")  # only the oldest line matches
    first = page(path, flt, limit=5, max_scan=10)
    assert first.entries == ()
    assert first.scanned == 10
    assert first.cursor is not None
    found: list[int] = []
    cursor: int | None = first.cursor
    while cursor is not None:
        result = page(path, flt, limit=5, max_scan=10, cursor=cursor)
        assert result.scanned <= 10
        found += _seqs(result.entries)
        cursor = result.cursor
    assert found == [1]


def test_a_cursor_inside_a_line_or_outside_the_log_is_refused(tmp_path: Path) -> None:
    path = _log(tmp_path, 3)
    size = path.stat().st_size
    with pytest.raises(ValueError, match="start of a record"):
        page(path, AuditFilter(), cursor=5)
    with pytest.raises(ValueError, match="outside"):
        page(path, AuditFilter(), cursor=size + 1)
    with pytest.raises(ValueError, match="limit"):
        page(path, AuditFilter(), limit=0)


def test_a_line_still_being_written_is_not_read(tmp_path: Path) -> None:
    path = _log(tmp_path, 3)
    with path.open("ab") as handle:
        handle.write(b'{"partial": ')
    assert _seqs(page(path, AuditFilter()).entries) == [3, 2, 1]
    assert _seqs(list(iter_matching(path, AuditFilter()))) == [1, 2, 3]


@pytest.mark.slow
def test_lines_longer_than_a_read_block_are_read_whole_backwards(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    wide = "SELECT " + ", ".join(f"column_{i}" for i in range(12_000)) + " FROM t"
    for n in range(3):
        log.append(make_record(n, query_redacted=wide))
    assert path.stat().st_size > 3 * 64 * 1024
    assert _seqs(page(path, AuditFilter(), limit=3).entries) == [3, 2, 1]


def test_find_looks_a_record_up_by_request_id_decision_id_or_line_number(
    tmp_path: Path,
) -> None:
    path = _log(tmp_path)
    by_request = find(path, "req-4")
    by_decision = find(path, "dec-4")
    by_seq = find(path, "5")
    assert by_request is not None
    assert by_decision is not None
    assert by_seq is not None
    assert by_request.seq == by_decision.seq == by_seq.seq == 5
    assert find(path, "req-404") is None
    assert find(path, "999") is None
    assert find(tmp_path / "missing.jsonl", "1") is None


def test_naive_time_bounds_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        AuditFilter(since=T0.replace(tzinfo=None))


def test_find_reads_at_most_max_scan_lines_from_the_end(tmp_path: Path) -> None:
    path = _log(tmp_path)
    assert find(path, "req-25", max_scan=5) is not None
    assert find(path, "req-24", max_scan=5) is None
