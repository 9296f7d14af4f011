"""Fixtures for the injection-guard tests: one detector, and the corpora folder if present."""

from __future__ import annotations

from pathlib import Path

import pytest

from guards.heuristics import HeuristicInjectionDetector

CORPORA = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpora"


@pytest.fixture(scope="session")
def injection_detector() -> HeuristicInjectionDetector:
    return HeuristicInjectionDetector()
