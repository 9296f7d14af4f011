"""The composition root: the one module that picks implementations from settings.

Every engine a request needs is chosen here: the policy engine, the audit log, the query
engine, the lazily built heavy components (PII detector, injection detector, embedder, vector
index) and the chat model that answers. Use cases receive the ``Gateway`` this builds and
never import this module; transports, the CLI, evals and tests call it. No module globals:
each caller builds its own.
"""

from __future__ import annotations

from collections.abc import Callable

from audit import AuditLog
from authz.settings import build_policy_engine
from gateway.ask.answerers import ChatModel, ExtractiveAnswerer
from gateway.ask.model_catalog import ModelCatalog
from gateway.components import Components, Lazy
from gateway.ops.operations import build_operations
from gateway.principals import PrincipalDirectory
from gateway.service import Gateway
from gateway.settings import Settings
from gateway.settings.answer import EXTRACTIVE_ID, AnswerSettings
from guards.heuristics import HeuristicInjectionDetector
from guards.learned import prompt_detector
from ingestion.catalog import Catalog
from ingestion.documents.catalog import DocumentCatalog
from ingestion.embedding import Embedder, embed_queries
from ingestion.known_entities import CatalogVocabulary
from ingestion.vectors.settings import build_embedder, build_vector_index
from ingestion.workspace import Workspace
from privacy.composite import VocabularySource
from privacy.detector import build_detector
from privacy.spans import Span
from retrieval.sql.connection import EngineSettings
from retrieval.sql.engine import QueryEngine


def build_gateway(settings: Settings) -> Gateway:
    """Open the workspace and build every engine the settings name."""
    workspace = Workspace.open(settings.home)
    demo = workspace.demo_marker.exists()
    components = build_components(settings)
    # The vocabulary opens the catalogs, whose schema set-up writes: do it now, never on the
    # first request (which would wait behind an ingest's write transaction).
    components.vocabulary.get()
    return Gateway(
        settings=settings,
        workspace=workspace,
        catalog=Catalog(workspace.catalog_path),
        policy=build_policy_engine(settings.policy),
        principals=PrincipalDirectory.load(workspace.principals_path, demo=demo),
        audit=AuditLog(workspace.audit_path),
        queries=QueryEngine(
            EngineSettings(
                max_memory=settings.sql.max_memory,
                threads=settings.sql.threads,
                max_process_memory=settings.sql.max_process_memory,
            )
        ),
        demo=demo,
        ops=build_operations(
            limits=settings.limits,
            logs=settings.logging,
            home=workspace.home,
            candidate_workers=settings.policy.candidate_max_workers,
        ),
        components=components,
        documents=DocumentCatalog(workspace.catalog_path),
        egress_finders=(KnownEntityFinder(components.vocabulary),),
    )


def catalog_vocabulary(settings: Settings) -> CatalogVocabulary:
    """Known entities and allowed names from the workspace catalog (see ``build_detector``)."""
    workspace = settings.workspace
    return CatalogVocabulary(
        home=workspace.home,
        catalog_path=workspace.catalog_path,
        allow_list=settings.privacy.allow_list,
        known_entities=settings.privacy.known_entities,
    )


def build_components(settings: Settings) -> Components:
    """Components for ``settings``; nothing heavy is loaded until it is used."""
    vocabulary: Lazy[VocabularySource] = Lazy(lambda: catalog_vocabulary(settings))
    embedder: Lazy[Embedder] = Lazy(lambda: build_embedder(settings.embedding))
    return Components(
        pii=Lazy(lambda: build_detector(settings.privacy, vocabulary=vocabulary.get())),
        vocabulary=vocabulary,
        injection=Lazy(
            lambda: prompt_detector(
                HeuristicInjectionDetector(settings.guards),
                lambda texts: embed_queries(embedder.get(), texts),
                settings.guards,
            )
        ),
        embedder=embedder,
        vectors=Lazy(lambda: build_vector_index(settings.vectors, settings.workspace.vectors_dir)),
        guards=settings.guards,
    )


class KnownEntityFinder:
    """Every ``pii:*`` value of the catalog, in the vocabulary of its current generation
    (rebuilt when a version is published), so a value the ingest-time detector missed is
    still masked on the way out. Pinnable (``gateway.egress.PinnableFinder``): a response is
    released against one generation, read once."""

    def __init__(self, vocabulary: Lazy[VocabularySource]) -> None:
        self._vocabulary = vocabulary

    def __call__(self, text: str) -> list[Span]:
        return self.pinned()(text)

    def pinned(self) -> Callable[[str], list[Span]]:
        return self._vocabulary.get().current().known.find


def build_chat_model(gateway: Gateway) -> ChatModel:
    """The model that answers ``/v1/ask`` and ``hqg ask``: the first upstream model, if the
    settings name one, else the extractive answerer."""
    return build_model_catalog(gateway).default()


def extractive_answerer(gateway: Gateway) -> ExtractiveAnswerer:
    return ExtractiveAnswerer(
        injection=gateway.components.injection.get(),
        max_sentences=gateway.settings.answer.max_sentences,
    )


def build_model_catalog(gateway: Gateway, *, default: ChatModel | None = None) -> ModelCatalog:
    """Every model a chat client may name, each built on first use, under a lock (a
    misconfigured upstream fails its own answers, not the start of a server that may only
    serve SQL): ``hqg``, the settings' upstream models under their ids, their aliases.
    ``default`` (tests, embedders) replaces the upstream models and answers by default."""
    settings = gateway.settings.answer
    models: dict[str, Lazy[ChatModel]] = {EXTRACTIVE_ID: Lazy(lambda: extractive_answerer(gateway))}
    owners = {EXTRACTIVE_ID: "hqg"}
    if default is not None:
        models[default.name] = Lazy(lambda: default)
        owners[default.name] = "hqg" if default.name == EXTRACTIVE_ID else "upstream"
        return ModelCatalog(models=models, owners=owners, aliases={}, default_id=default.name)
    for model_id, upstream in settings.upstream_models().items():
        models[model_id] = Lazy(_upstream_builder(settings, model=upstream, name=model_id))
        owners[model_id] = "upstream"
    return ModelCatalog(
        models=models,
        owners=owners,
        aliases=dict(settings.aliases),
        default_id=settings.default_model_id,
    )


def _upstream_builder(
    settings: AnswerSettings, *, model: str, name: str
) -> Callable[[], ChatModel]:
    def build() -> ChatModel:
        from gateway.ask.langchain_model import build_langchain_answerer

        return build_langchain_answerer(settings, model=model, name=name)

    return build
