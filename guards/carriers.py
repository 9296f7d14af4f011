"""Carriers that hide text in characters a reader barely sees: bytes spelled as variation
selectors, bits spelled as invisible operators, letters buried under combining marks (zalgo),
and the shapes of emoji and many-script alphabets (ecoji, base2048) that carry bytes.

The normaliser deletes invisible characters so the rules see the text around them; but a run of
them *is* a message to a model that reads code points ("ASCII smuggling"). These decoders read
the message back so the detector can scan it. Each is linear in the text and bounded by
``MAX_CARRIER_CHARS``.
"""

from __future__ import annotations

import re
import unicodedata

from guards.text_codecs import readable

MAX_CARRIER_CHARS = 8_192
"""Characters of a carrier run decoded at most."""

# Variation selectors: VS1-16 (U+FE00-FE0F) and VS17-256 (U+E0100-E01EF).
_SELECTOR_RUN = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]{2,}")
# Invisible operators as bits (U+2062 INVISIBLE TIMES = 0, U+2064 INVISIBLE PLUS = 1), words
# separated by a zero-width space.
_BIT_RUN = re.compile("[\u2062\u2064][\u2062\u2064\u200b]{6,}")
_BITS = str.maketrans({"\u2062": "0", "\u2064": "1"})
_MIN_MARKS_PER_LETTER = 2.0
# Three combining marks in a row: accented text stacks one or two at most.
_MARK_STACK = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]{3}")
_EMOJI_RUN = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf]{4,}")
_MIXED_TOKEN = re.compile(r"[^\s\x00-\x7f]\S{2,}")


def variation_selectors(text: str) -> list[str]:
    """Bytes spelled as variation selectors, read two ways (one selector per byte from VS17 at
    byte 0, or the "VS1-16 for 0-15, VS17 on for 16-255" convention), whichever is readable."""
    found: list[str] = []
    for match in _SELECTOR_RUN.finditer(text):
        codes = [ord(c) for c in match.group(0)[:MAX_CARRIER_CHARS]]
        direct = bytes((c - 0xE0100) & 0xFF if c >= 0xE0100 else c - 0xFE00 for c in codes)
        offset = bytes((c - 0xE0100 + 16) & 0xFF if c >= 0xE0100 else c - 0xFE00 for c in codes)
        for raw in (direct, offset):
            plain = readable(raw, min_chars=2)
            if plain is not None:
                found.append(plain)
                break
    return found


def invisible_bits(text: str) -> list[str]:
    """ASCII spelled in bits by invisible operators, seven or eight bits a character."""
    found: list[str] = []
    for match in _BIT_RUN.finditer(text):
        words = match.group(0)[:MAX_CARRIER_CHARS].translate(_BITS).split("\u200b")
        for width in (7, 8):
            if all(len(word) % width == 0 for word in words if word):
                chars = (
                    "".join(chr(int(w[i : i + width], 2)) for i in range(0, len(w), width))
                    for w in words
                )
                plain = readable(" ".join(chars).encode("utf-8", "replace"), min_chars=2)
                if plain is not None:
                    found.append(plain)
                    break
    return found


_MIN_HIDDEN_BITS = 14


def invisible_payload(text: str) -> bool:
    """Text carried by invisible code points: variation selectors that spell readable bytes, or
    a run of invisible-operator bits (two characters at least). An emoji takes one selector,
    and mathematics one invisible operator between two visible symbols; never a run."""
    if text.isascii():
        return False
    if variation_selectors(text):
        return True
    return any(
        sum(ch != "\u200b" for ch in m.group(0)) >= _MIN_HIDDEN_BITS
        for m in _BIT_RUN.finditer(text[:MAX_CARRIER_CHARS])
    )


def zalgo(text: str) -> list[str]:
    """Letters buried under combining marks, marks dropped. A word counts as buried when it has
    at least four marks and ``_MIN_MARKS_PER_LETTER`` a letter: accented prose has at most one
    or two marks on a few of its letters."""
    if text.isascii():
        return []
    head = text[:MAX_CARRIER_CHARS]
    if _MARK_STACK.search(head) is None:
        return []
    if not any(_buried(word) for word in head.split()):
        return []
    return ["".join(ch for ch in head if not unicodedata.combining(ch))]


def _buried(word: str) -> bool:
    marks = sum(1 for ch in word if unicodedata.combining(ch))
    return marks >= 4 and marks >= _MIN_MARKS_PER_LETTER * (len(word) - marks)


def emoji_run(text: str) -> bool:
    """Four or more emoji glued together: the shape of an emoji encoding (ecoji) of bytes."""
    return _EMOJI_RUN.search(text[:MAX_CARRIER_CHARS]) is not None


def many_script_token(text: str) -> bool:
    """A word whose letters come from three or more scripts (``ҬտຜชÂ``, ``Եणȧ``): the shape of a
    many-alphabet encoding (base2048); no language writes one word in three scripts."""
    for match in _MIXED_TOKEN.finditer(text[:MAX_CARRIER_CHARS]):
        scripts = {_script(ch) for ch in match.group(0) if ch.isalpha()}
        if len(scripts - {""}) >= 3:
            return True
    return False


def _script(char: str) -> str:
    """The script word of a letter's Unicode name (``CYRILLIC``, ``THAI``…), "" if unnamed."""
    name = unicodedata.name(char, "")
    return name.split(" ", 1)[0] if name else ""
