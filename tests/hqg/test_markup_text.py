"""Markup a reader does not see is stripped; text without any is passed through as it is."""

from __future__ import annotations

import pytest

from hqg.markup_text import strip_markup


@pytest.mark.parametrize(
    "text",
    ["Order <LOCATION_1> never arrived", "snake_case and a < b", "Call <PHONE_NUMBER_2>."],
)
def test_text_whose_angle_brackets_and_underscores_are_no_markup_maps_to_itself(
    text: str,
) -> None:
    stripped = strip_markup(text)
    assert stripped.text == text
    assert stripped.unchanged  # composition skips the map: no per-character offsets built


def test_markup_is_still_stripped_beside_a_placeholder() -> None:
    text = "From **Do**nald <PERSON_1>"
    stripped = strip_markup(text)
    assert stripped.text == "From Donald <PERSON_1>"
    assert stripped.to_original(5, 11) == (7, 15)
