"""``shown``: the one way the CLI prints stored or user text."""

from __future__ import annotations

import pytest
from rich.console import Console

from cli.text import shown


@pytest.mark.parametrize(
    ("raw", "visible"),
    [
        ("a [/oops] b", "a [/oops] b"),
        ("[link=https://evil.example]click[/link]", "[link=https://evil.example]click[/link]"),
        ("[bold red]x[/]", "[bold red]x[/]"),
        ("ansi \x1b[2Jclear", "ansi [2Jclear"),
        ("bidi \u202egpj.exe", "bidi gpj.exe"),
        ("zero\u200bwidth \u2066iso\u2069", "zerowidth iso"),
        ("line\nbreak\ttab", "line break tab"),
        ("para\u2029sep", "parasep"),
    ],
)
def test_stored_text_prints_as_written_minus_what_a_terminal_interprets(
    raw: str, visible: str
) -> None:
    console = Console(record=True, width=200, color_system=None)
    console.print(shown(raw))
    assert console.export_text().rstrip("\n") == visible


def test_multiline_text_keeps_its_newlines_only() -> None:
    assert shown("a\nb\x1b\r", multiline=True) == "a\nb "  # CR and tabs become blanks
