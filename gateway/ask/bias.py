"""Bias flags: does a question use an attribute tagged ``protected``?

Protected attributes come from two places: columns the data contracts tag ``protected`` (the
demo's ``customers.gender`` and ``customers.birth_date``) and a fixed list of the attributes
anti-discrimination law names everywhere. A question that names one is flagged; when the term
maps to a protected column, that column's table is added to the decision, so the policy decides
whether this principal may use it for this purpose (masked protected column = refused).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pydantic import BaseModel, ConfigDict

from gateway.ask.text import stem, words
from ingestion.contracts import DatasetContract

#: Words that name a protected attribute, by the attribute's canonical name.
PROTECTED_TERMS: Mapping[str, frozenset[str]] = {
    "gender": frozenset({"gender", "sex", "male", "female", "men", "women", "nonbinary"}),
    "age": frozenset({"age", "aged", "elderly", "birth", "birthday", "birthdate"}),
    "race": frozenset({"race", "racial", "ethnicity", "ethnic", "skin"}),
    "religion": frozenset({"religion", "religious", "faith", "muslim", "christian", "jewish"}),
    "disability": frozenset({"disability", "disabled", "handicap", "handicapped"}),
    "nationality": frozenset({"nationality", "citizenship", "immigrant", "immigration"}),
    "sexual_orientation": frozenset({"orientation", "gay", "lesbian", "bisexual", "lgbt"}),
    "pregnancy": frozenset({"pregnancy", "pregnant", "maternity"}),
    "marital_status": frozenset({"marital", "married", "divorced", "widowed"}),
}
#: Protected columns whose name is not the attribute's name.
COLUMN_ATTRIBUTE = {"birth_date": "age", "date_of_birth": "age", "dob": "age", "sex": "gender"}


class ProtectedUse(BaseModel):
    """Attributes named by a question and the tables holding them as protected columns."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    attributes: tuple[str, ...]
    tables: tuple[str, ...]
    columns: tuple[tuple[str, str], ...]  # (table, column)


def protected_use(text: str, contracts: Iterable[DatasetContract]) -> ProtectedUse:
    """What protected attributes ``text`` names, and where they live in the catalog."""
    said = {stem(w) for w in words(text)} | set(words(text))
    attributes = sorted(
        name for name, vocab in PROTECTED_TERMS.items() if said & (vocab | {stem(v) for v in vocab})
    )
    columns: list[tuple[str, str]] = []
    for contract in contracts:
        for column in contract.columns:
            if not column.is_protected:
                continue
            attribute = COLUMN_ATTRIBUTE.get(column.name, column.name)
            if attribute in attributes or column.name in said:
                columns.append((contract.name, column.name))
                if attribute not in attributes:
                    attributes.append(attribute)
    return ProtectedUse(
        attributes=tuple(sorted(attributes)),
        tables=tuple(sorted({table for table, _ in columns})),
        columns=tuple(columns),
    )
