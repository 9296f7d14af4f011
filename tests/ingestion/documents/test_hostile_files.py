"""Files written by untrusted people: strict front matter, per-file limits, linear parsing.

Each hostile file fails alone, with its reason named in the report, and the rest of the run
publishes. Time bounds are generous (the machine is shared); the inputs are ones that took
tens of seconds to minutes before.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from hqg.errors import IngestError
from ingestion.documents.chunking import ChunkingSettings, chunk_text, markdown_sections
from ingestion.documents.front_matter import split_front_matter
from ingestion.documents.parsers import parse_pdf
from ingestion.documents.report import Action
from ingestion.limits import IngestLimits
from tests.ingestion.documents.conftest import Ingest, MemoryIndex, minimal_pdf

Put = Callable[[str, "str | bytes"], Path]


@pytest.mark.parametrize(
    ("front", "problem"),
    [
        ("tenant: acme\ntenant: globex", "duplicate key"),
        ("metadata:\n  a: 1\n  a: 2", "duplicate key"),
        ("as_of: 2099-01-01", "future"),
        ("base: &x [1]\nlabels: *x", "aliases are not allowed"),
        (f"title: {'t' * 301}", "HQG_INGEST__MAX_TITLE_CHARS"),
        (f"labels: [{', '.join(f'l{i}' for i in range(33))}]", "HQG_INGEST__MAX_LABELS"),
        (f"labels: [{'l' * 101}]", "HQG_INGEST__MAX_LABEL_CHARS"),
        ("metadata:\n" + "".join(f"  k{i}: 1\n" for i in range(33)), "MAX_METADATA_KEYS"),
        (f"metadata:\n  note: {'v' * 1001}", "HQG_INGEST__MAX_METADATA_VALUE_CHARS"),
        ("tenant: Acme Corp", "tenant"),
    ],
)
def test_hostile_front_matter_is_refused_naming_the_problem(front: str, problem: str) -> None:
    with pytest.raises(IngestError, match=problem):
        split_front_matter(f"---\n{front}\n---\nbody\n", source="t.md")


def test_front_matter_is_only_searched_for_within_its_cap() -> None:
    text = "---\n" + "x: 1\n" * 10_000 + "---\nbody\n"
    with pytest.raises(IngestError, match="MAX_FRONT_MATTER_BYTES"):
        split_front_matter(text, source="t.md")


def test_a_past_as_of_is_kept() -> None:
    front, body = split_front_matter("---\nas_of: 2020-01-01\n---\nbody\n", source="t.md")
    assert front.as_of is not None
    assert front.as_of.year == 2020
    assert body == "body\n"


@pytest.mark.slow
@pytest.mark.parametrize(
    "line",
    [
        "# a" + " " * 3000 + "x",
        "# a" + " \t" * 20_000 + "#" * 5000 + "x",
        "#" * 6 + " " + "#" * 100_000 + " " * 100_000 + "y",
    ],
)
def test_heading_lines_are_scanned_in_linear_time(line: str) -> None:
    text = f"{line}\n\nbody\n" * 3
    started = time.monotonic()
    sections = markdown_sections(text)
    chunks = chunk_text(text, settings=ChunkingSettings(), headings=True)
    assert time.monotonic() - started < 10  # cubic before: 39 s for the first line alone
    assert sections
    assert all(text[c.start : c.end] == c.text for c in chunks)


def test_a_poison_document_fails_alone_and_the_rest_of_the_run_publishes(
    put: Put, ingest: Ingest, index: MemoryIndex
) -> None:
    put("big-title.md", f"---\ntitle: {'T' * 1_000_000}\n---\nbody\n")
    put("long-heading.md", "# " + "H" * 400 + "\n\nbody\n")
    put("huge.txt", "word " * 30_000)
    put("fat.txt", "x" * 3_000)
    put("dup.md", "---\ntenant: acme\ntenant: globex\n---\nbody\n")
    put("good.md", "# Good\n\nPublished despite its neighbours.\n")
    limits = IngestLimits(max_document_chars=100_000, max_file_bytes=2_000)
    started = time.monotonic()
    report = ingest(limits=limits)
    assert time.monotonic() - started < 60
    outcome = {o.source: o for o in report.outcomes}
    assert outcome["good.md"].action is Action.ADDED
    expected = {
        "big-title.md": "HQG_INGEST__MAX_FILE_BYTES",
        "long-heading.md": "HQG_INGEST__MAX_TITLE_CHARS",
        "huge.txt": "HQG_INGEST__MAX_FILE_BYTES",
        "fat.txt": "HQG_INGEST__MAX_FILE_BYTES",
        "dup.md": "duplicate key",
    }
    for source, reason in expected.items():
        assert outcome[source].action is Action.FAILED, source
        assert reason in outcome[source].reasons[0], (source, outcome[source].reasons)
    assert {p.payload["doc_id"] for p in index.points("handbook")} == {"acme/good.md"}


def test_a_title_that_would_overflow_the_pii_detector_fails_only_its_document(
    put: Put, ingest: Ingest
) -> None:
    put("big-title.md", f"---\ntitle: {'T' * 1_000_000}\n---\nbody\n")
    put("good.md", "# Good\n\nbody\n")
    report = ingest(limits=IngestLimits(max_front_matter_bytes=2_000_000))
    outcome = {o.source: o for o in report.outcomes}
    assert outcome["good.md"].action is Action.ADDED
    assert "HQG_INGEST__MAX_TITLE_CHARS" in outcome["big-title.md"].reasons[0]


def test_text_longer_than_the_character_limit_fails_its_document(put: Put, ingest: Ingest) -> None:
    put("long.txt", "word " * 2_000)
    (outcome,) = ingest(limits=IngestLimits(max_document_chars=5_000)).outcomes
    assert outcome.action is Action.FAILED
    assert "HQG_INGEST__MAX_DOCUMENT_CHARS" in outcome.reasons[0]


def test_a_pdf_page_over_the_character_limit_is_refused() -> None:
    data = minimal_pdf("Refunds within 30 days " * 20)
    with pytest.raises(IngestError, match="HQG_INGEST__MAX_PDF_PAGE_CHARS"):
        parse_pdf(data, "a.pdf", limits=IngestLimits(max_pdf_page_chars=100))
    assert parse_pdf(data, "a.pdf").text.startswith("Refunds")


def test_a_pdf_with_too_many_pages_is_refused_before_extraction() -> None:
    data = minimal_pdf("one page")
    limits = IngestLimits(max_pdf_pages=1)
    assert parse_pdf(data, "a.pdf", limits=limits).text.strip() == "one page"
    with pytest.raises(IngestError, match="HQG_INGEST__MAX_PDF_PAGES"):
        parse_pdf(_two_pages(data), "a.pdf", limits=limits)


def _two_pages(one: bytes) -> bytes:
    from io import BytesIO

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    page = PdfReader(BytesIO(one)).pages[0]
    writer.add_page(page)
    writer.add_page(page)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.slow
@pytest.mark.parametrize(
    "text",
    [
        "a" * 200_000,
        "\n" + "-" * 200_000 + "x",
        " " * 200_000 + "x",
        "# h\n" * 50_000,
        "```\n" * 50_000,
        ("\n***" + "*" * 1000) * 200,
    ],
    ids=["one-word", "dash-rule", "blanks", "headings", "fences", "star-rules"],
)
def test_whole_documents_of_hostile_shapes_chunk_within_a_bound(text: str) -> None:
    started = time.monotonic()
    for headings in (True, False):
        chunks = chunk_text(text, settings=ChunkingSettings(), headings=headings)
        assert all(text[c.start : c.end] == c.text for c in chunks)
    assert time.monotonic() - started < 60
