"""``build_demo``: turn the demo sources into a ready workspace (data, principals, marker)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from gateway.demo.principals import demo_principals
from gateway.demo.sources import write_demo_sources
from gateway.principals import write_principals
from ingestion.contracts import load_contract
from ingestion.tables import IngestReport, Progress, ingest_table
from ingestion.workspace import Workspace
from privacy.detector import PiiDetector


def build_demo(
    home: Path,
    *,
    detector: PiiDetector,
    seed: int = 7,
    reference_time: datetime | None = None,
    progress: Progress | None = None,
) -> list[IngestReport]:
    """Build (or refresh) the demo workspace at ``home``.

    Data is generated relative to ``reference_time`` (default: today, midnight UTC) so the
    freshness story holds on any day: most datasets are fresh, the ones the demo plants as
    stale are stale. Same seed and day, same bytes, so a rebuild is an idempotent no-op.
    """
    workspace = Workspace.create(home)
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    sources = write_demo_sources(
        workspace.home / "demo-sources", seed=seed, reference_time=reference_time or today
    )
    reports = [
        ingest_table(
            workspace,
            table.data_path,
            dataset=table.name,
            detector=detector,
            contract=load_contract(table.contract_path),
            progress=progress,
        )
        for table in sources.tables
    ]
    write_principals(workspace.principals_path, demo_principals())
    workspace.demo_marker.write_text(json.dumps({"seed": seed}), encoding="utf-8")
    return reports
