"""Undo the cheap disguises before any rule looks at the text.

Attackers hide trigger words from keyword filters with compatibility forms (fullwidth letters,
ligatures), invisible characters (zero-width spaces, bidi isolates, U+FE0F inside a word), look-
alike letters from other scripts (Armenian ``օ``, Cyrillic ``а``), markup that renders as
nothing (``ig<b>nore</b>``, ``&#105;gnore``) and spaced-out letters ("i g n o r e"). The folding
itself is the kernel's (``hqg.text_normalize``): one normalisation for privacy, guards and
egress. Rules match against two folded views, lower-cased: the text as written and, when it
holds markup, the text a reader sees. The disguises are kept as evidence (an honest document
rarely needs them).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from hqg.markup_text import strip_markup
from hqg.text_normalize import fold, is_ignorable, skeleton_table, strip_ignorable

# An emoji keeps its presentation selector and joiners (❤️, 👩‍💻): those are not disguises.
_EMOJI_JOINERS = frozenset("\u200d\ufe0e\ufe0f")
_TAG_CHAR = re.compile("[\U000e0000-\U000e007f]")
# Subdivision flags (England, Scotland, Wales) are spelled with tag characters: honest emoji.
_FLAG_TAGS = re.compile("\U0001f3f4[\U000e0020-\U000e007e]{1,8}\U000e007f")
_WORD = re.compile(r"\w+")
# Three or more single letters separated by one space, dot, dash, underscore or asterisk
# ("i g n o r e  a l l"): words stay apart because attackers separate them by two spaces.
_SPACED = re.compile(r"(?<![\w])(?:[A-Za-z][ .\-_*]){2,}[A-Za-z](?![\w])")
_SPACED_SEPARATORS = re.compile(r"[ .\-_*]")
_WHITESPACE = re.compile(r"[^\S\n]+")
# Typographic quotes, as phones and word processors type them: "don’t" must read as "don't",
# or every rule written with ASCII apostrophes misses text that was merely typed on a phone.
_QUOTES: dict[int, str] = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u02bc": "'", "\u2032": "'",
     "\u00b4": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"'}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """The folded, lower-cased views rules match against, plus the disguises that were removed.

    ``text`` keeps markup (rules about tags and delimiters need it); ``plain`` is what a reader
    sees, or ``None`` when it equals ``text``."""

    text: str
    invisible_count: int
    tag_count: int
    mixed_script_words: int
    spaced_words: tuple[str, ...]
    plain: str | None = None

    @property
    def views(self) -> tuple[str, ...]:
        return (self.text,) if self.plain is None else (self.text, self.plain)


def normalize(raw: str) -> NormalizedText:
    """Decode tag characters, fold (see the module docstring), join spaced letters, lower-case."""
    text = _FLAG_TAGS.sub("\U0001f3f4", raw)
    tags = len(_TAG_CHAR.findall(text))
    if tags:
        text = _TAG_CHAR.sub(_untag, text)
    spaced: list[str] = []
    folded = _fold_for_rules(text, spaced)
    markup = strip_markup(text)
    plain = None if markup.unchanged else _fold_for_rules(markup.text, [])
    return NormalizedText(
        text=folded,
        invisible_count=_invisible_count(text),
        tag_count=tags,
        mixed_script_words=_count_mixed_script_words(text),
        spaced_words=tuple(spaced),
        plain=plain if plain != folded else None,
    )


def _fold_for_rules(text: str, spaced: list[str]) -> str:
    folded = fold(text).text
    if not folded.isascii():
        folded = folded.lower().translate(_rules_table())
    folded = _SPACED.sub(lambda m: _join_spaced(m, spaced), folded)
    return _WHITESPACE.sub(" ", folded).lower()


@cache
def _rules_table() -> dict[int, str]:
    """Look-alike letters (``skeleton_table``) and typographic quotes, folded in one pass (the
    two tables share no character)."""
    return {**skeleton_table(), **_QUOTES}


def _untag(match: re.Match[str]) -> str:
    """Tag characters are decoded to the ASCII they smuggle (models read them that way)."""
    inner = ord(match.group(0)) - 0xE0000
    return chr(inner) if 0x20 <= inner < 0x7F else ""


def _invisible_count(text: str) -> int:
    """Invisible characters, except a leading BOM and the joiners and selectors of emoji."""
    if text.isascii():
        return 0
    count = 0
    for index, char in enumerate(text):
        if not is_ignorable(char) or (index == 0 and char == "\ufeff"):
            continue
        before = text[index - 1] if index else ""
        if char in _EMOJI_JOINERS and not (before.isalnum() or before in _EMOJI_JOINERS):
            continue
        count += 1
    return count


def _count_mixed_script_words(text: str) -> int:
    """Words that mix ASCII letters with look-alikes from another script: honest text almost
    never does."""
    if text.isascii():
        return 0
    table = skeleton_table()
    plain = unicodedata.normalize("NFKC", strip_ignorable(text))
    return sum(
        1
        for word in _WORD.findall(plain)
        if not word.isascii()
        and any(ord(c) in table for c in word)
        and any(c.isascii() and c.isalpha() for c in word)
    )


def _join_spaced(match: re.Match[str], seen: list[str]) -> str:
    word = _SPACED_SEPARATORS.sub("", match.group(0))
    seen.append(word.lower())
    return word
