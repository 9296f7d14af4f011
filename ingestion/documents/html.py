"""HTML to indexable text with the standard library's tolerant ``html.parser``.

What a reader of the rendered page sees is what gets indexed: script, style, template and
comments are dropped, and so is content the page hides, because hidden text is a classic carrier
of instructions aimed at a model rather than at the human reader. Hidden means any way a browser
would not show it: the ``hidden`` attribute, ``aria-hidden="true"``, a closed ``<details>``,
and CSS that hides (``guards.hiding``: ``display:none``, ``opacity:0``, ``font-size:0``,
off-screen positioning, CSS escapes…) whether inline or in a ``<style>`` rule for the element's
tag, class or id. Headings become markdown ``#`` lines so the chunker keeps a heading path;
links keep their text, not their address.

Linear in the page: every start and end tag costs amortised O(1) (a counter of suppressing
ancestors, open-tag counts, implicit closing of ``<li>``/``<p>``/table cells so unclosed lists
stay flat), and nesting is capped at ``MAX_DEPTH``: content deeper than that is not indexed.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser

from guards.hiding import css_unescape, hides

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
_SIMPLE_SELECTOR = re.compile(r"^([a-z][a-z0-9-]*)?((?:[.#][\w-]+)*)$", re.IGNORECASE)
_SELECTOR_PART = re.compile(r"([.#])([\w-]+)")


@dataclass(frozen=True)
class HtmlText:
    """The visible text of a page, its ``<title>`` and how many hidden elements were dropped."""

    text: str
    title: str | None
    hidden_dropped: int


@dataclass(frozen=True)
class _HiddenSelectors:
    """Tags, classes and ids that the page's own ``<style>`` rules hide."""

    tags: frozenset[str]
    classes: frozenset[str]
    ids: frozenset[str]


def html_to_text(markup: str) -> HtmlText:
    """Render ``markup`` as plain text with ``#`` headings and blank lines between blocks."""
    markup = _close_the_unclosable(markup)
    parser = _Renderer(_hidden_selectors(markup))
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


def _hidden_selectors(markup: str) -> _HiddenSelectors:
    """Selectors of the page's style rules whose declarations hide; the element a selector
    targets is its last compound (``.faq .answer`` → class ``answer``)."""
    tags: set[str] = set()
    classes: set[str] = set()
    ids: set[str] = set()
    for css in _style_blocks(markup):
        for rule in css_unescape(css).split("}"):
            selectors, _, declarations = rule.rpartition("{")
            if not hides(declarations):
                continue
            for selector in selectors.rpartition(";")[2].split(","):
                last = re.split(r"[\s>+~]+", selector.strip())[-1].split(":")[0]
                simple = _SIMPLE_SELECTOR.match(last)
                if simple is None:
                    continue
                if simple.group(1) and not simple.group(2):
                    tags.add(simple.group(1).lower())
                for kind, name in _SELECTOR_PART.findall(simple.group(2)):
                    (classes if kind == "." else ids).add(name)
    return _HiddenSelectors(frozenset(tags), frozenset(classes), frozenset(ids))


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
    def __init__(self, hidden: _HiddenSelectors) -> None:
        super().__init__(convert_charrefs=True)
        self._hidden = hidden
        self._stack: list[tuple[str, bool]] = []  # (tag, suppresses its content)
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
        hidden = self._is_hidden(tag, attrs)
        if hidden and not self._suppressed:
            self._hidden_dropped += 1
        self._push(tag, tag in _DROPPED or hidden)
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
        if not self._suppressed:
            self._current.append(data if self._pre else _SPACES.sub(" ", data))

    def _push(self, tag: str, suppresses: bool) -> None:
        self._stack.append((tag, suppresses))
        self._open[tag] += 1
        self._suppressing += suppresses

    def _pop(self) -> str:
        tag, suppresses = self._stack.pop()
        self._open[tag] -= 1
        self._suppressing -= suppresses
        if not self._suppressed and tag in _BLOCK:
            self._break()
        if tag == "pre":
            self._pre = max(0, self._pre - 1)
        return tag

    def _is_hidden(self, tag: str, attrs: list[tuple[str, str | None]]) -> bool:
        values = {name.lower(): (value or "") for name, value in attrs}
        hidden = self._hidden
        return (
            "hidden" in values
            or values.get("aria-hidden", "").strip().lower() == "true"
            or (tag == "details" and "open" not in values)
            or tag in hidden.tags
            or values.get("id", "") in hidden.ids
            or not hidden.classes.isdisjoint(values.get("class", "").split())
            or hides(values.get("style", ""))
        )

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
        return HtmlText(text + "\n" if text else "", title, self._hidden_dropped)
