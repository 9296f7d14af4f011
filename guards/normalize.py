"""Undo the cheap disguises before any rule looks at the text.

Attackers hide trigger words from keyword filters with compatibility forms (fullwidth letters,
ligatures), invisible characters, look-alike letters from other scripts and spaced-out letters
("i g n o r e"). Rules match against the *folded* text so one pattern covers every disguise; the
disguises themselves are kept as evidence (an honest document rarely needs them).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Characters that render as nothing. U+200D (zero-width joiner) is left out: emoji sequences use it.
_INVISIBLE = frozenset(
    [
        *(0x00AD, 0x180E, 0x200B, 0x200C, 0x200E, 0x200F, 0xFEFF),
        *range(0x2060, 0x2065),  # word joiner, invisible operators
        *range(0x202A, 0x202F),  # bidi embeddings and overrides
        *range(0x2066, 0x206A),  # bidi isolates
    ]
)
_INVISIBLE_CHAR = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_INVISIBLE)) + "]")
_TAG_CHAR = re.compile("[\U000e0000-\U000e007f]")
# Subdivision flags (England, Scotland, Wales) are spelled with tag characters: honest emoji.
_FLAG_TAGS = re.compile("\U0001f3f4[\U000e0020-\U000e007e]{1,8}\U000e007f")

# Look-alike letters from Cyrillic and Greek that NFKC leaves alone, folded to Latin.
_CONFUSABLES = str.maketrans(
    "аеіјорсухѕԁһԛԝАВЕНІЈКМОРСТХУЅαοτνικρεΑΒΕΗΙΚΜΝΟΡΤΧΥΖ",
    "aeijopcyxsdhqwABEHIJKMOPCTXYSaotvikpeABEHIKMNOPTXYZ",
)
_LATIN_OR_CONFUSABLE = re.compile(r"[a-zA-Z]")
_FOREIGN_LETTER = re.compile(r"[\u0370-\u03ff\u0400-\u04ff]")
_WORD = re.compile(r"\w+")
# Three or more single letters separated by one space, dot, dash, underscore or asterisk
# ("i g n o r e  a l l"): words stay apart because attackers separate them by two spaces.
_SPACED = re.compile(r"(?<![\w])(?:[A-Za-z][ .\-_*]){2,}[A-Za-z](?![\w])")
_SPACED_SEPARATORS = re.compile(r"[ .\-_*]")
_WHITESPACE = re.compile(r"[^\S\n]+")


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """The folded, lower-cased text rules match against, plus the disguises that were removed."""

    text: str
    invisible_count: int
    tag_count: int
    mixed_script_words: int
    spaced_words: tuple[str, ...]


def normalize(raw: str) -> NormalizedText:
    """NFKC, drop invisible characters, fold look-alikes, join spaced letters, lower-case."""
    text = unicodedata.normalize("NFKC", raw)
    invisible = len(_INVISIBLE_CHAR.findall(text))
    text = _FLAG_TAGS.sub("\U0001f3f4", text)
    tags = len(_TAG_CHAR.findall(text))
    if tags:
        text = _TAG_CHAR.sub(_untag, text)
    if invisible:
        text = _INVISIBLE_CHAR.sub("", text)
    mixed = _count_mixed_script_words(text)
    if mixed:
        text = text.translate(_CONFUSABLES)
    spaced: list[str] = []
    text = _SPACED.sub(lambda m: _join_spaced(m, spaced), text)
    text = _WHITESPACE.sub(" ", text).lower()
    return NormalizedText(
        text=text,
        invisible_count=invisible,
        tag_count=tags,
        mixed_script_words=mixed,
        spaced_words=tuple(spaced),
    )


def _untag(match: re.Match[str]) -> str:
    """Tag characters are decoded to the ASCII they smuggle (models read them that way)."""
    inner = ord(match.group(0)) - 0xE0000
    return chr(inner) if 0x20 <= inner < 0x7F else ""


def _count_mixed_script_words(text: str) -> int:
    """Words that mix Latin letters with Cyrillic/Greek ones: honest text almost never does."""
    if not _FOREIGN_LETTER.search(text):
        return 0
    return sum(
        1
        for word in _WORD.findall(text)
        if _LATIN_OR_CONFUSABLE.search(word) and _FOREIGN_LETTER.search(word)
    )


def _join_spaced(match: re.Match[str], seen: list[str]) -> str:
    word = _SPACED_SEPARATORS.sub("", match.group(0))
    seen.append(word.lower())
    return word
