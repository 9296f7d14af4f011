"""Appending to the hash-chained audit log, from threads and from processes."""

from __future__ import annotations

import json
import multiprocessing
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from audit import GENESIS_HASH, AuditLog, AuditRecord, iter_records, tail, verify
from hqg.errors import Unavailable

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def make_record(n: int, **changes: object) -> AuditRecord:
    fields: dict[str, object] = {
        "ts": T0 + timedelta(seconds=n),
        "request_id": f"req-{n}",
        "principal_id": "alice",
        "tenant": "acme",
        "purpose": "analytics",
        "action": "sql",
        "allowed": True,
        "status": 200,
        "rows_returned": n,
        "query_redacted": f"SELECT * FROM orders WHERE order_id = {n}",
    }
    fields.update(changes)
    return AuditRecord.model_validate(fields)


def _append_many(path: str, worker: int, count: int) -> None:
    log = AuditLog(Path(path))
    for i in range(count):
        log.append(make_record(i, request_id=f"w{worker}-{i}"))


def test_appended_records_verify_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    links = [log.append(make_record(n)) for n in range(5)]
    assert [link.count for link in links] == [1, 2, 3, 4, 5]
    report = verify(path)
    assert report.ok, report.problem
    assert report.records == 5
    assert report.head == links[-1]
    assert [r.request_id for r in iter_records(path)] == [f"req-{n}" for n in range(5)]
    assert [r.request_id for r in tail(path, 2)] == ["req-3", "req-4"]


def test_first_line_chains_from_the_genesis_hash(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    AuditLog(path).append(make_record(1))
    first = json.loads(path.read_text().splitlines()[0])
    assert first["prev_hash"] == GENESIS_HASH
    assert first["seq"] == 1


def test_log_and_head_are_private_to_the_owner(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    AuditLog(path).append(make_record(1))
    assert path.stat().st_mode & 0o077 == 0
    assert (tmp_path / "audit.head").stat().st_mode & 0o077 == 0


def test_iter_records_since_skips_older_records(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    for n in range(4):
        log.append(make_record(n))
    since = T0 + timedelta(seconds=2)
    assert [r.rows_returned for r in iter_records(path, since=since)] == [2, 3]


def test_reading_a_missing_log_yields_nothing(tmp_path: Path) -> None:
    path = tmp_path / "absent.jsonl"
    assert tail(path, 3) == []
    assert list(iter_records(path)) == []
    assert verify(path).ok


@pytest.mark.slow
def test_tail_reads_across_read_blocks(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    for n in range(300):  # ~100 KB: more than one 64 KB block from the end
        log.append(make_record(n, reasons=("x" * 200,)))
    assert [r.rows_returned for r in tail(path, 250)] == list(range(50, 300))


def test_threads_in_one_process_append_without_breaking_the_chain(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    threads = [
        threading.Thread(target=lambda w=w: [log.append(make_record(i)) for i in range(25)])
        for w in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report = verify(path)
    assert report.ok, report.problem
    assert report.records == 100


@pytest.mark.slow
def test_four_processes_appending_concurrently_keep_an_exact_chain(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_append_many, args=(str(path), w, 50)) for w in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [worker.exitcode for worker in workers] == [0, 0, 0, 0]
    report = verify(path)
    assert report.ok, report.problem
    assert report.records == 200
    ids = {r.request_id for r in iter_records(path)}
    assert ids == {f"w{w}-{i}" for w in range(4) for i in range(50)}


def test_append_refuses_to_extend_a_truncated_log(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    for n in range(3):
        log.append(make_record(n))
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:2]))
    with pytest.raises(Unavailable, match="does not match its head"):
        log.append(make_record(9))
    assert not verify(path).ok


def test_append_refuses_when_the_head_was_deleted(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    for n in range(3):
        log.append(make_record(n))
    (tmp_path / "audit.head").unlink()
    with pytest.raises(Unavailable):
        log.append(make_record(9))


def test_append_refuses_after_a_torn_last_line(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    log.append(make_record(1))
    with path.open("ab") as handle:
        handle.write(b'{"half a line')
    with pytest.raises(Unavailable, match="incomplete line"):
        log.append(make_record(2))


def test_append_repairs_a_head_one_line_behind_after_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    log.append(make_record(1))
    log.flush()  # the head follows the log's fsync in the background
    head_after_first = (tmp_path / "audit.head").read_bytes()
    log.append(make_record(2))
    log.flush()
    (tmp_path / "audit.head").write_bytes(head_after_first)  # as if we crashed before the head
    assert not verify(path).ok
    log.append(make_record(3))
    report = verify(path)
    assert report.ok, report.problem
    assert report.records == 3


@pytest.mark.slow
def test_verify_and_readers_never_see_an_append_half_done(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    log.append(make_record(0))
    writer = threading.Thread(target=lambda: [log.append(make_record(i)) for i in range(1, 150)])
    writer.start()
    reports = []
    while writer.is_alive():
        reports.append(verify(path))
        assert len(tail(path, 2)) in (1, 2)
    writer.join()
    assert reports
    assert all(report.ok for report in reports), next(r.problem for r in reports if not r.ok)


def test_readers_skip_a_line_still_being_written(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    log.append(make_record(1))
    log.append(make_record(2))
    with path.open("ab") as handle:
        handle.write(b'{"partial')
    assert [r.rows_returned for r in tail(path, 5)] == [1, 2]
    assert [r.rows_returned for r in iter_records(path)] == [1, 2]


def test_an_empty_log_file_reads_as_no_records(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    path.touch()
    assert tail(path, 3) == []
    assert list(iter_records(path)) == []
    assert verify(path).ok


def test_each_of_200_threads_is_told_the_truth_about_its_own_records(tmp_path: Path) -> None:
    """More callers than one batch holds: a leader whose record is not in the first batch must
    keep committing until its own is written, and every link returned is the caller's line."""
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    threads_n, per_thread = 200, 5
    start = threading.Barrier(threads_n)
    errors: list[BaseException] = []
    links: dict[str, int] = {}
    guard = threading.Lock()

    def work(worker: int) -> None:
        start.wait()
        for i in range(per_thread):
            request_id = f"t{worker}-{i}"
            try:
                link = log.append(make_record(i, request_id=request_id))
            except Unavailable as exc:
                with guard:
                    errors.append(exc)
                continue
            with guard:
                links[request_id] = link.count

    threads = [threading.Thread(target=work, args=(w,)) for w in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    report = verify(path)
    assert report.ok, report.problem
    assert report.records == threads_n * per_thread
    written = {r.request_id: n for n, r in enumerate(iter_records(path), start=1)}
    assert links == written


def test_prepare_creates_the_log_and_its_head_so_the_first_append_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "audit" / "audit.jsonl"
    log = AuditLog(path)
    log.prepare()
    assert path.is_file()
    assert path.stat().st_size == 0
    assert (path.parent / "audit.head").is_file()
    created: list[Path] = []
    monkeypatch.setattr("audit.log.create_head", created.append)
    log.append(make_record(1))
    log.prepare()  # an existing, sound log is only checked
    assert created == []
    assert verify(path).ok


def test_prepare_starts_the_head_thread_so_the_first_append_starts_no_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    log.prepare()
    started: list[str] = []
    start = threading.Thread.start

    def recorded(thread: threading.Thread) -> None:
        started.append(thread.name)
        start(thread)

    monkeypatch.setattr(threading.Thread, "start", recorded)
    log.append(make_record(1))
    log.flush()
    assert started == []
    assert verify(log.path).ok


def test_prepare_refuses_a_log_that_does_not_match_its_head(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    for n in range(3):
        log.append(make_record(n))
    path.write_bytes(b"".join(path.read_bytes().splitlines(keepends=True)[:2]))
    with pytest.raises(Unavailable, match="does not match its head"):
        log.prepare()
