"""The text PII detection runs on, with a map back to the original offsets.

Stored text is spliced, so every span found must land on the ORIGINAL characters. The detection
text is built in stages, each mapped back (``hqg.offset_text``):

1. markup a reader does not see (``hqg.markup_text``): ``Do**nald**`` → ``Donald``,
   ``&#64;`` → ``@``;
2. the shared normalisation (``hqg.text_normalize.fold``): invisible characters, NFKC, ASCII
   digits, TR39 look-alikes;
3. the common ways people and attackers write PII so that patterns miss it, rewritten into the
   plain form the recognizers know:

   - ``jane [at] acme (dot) com`` / ``jane at acme dot com`` → ``jane@acme.com``;
   - spaced letters ``J a n e  D o e`` → ``Jane Doe`` (single characters split by one space);
   - CamelCase ``JaneDoe`` → ``Jane Doe`` (a space inserted, mapped to nothing);
   - letters in digit runs ``713-555-O115`` → ``713-555-0115``, underscores between digits
     ``713_555_0115`` → ``713-555-0115``.

   - an IBAN written in lower case → upper case (its checksum is checked by the recognizer).

Spelled-out numbers and dotted card numbers are recognizers (``privacy.recognizers``).

Every stage is gated by a cheap test its input must pass for the stage to change anything
(markup characters, non-ASCII, a spelled-out e-mail marker, three spaced single characters, a
lower-case letter before an upper-case one, a digit beside a look-alike or an underscore, an
IBAN's start): the egress guard normalises every string of every response, and most pass every
stage unchanged. A gate is a necessary condition of its stage's regexes, so the result is the
same as running the stage (``tests/privacy/test_normalize_gates.py`` holds the two equal).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from hqg.errors import PrivacyError
from hqg.markup_text import strip_markup
from hqg.offset_text import OffsetBuilder, OffsetText
from hqg.text_normalize import fold

#: Kept for callers that name the type by its detection role.
NormalizedText = OffsetText

_AT = r"(?:\s*[\[({<]\s*(?:at|AT|At)\s*[\])}>]\s*|\s+(?:at|AT)\s+|@)"
_DOT = r"(?:\s*[\[({<]\s*(?:dot|DOT|Dot)\s*[\])}>]\s*|\s+(?:dot|DOT)\s+|\.)"
_OBFUSCATED_EMAIL = re.compile(
    rf"(?<![\w.+\-])[\w+\-]+(?:{_DOT}[\w+\-]+){{0,3}}{_AT}[A-Za-z0-9\-]+(?:{_DOT}[A-Za-z0-9\-]+){{1,4}}"
    r"(?![\w\-@]|\.\w)"
)
_EMAIL_MARKER = re.compile(rf"{_AT}|{_DOT}")
_SPACED = re.compile(r"(?<!\S)(?:[^\s] ){2,}[^\s](?: {2,4}(?:[^\s] )+[^\s])*(?!\S)")
_IBAN = re.compile(
    r"(?<![A-Za-z0-9])[a-zA-Z]{2}[0-9]{2}(?: ?[a-zA-Z0-9]{4}){2,7}(?: ?[a-zA-Z0-9]{1,4})?\b"
)
_CAMEL = re.compile(r"\b[A-Z][a-z]{1,20}(?:[A-Z][a-z]{1,20}){1,3}\b")
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z])(?=[A-Z])")
_DIGITISH = re.compile(
    r"(?<![A-Za-z0-9])[0-9OoIl](?:[0-9OoIl]|[_.\-](?=[0-9OoIl]))*(?![A-Za-z0-9])"
)
_DIGIT_LOOKALIKES = str.maketrans("OoIl_", "0011-")
_MIN_DIGITS = 3

# The gates. An obfuscated e-mail changes only where a marker is spelled out (a plain "@" or
# "." is kept as it is); spaced letters start with three single characters; CamelCase has a
# lower-case letter before an upper-case one. A digit run ``_same_length`` rewrites holds a
# look-alike letter and a digit side by side (at most one separator between them: its digits
# outnumber its letters) or an underscore between digits; an IBAN starts with two letters and
# two digits.
_SPELLED_MARKER = re.compile(r"[\[({<]\s*(?:at|AT|At|dot|DOT|Dot)\s*[\])}>]|\s(?:at|AT|dot|DOT)\s")
_THREE_SINGLE_CHARACTERS = re.compile(r"(?<!\S)\S \S \S")
_CAMEL_JOIN = re.compile(r"[a-z][A-Z]")
_DIGITS_OR_IBAN = re.compile(
    r"[OoIl][_.\-]?[0-9]|[0-9][_.\-]?[OoIl]|[0-9]_[0-9]|(?<![A-Za-z0-9])[a-zA-Z]{2}[0-9]{2}"
)

Apply = Callable[[OffsetBuilder, str, re.Match[str]], None]


@dataclass(frozen=True, slots=True)
class _Stage:
    """A rewrite of the detection text (None: nothing changed), run only on a text its gate
    finds something in (no gate match: the rewrite could not change the text)."""

    gate: re.Pattern[str]
    rewrite: Callable[[str], OffsetText | None]


def normalize_for_detection(text: str) -> OffsetText:
    """Detection text for ``text`` with its offset map (see the module docstring).

    A stage that leaves the text as it is adds nothing to the chain (``None``): most texts
    pass every stage unchanged, and the egress guard normalises every string of a response."""
    mapped = strip_markup(text)
    folded = mapped if mapped.text.isascii() else mapped.then(fold(mapped.text))
    return _rewritten(folded, _STAGES)


def _rewritten(mapped: OffsetText, stages: Sequence[_Stage]) -> OffsetText:
    for stage in stages:
        if stage.gate.search(mapped.text):
            rewritten = stage.rewrite(mapped.text)
            if rewritten is not None:
                mapped = mapped.then(rewritten)
    return mapped


def normalize_many(texts: Sequence[str]) -> list[OffsetText]:
    """``normalize_for_detection`` of each text; a failure is a ``PrivacyError`` (fail closed)."""
    try:
        return [normalize_for_detection(text) for text in texts]
    except Exception as exc:
        raise PrivacyError("normalising text for PII detection failed") from exc


def _rewrite(text: str, pattern: re.Pattern[str], apply: Apply) -> OffsetText | None:
    """``text`` rewritten where ``pattern`` matches; None when nothing changed."""
    builder: OffsetBuilder | None = None
    done = 0
    for match in pattern.finditer(text):
        builder = builder or OffsetBuilder(text)
        builder.keep(text, done, match.start())
        apply(builder, text, match)
        done = match.end()
    if builder is None:
        return None
    builder.keep(text, done, len(text))
    built = builder.build()
    # every rewrite that leaves the text as it was kept it character for character
    return None if built.text == text else built


def _email(builder: OffsetBuilder, text: str, match: re.Match[str]) -> None:
    """Markers become ``@`` / ``.``. A plain e-mail stays as it is, and so does "sales at
    acme.com" (a web address): the bare word "at" needs a spelled-out "dot" beside it."""
    markers = list(_EMAIL_MARKER.finditer(text, match.start(), match.end()))
    spelled = [m.group().strip().lower() for m in markers if m.group().strip() not in ("@", ".")]
    if spelled and not any(s != "at" for s in spelled):
        builder.keep(text, match.start(), match.end())
        return
    done = match.start()
    for marker in markers:
        builder.keep(text, done, marker.start())
        plain = marker.group().strip().lower()
        symbol = "@" if plain in ("@", "at") or "at" in plain else "."
        builder.emit(symbol, marker.start(), marker.end())
        done = marker.end()
    builder.keep(text, done, match.end())


def _spaced(builder: OffsetBuilder, text: str, match: re.Match[str]) -> None:
    """Single characters lose the single spaces between them; the wider gap between spaced
    words becomes one space (``J a n e   D o e`` → ``Jane Doe``)."""
    index = match.start()
    while index < match.end():
        builder.keep(text, index, index + 1)
        gap = index + 1
        while gap < match.end() and text[gap] == " ":
            gap += 1
        if gap - index > 2:
            builder.emit(" ", index + 1, gap)
        index = gap


def _camel(builder: OffsetBuilder, text: str, match: re.Match[str]) -> None:
    done = match.start()
    for boundary in _CAMEL_BOUNDARY.finditer(text, match.start(), match.end()):
        builder.keep(text, done, boundary.start())
        builder.emit(" ", boundary.start(), boundary.start())
        done = boundary.start()
    builder.keep(text, done, match.end())


def _same_length(text: str) -> OffsetText | None:
    """Rewrites that keep every character in place: letters O/o/I/l and underscores inside a
    run that is mostly digits read as digits and hyphens; an IBAN-shaped run written in lower
    case is upper-cased (the IBAN recognizer then checks its checksum). None: no change."""
    chars: list[str] | None = None
    for match in _DIGITISH.finditer(text):
        run = match.group()
        digits = sum(c.isdigit() for c in run)
        letters = sum(c.isalpha() for c in run)
        if digits >= _MIN_DIGITS and digits > letters and (letters or "_" in run):
            chars = chars if chars is not None else list(text)
            chars[match.start() : match.end()] = run.translate(_DIGIT_LOOKALIKES)
    for match in _IBAN.finditer(text):
        if not match.group().isupper() and _iban_checksum(match.group()):
            chars = chars if chars is not None else list(text)
            chars[match.start() : match.end()] = match.group().upper()
    if chars is None:
        return None
    identity = OffsetText.identity(text)
    return OffsetText("".join(chars), len(text), identity.origin_start, identity.origin_end)


def _iban_checksum(candidate: str) -> bool:
    """ISO 13616 mod-97: only a real IBAN is upper-cased, never ordinary words."""
    compact = candidate.replace(" ", "").upper()
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


_STAGES = (
    _Stage(_SPELLED_MARKER, lambda text: _rewrite(text, _OBFUSCATED_EMAIL, _email)),
    _Stage(_THREE_SINGLE_CHARACTERS, lambda text: _rewrite(text, _SPACED, _spaced)),
    _Stage(_CAMEL_JOIN, lambda text: _rewrite(text, _CAMEL, _camel)),
    _Stage(_DIGITS_OR_IBAN, _same_length),
)
