"""Plain-text helpers shared by the answerer and the output guard: sentences, terms, numbers.

Deterministic and dependency-free on purpose: they run on every answer sentence, so they must
cost microseconds. Terms are lower-cased words with stop words removed and a crude suffix
stemmer ("refunds" and "refunded" both become "refund"), enough to match a question's words
against evidence written by the same organisation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d+(?:[.,]\d+)*%?")
_NUMBER = re.compile(r"(?<![\w.])\$?(\d+(?:,\d{3})*(?:\.\d+)?)\s*%?")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[A-Z0-9*])")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*)$")
_BLOCK_BREAK = re.compile(r"\n\s*\n")
_MARKUP = re.compile(r"\*{1,3}|_{2,}|`+|^>\s*")  # never single "_": it is in <PERSON_1>
_SUFFIXES = ("ingly", "edly", "ings", "ing", "ied", "ies", "ed", "es", "ly", "s")

STOP_WORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers herself him himself his how i if in into
    is it its itself just me more most my myself no nor not now of off on once only or other our
    ours ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves
    please tell me know want may might must shall us let get got s t""".split()  # noqa: SIM905
)
#: Question words that say what kind of answer is wanted, not what it is about.
QUESTION_WORDS = frozenset({"what", "which", "who", "whom", "when", "where", "why", "how"})


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of an evidence text with the heading it sits under."""

    text: str
    heading: str


def stem(word: str) -> str:
    """A crude English stemmer: strip one common suffix from words longer than four letters."""
    if len(word) <= 4 or word[0].isdigit():
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)]
            return base + "y" if suffix in ("ied", "ies") else base
    return word


def words(text: str) -> list[str]:
    """Lower-cased word tokens (possessive ``'s`` removed), numbers kept as written."""
    out = []
    for match in _WORD.finditer(text):
        word = match.group(0).lower().replace("’", "'")
        out.append(word.removesuffix("'s").strip("'-"))
    return [w for w in out if w]


def terms(text: str) -> set[str]:
    """Content terms: stemmed words that are neither stop words nor question words."""
    return {stem(w) for w in words(text) if w not in STOP_WORDS and w not in QUESTION_WORDS}


def numbers(text: str) -> set[str]:
    """Every number in ``text``, normalised (``1,000`` → ``1000``, ``7.95`` stays)."""
    found = set()
    for match in _NUMBER.finditer(text):
        value = match.group(1).replace(",", "")
        if "." in value:
            value = value.rstrip("0").rstrip(".")
        found.add(value)
    return found


def sentences(text: str) -> Iterator[Sentence]:
    """Sentences of a Markdown text, each with its nearest heading; headings are not sentences."""
    heading = ""
    for block in _BLOCK_BREAK.split(text):
        lines = []
        for line in block.splitlines():
            match = _HEADING.match(line)
            if match:
                heading = _MARKUP.sub("", match.group(1)).strip()
            elif line.strip():
                lines.append(line.strip().lstrip("-*+ ").strip())
        paragraph = " ".join(lines).strip()
        for piece in _SENTENCE_END.split(paragraph):
            cleaned = _MARKUP.sub("", piece).strip()
            if len(cleaned) >= 3:
                yield Sentence(text=cleaned, heading=heading)


def split_answer(text: str) -> list[str]:
    """An answer's sentences as written (markup kept): the unit of citation and groundedness."""
    pieces = (p.strip() for line in text.splitlines() for p in _SENTENCE_END.split(line))
    return [p for p in pieces if p]
