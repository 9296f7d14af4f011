"""Per-file ingest limits: what one untrusted file may cost the ingest.

The people who write the files we ingest are not trusted, and one file must never stall or
abort a run: a 5 MB text file once ran for more than fifteen minutes, a 5,000-column CSV for
more than 500 s, a 7 KB PDF expanded to two million characters a page. Each limit is checked
as early as its quantity is known (bytes before reading, pages before extracting, columns
before loading) and a file over one fails alone, with the limit's name in its reason.
Settings: ``HQG_INGEST__<FIELD>`` (docs/configuration.md).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class IngestLimits(BaseModel):
    """Per-file limits for document and table ingest; every one has a setting."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_file_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    max_document_chars: int = Field(default=500_000, ge=1)
    max_pdf_pages: int = Field(default=500, ge=1)
    max_pdf_page_chars: int = Field(default=20_000, ge=1)
    max_front_matter_bytes: int = Field(default=16 * 1024, ge=1)
    max_title_chars: int = Field(default=300, ge=1)
    max_labels: int = Field(default=32, ge=0)
    max_label_chars: int = Field(default=100, ge=1)
    max_metadata_keys: int = Field(default=32, ge=0)
    max_metadata_value_chars: int = Field(default=1_000, ge=1)
    max_table_bytes: int = Field(default=2 * 1024 * 1024 * 1024, ge=1)
    max_table_columns: int = Field(default=500, ge=1)
    max_table_rows: int = Field(default=10_000_000, ge=1)


def over_limit(name: str, value: int, limit: int, *, unit: str) -> str | None:
    """The reason a file is refused when ``value`` exceeds ``limit`` (named by its setting)."""
    if value <= limit:
        return None
    return f"{value:,} {unit} exceeds the limit of {limit:,} (HQG_INGEST__{name.upper()})"
