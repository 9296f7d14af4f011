"""The one normalisation every detector shares: privacy, the injection guards and egress.

Attackers hide PII and instructions from detectors without changing what a reader sees:
invisible characters inside a word (zero-width spaces, bidi isolates, variation selectors such as
U+FE0F, Hangul fillers, the braille blank, tag characters), compatibility forms (fullwidth
digits, ligatures, math letters) and look-alike letters from other scripts (Armenian ``օ``,
Cyrillic ``а``). ``fold`` undoes all three, in this order:

1. remove every Unicode ``Default_Ignorable_Code_Point`` (plus U+2800, which renders blank);
2. NFKC, per cluster (a starter and its combining marks: equal to full NFKC except for
   compositions across starters, which no entity we detect needs), then every Unicode decimal
   digit becomes its ASCII digit;
3. map letters to their Unicode TR39 confusable prototype when that is one ASCII letter (the
   skeleton, letter by letter, so lengths do not change).

The result keeps an offset map (``hqg.offset_text``), so a span found in the folded text lands
on the original characters, invisible ones inside it included. Case is kept (NER needs it);
callers that match case-insensitively lower-case afterwards.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache
from importlib import resources

from hqg.offset_text import OffsetBuilder, OffsetText

#: Default_Ignorable_Code_Point (Unicode DerivedCoreProperties) and U+2800 BRAILLE PATTERN BLANK.
IGNORABLE_RANGES: tuple[tuple[int, int], ...] = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160),
    (0x17B4, 0x17B5), (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E),
    (0x2060, 0x206F), (0x2800, 0x2800), (0x3164, 0x3164), (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)  # fmt: skip

_NON_ASCII = re.compile(r"[^\x00-\x7f]+")

#: Look-alikes outside TR39's letter-to-letter prototypes that attackers still use for Latin.
_EXTRA_CONFUSABLES = {"κ": "k", "ε": "e", "τ": "t", "ϲ": "c", "ѵ": "v"}


def is_ignorable(char: str) -> bool:
    """Whether ``char`` renders as nothing (or as blank) and so must not split a detection."""
    code = ord(char)
    if code < 0xAD:
        return False
    return any(low <= code <= high for low, high in IGNORABLE_RANGES)


def strip_ignorable(text: str) -> str:
    return text if text.isascii() else "".join(c for c in text if not is_ignorable(c))


def fold(text: str) -> OffsetText:
    """Detection text for ``text`` with its offset map (see the module docstring)."""
    if text.isascii():
        return OffsetText.identity(text)
    builder = OffsetBuilder(text)
    table = skeleton_table()
    done = 0
    for run in _NON_ASCII.finditer(text):
        start = run.start()
        if start > done and unicodedata.combining(text[start]):
            start -= 1  # the ASCII letter a combining mark sits on belongs to its cluster
        builder.keep(text, done, start)
        _fold_run(text, start, run.end(), builder, table)
        done = run.end()
    builder.keep(text, done, len(text))
    return builder.build()


def _fold_run(
    text: str, index: int, stop: int, builder: OffsetBuilder, table: dict[int, str]
) -> None:
    """Fold ``text[index:stop]`` cluster by cluster; invisible characters join the cluster
    before them, so a span ending on that cluster also covers them."""
    while index < stop:
        if is_ignorable(text[index]):
            index += 1
            continue
        start = index
        index += 1
        while index < stop and (unicodedata.combining(text[index]) or is_ignorable(text[index])):
            index += 1
        cluster = "".join(c for c in text[start:index] if not is_ignorable(c))
        builder.emit(_fold_cluster(cluster, table), start, index)


def skeleton(text: str) -> str:
    """``fold``'s text alone: compare two strings through it to see if they look the same."""
    return fold(text).text


def _fold_cluster(cluster: str, table: dict[int, str]) -> str:
    if cluster.isascii():
        return cluster
    folded = unicodedata.normalize("NFKC", cluster)
    return "".join(_ascii_digit(c) for c in folded if not is_ignorable(c)).translate(table)


def _ascii_digit(char: str) -> str:
    if char.isascii():
        return char
    value = unicodedata.decimal(char, None)
    return str(value) if value is not None else char


@cache
def skeleton_table() -> dict[int, str]:
    """Letter → ASCII letter, from the TR39 confusables data in ``confusable_homoglyphs``.

    That package stores TR39's pairs in both directions; a non-ASCII letter whose confusables
    include exactly one ASCII letter maps to it. TR39 folds ``I`` to ``l``; an upper-case source
    keeps an upper-case target so ``І`` (Cyrillic) reads as ``I``, not ``l``. Loaded once.
    """
    raw = resources.files("confusable_homoglyphs").joinpath("confusables.json").read_text("utf-8")
    data: dict[str, list[dict[str, str]]] = json.loads(raw)
    table: dict[int, str] = {ord(k): v for k, v in _EXTRA_CONFUSABLES.items()}
    for source, homoglyphs in data.items():
        if len(source) != 1 or source.isascii() or not unicodedata.category(source).startswith("L"):
            continue
        targets = {h["c"] for h in homoglyphs if len(h["c"]) == 1 and h["c"].isascii()}
        letters = sorted(t for t in targets if t.isalpha())
        if len(letters) != 1:
            continue
        target = letters[0]
        if source.isupper() and target == "l":
            target = "I"
        table[ord(source)] = target
    return table
