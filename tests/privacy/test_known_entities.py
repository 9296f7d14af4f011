"""Known entities: catalog PII values found in any text, in any of their usual spellings."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privacy.known_entities import _DIGIT_RUN, KnownEntities, KnownEntry

ENTRIES = (
    KnownEntry("PERSON", "Tyler West"),
    KnownEntry("PERSON", "Mary Ann O'Neil"),
    KnownEntry("EMAIL_ADDRESS", "tyler.west@example.com"),
    KnownEntry("PHONE_NUMBER", "(206) 555-0123"),
    KnownEntry("PHONE_NUMBER", "+44 20 7946 0123"),
    KnownEntry("PHONE_NUMBER", "+49 30 90182012"),
)


@pytest.fixture(scope="module")
def known() -> KnownEntities:
    return KnownEntities(ENTRIES)


def found(known: KnownEntities, text: str) -> list[tuple[str, str]]:
    return [(s.entity_type, text[s.start : s.end]) for s in known.find(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("**From:** Tyler West <x>", ("PERSON", "Tyler West")),
        ("tyler west wrote", ("PERSON", "tyler west")),
        ("TYLER WEST wrote", ("PERSON", "TYLER WEST")),
        ("West, Tyler (customer)", ("PERSON", "West, Tyler")),
        ("signed Mr. West today", ("PERSON", "Mr. West")),
        ("ask Dr West", ("PERSON", "Dr West")),
        ("Tyler\n   West", ("PERSON", "Tyler\n   West")),
        ("Notes:\n\n  see\t\tO\u2019Neil,  Mary Ann  today", ("PERSON", "O\u2019Neil,  Mary Ann")),
        ("Ｔｙｌｅｒ Ｗｅｓｔ", ("PERSON", "Ｔｙｌｅｒ Ｗｅｓｔ")),
        ("Ty\u200bler West", ("PERSON", "Ty\u200bler West")),
        ("Mary Ann O’Neil called", ("PERSON", "Mary Ann O’Neil")),
        ("O'Neil, Mary Ann", ("PERSON", "O'Neil, Mary Ann")),
        ("mail TYLER.WEST@EXAMPLE.COM.", ("EMAIL_ADDRESS", "TYLER.WEST@EXAMPLE.COM")),
        ("call (206) 555-0123)", ("PHONE_NUMBER", "(206) 555-0123")),
        ("call +1 206-555-0123", ("PHONE_NUMBER", "+1 206-555-0123")),
        ("call 206.555.0123", ("PHONE_NUMBER", "206.555.0123")),
        ("call 2065550123", ("PHONE_NUMBER", "2065550123")),
        ("call 1 206 555 0123", ("PHONE_NUMBER", "1 206 555 0123")),
        ("call 12065550123", ("PHONE_NUMBER", "12065550123")),
        ("call ２０６-５５５-０１２３", ("PHONE_NUMBER", "２０６-５５５-０１２３")),
        ("ring 020 7946 0123 today", ("PHONE_NUMBER", "020 7946 0123")),
        ("ring +44 (0)20 7946 0123", ("PHONE_NUMBER", "+44 (0)20 7946 0123")),
        ("ring 0049 30 90182012", ("PHONE_NUMBER", "30 90182012")),
    ],
)
def test_known_values_are_found_in_their_usual_spellings(
    known: KnownEntities, text: str, expected: tuple[str, str]
) -> None:
    assert expected in found(known, text)


@pytest.mark.parametrize(
    "text",
    [
        "Tyler Westwood is someone else",
        "Kyle Tyler West",  # still found: checked below, this text IS a mention
        "the west coast and Tyler, Texas",
        "Mr. Westbrook",
        "xtyler.west@example.com.au",
        "order 92065550123 shipped",
        "call 206-555-01234",
    ],
)
def test_longer_tokens_and_lone_first_or_last_names_are_not_matched(
    known: KnownEntities, text: str
) -> None:
    spans = found(known, text)
    if text == "Kyle Tyler West":
        assert spans == [("PERSON", "Tyler West")]
    else:
        assert spans == []


def test_every_overlapping_mention_in_one_text_is_reported(known: KnownEntities) -> None:
    text = "Tyler West (tyler.west@example.com, 206 555 0123) and West, Tyler again"
    assert [t for t, _ in found(known, text)] == [
        "PERSON",
        "EMAIL_ADDRESS",
        "PHONE_NUMBER",
        "PERSON",
    ]


def test_the_matcher_never_shows_a_value_in_its_repr() -> None:
    known = KnownEntities(ENTRIES)
    assert "Tyler" not in repr(known)
    assert "West" not in repr(known)
    assert "Tyler" not in repr(ENTRIES[0])


def test_generation_depends_on_the_values_only() -> None:
    assert KnownEntities(ENTRIES).generation == KnownEntities(reversed(ENTRIES)).generation
    assert KnownEntities(ENTRIES).generation != KnownEntities(ENTRIES[:-1]).generation
    assert KnownEntities.empty().find("Tyler West") == []


# The digit runs the phone/card matcher reads: every run of digits and phone separators at
# least 7 characters long, exactly the runs of the plain run regex that are long enough.
_ANY_DIGIT_RUN = re.compile(r"\d(?:[\d \t().\-/]*\d)?")


@settings(max_examples=1000)
@given(st.text(alphabet=st.sampled_from(list("0123456789 \t().-/x+٣\n")), max_size=40))
def test_the_digit_runs_read_are_the_runs_at_least_as_long_as_a_key(text: str) -> None:
    long_enough = [m.span() for m in _ANY_DIGIT_RUN.finditer(text) if m.end() - m.start() >= 7]
    assert [m.span() for m in _DIGIT_RUN.finditer(text)] == long_enough
