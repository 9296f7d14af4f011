from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hqg.markup_text import strip_markup
from hqg.offset_text import OffsetText
from hqg.text_normalize import IGNORABLE_RANGES, fold, is_ignorable, skeleton, skeleton_table

INVISIBLES = [
    "\u00ad", "\u034f", "\u061c", "\u115f", "\u1160", "\u180e", "\u200b", "\u200c", "\u200d",
    "\u200e", "\u200f", "\u202a", "\u202e", "\u2060", "\u2066", "\u2069", "\u2800", "\u3164",
    "\ufe00", "\ufe0f", "\ufeff", "\uffa0", "\U000e0001", "\U000e0041", "\U000e007f",
    "\U000e0100",
]  # fmt: skip


@pytest.mark.parametrize("invisible", INVISIBLES, ids=lambda c: f"U+{ord(c):04X}")
def test_every_invisible_character_is_removed_inside_a_word(invisible: str) -> None:
    assert fold(f"ig{invisible}nore Ja{invisible}ne").text == "ignore Jane"


def test_ignorable_ranges_cover_the_unicode_default_ignorables_in_the_bmp() -> None:
    # Cf format characters are (with a few listed exceptions) default-ignorable
    not_ignorable = {"\u0600", "\u0601", "\u0602", "\u0603", "\u0604", "\u0605", "\u06dd",
                     "\u070f", "\u0890", "\u0891", "\u08e2", "\u110bd", "\u110cd", "\ufff9",
                     "\ufffa", "\ufffb"}  # fmt: skip
    for code in range(0x10000):
        char = chr(code)
        if unicodedata.category(char) == "Cf" and char not in not_ignorable:
            assert is_ignorable(char), f"U+{code:04X}"
    assert all(low <= high for low, high in IGNORABLE_RANGES)


@pytest.mark.parametrize(
    ("disguised", "plain"),
    [
        ("ign\u0585re", "ignore"),  # Armenian o
        ("\u0456gnore", "ignore"),  # Cyrillic i
        ("j\u0430ne@ex\u0430mple.com", "jane@example.com"),  # Cyrillic a
        ("\u0406van", "Ivan"),  # Cyrillic I stays upper-case I
        ("\uff4a\uff41\uff4e\uff45", "jane"),  # fullwidth
        ("\U0001d422\U0001d420\U0001d427", "ign"),  # math bold
        ("\u0661\u0662\u0663", "123"),  # Arabic-Indic digits
        ("\ufb01le", "file"),  # ligature
    ],
)
def test_look_alikes_and_compatibility_forms_fold_to_ascii(disguised: str, plain: str) -> None:
    assert skeleton(disguised) == plain


def test_the_skeleton_table_comes_from_tr39_data_and_maps_letters_only() -> None:
    table = skeleton_table()
    assert len(table) > 1000
    assert all(len(v) == 1 and v.isascii() and v.isalpha() for v in table.values())


def test_ordinary_accented_letters_are_kept() -> None:
    assert fold("Zoë Müller-Lüdenscheidt, São Paulo").text == "Zoë Müller-Lüdenscheidt, São Paulo"


def test_invisible_characters_inside_a_name_are_covered_by_its_span() -> None:
    original = "Call Ja\u2066ne D\ufe0foe today"
    folded = fold(original)
    begin = folded.text.index("Jane Doe")
    start, end = folded.to_original(begin, begin + len("Jane Doe"))
    assert original[start:end] == "Ja\u2066ne D\ufe0foe"


tricky = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_categories=["Cs"]),
        st.sampled_from(["\ufb01", "\u2460", "\uff14", "\u0301", "\u200b", "\ufe0f", "\u0430"]),
    ),
    max_size=40,
)


@given(tricky, st.data())
def test_fold_offsets_round_trip(text: str, data: st.DataObject) -> None:
    folded = fold(text)
    assert list(folded.origin_start) == sorted(folded.origin_start)
    if not folded.text:
        return
    start = data.draw(st.integers(0, len(folded.text) - 1))
    end = data.draw(st.integers(start + 1, len(folded.text)))
    o_start, o_end = folded.to_original(start, end)
    assert 0 <= o_start < o_end <= len(text)
    assert folded.text[start:end] in fold(text[o_start:o_end]).text


def test_markup_then_fold_compose_to_the_original() -> None:
    original = "<b>Jo</b>&#x200B;hn"
    markup = strip_markup(original)
    chained = markup.then(fold(markup.text))
    assert chained.text == "John"
    assert chained.to_original(0, 4) == (3, len(original))


def test_identity_composition_is_free() -> None:
    plain = OffsetText.identity("abc")
    assert plain.then(OffsetText.identity("abc")) is plain
