"""HTML to indexable text with the standard library's tolerant ``html.parser``.

What a reader of the rendered page sees is what gets indexed: script, style, template and
comments are dropped, and so is content the page hides (``hidden``, ``aria-hidden="true"``,
inline ``display:none`` / ``visibility:hidden``), because hidden text is a classic carrier of
instructions aimed at a model rather than at the human reader. Headings become markdown ``#``
lines so the chunker keeps a heading path; links keep their text, not their address.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

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
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\r\f\v\n]+")
_BLANK_LINES = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class HtmlText:
    """The visible text of a page, its ``<title>`` and how many hidden elements were dropped."""

    text: str
    title: str | None
    hidden_dropped: int


def html_to_text(markup: str) -> HtmlText:
    """Render ``markup`` as plain text with ``#`` headings and blank lines between blocks."""
    parser = _Renderer()
    parser.feed(markup)
    parser.close()
    return parser.result()


class _Renderer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._stack: list[tuple[str, bool]] = []  # (tag, suppresses its content)
        self._blocks: list[str] = []
        self._current: list[str] = []
        self._heading = 0
        self._pre = 0
        self._title: list[str] = []
        self._in_title = False
        self._hidden_dropped = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        if tag in _VOID:
            if tag in _BLOCK and not self._suppressed:
                self._break()
            return
        hidden = _is_hidden(attrs)
        if hidden and not self._suppressed:
            self._hidden_dropped += 1
        self._stack.append((tag, tag in _DROPPED or hidden))
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
        if not any(open_tag == tag for open_tag, _ in self._stack):
            return  # a stray end tag closes nothing
        while self._stack:
            open_tag, _ = self._stack.pop()
            if not self._suppressed and open_tag in _BLOCK:
                self._break()
            if open_tag == "pre":
                self._pre = max(0, self._pre - 1)
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self._title.append(data)
        if not self._suppressed:
            self._current.append(data if self._pre else _SPACES.sub(" ", data))

    @property
    def _suppressed(self) -> bool:
        return any(drop for _, drop in self._stack)

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


def _is_hidden(attrs: list[tuple[str, str | None]]) -> bool:
    values = {name.lower(): (value or "") for name, value in attrs}
    return (
        "hidden" in values
        or values.get("aria-hidden", "").strip().lower() == "true"
        or bool(_HIDDEN_STYLE.search(values.get("style", "")))
    )
