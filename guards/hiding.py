"""CSS that hides text from a human reader while a model still reads it.

Hidden text is a classic carrier of instructions aimed at a model: ``display:none`` is the
obvious one, but a reader sees nothing either with ``opacity:0``, ``font-size:0``, off-screen
positioning (``left:-9999px``, ``text-indent:-9999px``), a zero clip or size, ``scale(0)`` or a
transparent colour or text coloured like its background (``colours``/``unreadable``: white on
white, ``#fefefe`` on the default white page), and CSS escapes (``d\\69splay``) disguise any of
them. Shared by the injection rule that scores hidden markup inside a text
(``guards.rules.markup``) and by the HTML renderer that drops hidden elements at ingest
(``ingestion.documents.html``).
"""

from __future__ import annotations

import re

from guards.verdict import InjectionDetector, InjectionVerdict

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


#: Below this WCAG contrast ratio, text is unreadable on its background (1.0: same colour).
MIN_CONTRAST = 1.5
_NAMED = {
    "white": (255, 255, 255), "black": (0, 0, 0), "red": (255, 0, 0), "green": (0, 128, 0),
    "blue": (0, 0, 255), "yellow": (255, 255, 0), "gray": (128, 128, 128),
    "grey": (128, 128, 128), "silver": (192, 192, 192), "snow": (255, 250, 250),
    "ivory": (255, 255, 240), "whitesmoke": (245, 245, 245), "ghostwhite": (248, 248, 255),
    "navy": (0, 0, 128), "maroon": (128, 0, 0),
}  # fmt: skip
_HEX = re.compile(r"#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})")
_RGB = re.compile(
    r"rgba?\(\s*([\d.]+)%?[\s,]+([\d.]+)%?[\s,]+([\d.]+)%?(?:[\s,/]+([\d.]+)(%?))?\s*\)"
)
_COLOUR_DECL = re.compile(
    r"(?<![\w-])(color|background-color|background)\s*:\s*([^;]{1,200})", re.IGNORECASE
)
Rgb = tuple[int, int, int]
#: A colour fully transparent: text in it is invisible whatever is behind it.
TRANSPARENT = "transparent"


def colours(declarations: str) -> tuple[Rgb | str | None, Rgb | str | None]:
    """The (text colour, background colour) an inline style or rule body sets, if any:
    an RGB triple, ``TRANSPARENT``, or None when unset or not understood."""
    colour: Rgb | str | None = None
    background: Rgb | str | None = None
    for name, value in _COLOUR_DECL.findall(css_unescape(declarations)):
        parsed = parse_colour(value)
        if name.lower() == "color":
            colour = parsed if parsed is not None else colour
        elif parsed is not None:
            background = parsed
    return colour, background


def parse_colour(value: str) -> Rgb | str | None:
    """A CSS colour as RGB (named, ``#rgb``/``#rrggbb`` with alpha, ``rgb()``/``rgba()``),
    ``TRANSPARENT`` for one with zero alpha, None for anything else (``inherit``, gradients)."""
    text = value.strip().lower().removesuffix("!important").strip()
    first = text.split()[0] if text.split() else ""
    if first in _NAMED:
        return _NAMED[first]
    if first == TRANSPARENT:
        return TRANSPARENT
    hexed = _HEX.match(text)
    if hexed:
        digits = hexed.group(1)
        if len(digits) in (3, 4):
            digits = "".join(d * 2 for d in digits)
        if len(digits) == 8 and int(digits[6:], 16) == 0:
            return TRANSPARENT
        return (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16))
    rgb = _RGB.match(text)
    if rgb:
        alpha = rgb.group(4)
        if alpha is not None and float(alpha) == 0:
            return TRANSPARENT
        channels = [min(255, int(float(rgb.group(i)))) for i in (1, 2, 3)]
        return (channels[0], channels[1], channels[2])
    return None


def unreadable(colour: Rgb | str, background: Rgb | str) -> bool:
    """Whether text in ``colour`` cannot be read on ``background`` (transparent text, or a
    contrast ratio under ``MIN_CONTRAST``: white on white, #fefefe on #fff)."""
    if colour == TRANSPARENT:
        return True
    if isinstance(colour, str) or isinstance(background, str):
        return False  # a transparent background shows its parent's: decided there
    light, dark = sorted((_luminance(colour), _luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05) < MIN_CONTRAST


def _luminance(rgb: Rgb) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


#: Noisy-OR weight of "these instructions were hidden from the human reader".
HIDDEN_WEIGHT = 0.5
HIDDEN_REASON = "hidden_instructions"
#: Hidden text is scored in pieces of this many characters (the detector's usual input size).
HIDDEN_PIECE = 2_000


def score_hidden(detector: InjectionDetector, hidden: str) -> InjectionVerdict:
    """The verdict on text a reader cannot see (dropped HTML: hidden elements, scripts,
    comments…), scored by ``detector`` piece by piece.

    Hidden *and* instructive is a strong signal: a page has no reason to hide instructions
    from its reader unless they are aimed at a model. So when any rule fires in hidden text,
    hiding adds ``HIDDEN_WEIGHT`` (noisy-OR) and ``HIDDEN_REASON``: with the default threshold
    of 0.5, any instruction found in hidden text quarantines its document.
    """
    worst = InjectionVerdict(score=0.0)
    reasons: set[str] = set()
    for start in range(0, len(hidden), HIDDEN_PIECE):
        verdict = detector.score(hidden[start : start + HIDDEN_PIECE])
        if verdict.score > 0:
            reasons.update(verdict.reasons)
            worst = verdict if verdict.score > worst.score else worst
    if worst.score <= 0:
        return worst
    score = 1.0 - (1.0 - worst.score) * (1.0 - HIDDEN_WEIGHT)
    return InjectionVerdict(score=min(1.0, score), reasons=(*sorted(reasons), HIDDEN_REASON))
