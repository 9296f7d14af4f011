"""Crash consistency and group commit: what a crash can leave behind is repaired or refused,
never silently accepted as a shorter history, and concurrent appends share fsyncs exactly."""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import threading
import time
from pathlib import Path

import pytest

from audit import AuditLog, ChainLink, iter_records, verify
from audit.head import HEAD_BYTES, SLOT_BYTES, encode_slot, head_path, read_head
from audit.log import MAX_BATCH
from hqg.errors import Unavailable
from tests.audit.test_audit_log import make_record


def _log_with(path: Path, count: int) -> list[ChainLink]:
    log = AuditLog(path)
    links = [log.append(make_record(n)) for n in range(count)]
    log.close()  # the head follows in the background: the tests below edit the files next
    return links


def _newest_slot(path: Path) -> int:
    raw = head_path(path).read_bytes()
    newest = read_head(path)
    assert newest is not None
    return 0 if raw[:SLOT_BYTES] == encode_slot(newest) else 1


def _threads_and_processes_worker(path: str, worker: int) -> None:
    log = AuditLog(Path(path))

    def run(thread: int) -> None:
        for i in range(20):
            log.append(make_record(i, request_id=f"p{worker}-t{thread}-{i}"))

    threads = [threading.Thread(target=run, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_head_is_two_checksummed_slots_holding_the_last_two_commits(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    links = _log_with(path, 3)
    raw = head_path(path).read_bytes()
    assert len(raw) == HEAD_BYTES
    assert {raw[:SLOT_BYTES], raw[SLOT_BYTES:]} == {encode_slot(links[1]), encode_slot(links[2])}
    assert read_head(path) == links[2]


def test_a_torn_head_write_falls_back_to_the_previous_commit_and_is_repaired(
    tmp_path: Path,
) -> None:
    path = tmp_path / "audit.jsonl"
    _log_with(path, 3)
    newest = _newest_slot(path)
    with head_path(path).open("r+b") as handle:  # a crash tore the newest slot mid-write
        handle.seek(newest * SLOT_BYTES + 20)
        handle.write(b"\x00garbage")
    assert read_head(path) == ChainLink(count=2, hash=read_head_hash(path, 2))
    assert not verify(path).ok  # line 3 is not covered until the next append repairs the head
    AuditLog(path).append(make_record(9))
    report = verify(path)
    assert report.ok, report.problem
    assert report.records == 4


def read_head_hash(path: Path, line: int) -> str:
    from audit.chain import decode_line

    return decode_line(path.read_bytes().splitlines(keepends=True)[line - 1]).hash


def test_a_head_lagging_one_batch_after_a_crash_is_repaired(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    _log_with(path, 2)
    older_head = head_path(path).read_bytes()
    log = AuditLog(path)
    for n in range(5):  # as if one batch of 5 reached the log but not the head
        log.append(make_record(10 + n))
    log.flush()
    head_path(path).write_bytes(older_head)
    log.append(make_record(99))
    report = verify(path)
    assert report.ok, report.problem
    assert report.records == 8


def test_a_head_lagging_more_than_a_batch_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    _log_with(path, 1)
    older_head = head_path(path).read_bytes()
    log = AuditLog(path)
    for n in range(MAX_BATCH + 1):
        log.append(make_record(n))
    log.flush()
    head_path(path).write_bytes(older_head)
    with pytest.raises(Unavailable, match="does not match its head"):
        log.append(make_record(999))


def test_a_head_that_does_not_chain_to_the_lines_after_it_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    links = _log_with(path, 3)
    forged = ChainLink(count=2, hash="f" * 64)  # right count, wrong hash: not our history
    head_path(path).write_bytes(encode_slot(forged) + encode_slot(links[0]))
    with pytest.raises(Unavailable, match="does not match its head"):
        AuditLog(path).append(make_record(9))


def test_a_cut_tail_is_still_refused_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    _log_with(path, 4)
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:3]))
    with pytest.raises(Unavailable, match="does not match its head"):
        AuditLog(path).append(make_record(9))
    report = verify(path)
    assert (report.ok, report.first_bad_line) == (False, 4)


def test_a_torn_last_line_is_refused_even_with_a_torn_head(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    _log_with(path, 2)
    with path.open("ab") as handle:
        handle.write(b'{"seq":3,"half')
    head_path(path).write_bytes(b"\x00" * HEAD_BYTES)
    with pytest.raises(Unavailable, match="incomplete line"):
        AuditLog(path).append(make_record(9))
    assert not verify(path).ok


def test_a_crash_before_the_first_line_leaves_an_empty_head_that_reads_as_genesis(
    tmp_path: Path,
) -> None:
    path = tmp_path / "audit.jsonl"
    _log_with(path, 1)
    head_path(path).write_bytes(b" " * (HEAD_BYTES - 1) + b"\n")  # created, never written
    AuditLog(path).append(make_record(2))
    assert verify(path).ok


def test_a_legacy_json_head_is_read_and_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    links = _log_with(path, 2)
    head_path(path).write_text(links[1].model_dump_json(), encoding="utf-8")
    assert read_head(path) == links[1]
    log = AuditLog(path)
    log.append(make_record(3))
    log.flush()
    assert len(head_path(path).read_bytes()) == HEAD_BYTES
    assert verify(path).ok


def test_concurrent_appenders_share_one_fsync_and_each_returns_after_its_line_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    log.append(make_record(0))
    fsyncs: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (fsyncs.append(fd), real_fsync(fd))[1])
    results: dict[str, ChainLink] = {}
    seen_on_return: dict[str, bool] = {}

    def append(name: str) -> None:
        results[name] = log.append(make_record(1, request_id=name))
        seen_on_return[name] = name.encode() in path.read_bytes()

    with path.open("rb") as blocker:  # hold the file lock: the first leader waits, others queue
        fcntl.flock(blocker, fcntl.LOCK_EX)
        threads = [threading.Thread(target=append, args=(f"t{i}",)) for i in range(6)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 10
        while len(log._pending) < 5 and time.monotonic() < deadline:
            time.sleep(0.005)
        fcntl.flock(blocker, fcntl.LOCK_UN)
    for thread in threads:
        thread.join()
    assert len(log._pending) == 0
    assert len(fsyncs) == 2  # the blocked leader's own record, then the 5 queued behind it
    assert all(seen_on_return.values())
    assert sorted(link.count for link in results.values()) == [2, 3, 4, 5, 6, 7]
    report = verify(path)
    assert report.ok, report.problem


def test_a_failed_batch_fails_every_caller_in_it(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    _log_with(path, 2)
    head_path(path).unlink()
    log = AuditLog(path)
    errors: list[BaseException] = []

    def append(n: int) -> None:
        try:
            log.append(make_record(n))
        except Unavailable as exc:
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(errors) == 4
    assert len(path.read_bytes().splitlines()) == 2


@pytest.mark.slow
def test_threads_in_several_processes_keep_an_exact_chain(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_threads_and_processes_worker, args=(str(path), w)) for w in range(3)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [worker.exitcode for worker in workers] == [0, 0, 0]
    report = verify(path)
    assert report.ok, report.problem
    assert report.records == 240
    ids = [r.request_id for r in iter_records(path)]
    assert sorted(ids) == sorted(
        f"p{w}-t{t}-{i}" for w in range(3) for t in range(4) for i in range(20)
    )
