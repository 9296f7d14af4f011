from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hqg.errors import PrivacyError
from privacy.normalize import normalize_for_detection

tricky_text = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_categories=["Cs"]),
        st.sampled_from(
            [
                "ﬁ",
                "①",
                "４",
                "＠",
                "é",
                "e",
                "\u0301",
                "\u200b",
                "\ufeff",
                "٣",
                "㍿",
                "а",
                "\ufe0f",
                "\u2066",
                "\u3164",
                "\U000e0041",
                "<",
                ">",
                "b",
                "&",
                "#",
                ";",
                "*",
                "_",
                "O",
                "7",
                " ",
            ]
        ),  # fmt: skip
    ),
    max_size=40,
)


def test_full_width_digits_become_ascii() -> None:
    assert normalize_for_detection("４１１１ １１１１").text == "4111 1111"


def test_zero_width_characters_are_dropped_and_spans_still_cover_them() -> None:
    original = "jane\u200b.doe@exa\u200bmple.com!"
    normalized = normalize_for_detection(original)
    assert normalized.text == "jane.doe@example.com!"
    start, end = normalized.to_original(0, len("jane.doe@example.com"))
    assert original[start:end] == "jane\u200b.doe@exa\u200bmple.com"


def test_expansion_maps_back_to_the_whole_original_character() -> None:
    normalized = normalize_for_detection("a ﬁle")
    assert normalized.text == "a file"
    assert normalized.to_original(3, 6) == (2, 5)  # "ile" starts inside "ﬁ": widen to it


def test_cyrillic_look_alikes_are_folded_for_detection() -> None:
    assert normalize_for_detection("jаne@exаmple.com").text == "jane@example.com"


def test_other_decimal_digits_become_ascii() -> None:
    assert normalize_for_detection("٠١٢٣").text == "0123"


def test_out_of_range_offsets_fail_closed() -> None:
    with pytest.raises(PrivacyError):
        normalize_for_detection("abc").to_original(2, 9)


# Words and numbers of two characters or more: three single characters in a row ("7 1 3") are
# the spaced-letters obfuscation, joined on purpose (test_obfuscations_are_undone_for_detection).
@given(st.from_regex(r"[a-z]{2,8}(?: [a-z]{2,8}| [0-9]{2,6}|[.,;:!?]){0,8}", fullmatch=True))
def test_plain_text_is_unchanged(text: str) -> None:
    normalized = normalize_for_detection(text)
    assert normalized.text == text
    assert normalized.to_original(0, len(text)) == (0, len(text))


@given(tricky_text, st.data())
def test_offsets_stay_ordered_and_inside_the_original(text: str, data: st.DataObject) -> None:
    normalized = normalize_for_detection(text)
    assert list(normalized.origin_start) == sorted(normalized.origin_start)
    if not normalized.text:
        return
    start = data.draw(st.integers(0, len(normalized.text) - 1))
    end = data.draw(st.integers(start + 1, len(normalized.text)))
    o_start, o_end = normalized.to_original(start, end)
    assert 0 <= o_start <= o_end <= len(text)


@pytest.mark.parametrize(
    ("original", "detection"),
    [
        ("Do**nald** wrote", "Donald wrote"),
        ("Ste<b>ven</b> wrote", "Steven wrote"),
        ("&#80;aul at jane&#64;acme.com", "Paul at jane@acme.com"),
        ("jane [at] acme (dot) com", "jane@acme.com"),
        ("jane at acme dot com", "jane@acme.com"),
        ("J a n e  D o e", "Jane Doe"),
        ("JaneDoe", "Jane Doe"),
        ("713-555-O115 713_555_0115", "713-555-0115 713-555-0115"),
        ("Ja\ufe0fne Do\u2066e", "Jane Doe"),
    ],
)
def test_obfuscations_are_undone_for_detection(original: str, detection: str) -> None:
    assert normalize_for_detection(original).text == detection


def test_a_name_split_by_markup_maps_back_over_the_markup() -> None:
    original = "From: Do**nald** Ward"
    normalized = normalize_for_detection(original)
    begin = normalized.text.index("Donald Ward")
    start, end = normalized.to_original(begin, begin + len("Donald Ward"))
    assert original[start:end] == "Do**nald** Ward"


def test_an_inserted_space_maps_to_nothing() -> None:
    normalized = normalize_for_detection("Hi JaneDoe!")
    assert normalized.text == "Hi Jane Doe!"
    assert normalized.to_original(3, 11) == (3, 10)
