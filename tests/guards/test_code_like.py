"""The kind rule of the learned signal's cuts: code, fenced snippets and prose quoting code read
as code; e-mails, tables and plain prompts never do (BIPIA's own contexts are the check)."""

from __future__ import annotations

import pytest

from guards.bipia import _contexts
from guards.code_like import code_line_share, looks_like_code
from guards.learned import chunks, cut_kind
from tests.guards.conftest import CORPORA


@pytest.mark.parametrize(
    "text",
    [
        "Try this:\n```\nx = load()\n```\nIt works.",
        "def test():\n    x = np.arange(10)\n    return x.sum()\n",
        "for (int i = 0; i < n; i++) {\n  total += a[i];\n}\n",
        "Call `fit()` before you read `classes_`, or you get this error.",
        'Traceback (most recent call last):\n  File "a.py", line 3, in <module>\n    main()\n',
    ],
)
def test_code_snippets_and_prose_quoting_code_read_as_code(text: str) -> None:
    assert looks_like_code(text)
    assert cut_kind(text, "document") == "code"


@pytest.mark.parametrize(
    "text",
    [
        "Hi team, the Q3 report is attached. Please review it before Thursday's meeting.",
        "| Place | Player | Score |\n| 1 | Ben Hogan | 70-72-70-68=280 |\n| 2 | Sam Snead | 281 |",
        "SUBJECT: Payment received|EMAIL_FROM: billing <b@example.com>|CONTENT:\n  Thank you!",
        "Write a poem about the ocean in the style of Shakespeare.",
    ],
)
def test_emails_tables_and_requests_read_as_prose(text: str) -> None:
    assert not looks_like_code(text)
    assert cut_kind(text, "document") == "prose"


def test_a_prompt_is_always_of_the_prompt_kind() -> None:
    assert cut_kind("def f():\n    return 1\n", "prompt") == "prompt"


def test_table_rows_are_never_code_lines() -> None:
    assert code_line_share("| 1 | a=b | c;\n| 2 | x == y | {z}") == 0.0


def test_on_bipia_code_answers_are_code_and_emails_and_tables_prose() -> None:
    bench = CORPORA / "bipia" / "benchmark"
    if not bench.is_dir():
        pytest.skip(f"shared corpora not found at {bench}")
    for task, least, most in (("code", 0.85, 1.0), ("email", 0.0, 0.0), ("table", 0.0, 0.0)):
        pieces = [c for text in _contexts(bench / task / "test.jsonl") for c in chunks(text)]
        share = sum(map(looks_like_code, pieces)) / len(pieces)
        assert least <= share <= most, (task, share)
