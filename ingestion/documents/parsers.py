"""Parsers: a file's bytes become a ``ParsedDocument`` (text to index, title, front matter).

One parser per format, chosen by extension. The text a parser returns is THE document text: chunk
offsets, PII spans and citations all point into it. Any problem raises ``IngestError`` naming the
file and the problem; the pipeline records that document as failed and goes on with the others.
Text must be UTF-8 (a BOM is accepted): guessing an encoding would index mojibake silently.
Parsers enforce the limits they can see first (front matter size, PDF pages and characters per
page, ``ingestion.limits``); the run checks bytes before parsing and characters after.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from hqg.errors import IngestError
from ingestion.documents.front_matter import FrontMatter, split_front_matter
from ingestion.documents.html import html_to_text
from ingestion.limits import IngestLimits, over_limit


class ParsedDocument(BaseModel):
    """A document's indexable text and what it says about itself."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    format: str  # text | markdown | html | pdf
    title: str | None = None
    front_matter: FrontMatter = FrontMatter()
    warnings: tuple[str, ...] = ()
    #: text a reader cannot see (hidden HTML): never indexed, scored for injection
    hidden_text: str = ""

    @property
    def has_headings(self) -> bool:
        """Whether ``#`` lines in the text are headings (markdown and rendered HTML)."""
        return self.format in ("markdown", "html")


class Parser(Protocol):
    def __call__(
        self, data: bytes, source: str, /, *, limits: IngestLimits = ...
    ) -> ParsedDocument: ...


_LIMITS = IngestLimits()


def parse_text(data: bytes, source: str, /, *, limits: IngestLimits = _LIMITS) -> ParsedDocument:
    return ParsedDocument(text=_decode(data, source), format="text")


def parse_markdown(
    data: bytes, source: str, /, *, limits: IngestLimits = _LIMITS
) -> ParsedDocument:
    front_matter, body = split_front_matter(_decode(data, source), source=source, limits=limits)
    return ParsedDocument(
        text=body,
        format="markdown",
        title=front_matter.title or _first_heading(body),
        front_matter=front_matter,
    )


def parse_html(data: bytes, source: str, /, *, limits: IngestLimits = _LIMITS) -> ParsedDocument:
    rendered = html_to_text(_decode(data, source))
    warnings: list[str] = []
    if rendered.hidden_dropped:
        warnings.append(f"{rendered.hidden_dropped} hidden element(s) not indexed")
    if rendered.external_styles:
        warnings.append(
            "links an external stylesheet, not evaluated offline: content with a class or id "
            "is indexed and also scored as possibly hidden"
        )
    return ParsedDocument(
        text=rendered.text,
        format="html",
        title=rendered.title or _first_heading(rendered.text),
        warnings=tuple(warnings),
        hidden_text=rendered.hidden_text,
    )


def parse_pdf(data: bytes, source: str, /, *, limits: IngestLimits = _LIMITS) -> ParsedDocument:
    """Text of every page, pages separated by a blank line; needs the ``pypdf`` package.

    The page count is checked before any page is extracted and each page's text as it comes,
    so a small PDF that expands to millions of characters is refused without holding them."""
    try:
        from pypdf import PdfReader
        from pypdf.errors import PyPdfError
    except ImportError as exc:
        raise IngestError(f"{source}: reading PDF needs the 'pypdf' package installed") from exc
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise IngestError(f"{source}: the PDF is encrypted")
        pages = _pages(reader, source=source, limits=limits)
        title = reader.metadata.title if reader.metadata else None
    except IngestError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise IngestError(f"{source}: not a readable PDF ({type(exc).__name__})") from exc
    text = "\n\n".join(page for page in pages if page)
    clean_title = str(title).strip() if title else ""
    return ParsedDocument(text=text + "\n" if text else "", format="pdf", title=clean_title or None)


def _pages(reader: Any, *, source: str, limits: IngestLimits) -> list[str]:
    count = len(reader.pages)
    problem = over_limit("max_pdf_pages", count, limits.max_pdf_pages, unit="pages")
    if problem is not None:
        raise IngestError(f"{source}: {problem}")
    pages: list[str] = []
    for number, page in enumerate(reader.pages, start=1):
        text = (page.extract_text() or "").strip()
        problem = over_limit(
            "max_pdf_page_chars", len(text), limits.max_pdf_page_chars, unit="characters"
        )
        if problem is not None:
            raise IngestError(f"{source}: page {number}: {problem}")
        pages.append(text)
    return pages


PARSERS: dict[str, Parser] = {
    ".txt": parse_text,
    ".text": parse_text,
    ".md": parse_markdown,
    ".markdown": parse_markdown,
    ".html": parse_html,
    ".htm": parse_html,
    ".pdf": parse_pdf,
}


def parser_for(path: Path) -> Parser:
    """The parser for ``path``'s extension; an unknown extension is an ``IngestError``."""
    parser = PARSERS.get(path.suffix.lower())
    if parser is None:
        known = ", ".join(sorted(PARSERS))
        raise IngestError(f"{path}: unsupported document type {path.suffix!r}; use one of {known}")
    return parser


def parse_document(
    path: Path, *, source: str | None = None, limits: IngestLimits = _LIMITS
) -> ParsedDocument:
    """Read and parse ``path``; ``source`` is the name used in messages (default: the path)."""
    name = source or str(path)
    parser = parser_for(path)
    try:
        data = read_limited(path, limits)
    except IngestError as exc:
        raise IngestError(f"{name}: {exc.message}") from exc
    return parser(data, name, limits=limits)


def read_limited(path: Path, limits: IngestLimits) -> bytes:
    """The file's bytes, refused before reading when it is over the byte limit."""
    try:
        size = path.stat().st_size
        problem = over_limit("max_file_bytes", size, limits.max_file_bytes, unit="bytes")
        if problem is not None:
            raise IngestError(problem)
        with path.open("rb") as handle:
            data = handle.read(limits.max_file_bytes + 1)
    except OSError as exc:
        raise IngestError(f"cannot read ({exc.strerror or type(exc).__name__})") from exc
    if len(data) > limits.max_file_bytes:  # it grew since stat
        raise IngestError(f"more than {limits.max_file_bytes:,} bytes (HQG_INGEST__MAX_FILE_BYTES)")
    return data


def _decode(data: bytes, source: str) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(f"{source}: not valid UTF-8 text (byte {exc.start})") from exc
    if "\x00" in text:
        raise IngestError(f"{source}: contains NUL bytes; not a text document")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _first_heading(text: str) -> str | None:
    for line in text.splitlines():
        if line.startswith("# "):
            return line[2:].strip().strip("#").strip() or None
    return None


def check_extracted(parsed: ParsedDocument, limits: IngestLimits, *, source: str) -> None:
    """Characters after extraction and the title's length, whatever format gave them."""
    checks = (
        ("max_document_chars", len(parsed.text), limits.max_document_chars),
        ("max_title_chars", len(parsed.title or ""), limits.max_title_chars),
    )
    for name, value, limit in checks:
        problem = over_limit(name, value, limit, unit="characters")
        if problem is not None:
            what = "title" if name == "max_title_chars" else "text"
            raise IngestError(f"{source}: {what}: {problem}")
