"""Known entities: every value the catalog holds in a ``pii:<ENTITY>`` column, found in any text.

A detector misses names (spaCy md PERSON recall ~0.80); the catalog does not forget them. So the
values of tagged columns are matched everywhere with Aho-Corasick (``pyahocorasick``), which
gives recall 1.0 on what the catalog knows, whatever the NER models make of the sentence.

Matching is case-insensitive, on token boundaries, over the detection-normalised text
(``privacy.normalize``: full-width letters, look-alikes and zero-width joiners do not hide a
value) with whitespace runs folded to one space. Variants per type:

- ``PERSON``: the value as written, "Last, First", and "Mr/Mrs/Ms/Miss/Dr Last" (with or
  without the dot). A first or a last name ALONE is not matched: "West", "Brown", "Long",
  "Young" and "Tyler" are ordinary words or shared by thousands, so masking them everywhere
  would wreck answers while adding little protection (a lone first name rarely identifies; the
  NER models still see capitalised names in context). The guarantee is therefore: every
  full-name form of a known person is found.
- ``PHONE_NUMBER`` (and other number-like types: cards, SSNs): compared by their digits, in any
  formatting ("+1 206-555-0123", "(206) 555 0123", "2065550123"); a phone also matches with its
  country code or a trunk ``0`` prepended to the national number.
- everything else (e-mails, locations, ...): the value as written, case-insensitive.

The matcher lives in memory only. Its ``repr`` names no value, and nothing here logs or writes
one. ``generation`` is a digest of the entries, so a rebuild that finds the same values keeps
the same generation (stored per chunk as part of the detector version; see ``backfill``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hqg.errors import PrivacyError
from privacy.normalize import NormalizedText, normalize_for_detection
from privacy.spans import Span, drop_contained

if TYPE_CHECKING:
    import ahocorasick

#: Types compared by their digits rather than their spelling.
DIGIT_ENTITIES = frozenset({"PHONE_NUMBER", "CREDIT_CARD", "US_SSN"})
KNOWN_SCORE = 1.0
_MIN_TEXT_KEY = 3
_MIN_DIGITS = 7
_TITLES = ("mr", "mrs", "ms", "miss", "mx", "dr")
_WHITESPACE_RUN = re.compile(r"\s+")
_NEEDS_FOLD = re.compile(r"\s{2,}|[^\S ]|[’‘`´]")
_APOSTROPHES = str.maketrans("’‘`´", "''''")
#: A run of digits and the separators phone numbers are written with, from its first digit to
#: its last, at least ``_MIN_DIGITS`` long: a shorter run holds fewer digits than any key
#: (dates, order numbers: most runs), and the regex passes over it without a match.
_DIGIT_RUN = re.compile(rf"\d[\d \t().\-/]{{{_MIN_DIGITS - 2},}}\d")
#: What may precede a matched number and still belong to it: "+1 ", "(", "+44 (0)".
_NUMBER_PREFIX = re.compile(r"(?:\+\d{1,3}[ .\-]?)?(?:\(0\)[ ]?)?\(?$")
_EMAIL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._%+-")
_Index = Callable[[int], int]


@dataclass(frozen=True, slots=True)
class KnownEntry:
    """One catalog value and the entity type its column is tagged with."""

    entity_type: str
    value: str

    def __repr__(self) -> str:  # never show the value (it is PII)
        return f"KnownEntry({self.entity_type}, <{len(self.value)} chars>)"


class KnownEntities:
    """An Aho-Corasick matcher over known PII values; immutable and safe to share."""

    def __init__(self, entries: Iterable[KnownEntry]) -> None:
        unique = sorted({(e.entity_type, e.value.strip()) for e in entries if e.value.strip()})
        self._count = len(unique)
        self._generation = _digest(unique)
        text_keys: dict[str, set[str]] = {}
        digit_keys: dict[str, set[str]] = {}
        for entity_type, value in unique:
            if entity_type in DIGIT_ENTITIES:
                for key in _digit_keys(entity_type, value):
                    digit_keys.setdefault(key, set()).add(entity_type)
            else:
                for key in _text_keys(entity_type, value):
                    text_keys.setdefault(key, set()).add(entity_type)
        self._text = TokenMatcher(text_keys)
        self._digits = _automaton(digit_keys)
        self._entity_types = frozenset(t for t, _ in unique)

    @classmethod
    def empty(cls) -> KnownEntities:
        return cls(())

    @property
    def generation(self) -> str:
        """A digest of the entries: equal entries, equal generation."""
        return self._generation

    @property
    def entity_types(self) -> frozenset[str]:
        return self._entity_types

    def __len__(self) -> int:
        return self._count

    def __repr__(self) -> str:
        return f"KnownEntities({self._count} values, generation={self._generation})"

    def find(self, text: str, *, normalized: NormalizedText | None = None) -> list[Span]:
        """Every known value in ``text``, as spans in ``text``'s own offsets (Presidio types).

        ``normalized``: ``normalize_for_detection(text)`` when the caller already has it (the
        composite detector normalises each text once for every layer).
        """
        if not self._count or not text:
            return []
        try:
            normalized = normalized or normalize_for_detection(text)
            found = [*self._text.find(normalized), *self._find_digits(text, normalized)]
        except PrivacyError:
            raise
        except Exception as exc:
            raise PrivacyError("known-entity matching failed") from exc
        return drop_contained(found)

    def _find_digits(self, text: str, normalized: NormalizedText) -> list[Span]:
        if self._digits is None:
            return []
        spans: list[Span] = []
        for run in _DIGIT_RUN.finditer(normalized.text):
            positions = [run.start() + i for i, c in enumerate(run.group()) if c.isdigit()]
            digits = "".join(normalized.text[p] for p in positions)
            for end, (length, entity_types) in self._digits.iter(digits):
                start = end - length + 1
                if not _whole_number(positions, start, end):
                    continue
                first = _extend_prefix(normalized.text, positions[start])
                orig_start, orig_end = normalized.to_original(first, positions[end] + 1)
                orig_end = _close_paren(text, orig_start, orig_end)
                spans.extend(_span(t, orig_start, orig_end) for t in entity_types)
        return spans


class TokenMatcher:
    """Aho-Corasick over folded keys, matched as whole tokens in detection-normalised text.

    The one place hqg matches a vocabulary in text: known entities (keyed to their entity
    types) and the allow-list (``privacy.allow_list``) both use it, so case, whitespace,
    apostrophe and boundary rules are the same for both.
    """

    def __init__(self, keys: dict[str, set[str]]) -> None:
        self._automaton = _automaton(keys)

    def __bool__(self) -> bool:
        return self._automaton is not None

    def find(self, normalized: NormalizedText) -> list[Span]:
        """Each whole-token occurrence of a key, once per entity type, in ORIGINAL offsets."""
        if self._automaton is None:
            return []
        folded, index = _fold(normalized.text)
        spans = []
        for end, (length, entity_types) in self._automaton.iter(folded):
            start = end - length + 1
            for entity_type in entity_types:
                if not _bounded(folded, start, end + 1, entity_type):
                    continue
                orig_start, orig_end = normalized.to_original(index(start), index(end) + 1)
                spans.append(_span(entity_type, orig_start, orig_end))
        return spans


def _span(entity_type: str, start: int, end: int) -> Span:
    return Span(entity_type=entity_type, start=start, end=end, score=KNOWN_SCORE)


def _digest(unique: list[tuple[str, str]]) -> str:
    hasher = hashlib.sha256()
    for entity_type, value in unique:
        hasher.update(f"{entity_type}\x00{value}\x00".encode())
    return "ke-" + hasher.hexdigest()[:16]


def _automaton(keys: dict[str, set[str]]) -> ahocorasick.Automaton | None:
    if not keys:
        return None
    try:
        import ahocorasick
    except ImportError as exc:  # pragma: no cover - a dependency of hqg
        raise PrivacyError(
            "known-entity matching needs pyahocorasick; reinstall hqg (`make install`)"
        ) from exc
    automaton = ahocorasick.Automaton()
    for key, entity_types in keys.items():
        automaton.add_word(key, (len(key), tuple(sorted(entity_types))))
    automaton.make_automaton()
    return automaton


def fold_key(value: str) -> str:
    """The form a value is matched in: normalised, lower-cased, whitespace runs folded."""
    text = normalize_for_detection(value).text.translate(_APOSTROPHES)
    return _WHITESPACE_RUN.sub(" ", _lower(text)).strip()


def _text_keys(entity_type: str, value: str) -> set[str]:
    full = fold_key(value)
    if len(full) < _MIN_TEXT_KEY or not any(c.isalnum() for c in full):
        return set()
    keys = {full}
    parts = full.split(" ")
    if entity_type == "PERSON" and len(parts) >= 2:
        first, last = " ".join(parts[:-1]), parts[-1]
        keys.add(f"{last}, {first}")
        keys.add(f"{last},{first}")
        for title in _TITLES:
            keys.update((f"{title} {last}", f"{title}. {last}", f"{title}.{last}"))
    return keys


def _digit_keys(entity_type: str, value: str) -> set[str]:
    digits = "".join(c for c in normalize_for_detection(value).text if c.isdigit())
    if len(digits) < _MIN_DIGITS:
        return set()
    if entity_type != "PHONE_NUMBER":
        return {digits}
    national, country = _national_number(value, digits)
    keys = {digits, national, "0" + national}
    if country:
        keys.update({country + national, country + "0" + national})
    return {key for key in keys if len(key) >= _MIN_DIGITS}


def _national_number(value: str, digits: str) -> tuple[str, str]:
    """(national number, country code) of a phone; the digits as they are if it won't parse."""
    import phonenumbers

    try:
        parsed = phonenumbers.parse(value, "US")
    except phonenumbers.NumberParseException:
        return digits.lstrip("0") or digits, ""
    return str(parsed.national_number), str(parsed.country_code or "")


def _lower(text: str) -> str:
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def _fold(text: str) -> tuple[str, _Index]:
    """``text`` lower-cased with whitespace runs folded; and a map back to ``text`` offsets.

    The map is built at its first use: a text holding no known value (most of what egress
    sees) never needs it."""
    lowered = _lower(text)
    if not _NEEDS_FOLD.search(lowered):
        return lowered, _identity
    lowered = lowered.translate(_APOSTROPHES)
    return _WHITESPACE_RUN.sub(" ", lowered), _FoldedIndex(lowered)


class _FoldedIndex:
    """Offsets in the whitespace-folded text → offsets in ``lowered`` (each folded run's one
    space maps to the run's start), computed when first asked."""

    def __init__(self, lowered: str) -> None:
        self._lowered = lowered
        self._origin: list[int] | None = None

    def __call__(self, position: int) -> int:
        if self._origin is None:
            self._origin = self._origins()
        return self._origin[position]

    def _origins(self) -> list[int]:
        origin: list[int] = []
        previous = 0
        for run in _WHITESPACE_RUN.finditer(self._lowered):
            origin.extend(range(previous, run.start()))
            origin.append(run.start())
            previous = run.end()
        origin.extend(range(previous, len(self._lowered)))
        return origin


def _identity(position: int) -> int:
    return position


def _bounded(folded: str, start: int, end: int, entity_type: str) -> bool:
    """The match is a whole token (or a whole e-mail address), not part of a longer one."""
    before = folded[start - 1] if start > 0 else " "
    after = folded[end] if end < len(folded) else " "
    if entity_type == "EMAIL_ADDRESS":
        follows = folded[end + 1] if end + 1 < len(folded) else " "
        return before not in _EMAIL_CHARS and not (
            after.isalnum() or after in "_-" or (after == "." and follows.isalnum())
        )
    return not (before.isalnum() or after.isalnum())


def _whole_number(positions: list[int], start: int, end: int) -> bool:
    """Digits ``start..end`` (inclusive) are whole digit groups, not the middle of a number."""
    return _group_edge(positions, start - 1, start) and _group_edge(positions, end, end + 1)


def _group_edge(positions: list[int], left: int, right: int) -> bool:
    """Digits ``left`` and ``right`` of a run sit in different groups (or one is absent)."""
    if left < 0 or right >= len(positions):
        return True
    return positions[right] - positions[left] > 1


def _extend_prefix(text: str, start: int) -> int:
    """Include a country-code prefix or an opening parenthesis written just before a number."""
    window = text[max(0, start - 10) : start]
    match = _NUMBER_PREFIX.search(window)
    return start - len(match.group()) if match else start


def _close_paren(text: str, start: int, end: int) -> int:
    """A number that opened a parenthesis it didn't close ends after the closing one."""
    inside = text[start:end]
    if inside.count("(") > inside.count(")") and end < len(text) and text[end] == ")":
        return end + 1
    return end
