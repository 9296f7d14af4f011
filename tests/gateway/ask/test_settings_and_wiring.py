from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from gateway.ask.langchain_model import build_langchain_answerer, fence
from gateway.settings.answer import AnswerSettings


def test_the_langchain_backend_needs_an_endpoint_and_a_key() -> None:
    with pytest.raises(ValidationError):
        AnswerSettings(backend="langchain")


def test_the_langchain_backend_builds_an_openai_compatible_model_without_calling_it() -> None:
    settings = AnswerSettings(
        backend="langchain",
        base_url="http://127.0.0.1:9/v1",
        api_key=SecretStr("sk-test"),
        model="smollm2",
    )
    answerer = build_langchain_answerer(settings)
    assert answerer.name == "smollm2"
    assert answerer.backend == "langchain"


def test_evidence_fences_cannot_be_closed_from_inside() -> None:
    fenced = fence("text ```` closing attempt")
    assert fenced.startswith("`````text\n")
    assert fenced.endswith("\n`````")
