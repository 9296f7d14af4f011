"""What a document ingest run did, per document and in total; nothing is dropped silently."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Action(StrEnum):
    """What a run did with one source file or catalog document."""

    ADDED = "added"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DELETED = "deleted"
    QUARANTINED = "quarantined"
    FAILED = "failed"
    SKIPPED = "skipped"  # a file in a directory walk that is not a supported document type


class DocOutcome(BaseModel):
    """One document's fate in a run; ``reasons`` name rules and problems, never content."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str
    action: Action
    doc_id: str | None = None
    version: int | None = None
    chunk_count: int = 0
    injection_score: float | None = None
    reasons: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    #: the file's own name when ``source`` withholds a person's name: shown on the operator's
    #: terminal, excluded from every dump (catalog, JSON)
    shown: str | None = Field(default=None, exclude=True)

    @property
    def display_source(self) -> str:
        """What the operator's terminal shows for this outcome."""
        return self.shown or self.source


class DocRunReport(BaseModel):
    """A run's record: what was asked, per-document outcomes, and the counts by action."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    run_id: str
    collection: str
    source_path: str
    is_root: bool  # a directory ingest of the collection root: deletions applied
    started_at: datetime
    finished_at: datetime
    outcomes: tuple[DocOutcome, ...]
    aborted: str | None = None

    def count(self, action: Action) -> int:
        return sum(1 for outcome in self.outcomes if outcome.action == action)

    @property
    def counts(self) -> dict[str, int]:
        tally = Counter(outcome.action.value for outcome in self.outcomes)
        return {action.value: tally.get(action.value, 0) for action in Action}

    @property
    def changed(self) -> bool:
        """Whether the run changed the index or the catalog's documents."""
        return any(
            outcome.action not in (Action.UNCHANGED, Action.SKIPPED) for outcome in self.outcomes
        )
