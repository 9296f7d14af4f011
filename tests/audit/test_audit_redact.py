"""redact_sql_literals keeps a query's shape and drops every value it held."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audit import UNPARSEABLE, redact_sql_literals

CASES = [
    json.loads(line)
    for line in (Path(__file__).parent / "redact_cases.jsonl").read_text().splitlines()
    if line.strip()
]


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_literals_are_replaced_by_placeholders(case: dict[str, Any]) -> None:
    redacted = redact_sql_literals(case["sql"])
    assert redacted == case["expected"]
    for secret in case["secrets"]:
        assert secret not in redacted


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_redaction_is_idempotent(case: dict[str, Any]) -> None:
    once = redact_sql_literals(case["sql"])
    assert redact_sql_literals(once) == once


def test_unsupported_sql_is_not_quoted_into_the_log(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        assert redact_sql_literals("CALL send_mail('jane.doe@example.com')") == UNPARSEABLE
    assert "jane" not in caplog.text


@given(
    value=st.text(alphabet=st.characters(codec="utf-8"), min_size=1).filter(
        lambda v: v.strip() and "'" not in v and "\x00" not in v
    )
)
def test_no_string_literal_survives_redaction(value: str) -> None:
    redacted = redact_sql_literals(f"SELECT * FROM t WHERE a = '{value}' AND b IN ('{value}', 7)")
    assert redacted in ("SELECT * FROM t WHERE a = ? AND b IN (?, ?)", UNPARSEABLE)


@given(number=st.integers(min_value=10**6) | st.floats(min_value=1e6, allow_infinity=False))
def test_no_number_survives_redaction(number: float) -> None:
    redacted = redact_sql_literals(f"SELECT * FROM orders WHERE total > {number}")
    assert redacted == "SELECT * FROM orders WHERE total > ?"
