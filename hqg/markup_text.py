"""What a reader sees in text that carries markup, as a detection text with an offset map.

A chunk of markdown (or text pasted from a web page) may split a word with markup that renders
as nothing: ``Do**nald**``, ``Ste<b>ven</b>``, ``ig<span>nore</span>``, or hide a character
behind an entity (``&#80;aul``, ``jane&#64;acme.test``). Detectors must see ``Donald``,
``Steven``, ``ignore``, ``Paul`` and ``jane@acme.test``. ``strip_markup`` removes emphasis
markers and tags and resolves entities; inline tags join their neighbours (a name split by
``<b>`` is one name), other tags leave a space. Every derived character maps back to the
original (``hqg.offset_text``), so a detected name covers the markup inside it.

Linear: one regex pass with bounded alternatives (a tag is at most 256 characters long).
"""

from __future__ import annotations

import html
import re

from hqg.offset_text import OffsetBuilder, OffsetText

_MARKUP = re.compile(
    r"(?P<tag></?(?P<name>[A-Za-z][A-Za-z0-9]{0,15})(?:[\s/][^<>]{0,240})?>)"
    r"|(?P<comment><!--[^<>]{0,240}?-->)"
    r"|(?P<entity>&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});?)"
    r"|(?P<emphasis>\*+|~~+|`+|(?<![^\W_])_+|_+(?![^\W_]))"
)
#: Tags that render inline: removing them must join the text around them.
_INLINE = frozenset(
    {"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "del", "dfn", "em", "font", "i",
     "ins", "kbd", "mark", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup",
     "time", "tt", "u", "var", "wbr"}
)  # fmt: skip
#: A character every piece of markup starts with (or is): a text without one has none.
_MARKUP_START = re.compile(r"[*~`_<&]")


def strip_markup(text: str) -> OffsetText:
    """``text`` without emphasis markers and tags, entities resolved, mapped to ``text``."""
    if not _MARKUP_START.search(text):
        return OffsetText.identity(text)
    builder: OffsetBuilder | None = None
    done = 0
    for match in _MARKUP.finditer(text):
        start, end = match.span()
        builder = builder or OffsetBuilder(text)
        builder.keep(text, done, start)
        builder.emit(_replacement(match), start, end)
        done = end
    if builder is None:  # a placeholder's "<" or "_" is no markup: the text is unchanged
        return OffsetText.identity(text)
    builder.keep(text, done, len(text))
    return builder.build()


def _replacement(match: re.Match[str]) -> str:
    if match.group("entity"):
        return html.unescape(match.group("entity"))
    if match.group("tag"):
        return "" if match.group("name").lower() in _INLINE else " "
    return ""
