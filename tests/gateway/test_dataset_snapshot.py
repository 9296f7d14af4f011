"""The catalog snapshot a request reads: built once per catalog generation, and a version
another process commits is served from the next request on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.service import Gateway
from gateway.settings import load_settings
from gateway.wiring import build_gateway
from ingestion.contracts import parse_contract
from ingestion.tables import ingest_table
from ingestion.workspace import Workspace
from privacy.detector import PresidioDetector
from tests.ingestion.conftest import BASE_CONTRACT, GOOD_CSV

MORE = GOOD_CSV + "globex,4,Di Eze,4.5,2026-11-04 10:00:00\n"


def _ingest(workspace: Workspace, tmp_path: Path, csv: str, detector: PresidioDetector) -> None:
    """An ingest as ``hqg ingest table`` runs it: its own catalog connection, its own commit."""
    source = tmp_path / "people.csv"
    source.write_text(csv, encoding="utf-8")
    contract = parse_contract(BASE_CONTRACT, source="test")
    report = ingest_table(workspace, source, dataset="people", detector=detector, contract=contract)
    assert report.run.outcome == "committed"


@pytest.fixture
def served(tmp_path: Path, detector: PresidioDetector) -> Iterator[tuple[Gateway, Workspace]]:
    workspace = Workspace.create(tmp_path / "home")
    _ingest(workspace, tmp_path, GOOD_CSV, detector)
    gateway = build_gateway(load_settings(home=workspace.home))
    try:
        yield gateway, workspace
    finally:
        gateway.close()


def test_the_sources_of_an_unchanged_catalog_are_built_once_and_handed_out_as_copies(
    served: tuple[Gateway, Workspace],
) -> None:
    gateway, _ = served
    first = gateway.sources(gateway.datasets())
    second = gateway.sources(gateway.datasets())
    assert first == second
    assert first["people"] is second["people"]  # the same source, not rebuilt per request
    first.pop("people")  # a caller narrowing its copy never changes the next request's
    assert "people" in gateway.sources(gateway.datasets())


def test_a_version_committed_by_another_ingest_is_served_by_the_next_request(
    served: tuple[Gateway, Workspace], tmp_path: Path, detector: PresidioDetector
) -> None:
    gateway, workspace = served
    before = gateway.sources(gateway.datasets())["people"]
    _ingest(workspace, tmp_path, MORE, detector)
    snapshot = gateway.datasets()
    after = gateway.sources(snapshot)["people"]
    current = snapshot["people"].current
    assert current is not None
    assert after.version == current.version != before.version
    assert after.database == workspace.home / current.file
