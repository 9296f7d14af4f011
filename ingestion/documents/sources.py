"""Which files an ingest reads, what each is called, and what counts as "the same content".

The walk is sorted so runs are deterministic. Hidden files and directories and symbolic links
are not followed (a link can point outside the tree the operator meant to publish); they and
unsupported types are reported as skipped, never dropped silently. A file whose name (its
path under the id base) is outside the safe id alphabet (``identity.py``: newlines, ANSI
escapes, U+202E, markup) is skipped too: its name would become a document id and a source shown
to readers; the report shows the name escaped.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ingestion.documents.identity import is_safe_id
from ingestion.documents.parsers import PARSERS

#: Bump when a change to parsing, chunking or annotation should re-ingest unchanged files.
PIPELINE_VERSION = 2  # 2: ids namespaced by tenant, tenancy in the hash


@dataclass(frozen=True)
class SourceEntry:
    """One file under the ingest path; ``skip`` says why it is not ingested, if it is not."""

    path: Path
    relative: str  # posix path relative to the id base: the default doc id and the shown source
    skip: str | None = None
    #: the file's own name when ``relative`` withholds a person's name or an identifier
    #: (``identity_names``): for the operator's terminal only, never stored
    shown: str | None = None
    #: with ``shown``: the id base joined with the safe ``relative``, recorded in the catalog
    #: instead of ``path`` (which would show what was withheld)
    withheld_path: Path | None = None

    @property
    def recorded_path(self) -> str:
        """The path the catalog records this file under and finds its document by (stable
        across runs: a withheld segment's safe name is a digest of it)."""
        return str(self.withheld_path or self.path)


def walk(source: Path, *, base: Path) -> Iterator[SourceEntry]:
    """Every file under ``source`` (or ``source`` itself), in sorted order."""
    if source.is_file():
        yield _entry(source, base, None)
        return
    for path in sorted(source.rglob("*"), key=lambda p: p.relative_to(source).as_posix()):
        parts = path.relative_to(source).parts
        if any(part.startswith(".") for part in parts):
            continue  # hidden: editor swap files, .git, our own lock files
        if path.is_symlink():
            yield _entry(path, base, "symbolic link not followed")
        elif path.is_file():
            skip = None if path.suffix.lower() in PARSERS else "unsupported document type"
            yield _entry(path, base, skip)


def _entry(path: Path, base: Path, skip: str | None) -> SourceEntry:
    relative = _relative(path, base)
    if is_safe_id(relative):
        return SourceEntry(path, relative, skip)
    shown = json.dumps(relative)[1:-1]  # control, bidi and non-ASCII characters escaped
    return SourceEntry(path, shown, "file name has characters outside the safe id alphabet")


def id_base(source: Path, root: str | None) -> Path:
    """Doc ids are relative to the collection root when ``source`` lies under it."""
    if root is not None and source.is_relative_to(root):
        return Path(root)
    return source if source.is_dir() else source.parent


def fingerprint(data: bytes, *, relative: str, settings: dict[str, object]) -> str:
    """The document hash: bytes plus everything that shapes its chunks and their payload.

    Changing the ingest's tenant, classification, labels, chunking, embedder or quarantine
    policy must re-ingest a document, or the index would keep serving it under old rules.
    """
    digest = hashlib.sha256()
    header = json.dumps(
        {"v": PIPELINE_VERSION, "source": relative, "settings": settings}, sort_keys=True
    )
    digest.update(header.encode("utf-8"))
    digest.update(b"\0")
    digest.update(data)
    return digest.hexdigest()


def _relative(path: Path, base: Path) -> str:
    return path.relative_to(base).as_posix()
