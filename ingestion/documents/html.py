"""HTML to indexable text with the standard library's tolerant ``html.parser``.

What a reader of the rendered page sees is what gets indexed: anything not visible to a human
reader is hidden, because hidden text is a classic carrier of instructions aimed at a model
rather than at the human reader. Hidden means any way a browser would not show it: script,
style, template, noscript, object and iframe content (``srcdoc`` included), comments, the
``hidden`` attribute, ``aria-hidden="true"``, a closed ``<details>``, CSS that hides
(``guards.hiding``: ``display:none``, ``opacity:0``, ``font-size:0``, clipping, off-screen
positioning or indent, CSS escapes…) whether inline or in a ``<style>`` rule
(``stylesheet.py``: tag, class, id, attribute selectors, pseudo-classes and descendants), and
text coloured like its background (inherited colours; the page is white unless it says
otherwise). Hidden text is not indexed, but it is kept (``hidden_text``) so the ingest scores
it for injection: hidden *and* instructive is a strong signal. A page that links an external
stylesheet cannot be evaluated offline: its content with a class or id stays indexed (a reader
may well see it) and is also scored as possibly hidden, and the page carries a warning.
Headings become markdown ``#`` lines so the chunker keeps a heading path; links keep their
text, not their address.

Linear in the page: every start and end tag costs amortised O(1) (a counter of suppressing
ancestors, open-tag counts, implicit closing of ``<li>``/``<p>``/table cells so unclosed lists
stay flat), and nesting is capped at ``MAX_DEPTH``: content deeper than that is not indexed.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser

from guards.hiding import Rgb, colours, hides, unreadable
from hqg.markup_text import strip_markup
from ingestion.documents.stylesheet import Effect, Stylesheet, element_keys, read_stylesheet

MAX_DEPTH = 256
_DROPPED = frozenset({"script", "style", "template", "noscript", "head", "svg", "iframe", "object"})
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
     "source", "track", "wbr"}
)  # fmt: skip
_BLOCK = frozenset(
    {"p", "div", "section", "article", "main", "header", "footer", "nav", "aside", "ul", "ol",
     "li", "table", "tr", "blockquote", "pre", "dl", "dt", "dd", "figure", "figcaption", "form",
     "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "body", "html"}
)  # fmt: skip
#: A start tag implicitly closes these open elements on top of the stack (HTML's optional ends).
_CLOSES = {
    "li": frozenset({"li", "p"}),
    "p": frozenset({"p"}),
    "dt": frozenset({"dt", "dd", "p"}),
    "dd": frozenset({"dt", "dd", "p"}),
    "tr": frozenset({"tr", "td", "th", "p"}),
    "td": frozenset({"td", "th", "p"}),
    "th": frozenset({"td", "th", "p"}),
    "option": frozenset({"option"}),
}
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_SPACES = re.compile(r"[ \t\r\f\v\n]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_LINK = re.compile(r"<link\b[^<>]{0,2000}>", re.IGNORECASE)
_STYLESHEET_REL = re.compile(r"""\brel\s*=\s*["']?[^"'>]*stylesheet""", re.IGNORECASE)
#: Hidden text kept for scoring; beyond it a page is still rendered, its hidden rest unscored.
MAX_HIDDEN_CHARS = 200_000
_WHITE: Rgb = (255, 255, 255)
_BLACK: Rgb = (0, 0, 0)


@dataclass(frozen=True)
class HtmlText:
    """The visible text of a page, its ``<title>``, how many hidden elements were dropped,
    the hidden text (for injection scoring, never indexed) and whether an external
    stylesheet left visibility undecided."""

    text: str
    title: str | None
    hidden_dropped: int
    hidden_text: str = ""
    external_styles: bool = False


def html_to_text(markup: str) -> HtmlText:
    """Render ``markup`` as plain text with ``#`` headings and blank lines between blocks."""
    markup = _close_the_unclosable(markup)
    blocks = _style_blocks(markup)
    external = any("@import" in css.lower() for css in blocks) or any(
        _STYLESHEET_REL.search(link) for link in _LINK.findall(markup)
    )
    parser = _Renderer(read_stylesheet(blocks), external=external)
    parser.feed(markup)
    parser.close()
    return parser.result()


def _close_the_unclosable(markup: str) -> str:
    """Cut what ``html.parser`` would rescan to the end of the page for every occurrence.

    The stdlib parser searches the rest of the page for ``-->`` at each ``<!--``, and for ``>``
    at each ``</``: a page of 100,000 unclosed ones takes minutes. A browser shows nothing
    after an unclosed comment (it runs to the end of the page), and a ``<`` after the last
    ``>`` can start no tag, so it is plain text."""
    last_close = markup.rfind("-->")
    unclosed = markup.find("<!--", last_close + 3 if last_close != -1 else 0)
    if unclosed != -1:
        markup = markup[:unclosed]
    last_gt = markup.rfind(">")
    if markup.find("<", last_gt + 1) != -1:
        markup = markup[: last_gt + 1] + markup[last_gt + 1 :].replace("<", "&lt;")
    return markup


def _style_blocks(markup: str) -> list[str]:
    """The contents of ``<style>`` elements, found with ``str.find`` (linear, even when a
    ``<style`` is never closed)."""
    lower = markup.lower()
    blocks: list[str] = []
    at = lower.find("<style")
    while at != -1:
        opened = lower.find(">", at)
        if opened == -1:
            break
        closed = lower.find("</style", opened)
        end = closed if closed != -1 else len(markup)
        blocks.append(markup[opened + 1 : end])
        at = lower.find("<style", end)
    return blocks


class _Renderer(HTMLParser):
    def __init__(self, sheet: Stylesheet, *, external: bool) -> None:
        super().__init__(convert_charrefs=True)
        self._sheet = sheet
        self._external = external
        self._styled = 0  # open elements with a class or id (an external sheet may hide them)
        # (tag, suppresses its content, has a class or id, text colour, background colour)
        self._stack: list[tuple[str, bool, bool, Rgb | str, Rgb]] = []
        self._keys: list[list[str]] = []  # each open element's keys (``stylesheet.py``)
        self._ancestors: Counter[str] = Counter()  # the keys of every open element
        self._hidden_text: list[str] = []
        self._hidden_chars = 0
        self._open: Counter[str] = Counter()
        self._suppressing = 0  # entries of the stack that suppress their content
        self._overflow = 0  # start tags beyond MAX_DEPTH not yet closed: content dropped
        self._blocks: list[str] = []
        self._current: list[str] = []
        self._heading = 0
        self._pre = 0
        self._title: list[str] = []
        self._in_title = False
        self._hidden_dropped = 0

    @property
    def _suppressed(self) -> bool:
        return self._suppressing > 0 or self._overflow > 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        if tag in _VOID:
            if tag in _BLOCK and not self._suppressed:
                self._break()
            return
        closes = _CLOSES.get(tag)
        while closes and self._stack and self._stack[-1][0] in closes:
            done = self._pop()
            if done == tag:
                break
        if self._overflow or len(self._stack) >= MAX_DEPTH:
            self._overflow += 1
            return
        values = {name.lower(): (value or "") for name, value in attrs}
        if "srcdoc" in values:
            self._keep_hidden(strip_markup(values["srcdoc"]).text)
        effect = self._sheet.effect(tag, values, self._ancestors)
        hidden = _is_hidden(tag, values, effect)
        if hidden and not self._suppressed:
            self._hidden_dropped += 1
        self._push(tag, tag in _DROPPED or hidden, values, effect)
        if self._suppressed:
            return
        if tag in _BLOCK:
            self._break()
        if tag in _HEADINGS:
            self._heading = _HEADINGS[tag]
        elif tag == "li":
            self._current.append("- ")
        elif tag == "pre":
            self._pre += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if self._overflow:
            self._overflow -= 1
            return
        if not self._open[tag]:
            return  # a stray end tag closes nothing
        while self._stack and self._pop() != tag:
            pass

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self._title.append(data)
            return
        if self._suppressed or self._unreadable():
            if data.strip() and not self._suppressed:
                self._hidden_dropped += 1
            self._keep_hidden(data)
            return
        self._current.append(data if self._pre else _SPACES.sub(" ", data))
        if self._external and self._styled:
            self._keep_hidden(data)  # visible or not: the external sheet decides; score it

    def handle_comment(self, data: str) -> None:
        self._keep_hidden(data)

    def _keep_hidden(self, data: str) -> None:
        room = MAX_HIDDEN_CHARS - self._hidden_chars
        if room > 0 and data.strip():
            self._hidden_text.append(data[:room])
            self._hidden_chars += min(len(data), room)

    def _unreadable(self) -> bool:
        if not self._stack:
            return False
        _, _, _, colour, background = self._stack[-1]
        return unreadable(colour, background)

    def _push(self, tag: str, suppresses: bool, values: dict[str, str], effect: Effect) -> None:
        parent_colour, parent_background = (
            (self._stack[-1][3], self._stack[-1][4]) if self._stack else (_BLACK, _WHITE)
        )
        colour, background = colours(values.get("style", ""))
        colour = colour or effect.colour or parent_colour
        painted = background or effect.background
        if painted is None or isinstance(painted, str):  # unset or transparent: the parent's
            painted = parent_background
        styled = "class" in values or "id" in values
        self._stack.append((tag, suppresses, styled, colour, painted))
        keys = element_keys(tag, values)
        self._keys.append(keys)
        self._ancestors.update(keys)
        self._open[tag] += 1
        self._suppressing += suppresses
        self._styled += styled

    def _pop(self) -> str:
        tag, suppresses, styled, _, _ = self._stack.pop()
        self._ancestors.subtract(self._keys.pop())
        self._open[tag] -= 1
        self._suppressing -= suppresses
        self._styled -= styled
        if not self._suppressed and tag in _BLOCK:
            self._break()
        if tag == "pre":
            self._pre = max(0, self._pre - 1)
        return tag

    def _break(self) -> None:
        """End the current block: headings become ``#`` lines, blocks are separated by a blank."""
        raw = "".join(self._current)
        block = raw.strip("\n") if self._pre else raw.strip()
        if block:
            prefix = "#" * self._heading + " " if self._heading else ""
            self._blocks.append(prefix + block if not self._heading else prefix + block.strip())
        self._current = []
        self._heading = 0

    def result(self) -> HtmlText:
        self._break()
        text = _BLANK_LINES.sub("\n\n", "\n\n".join(self._blocks)).strip()
        title = _SPACES.sub(" ", "".join(self._title)).strip() or None
        return HtmlText(
            text + "\n" if text else "",
            title,
            self._hidden_dropped,
            hidden_text="\n".join(self._hidden_text),
            external_styles=self._external,
        )


def _is_hidden(tag: str, values: dict[str, str], effect: Effect) -> bool:
    """Whether the element hides itself and its content (colours are decided per text)."""
    return (
        "hidden" in values
        or values.get("aria-hidden", "").strip().lower() == "true"
        or (tag == "details" and "open" not in values)
        or effect.hides
        or hides(values.get("style", ""))
    )
