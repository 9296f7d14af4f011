"""verify() names the first bad line for every kind of tampering."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from audit import AuditLog, AuditRecord, verify

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def write_log(path: Path, count: int = 6) -> list[bytes]:
    log = AuditLog(path)
    for n in range(count):
        log.append(
            AuditRecord(
                ts=T0 + timedelta(seconds=n),
                request_id=f"req-{n}",
                principal_id="bob",
                action="search",
                allowed=n % 2 == 0,
                status=200 if n % 2 == 0 else 403,
                rows_returned=n,
            )
        )
    return path.read_bytes().splitlines(keepends=True)


def test_untouched_log_verifies(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    write_log(path)
    report = verify(path)
    assert (report.ok, report.records, report.first_bad_line) == (True, 6, None)


def test_edited_field_is_detected_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    lines = write_log(path)
    edited = json.loads(lines[2])
    edited["allowed"] = not edited["allowed"]
    lines[2] = json.dumps(edited, sort_keys=True, separators=(",", ":")).encode() + b"\n"
    path.write_bytes(b"".join(lines))
    report = verify(path)
    assert not report.ok
    assert report.first_bad_line == 3
    assert "modified" in (report.problem or "")


def test_edited_line_with_a_recomputed_hash_breaks_the_next_link(tmp_path: Path) -> None:
    from audit.chain import decode_line, encode_line

    path = tmp_path / "audit.jsonl"
    lines = write_log(path)
    line = decode_line(lines[2])
    forged = line.record().model_copy(update={"rows_returned": 999})
    lines[2], _ = encode_line(forged, seq=line.seq, prev_hash=line.prev_hash)
    path.write_bytes(b"".join(lines))
    report = verify(path)
    assert (report.ok, report.first_bad_line) == (False, 4)


@pytest.mark.parametrize(
    ("tamper", "first_bad"),
    [
        pytest.param(lambda ls: ls[:3] + ls[4:], 4, id="delete-middle-line"),
        pytest.param(lambda ls: ls[1:], 1, id="delete-first-line"),
        pytest.param(lambda ls: [*ls[:2], ls[3], ls[2], *ls[4:]], 3, id="swap-two-lines"),
        pytest.param(lambda ls: [*ls[:2], ls[1], *ls[2:]], 3, id="insert-a-copied-line"),
        pytest.param(lambda ls: [*ls[:5], ls[5][:-20] + b"\n"], 6, id="garble-last-line"),
        pytest.param(lambda ls: [*ls[:5], ls[5][:-1]], 6, id="torn-last-line"),
    ],
)
def test_structural_tampering_is_detected_at_the_first_bad_line(
    tmp_path: Path, tamper: object, first_bad: int
) -> None:
    path = tmp_path / "audit.jsonl"
    lines = write_log(path)
    path.write_bytes(b"".join(tamper(lines)))  # type: ignore[operator]
    report = verify(path)
    assert not report.ok
    assert report.first_bad_line == first_bad


def test_deleting_the_last_lines_is_detected_through_the_head(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    lines = write_log(path)
    path.write_bytes(b"".join(lines[:4]))
    report = verify(path)
    assert not report.ok
    assert report.first_bad_line == 5
    assert "head" in (report.problem or "")


def test_emptying_the_log_is_detected_through_the_head(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    write_log(path)
    path.write_bytes(b"")
    assert (verify(path).ok, verify(path).first_bad_line) == (False, 1)


def test_deleting_the_head_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    write_log(path)
    (tmp_path / "audit.head").unlink()
    report = verify(path)
    assert not report.ok
    assert "head" in (report.problem or "")


def test_problem_messages_never_quote_line_content(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    lines = write_log(path)
    lines[1] = b'{"secret":"jane.doe@example.com"}\n'
    path.write_bytes(b"".join(lines))
    report = verify(path)
    assert report.first_bad_line == 2
    assert "jane" not in report.model_dump_json()
