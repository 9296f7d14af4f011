"""The one place that picks the ``ChatModel`` from the ``answer`` settings."""

from __future__ import annotations

from gateway.ask.answerers import ChatModel, ExtractiveAnswerer
from gateway.service import Gateway


def build_chat_model(gateway: Gateway) -> ChatModel:
    """The extractive answerer (default, no model) or the configured LangChain chat model."""
    settings = gateway.settings.answer
    if settings.backend == "langchain":
        from gateway.ask.langchain_model import build_langchain_answerer

        return build_langchain_answerer(settings)
    return ExtractiveAnswerer(
        injection=gateway.components.injection.get(),
        max_sentences=settings.max_sentences,
    )
