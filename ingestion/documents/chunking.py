"""Chunking: document text into overlapping pieces that remember where they came from.

Markdown-ish text (markdown files and rendered HTML) is first cut into sections at ATX headings
(``#`` … ``######`` outside fenced code), and each section is split by LangChain's
``RecursiveCharacterTextSplitter`` with its markdown separators; plain text and PDF go straight
to the recursive splitter. Chunks never cross a section, so a chunk's heading path is exact.

We cut sections ourselves rather than with LangChain's ``MarkdownHeaderTextSplitter`` because
that one rewrites whitespace and drops the heading lines, so offsets into the original text
cannot be recovered; citations and stored PII spans need ``text[start:end] == chunk.text``.
A heading with no body of its own is kept with the section that follows it.

Lines come from untrusted files, so headings are recognised by plain string operations, in
time linear in the line: a backtracking regex over them (``(.+?)[ \t]*#*[ \t]*$``) once took
39 s on one 3 KB heading line, growing with the cube of its length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hqg.errors import IngestError

_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_BLANK = " \t"


class ChunkingSettings(BaseModel):
    """Target chunk size and overlap, in characters."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    chunk_size: int = Field(default=800, ge=50, le=20_000)
    chunk_overlap: int = Field(default=100, ge=0)

    @model_validator(mode="after")
    def _overlap_smaller_than_size(self) -> ChunkingSettings:
        if self.chunk_overlap >= self.chunk_size // 2:
            raise ValueError("chunk_overlap must be less than half of chunk_size")
        return self


@dataclass(frozen=True)
class TextChunk:
    """One piece of a document: ``document_text[start:end] == text``."""

    index: int
    text: str
    start: int
    end: int
    heading_path: tuple[str, ...]


@dataclass(frozen=True)
class _Section:
    start: int
    end: int
    heading_path: tuple[str, ...]


def chunk_text(text: str, *, settings: ChunkingSettings, headings: bool) -> list[TextChunk]:
    """Split ``text``; with ``headings`` the ``#`` lines are section boundaries."""
    from langchain_text_splitters import Language, RecursiveCharacterTextSplitter

    if headings:
        splitter = RecursiveCharacterTextSplitter.from_language(
            Language.MARKDOWN, chunk_size=settings.chunk_size, chunk_overlap=settings.chunk_overlap
        )
        sections = markdown_sections(text)
    else:
        splitter = RecursiveCharacterTextSplitter(
            chunk_size=settings.chunk_size, chunk_overlap=settings.chunk_overlap
        )
        sections = [_Section(0, len(text), ())]
    chunks: list[TextChunk] = []
    for section in sections:
        body = text[section.start : section.end]
        for piece, start in _locate(body, splitter.split_text(body), settings.chunk_overlap):
            begin = section.start + start
            chunks.append(
                TextChunk(len(chunks), piece, begin, begin + len(piece), section.heading_path)
            )
    return chunks


def _locate(body: str, pieces: list[str], overlap: int) -> list[tuple[str, int]]:
    """Find each piece's offset: pieces are substrings of ``body`` in order, overlapping a bit."""
    located: list[tuple[str, int]] = []
    previous_start, previous_end = -1, 0
    for piece in pieces:
        if not piece.strip():
            continue
        start = body.find(piece, max(previous_start + 1, previous_end - overlap))
        if start < 0:
            start = body.find(piece, previous_start + 1)
        if start < 0:
            raise IngestError("chunking lost track of a chunk's position in its document")
        located.append((piece, start))
        previous_start, previous_end = start, start + len(piece)
    return located


def markdown_sections(text: str) -> list[_Section]:
    """Sections delimited by ATX headings, each with the path of headings above it."""
    boundaries: list[tuple[int, tuple[str, ...]]] = [(0, ())]
    path: list[tuple[int, str]] = []
    in_fence: str | None = None
    offset = 0
    for line in text.splitlines(keepends=True):
        fence = _FENCE.match(line)
        if fence and (in_fence is None or fence.group(1) == in_fence):
            in_fence = None if in_fence else fence.group(1)
        elif in_fence is None and (heading := atx_heading(line.rstrip("\n"))):
            level, title = heading
            path = [(lvl, name) for lvl, name in path if lvl < level]
            path.append((level, title))
            boundaries.append((offset, tuple(title for _, title in path)))
        offset += len(line)
    sections: list[_Section] = []
    carried: int | None = None
    for i, (start, heading_path) in enumerate(boundaries):
        end = boundaries[i + 1][0] if i + 1 < len(boundaries) else len(text)
        begin = start if carried is None else carried
        if i + 1 < len(boundaries) and _heading_only(text[start:end]):
            carried = begin  # a heading with no body joins the next section
            continue
        carried = None
        if text[begin:end].strip():
            sections.append(_Section(begin, end, heading_path))
    return sections


def atx_heading(line: str) -> tuple[int, str] | None:
    """``(level, title)`` of an ATX heading line (``## Title ##``), else None.

    Up to three spaces of indent, one to six ``#``, then a space or tab and a title; a closing
    run of ``#`` and surrounding blanks are not part of the title.
    """
    indent = len(line) - len(line.lstrip(" "))
    if indent > 3:
        return None
    rest = line[indent:]
    level = len(rest) - len(rest.lstrip("#"))
    if not 1 <= level <= 6 or rest[level : level + 1] not in (" ", "\t"):
        return None
    content = rest[level:].strip(_BLANK)
    if not content:  # the old pattern's edge case: two blanks make an untitled heading
        return (level, "") if len(rest) - level >= 2 else None
    return level, (content.rstrip("#").rstrip(_BLANK) or content[:1]).strip()


def _heading_only(section: str) -> bool:
    lines = [line for line in section.splitlines() if line.strip()]
    return len(lines) <= 1 and all(atx_heading(line) for line in lines)
