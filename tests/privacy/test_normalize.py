from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hqg.errors import PrivacyError
from privacy.normalize import ZERO_WIDTH, normalize_for_detection

tricky_text = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_categories=["Cs"]),
        st.sampled_from(
            ["ﬁ", "①", "４", "＠", "é", "e", "\u0301", "\u200b", "\ufeff", "٣", "㍿", "а"]
        ),
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


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=50))
def test_ascii_text_is_unchanged(text: str) -> None:
    normalized = normalize_for_detection(text)
    assert normalized.text == text
    if text:
        assert normalized.to_original(0, len(text)) == (0, len(text))


@given(tricky_text, st.data())
def test_offsets_round_trip_to_the_original_text(text: str, data: st.DataObject) -> None:
    normalized = normalize_for_detection(text)
    assert list(normalized.origin_start) == sorted(normalized.origin_start)
    if not normalized.text:
        assert all(c in ZERO_WIDTH or unicodedata.normalize("NFKC", c) == "" for c in text)
        return
    start = data.draw(st.integers(0, len(normalized.text) - 1))
    end = data.draw(st.integers(start + 1, len(normalized.text)))
    o_start, o_end = normalized.to_original(start, end)
    assert 0 <= o_start < o_end <= len(text)
    # the original slice, normalised on its own, contains what was detected
    assert normalized.text[start:end] in normalize_for_detection(text[o_start:o_end]).text
