"""``verify`` tells a caller how far it got on a long log (the console shows it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from audit import AuditLog, AuditRecord, verify
from audit.verify import PROGRESS_EVERY

pytestmark = pytest.mark.slow  # make test-fast skips it: verifies a long log


def test_verify_reports_progress_every_thousand_lines(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    for n in range(PROGRESS_EVERY * 2 + 5):
        log.append(
            AuditRecord(
                request_id=f"request-{n:06d}",
                principal_id="sec",
                action="sql",
                allowed=True,
                status=200,
            )
        )
    seen: list[int] = []
    report = verify(log.path, progress=seen.append)
    assert report.ok
    assert seen == [PROGRESS_EVERY, PROGRESS_EVERY * 2]
