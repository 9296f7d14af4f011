"""Fixtures shared by every test package: the real PII detector (built once per session)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr

from privacy.detector import PresidioDetector
from privacy.settings import PrivacySettings

REPO = Path(__file__).resolve().parents[1]
CORPORA = REPO.parent / "shared" / "corpora"


@pytest.fixture(scope="session")
def privacy_settings() -> PrivacySettings:
    return PrivacySettings(hash_salt=SecretStr("test-salt-0123456789"))


@pytest.fixture(scope="session")
def detector(privacy_settings: PrivacySettings) -> PresidioDetector:
    return PresidioDetector(privacy_settings)


DEMO_REFERENCE = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory: pytest.TempPathFactory, detector: PresidioDetector) -> Path:
    """The demo workspace, built once per session with the real ingestion pipeline."""
    from gateway.demo.build import build_demo

    home = tmp_path_factory.mktemp("demo") / "home"
    build_demo(home, detector=detector, reference_time=DEMO_REFERENCE)
    return home
