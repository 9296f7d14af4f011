"""Normalise text for detection, keeping a map back to the original offsets.

Attackers (and copy-paste) hide PII from regexes with full-width digits (``４１１１…``), math
letters, ligatures, zero-width joiners inside an email, or non-ASCII decimal digits. Detection
therefore runs on a normalised copy, and every span found there is mapped back to the ORIGINAL
text, which is what gets stored and spliced. NFKC can change length (``ﬁ`` → ``fi``, ``①`` → ``1``,
``é`` as two code points → one), so the map is per character, not a shift.

Normalisation is applied per cluster (a starter code point plus the combining marks after it),
which equals full NFKC except for compositions across starters (Hangul conjoining jamo), which do
not matter for the entities we detect. After NFKC, any remaining Unicode decimal digit becomes its
ASCII digit, a few Cyrillic/Greek look-alikes of Latin letters become Latin, and invisible format
characters are dropped.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from hqg.errors import PrivacyError

#: Invisible characters used to split tokens without changing what a reader sees.
ZERO_WIDTH = frozenset(
    "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e"
)

#: Look-alikes that NFKC leaves alone; only 1:1 letter swaps, so lengths do not change.
_CONFUSABLES = str.maketrans(
    "аеорсхуіјѕԁӏАВЕКМНОРСТХІЈЅοναιΑΒΕΗΙΚΜΝΟΡΤΧΥΖ",
    "aeopcxyijsdlABEKMHOPCTXIJSovaiABEHIKMNOPTXYZ",
)


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """Detection text plus, for each of its characters, the original span it came from."""

    text: str
    original_length: int
    origin_start: tuple[int, ...]
    origin_end: tuple[int, ...]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a ``[start, end)`` range of ``text`` to the smallest original range covering it.

        A range that starts or ends inside an expansion (``ﬁ`` → ``fi``) widens to the whole
        original character: masking more is the safe direction.
        """
        if not 0 <= start < end <= len(self.text):
            raise PrivacyError("span offsets fall outside the normalised text")
        return self.origin_start[start], self.origin_end[end - 1]


def normalize_for_detection(text: str) -> NormalizedText:
    """Return the detection text for ``text`` with its offset map (see the module docstring)."""
    if text.isascii():
        positions = tuple(range(len(text)))
        return NormalizedText(text, len(text), positions, tuple(p + 1 for p in positions))
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for begin, stop in _clusters(text):
        piece = _normalize_cluster(text[begin:stop])
        out.append(piece)
        starts.extend([begin] * len(piece))
        ends.extend([stop] * len(piece))
    return NormalizedText("".join(out), len(text), tuple(starts), tuple(ends))


def _clusters(text: str) -> list[tuple[int, int]]:
    """Split into (starter + following combining marks) ranges."""
    bounds: list[tuple[int, int]] = []
    begin = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or unicodedata.combining(text[i]) == 0:
            bounds.append((begin, i))
            begin = i
    return bounds


def _normalize_cluster(cluster: str) -> str:
    if cluster in ZERO_WIDTH:
        return ""
    folded = unicodedata.normalize("NFKC", cluster)
    chars = (_ascii_digit(c) for c in folded if c not in ZERO_WIDTH)
    return "".join(chars).translate(_CONFUSABLES)


def _ascii_digit(char: str) -> str:
    if char.isascii():
        return char
    value = unicodedata.decimal(char, None)
    return str(value) if value is not None else char
