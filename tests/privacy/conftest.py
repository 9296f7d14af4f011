"""Shared fixtures: one real Presidio detector per test session (it takes seconds to build)."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from privacy.detector import PresidioDetector
from privacy.settings import PrivacySettings


@pytest.fixture(scope="session")
def privacy_settings() -> PrivacySettings:
    return PrivacySettings(hash_salt=SecretStr("test-salt-0123456789"))


@pytest.fixture(scope="session")
def detector(privacy_settings: PrivacySettings) -> PresidioDetector:
    return PresidioDetector(privacy_settings)
