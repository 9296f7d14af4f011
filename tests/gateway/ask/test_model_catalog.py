"""The models a chat client may name: settings that say which, and the catalog resolving ids."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from pydantic import Field, ValidationError

from gateway.ask.answerers import ChatModel
from gateway.ask.generation import Generation
from gateway.ask.langchain_model import LangChainAnswerer
from gateway.ask.model_catalog import ModelCatalog
from gateway.components import Lazy
from gateway.settings.answer import AnswerSettings
from hqg.errors import ModelNotFound

UPSTREAM = {"backend": "langchain", "base_url": "http://127.0.0.1:9/v1", "api_key": "sk-x"}


def _settings(**kwargs: object) -> AnswerSettings:
    return AnswerSettings.model_validate(UPSTREAM | kwargs)


def test_the_upstream_model_is_listed_under_its_own_name_by_default() -> None:
    settings = _settings(model="smollm2")
    assert settings.upstream_models() == {"smollm2": "smollm2"}
    assert settings.default_model_id == "smollm2"
    assert AnswerSettings().default_model_id == "hqg"


def test_operator_ids_map_to_upstream_names_and_the_first_is_the_default() -> None:
    settings = _settings(models={"support-llm": "gpt-4o-mini", "bulk": "llama-3-8b"})
    assert settings.upstream_models() == {"support-llm": "gpt-4o-mini", "bulk": "llama-3-8b"}
    assert settings.default_model_id == "support-llm"


@pytest.mark.parametrize(
    "bad",
    [
        {"models": {"hqg": "gpt-4o"}},  # the extractive answerer's id
        {"aliases": {"hqg": "m"}, "models": {"m": "gpt-4o"}},
        {"aliases": {"gpt-4o": "nowhere"}, "models": {"m": "gpt-4o"}},  # dangling
        {"aliases": {"m": "m"}, "models": {"m": "gpt-4o"}},  # an alias reusing an id
        {"models": {"has space": "gpt-4o"}},
    ],
)
def test_ambiguous_or_dangling_model_ids_are_refused_at_start(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        _settings(**bad)


def test_upstream_models_need_the_langchain_backend() -> None:
    with pytest.raises(ValidationError):
        AnswerSettings(models={"m": "gpt-4o"})


def _fake(name: str) -> Lazy[ChatModel]:
    model = LangChainAnswerer(FakeListChatModel(responses=["x"]), name=name)
    return Lazy(lambda: model)


def test_the_catalog_resolves_aliases_to_the_id_that_answers() -> None:
    catalog = ModelCatalog(
        models={"hqg": _fake("hqg"), "support-llm": _fake("support-llm")},
        owners={"hqg": "hqg", "support-llm": "upstream"},
        aliases={"gpt-4o": "support-llm"},
        default_id="support-llm",
    )
    assert catalog.resolve("gpt-4o")[0] == "support-llm"
    assert catalog.resolve(None)[0] == "support-llm"
    assert [e.id for e in catalog.entries()] == ["hqg", "support-llm", "gpt-4o"]
    assert catalog.entry("gpt-4o").alias_of == "support-llm"
    with pytest.raises(ModelNotFound):
        catalog.resolve("gpt-5")
    with pytest.raises(ModelNotFound):
        catalog.entry("gpt-5")


class Recording(FakeListChatModel):
    """The fake remote model, keeping the request fields each call was bound with."""

    sent: list[dict[str, Any]] = Field(default_factory=list)

    def _call(self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any) -> str:
        self.sent.append(kw)
        return super()._call(messages, stop, run_manager, **kw)


def test_client_parameters_reach_the_model_and_max_tokens_is_capped_at_the_operators() -> None:
    fake = Recording(responses=["x", "x"])
    answerer = LangChainAnswerer(fake, name="m", max_tokens=128)
    for asked in (64, 4096):
        answerer.draft(
            question="q", history=(), evidence=(), options=Generation(max_tokens=asked, seed=3)
        )
    assert [sent["max_completion_tokens"] for sent in fake.sent] == [64, 128]
    assert all(sent["seed"] == 3 for sent in fake.sent)
