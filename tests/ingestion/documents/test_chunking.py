from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from ingestion.documents.chunking import ChunkingSettings, chunk_text

SMALL = ChunkingSettings(chunk_size=120, chunk_overlap=20)

MARKDOWN = """Preamble line.

# Refunds

Refunds are accepted within thirty days of delivery when the item is unused and in its box.

## Exceptions

Perishable goods cannot be refunded. Gift cards cannot be refunded either, sorry.

```
# not a heading inside code
```

# Shipping
## Europe

Parcels to Europe take three to five working days. Customs fees are paid by the sender.
"""


def test_every_chunk_is_the_document_text_at_its_offsets() -> None:
    for headings in (True, False):
        chunks = chunk_text(MARKDOWN, settings=SMALL, headings=headings)
        assert chunks
        for i, chunk in enumerate(chunks):
            assert chunk.index == i
            assert MARKDOWN[chunk.start : chunk.end] == chunk.text
            assert len(chunk.text) <= SMALL.chunk_size


def test_chunks_carry_their_heading_path_and_code_fences_are_not_headings() -> None:
    chunks = chunk_text(MARKDOWN, settings=SMALL, headings=True)
    paths = [chunk.heading_path for chunk in chunks]
    assert paths[0] == ()
    assert ("Refunds",) in paths
    assert ("Refunds", "Exceptions") in paths
    assert ("Shipping", "Europe") in paths
    assert not any("not a heading inside code" in part for path in paths for part in path)


def test_a_heading_without_body_stays_with_the_next_section() -> None:
    chunks = chunk_text(MARKDOWN, settings=SMALL, headings=True)
    europe = next(c for c in chunks if c.heading_path == ("Shipping", "Europe"))
    assert europe.text.startswith("# Shipping\n## Europe")
    assert ("Shipping",) not in [c.heading_path for c in chunks]


def test_chunks_never_cross_a_section() -> None:
    chunks = chunk_text(MARKDOWN, settings=ChunkingSettings(chunk_size=2000), headings=True)
    assert [c.heading_path for c in chunks] == [
        (),
        ("Refunds",),
        ("Refunds", "Exceptions"),
        ("Shipping", "Europe"),
    ]


def test_long_text_is_split_with_overlap() -> None:
    text = " ".join(f"word{i}" for i in range(400))
    chunks = chunk_text(text, settings=SMALL, headings=False)
    assert len(chunks) > 10
    for before, after in zip(chunks, chunks[1:], strict=False):
        assert after.start < before.end  # overlapping
        assert after.start > before.start


def test_overlap_must_be_less_than_half_the_size() -> None:
    with pytest.raises(ValidationError):
        ChunkingSettings(chunk_size=100, chunk_overlap=60)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(alphabet="ab #\n`-*", max_size=40),
            st.sampled_from(["# H1\n", "## H2\n", "```\n", "\n\n", "word " * 30]),
        ),
        max_size=30,
    ).map("".join),
    st.booleans(),
)
def test_offsets_hold_for_any_text(text: str, headings: bool) -> None:
    chunks = chunk_text(
        text, settings=ChunkingSettings(chunk_size=60, chunk_overlap=10), headings=headings
    )
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text
        assert chunk.text.strip()
    starts = [c.start for c in chunks]
    assert starts == sorted(starts)
