"""One commit's cost: the head follows the log's fsync off the appending caller's path, and
a writer trusts its memory of the log's end only while both files hold exactly what it left."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from audit import AuditLog, ChainLink, verify
from audit.chain import Line, decode_line
from audit.head import HeadImage, encode_slot, head_path, load_head, read_head, write_head
from hqg.errors import Unavailable
from tests.audit.test_audit_log import make_record


def test_an_append_returns_once_its_line_is_durable_and_the_head_follows_under_the_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    log.append(make_record(0))
    log.flush()
    gate, real = threading.Event(), os.fdatasync

    def held_back(fd: int) -> None:
        gate.wait(30)
        real(fd)

    monkeypatch.setattr(os, "fdatasync", held_back)
    second = log.append(make_record(1))  # returns while the head's sync is held back
    assert b'"request_id":"req-1"' in path.read_bytes()
    seen: list[object] = []
    reader = threading.Thread(target=lambda: seen.append(read_head(path)))
    reader.start()  # a reader waits for the commit to finish (shared lock on the log)
    reader.join(0.2)
    assert seen == []
    gate.set()
    reader.join(30)
    assert seen == [second]
    log.flush()
    assert verify(path).ok


def test_a_failed_head_update_is_repaired_before_the_log_grows_so_it_never_lags_a_second_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    log.append(make_record(0))
    log.flush()

    def failing_in_the_head_thread(
        log_path: Path, link: ChainLink, *, known: HeadImage | None = None
    ) -> HeadImage:
        if threading.current_thread().name.startswith("hqg-audit-head"):
            raise OSError(5, "I/O error")
        return write_head(log_path, link, known=known)

    monkeypatch.setattr("audit.log.write_head", failing_in_the_head_thread)
    links = []
    for n in range(1, 4):
        links.append(log.append(make_record(n)))
        log.flush()
        head = load_head(path)
        assert head is not None
        assert head.count == links[-1].count - 1  # one commit behind, never two
    monkeypatch.setattr("audit.log.write_head", write_head)
    log.append(make_record(9))
    log.flush()
    report = verify(path)
    assert report.ok, report.problem
    assert report.records == 5


def test_a_second_writer_on_the_same_log_is_seen_and_chained_from(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    server, cli = AuditLog(path), AuditLog(path)  # e.g. ``hqg serve`` and an ``hqg`` command
    for n in range(6):
        (server if n % 2 == 0 else cli).append(make_record(n))
    server.flush()
    cli.flush()
    report = verify(path)
    assert report.ok, report.problem
    assert report.records == 6


def test_an_unchanged_log_is_not_read_back_but_an_edit_of_its_last_line_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    log.append(make_record(0))
    decoded: list[bytes] = []

    def counted(raw: bytes) -> Line:
        decoded.append(raw)
        return decode_line(raw)

    monkeypatch.setattr("audit.log.decode_line", counted)
    for n in range(1, 4):
        log.append(make_record(n))
    assert decoded == []  # the tip came from memory: both files held what the last commit left
    log.flush()
    data = path.read_bytes()
    cut = data.rindex(b'"hash":"') + len(b'"hash":"')
    flipped = b"0" if data[cut : cut + 1] != b"0" else b"1"
    path.write_bytes(data[:cut] + flipped + data[cut + 1 :])  # same size, same head file
    with pytest.raises(Unavailable, match="does not match its head"):
        log.append(make_record(9))


def test_a_rewritten_head_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    for n in range(2):
        log.append(make_record(n))
    log.flush()
    forged = ChainLink(count=1, hash="f" * 64)  # a count the log has, a hash it never had
    head_path(path).write_bytes(encode_slot(forged) * 2)
    with pytest.raises(Unavailable, match="does not match its head"):
        log.append(make_record(2))


def test_a_forked_child_appends_through_a_head_thread_of_its_own(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    log.append(make_record(0))  # the parent's head thread exists from here on
    log.flush()
    child = os.fork()
    if child == 0:  # pragma: no cover (runs in the child)
        code = 1
        try:
            log.append(make_record(1, request_id="child"))
            log.flush()
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    log.append(make_record(2))
    log.flush()
    report = verify(path)
    assert report.ok, report.problem
    assert report.records == 3
