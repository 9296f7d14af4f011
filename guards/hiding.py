"""CSS that hides text from a human reader while a model still reads it.

Hidden text is a classic carrier of instructions aimed at a model: ``display:none`` is the
obvious one, but a reader sees nothing either with ``opacity:0``, ``font-size:0``, off-screen
positioning (``left:-9999px``, ``text-indent:-9999px``), a zero clip or size, ``scale(0)`` or a
transparent colour, and CSS escapes (``d\\69splay``) disguise any of them. Shared by the
injection rule that scores hidden markup inside a text (``guards.rules.markup``) and by the HTML
renderer that drops hidden elements at ingest (``ingestion.documents.html``).
"""

from __future__ import annotations

import re

_END = r"\s*(?:[;\"'!}]|$)"
HIDING_DECLARATION = (
    r"display\s*:\s*none|visibility\s*:\s*(?:hidden|collapse)"
    rf"|opacity\s*:\s*0*(?:\.0+)?%?{_END}"
    rf"|font-size\s*:\s*0+(?:\.0+)?(?:px|em|rem|pt|%|vw|vh)?{_END}"
    r"|(?:left|top|right|bottom|text-indent|margin-left|margin-top|inset)\s*:\s*-\s*\d{3,}"
    r"|clip\s*:\s*rect\(\s*0|clip-path\s*:\s*(?:inset\(\s*(?:50|100)%|circle\(\s*0)"
    r"|transform\s*:\s*(?:scale\(\s*0\s*[,)]|translate[xy]?\(\s*-\s*\d{4,})"
    r"|color\s*:\s*transparent"
    rf"|(?:width|height|max-height|max-width)\s*:\s*0+(?:\.0+)?(?:px|em|%)?{_END}"
)
_HIDING = re.compile(HIDING_DECLARATION, re.IGNORECASE)
_CSS_ESCAPE = re.compile(r"\\(?:([0-9a-fA-F]{1,6})\s?|(.))", re.DOTALL)
_CSS_COMMENT = re.compile(r"/\*[^*]*\*+(?:[^/*][^*]*\*+)*/")


def css_unescape(css: str) -> str:
    """Resolve CSS escapes (``\\69`` → ``i``, ``\\:`` → ``:``) and drop comments, so a
    disguised declaration reads as the browser reads it."""
    if "\\" in css:
        css = _CSS_ESCAPE.sub(_unescape_one, css)
    if "/*" in css:
        css = _CSS_COMMENT.sub("", css)
    return css


def hides(declarations: str) -> bool:
    """Whether CSS declarations (an inline ``style`` or a rule body) hide their element."""
    return _HIDING.search(css_unescape(declarations)) is not None


def _unescape_one(match: re.Match[str]) -> str:
    code = match.group(1)
    if code is None:
        return match.group(2) if match.group(2) != "\n" else ""
    value = int(code, 16)
    return chr(value) if 0 < value <= 0x10FFFF and not 0xD800 <= value <= 0xDFFF else "\ufffd"
