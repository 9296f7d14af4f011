"""Pattern recognizers for what Presidio's defaults miss, and an offline e-mail recognizer.

Measured gaps of Presidio 2.2.366's defaults: non-US phone numbers (the ``phonenumbers`` matcher
only knows the regions it is given and wants valid numbers), Mastercard's 2-series (2221–2720),
19-digit Visa and 15-digit JCB (2131/1800) cards, dotted card numbers, and numbers spelled out
as words (other obfuscations are undone in the detection text, ``privacy.normalize``). Card
patterns are Luhn-validated, phone patterns need a plausible digit count. Presidio's
``EmailRecognizer`` calls the module-level ``tldextract.extract``, which downloads the
public-suffix list on first use; ours validates with an extractor that only reads the snapshot
bundled in the wheel.

Presidio is imported lazily by the functions that build recognizers: importing this module is
cheap.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from presidio_analyzer import EntityRecognizer

PHONE_CONTEXT = ("phone", "tel", "telephone", "mobile", "cell", "call", "fax", "number", "contact")
CARD_CONTEXT = ("card", "credit", "debit", "visa", "mastercard", "jcb", "cc", "payment")

#: Reserved (RFC 2606/6761) and common private top-level names that still address people.
INTERNAL_SUFFIXES = ("test", "example", "invalid", "localhost", "local", "internal", "corp", "lan")

_MIN_PHONE_DIGITS = 7
_MAX_PHONE_DIGITS = 15

# (name, regex, score). Scores stay at or above the default threshold 0.35 only where the shape
# alone is convincing; context words lift the weaker ones.
PHONE_PATTERNS: tuple[tuple[str, str, float], ...] = (
    # +44 20 7946 0958, +49 30 1234567, +1-984-182-0190x769, +46 (0)8 928 571 38, +447700900123
    (
        "phone_international",
        r"(?<![\w+])\+[1-9]\d{0,2}(?:[ .\-]?\(0\))?(?:[ .\-]?\(?\d{1,5}\)?){1,6}"
        r"(?:\s?(?:x|ext\.?)\s?\d{1,5})?(?!\w)",
        0.6,
    ),
    # (555) 123-4567, (579)888-3058, (08) 8747 6301, (37) 788-063
    (
        "phone_parenthesised_area",
        r"(?<![\w)])\(\d{2,4}\)\s?\d{3,4}[ .\-]\d{3,4}(?:\s?(?:x|ext\.?)\s?\d{1,5})?(?!\w)",
        0.5,
    ),
    # 555-123-4567, 930.167.3943, 001-518-640-0854, 345-899-3560x4587
    (
        "phone_nanp_separated",
        r"(?<![\w.\-])(?:001[ .\-])?\d{3}([.\-])\d{3}\1\d{4}(?:\s?(?:x|ext\.?)\s?\d{1,5})?(?!\w)",
        0.5,
    ),
    # 07700 063 966, 0490 75 40 81, 03.93.92.16.85, 0961-7596216: national trunk prefix 0
    (
        "phone_national_trunk",
        r"(?<![\w.\-])0\d{1,4}(?:[ .\-]\d{2,8}){1,4}(?![\w.\-]\d)",
        0.4,
    ),
    # 699 956 915, 60-56-85-91, 9472 7916: bare digit groups, too ambiguous without context
    (
        "phone_digit_groups",
        r"(?<![\w.\-/:])\d{2,4}(?:[ \-]\d{2,4}){1,3}(?![\w.\-/:]?\d)",
        0.1,
    ),
)

# Mastercard 2-series (2221-2720), 16 digits.
_MC2_PREFIX = r"(?:222[1-9]|22[3-9]\d|2[3-6]\d{2}|27[01]\d|2720)"
#: Issuer prefixes of 13-19 digit cards: Visa 4, Mastercard 51-55 and 2221-2720, Amex/Diners/JCB
#: 3x, Discover/UnionPay/Maestro 5x-6x, and the old 15-digit JCB 2131/1800.
_ISSUER = re.compile(rf"(?:[3-6]|{_MC2_PREFIX}|2131|1800)")
_CARD_START = re.compile(r"(?<![\w\-])\d")
_CARD_RUN = re.compile(r"\d{1,19}(?:[ .\-]\d{1,19}){0,7}")
_GROUP_END = re.compile(r"\d+")
_NON_DIGIT = re.compile(r"\D")
_CARD_DIGITS = (13, 19)

# Maestro (50, 56-69) 12-19 unseparated digits: many long numbers pass Luhn by chance, so the
# shape scores below the threshold and only a context word ("card", "debit"…) lifts it.
MAESTRO_PATTERN = ("maestro_12_19", r"\b(?:50|5[6-9]|6\d)\d{10,17}\b", 0.2)


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum every payment card number carries."""
    if not digits.isdigit() or not digits.isascii():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def only_digits(text: str) -> str:
    return _NON_DIGIT.sub("", text)


_DATE_LIKE = re.compile(r"\d{1,2}([./\-])\d{1,2}\1(?:\d{2}|\d{4})|\d{4}([./\-])\d{1,2}\2\d{1,2}")
_EXTENSION = re.compile(r"\s?(?:x|ext\.?)\s?\d+$", re.IGNORECASE)


def plausible_phone(candidate: str) -> bool:
    """7-15 digits before any extension, and not shaped like a date (``01-05-2024``)."""
    number = _EXTENSION.sub("", candidate)
    if _DATE_LIKE.fullmatch(number):
        return False
    return _MIN_PHONE_DIGITS <= len(only_digits(number)) <= _MAX_PHONE_DIGITS


def trim_phone(candidate: str) -> str | None:
    """The longest plausible phone number that ``candidate`` starts with, cut at a digit group.

    Regexes match greedily, so ``+44 20 7946 0958 4111 1111 1111 1111`` (a phone then a card)
    is one match with too many digits; rejecting it whole would leave the phone unmasked.
    """
    if plausible_phone(candidate):
        return candidate
    if _DATE_LIKE.fullmatch(candidate):
        return None
    cuts = [m.start() for m in re.finditer(r"(?<=\d)[ .\-]", candidate)]
    for cut in reversed(cuts):
        prefix = candidate[:cut]
        if plausible_phone(prefix):
            return prefix
    return None


def build_phone_recognizers() -> list[EntityRecognizer]:
    """Phone numbers in international and common national forms, by shape and digit count.

    One recognizer per pattern: Presidio drops a pattern's match contained in another match of
    the same recognizer BEFORE our trimming, so a greedy international match swallowing
    ``(555) 123-4567`` would hide it.
    """
    from presidio_analyzer import Pattern, PatternRecognizer

    class InternationalPhoneRecognizer(PatternRecognizer):
        # invalidate (not validate): a valid shape must keep its pattern score, not jump to 1.0
        def invalidate_result(self, pattern_text: str) -> bool:
            return _DATE_LIKE.fullmatch(pattern_text) is not None

        def analyze(self, text: str, entities: list[str], *args: Any, **kwargs: Any) -> list[Any]:
            kept = []
            for result in super().analyze(text, entities, *args, **kwargs):
                trimmed = trim_phone(text[result.start : result.end])
                if trimmed:
                    result.end = result.start + len(trimmed)
                    kept.append(result)
            return kept

    return [
        InternationalPhoneRecognizer(
            supported_entity="PHONE_NUMBER",
            name=f"PhonePattern:{name}",
            patterns=[Pattern(name, regex, score)],
            context=list(PHONE_CONTEXT),
        )
        for name, regex, score in PHONE_PATTERNS
    ]


def build_libphonenumber_recognizer() -> EntityRecognizer:
    """Presidio's ``PhoneRecognizer`` (libphonenumber's matcher, region by region), not run on
    a text with fewer decimal digits than any valid phone number has.

    The matcher parses every digit run of a text once per region (eight), ~0.3 ms for a short
    query: three quarters of Presidio's whole analysis of one, most of which hold no number.
    Its candidates are runs of digits and punctuation, and at the leniency Presidio uses
    (``VALID``) a match is a valid number, whose national significant number has at least
    ``min_valid_digits()`` digits, all read from the text. A text with fewer finds nothing, so
    skipping it changes no span (``tests/privacy/test_recognizers.py`` holds both equal).
    """
    from presidio_analyzer.predefined_recognizers import PhoneRecognizer

    least = min_valid_digits()

    class DigitGatedPhoneRecognizer(PhoneRecognizer):
        def analyze(self, text: str, entities: list[str], *args: Any, **kwargs: Any) -> list[Any]:
            if sum(char.isdecimal() for char in text) < least:
                return []
            return list(super().analyze(text, entities, *args, **kwargs))

    return DigitGatedPhoneRecognizer(name=PhoneRecognizer.__name__, leniency=_VALID)


#: libphonenumber's ``Leniency.VALID``, what Presidio's ``PhoneRecognizer`` uses by default.
_VALID = 1
#: The shortest national number libphonenumber parses at all (``_MIN_LENGTH_FOR_NSN``).
_MIN_NATIONAL_DIGITS = 2


def min_valid_digits() -> int:
    """The fewest digits of any valid phone number: the shortest national significant number
    any region (or non-geographic code) allows, from libphonenumber's own metadata. A region
    whose general description lists no lengths counts as the parser's minimum.

    Reading every region's metadata loads every numbering plan that ``phonenumbers`` would
    otherwise import the first time a number of that region is read (a first answer quoting a
    few international numbers imported 31 of them): the detector is built by the warm-up, so
    no request pays for it."""
    import phonenumbers
    from phonenumbers import PhoneMetadata

    metadata = [
        *(PhoneMetadata.metadata_for_region(r) for r in phonenumbers.SUPPORTED_REGIONS),
        *(
            PhoneMetadata.metadata_for_nongeo_region(code)
            for code in phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS
        ),
    ]
    least = []
    for entry in metadata:
        general = entry.general_desc if entry is not None else None
        lengths = [n for n in (general.possible_length or ()) if n > 0] if general else []
        least.append(min(lengths) if lengths else _MIN_NATIONAL_DIGITS)
    return max(_MIN_NATIONAL_DIGITS, min(least, default=_MIN_NATIONAL_DIGITS))


def find_cards(text: str) -> list[tuple[int, int]]:
    """Luhn-valid 13-19 digit card numbers (digit groups split by one space, dot or hyphen).

    Tries every digit-group start, not just where the previous regex match ended: Presidio's
    regex consumes ``4567 4111…`` in ``(555) 123-4567 4111 1111 1111 1111``, fails Luhn, and
    never sees the card. At each start the longest valid run of whole groups wins; spans inside
    another are dropped later by the detector.
    """
    found: list[tuple[int, int]] = []
    for start_match in _CARD_START.finditer(text):
        start = start_match.start()
        run = _CARD_RUN.match(text, start)
        if run is None:
            continue
        group_ends = [start + g.end() for g in _GROUP_END.finditer(run.group())]
        for end in reversed(group_ends):
            digits = only_digits(text[start:end])
            low, high = _CARD_DIGITS
            if low <= len(digits) <= high and _ISSUER.match(digits) and luhn_valid(digits):
                if not text[end : end + 1].isalnum():
                    found.append((start, end))
                break
    return found


def build_card_recognizer() -> EntityRecognizer:
    """Card numbers by Luhn over every digit-group start: 2-series Mastercard, 19-digit Visa…"""
    from presidio_analyzer import AnalysisExplanation, LocalRecognizer, RecognizerResult

    name = "CardNumberScanner"

    class CardNumberScanner(LocalRecognizer):
        def load(self) -> None:
            """Nothing to load: the scan is plain Python."""

        def analyze(self, text: str, entities: list[str], *args: Any, **kwargs: Any) -> list[Any]:
            metadata = {
                RecognizerResult.RECOGNIZER_NAME_KEY: name,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
            }
            return [
                RecognizerResult(
                    "CREDIT_CARD",
                    start,
                    end,
                    1.0,
                    analysis_explanation=AnalysisExplanation(name, 1.0, textual_explanation="Luhn"),
                    recognition_metadata=dict(metadata),
                )
                for start, end in find_cards(text)
            ]

    return CardNumberScanner(
        supported_entities=["CREDIT_CARD"], name=name, context=list(CARD_CONTEXT)
    )


def build_maestro_recognizer() -> EntityRecognizer:
    """Maestro-shaped numbers: reported only with card context, dropped unless Luhn-valid."""
    from presidio_analyzer import Pattern, PatternRecognizer

    class MaestroRecognizer(PatternRecognizer):
        # invalidate (not validate): Luhn must not lift a context-free match to 1.0
        def invalidate_result(self, pattern_text: str) -> bool:
            return not luhn_valid(only_digits(pattern_text))

    return MaestroRecognizer(
        supported_entity="CREDIT_CARD",
        name="MaestroRecognizer",
        patterns=[Pattern(*MAESTRO_PATTERN)],
        context=list(CARD_CONTEXT),
    )


_NUMBER_WORD = r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|[0-9])"
#: Seven or more digits spelled out ("seven one three five five five zero one one five"), as
#: people dictate a phone number to get it past a filter; digits may mix in.
SPELLED_NUMBER_PATTERN = (
    "spelled_out_digits",
    rf"(?i)\b{_NUMBER_WORD}(?:[ ,\-]{{1,3}}{_NUMBER_WORD}){{6,18}}\b",
    0.6,
)


def build_spelled_number_recognizer() -> EntityRecognizer:
    """Phone numbers written as words; scored above the threshold by shape alone."""
    from presidio_analyzer import Pattern, PatternRecognizer

    return PatternRecognizer(
        supported_entity="PHONE_NUMBER",
        name="SpelledOutNumberRecognizer",
        patterns=[Pattern(*SPELLED_NUMBER_PATTERN)],
        context=list(PHONE_CONTEXT),
    )


def build_offline_email_recognizer() -> EntityRecognizer:
    """Presidio's e-mail patterns, validated against the bundled public-suffix snapshot only.

    ``suffix_list_urls=()`` disables fetching, ``cache_dir=None`` disables the on-disk cache (no
    writes under ``$HOME``), and ``fallback_to_snapshot`` uses the list shipped in the wheel.
    Reserved and internal top-level names (``.test``, ``.internal``, ``.corp``…) are added as
    suffixes: ``jane@acme.internal`` is a person's address even without a public suffix.
    """
    import tldextract
    from presidio_analyzer.predefined_recognizers import EmailRecognizer

    extractor = tldextract.TLDExtract(
        cache_dir=None,
        suffix_list_urls=(),
        fallback_to_snapshot=True,
        extra_suffixes=INTERNAL_SUFFIXES,
    )

    class OfflineEmailRecognizer(EmailRecognizer):
        def validate_result(self, pattern_text: str) -> bool:
            result: Any = extractor(pattern_text)
            return bool(result.fqdn)

    return OfflineEmailRecognizer(name="OfflineEmailRecognizer")
