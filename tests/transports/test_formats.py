"""CSV cells a spreadsheet would run as formulas are written as text (OWASP CSV injection)."""

from __future__ import annotations

import pytest

from transports.formats import spreadsheet_safe


@pytest.mark.parametrize(
    "cell",
    ['=HYPERLINK("http://evil.example","x")', "+1+cmd", "-2+3", "@SUM(A1)", "\t=1", "\r=1"],
)
def test_a_text_cell_a_spreadsheet_would_run_gets_a_leading_quote(cell: str) -> None:
    assert spreadsheet_safe(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["plain", "", "a=b", "'quoted", "1-2"])
def test_other_text_is_written_as_it_is(cell: str) -> None:
    assert spreadsheet_safe(cell) == cell
