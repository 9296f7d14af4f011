"""A LangChain retriever over a gateway's governed search, with nothing but this client.

``page_content`` is the chunk text as the gateway released it to the key's principal (masked);
``metadata`` carries provenance and the decision id. Needs ``langchain-core``
(``pip install 'hqg-client[langchain]'``).
"""

from __future__ import annotations

from typing import Any

try:
    from langchain_core.callbacks import CallbackManagerForRetrieverRun
    from langchain_core.documents import Document
    from langchain_core.retrievers import BaseRetriever
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "the LangChain retriever needs langchain-core: pip install 'hqg-client[langchain]'"
    ) from exc
from pydantic import ConfigDict

from hqg_client.client import Client
from hqg_client.models import Evidence, SearchResult


def to_document(evidence: Evidence, *, decision_id: str, request_id: str) -> Document:
    """One released chunk as a document: masked text, provenance in metadata."""
    extra = evidence.model_extra or {}
    return Document(
        page_content=evidence.text,
        metadata={
            "doc_id": evidence.doc_id,
            "chunk_id": evidence.chunk_id,
            "collection": evidence.collection,
            "title": evidence.title,
            "source": evidence.source,
            "start": extra.get("start"),
            "end": extra.get("end"),
            "doc_version": extra.get("doc_version"),
            "as_of": evidence.as_of,
            "stale": evidence.stale,
            "content_hash": evidence.content_hash,
            "score": evidence.score,
            "masked_entities": list(extra.get("masked_entities") or ()),
            "injection_score": (extra.get("risk") or {}).get("injection_score"),
            "decision_id": decision_id,
            "request_id": request_id,
            "attributes": dict(evidence.metadata),
        },
    )


def to_documents(result: SearchResult) -> list[Document]:
    return [
        to_document(item, decision_id=result.decision.id, request_id=result.request_id)
        for item in result.results
    ]


class HqgRetriever(BaseRetriever):
    """Governed retrieval for LangChain through a ``Client``."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    client: Client
    collections: list[str] | None = None
    k: int | None = None
    mode: str | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **_: Any
    ) -> list[Document]:
        result = self.client.search(query, collections=self.collections, k=self.k, mode=self.mode)
        return to_documents(result)
