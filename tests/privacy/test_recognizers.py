from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from privacy.recognizers import (
    build_card_recognizer,
    build_libphonenumber_recognizer,
    build_maestro_recognizer,
    build_offline_email_recognizer,
    build_phone_recognizers,
    luhn_valid,
    min_valid_digits,
    plausible_phone,
    trim_phone,
)
from tests.conftest import REPO


def found(recognizer: Any, entity: str, text: str) -> list[tuple[str, float]]:
    recognizers = recognizer if isinstance(recognizer, list) else [recognizer]
    results = [
        r for rec in recognizers for r in rec.analyze(text, entities=[entity], nlp_artifacts=None)
    ]
    return [(text[r.start : r.end], r.score) for r in results]


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("4111111111111111", True),
        ("2221000000000009", True),
        ("4000000000000000006", True),
        ("4111111111111112", False),
        ("", False),
        ("41x1", False),
        ("٤١١١", False),
    ],
)
def test_luhn(number: str, valid: bool) -> None:
    assert luhn_valid(number) is valid


@pytest.mark.parametrize(
    ("candidate", "plausible"),
    [
        ("+44 20 7946 0958", True),
        ("555-123-4567x89", True),
        ("12-34", False),
        ("01-05-2024", False),
        ("2024.05.12", False),
        ("+1 234 567 890 123 456 7", False),
    ],
)
def test_plausible_phone(candidate: str, plausible: bool) -> None:
    assert plausible_phone(candidate) is plausible


@pytest.mark.parametrize(
    "number",
    [
        "+44 20 7946 0958",
        "+49 30 1234567",
        "(555) 123-4567",
        "555-123-4567",
        "+14155552671",
        "+46 (0)8 928 571 38",
        "+1-984-182-0190x769",
        "07700 063 966",
        "03.93.92.16.85",
    ],
)
def test_phone_shapes_are_found_whole(number: str) -> None:
    hits = found(build_phone_recognizers(), "PHONE_NUMBER", f"reach me on {number} today")
    assert number in [value for value, score in hits if score >= 0.35]


def test_bare_digit_groups_need_context_to_count_as_phones() -> None:
    hits = found(build_phone_recognizers(), "PHONE_NUMBER", "ticket 699 956 915 closed")
    assert all(score < 0.35 for _, score in hits)


def test_dates_are_not_phone_numbers() -> None:
    assert found(build_phone_recognizers(), "PHONE_NUMBER", "due 01-05-2024 or 2024.05.12") == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("card 2221 0000 0000 0009", "2221 0000 0000 0009"),
        ("card 2720990000000007", "2720990000000007"),
        ("visa 4000-0000-0000-0000-006", "4000-0000-0000-0000-006"),
        ("jcb 213100000000001", "213100000000001"),
    ],
)
def test_cards_presidio_misses_are_found_when_luhn_valid(text: str, value: str) -> None:
    assert found(build_card_recognizer(), "CREDIT_CARD", text) == [(value, 1.0)]


def test_card_shapes_failing_luhn_are_dropped() -> None:
    assert found(build_card_recognizer(), "CREDIT_CARD", "card 2221 0000 0000 0001") == []


def test_mastercard_prefixes_outside_2221_to_2720_are_not_claimed() -> None:
    assert (
        found(build_card_recognizer(), "CREDIT_CARD", "2220 0000 0000 0000 2721 0000 0000 0000")
        == []
    )


def test_maestro_shape_stays_below_threshold_without_context() -> None:
    hits = found(build_maestro_recognizer(), "CREDIT_CARD", "ref 630427373398 filed")
    assert hits
    assert all(score < 0.35 for _, score in hits)


@pytest.mark.parametrize(
    "address", ["jane@example.com", "a.b@mail.co.uk", "ops@acme.test", "hr@payroll.corp"]
)
def test_offline_email_recognizer_accepts_real_and_internal_domains(address: str) -> None:
    assert found(build_offline_email_recognizer(), "EMAIL_ADDRESS", f"to {address}.") == [
        (address, 1.0)
    ]


def test_offline_email_recognizer_rejects_unknown_top_level_names() -> None:
    assert found(build_offline_email_recognizer(), "EMAIL_ADDRESS", "see v@1.2.notatld") == []


@pytest.mark.parametrize(
    ("candidate", "trimmed"),
    [
        ("+44 20 7946 0958 4111 1111 1111 1111", "+44 20 7946 0958"),
        ("+44 20 7946 0958", "+44 20 7946 0958"),
        ("12 34", None),
        ("01-05-2024", None),
    ],
)
def test_trim_phone_cuts_a_greedy_match_at_a_digit_group(
    candidate: str, trimmed: str | None
) -> None:
    assert trim_phone(candidate) == trimmed


def test_phone_followed_by_a_card_is_still_found() -> None:
    hits = found(build_phone_recognizers(), "PHONE_NUMBER", "+44 20 7946 0958 4111 1111 1111 1111")
    assert ("+44 20 7946 0958", 0.6) in hits


def test_a_phone_swallowed_by_a_greedy_match_is_still_found() -> None:
    hits = found(build_phone_recognizers(), "PHONE_NUMBER", "+44 20 7946 0958 (555) 123-4567 4111")
    assert ("(555) 123-4567", 0.5) in hits


def test_card_after_other_digits_is_found() -> None:
    text = "(555) 123-4567 4111 1111 1111 1111"
    assert found(build_card_recognizer(), "CREDIT_CARD", text) == [("4111 1111 1111 1111", 1.0)]


_FIRST_SIGHT = """
import sys
from privacy.recognizers import build_libphonenumber_recognizer
if sys.argv[1] == "preload":
    build_libphonenumber_recognizer()  # as the detector's build (the warm-up) does
import phonenumbers
before = set(sys.modules)
text = "call +81 3-1234-5678, +61 2 9876 5432 or +1 876 555 0100"
found = [m.raw_string for m in phonenumbers.PhoneNumberMatcher(text, "US")]
print(len(found), len(set(sys.modules) - before))
"""


@pytest.mark.parametrize(("mode", "imported"), [("preload", 0), ("cold", 1)])
def test_after_the_preload_no_phone_region_is_loaded_on_first_sight(
    mode: str, imported: int
) -> None:
    """Building the phone recognizer (the detector's build, in the warm-up) loads every plan: a
    request reading a number of a region not seen yet imports none (the cold control does)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run(
        [sys.executable, "-c", _FIRST_SIGHT, mode],
        capture_output=True, text=True, check=True, env=env, cwd=REPO,
    ).stdout.split()  # fmt: skip
    assert int(out[0]) == 3
    assert min(int(out[1]), 1) == imported


SYNTH = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpora" / "presidio-synth"
SYNTH_DATASET = SYNTH / "data" / "synth_dataset_v2.json"
SHORT_NUMBERS = [
    "order never arrived case 17",
    "Call 112 or 999 now",
    "ring 4321 please",
    "+290 22345 is Saint Helena",
    "+683 4002, Niue",
    "Berlin 030 1234 or 0301234",
    "room 12, floor 3, desk 4",
    "Ⅻ and ٣٤ and ３４５",
]


def _spans(results: list[Any]) -> list[tuple[int, int, str, float]]:
    return sorted((r.start, r.end, r.entity_type, r.score) for r in results)


@pytest.mark.skipif(not SYNTH_DATASET.exists(), reason=f"shared corpus missing: {SYNTH_DATASET}")
def test_the_phone_matcher_finds_what_presidios_finds_skipping_texts_too_short_for_a_number() -> (
    None
):
    from presidio_analyzer.predefined_recognizers import PhoneRecognizer

    texts = [r["full_text"] for r in json.loads(SYNTH_DATASET.read_text(encoding="utf-8"))]
    gated, plain = build_libphonenumber_recognizer(), PhoneRecognizer()
    assert gated.name == plain.name
    skipped = 0
    for text in [*SHORT_NUMBERS, *texts]:
        expected = _spans(plain.analyze(text, ["PHONE_NUMBER"], None))
        assert _spans(gated.analyze(text, ["PHONE_NUMBER"], None)) == expected, text
        skipped += sum(c.isdecimal() for c in text) < min_valid_digits()
    assert skipped > len(texts) // 4  # the gate does skip most texts without a number


def test_no_region_has_a_valid_number_shorter_than_the_gate() -> None:
    import phonenumbers

    least = min_valid_digits()
    assert 2 <= least <= 4
    for region in phonenumbers.SUPPORTED_REGIONS:
        example = phonenumbers.example_number(region)
        if example is not None:
            assert len(phonenumbers.national_significant_number(example)) >= least, region
