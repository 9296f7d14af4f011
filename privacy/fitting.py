"""Fitting detected spans to the text before a mask replaces them.

Detectors draw span edges loosely: a phone span that takes the closing parenthesis of
``(call 212-555-0199)``, a name span that ends in a full stop, or a span over ``LOCATION_2``
inside a placeholder ``<LOCATION_2>`` that an earlier masking pass wrote (which a second pass
would turn into ``<<LOCATION_2>>``). Masking only what lies between such edges keeps the text
readable and makes masking idempotent: masked text masked again is the same text.

The rules: every placeholder-shaped token (``<PERSON>``, ``<PERSON_1>``, ``<PERSON_Q1>``,
``[REDACTED]``) is cut out of every span; each remaining piece loses surrounding whitespace and
punctuation (a bracket only when the piece does not also hold its partner); a piece left with
no letter or digit is dropped, since there is nothing of a value in it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from privacy.spans import Span

#: What earlier masking writes: typed placeholders, pseudonyms (any namespace), redactions.
PLACEHOLDER = re.compile(r"<[A-Z][A-Z0-9_]*>|\[REDACTED\]")
_EDGE = " \t\r\n\u00a0,;:!?.\"'`\u2018\u2019\u201c\u201d*_"
_PAIRS = {"(": ")", "[": "]", "{": "}", "<": ">"}
_CLOSERS = {closer: opener for opener, closer in _PAIRS.items()}


def placeholder_ranges(text: str) -> list[tuple[int, int]]:
    """Where ``text`` holds placeholder tokens an earlier pass wrote."""
    return [match.span() for match in PLACEHOLDER.finditer(text)]


def fit_spans(text: str, spans: Sequence[Span]) -> list[Span]:
    """``spans`` cut around placeholders and trimmed of edge punctuation (see module doc)."""
    if not spans:
        return []
    protected = placeholder_ranges(text)
    fitted: list[Span] = []
    for span in spans:
        pieces = (
            _without(span.start, span.end, protected) if protected else [(span.start, span.end)]
        )
        for start, end in pieces:
            trimmed = _trim(text, start, end)
            if trimmed == (span.start, span.end):
                fitted.append(span)
            elif trimmed is not None:
                fitted.append(span.model_copy(update={"start": trimmed[0], "end": trimmed[1]}))
    return fitted


def _without(start: int, end: int, protected: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    pieces = [(start, end)]
    for p_start, p_end in protected:
        if p_end <= start or p_start >= end:
            continue
        pieces = [
            piece
            for a, b in pieces
            for piece in ((a, min(b, p_start)), (max(a, p_end), b))
            if piece[0] < piece[1]
        ]
    return pieces


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    if text[start].isalnum() and text[end - 1].isalnum():
        return start, end  # the common case: a value that starts and ends with itself
    while start < end:
        first, last = text[start], text[end - 1]
        if first in _EDGE or (first in _PAIRS and _PAIRS[first] not in text[start + 1 : end]):
            start += 1
        elif last in _EDGE or (last in _CLOSERS and _CLOSERS[last] not in text[start : end - 1]):
            end -= 1
        else:
            break
    if not any(ch.isalnum() for ch in text[start:end]):
        return None
    return start, end
