"""The catalog's vocabulary for PII detection: known entities and names that are not personal.

Known entities are the values of every VARCHAR column tagged ``pii:<ENTITY>`` in the current
version of every dataset, all tenants together (a globex customer named in an acme ticket is
still a person). Non-text columns (a ``pii:DATE_TIME`` birth date) are left out: matched as
text, a date would mask every equal date in every document.

The allow-list holds what the catalog says is not personal: tenant ids (values of each
contract's ``tenant_column``), dataset, collection and document names and titles, and the
untagged text values of ``public`` datasets (product names: public by classification, so not
personal data); plus ``privacy.allow_list`` from settings.

Both are rebuilt when the catalog generation moves (every published table or document version
bumps it) and kept in memory only: nothing here logs a value or writes one to disk.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import duckdb

from hqg.errors import HqgError, PrivacyError
from ingestion.catalog import Catalog, Dataset
from ingestion.contracts import Classification
from ingestion.documents.catalog import DocumentCatalog
from ingestion.duck import ident
from ingestion.duck import text as literal
from privacy.allow_list import AllowList
from privacy.composite import Vocabulary
from privacy.known_entities import KnownEntities, KnownEntry

#: Allowed terms longer than this are sentences, not names.
_MAX_ALLOWED_CHARS = 80
_MAX_VALUES_PER_COLUMN = 200_000
#: ``column`` is quoted by ``ident`` and comes from a contract, never from a request.
_DISTINCT_VALUES = (
    "SELECT DISTINCT CAST({column} AS VARCHAR) FROM v.data WHERE {column} IS NOT NULL LIMIT ?"
)


class CatalogVocabulary:
    """A ``VocabularySource`` over one workspace's catalog; thread-safe, rebuilt on change."""

    def __init__(
        self,
        *,
        home: Path,
        catalog_path: Path,
        allow_list: Sequence[str] = (),
        known_entities: bool = True,
    ) -> None:
        self._home = home
        self._catalog = Catalog(catalog_path)
        self._documents = DocumentCatalog(catalog_path)
        self._settings_allowed = tuple(allow_list)
        self._known_enabled = known_entities
        self._lock = threading.Lock()
        self._generation: int | None = None
        self._vocabulary = Vocabulary()

    def current(self) -> Vocabulary:
        """The vocabulary of the catalog's current generation; a failed rebuild raises."""
        generation = self._catalog.generation()
        if generation == self._generation:
            return self._vocabulary
        with self._lock:
            if generation != self._generation:
                try:
                    self._vocabulary = self._build()
                except HqgError:
                    raise
                except Exception as exc:
                    raise PrivacyError("the known-entity vocabulary could not be built") from exc
                self._generation = generation
            return self._vocabulary

    def _build(self) -> Vocabulary:
        datasets = [d for d in self._catalog.datasets() if d.current is not None]
        known = KnownEntities(self._known(datasets)) if self._known_enabled else None
        return Vocabulary(
            known=known if known is not None else KnownEntities.empty(),
            allowed=AllowList(self._allowed(datasets)),
        )

    def _known(self, datasets: list[Dataset]) -> Iterator[KnownEntry]:
        for dataset in datasets:
            tagged = {
                c.name: c.pii_entity
                for c in dataset.contract.columns
                if c.pii_entity and c.type == "VARCHAR"
            }
            for column, entity in tagged.items():
                for value in self._values(dataset, column):
                    yield KnownEntry(entity_type=entity, value=value)

    def _allowed(self, datasets: list[Dataset]) -> Iterator[str]:
        yield from self._settings_allowed
        for dataset in datasets:
            yield dataset.name
            contract = dataset.contract
            if contract.tenant_column:
                yield from self._values(dataset, contract.tenant_column)
            if contract.classification is Classification.PUBLIC:
                for column in contract.columns:
                    if column.type == "VARCHAR" and not column.tags:
                        yield from _short(self._values(dataset, column.name))
        for collection in self._documents.collections():
            yield collection.name
            yield from _short(
                d.title for d in self._documents.documents(collection.name) if d.title
            )

    def _values(self, dataset: Dataset, column: str) -> Iterable[str]:
        if dataset.current is None:
            return []
        path = self._home / dataset.current.file
        with duckdb.connect() as con:  # attached read-only, as the gateway reads versions
            con.execute(f"ATTACH {literal(str(path))} AS v (READ_ONLY)")
            query = _DISTINCT_VALUES.format(column=ident(column))
            rows = con.execute(query, [_MAX_VALUES_PER_COLUMN]).fetchall()
        return [str(row[0]) for row in rows]


def _short(values: Iterable[str]) -> Iterator[str]:
    return (value for value in values if len(value) <= _MAX_ALLOWED_CHARS)
