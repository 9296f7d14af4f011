"""A LangChain ``BaseRetriever`` over governed search: in-process or over HTTP, same documents.

``langchain-qdrant`` cannot read qdrant-edge and would bypass policy anyway; this retriever asks
the gateway instead, so a chain gets exactly what ``/v1/search`` releases to the principal:
``page_content`` is the text masked for that principal, and ``metadata`` carries provenance
(doc and chunk ids, collection, source, as-of, stale, content hash, score) and the decision id.

Two transports, one result type (``SearchResponse``):

- ``HqgRetriever.in_process(gateway, api_key=...)``: calls ``governed_search_request`` directly
  (same auth, policy, audit and caps as the HTTP route).
- ``HqgRetriever.over_http(base_url, api_key=...)``: ``POST /v1/search`` through the light
  client ``hqg_client`` (a script without the server package uses ``hqg_client.langchain``'s
  retriever, the same calls); pass
  ``client=`` (an ``httpx.Client`` or anything with its ``post``, e.g. FastAPI's
  ``TestClient``) and/or ``async_client=`` (e.g. over ``httpx.ASGITransport``) to choose the
  transport. Errors come back as the matching ``HqgError`` (403 -> ``AccessDenied`` …), never
  as documents.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import httpx
from langchain_core.callbacks import (
    AsyncCallbackManagerForRetrieverRun,
    CallbackManagerForRetrieverRun,
)
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, SecretStr

from gateway.context import RequestContext
from gateway.search_pipeline import SearchResponse, governed_search_request
from gateway.service import Gateway
from hqg.errors import (
    AccessDenied,
    AuthError,
    HqgError,
    InvalidParameter,
    InvalidRequest,
    NotFound,
    ParameterOutOfRange,
    QueryLimitExceeded,
    RateLimited,
    Unavailable,
    UnknownCollection,
    UnsafeQuery,
    UnsupportedParameter,
)
from hqg_client import Client
from hqg_client import HqgError as ClientError
from hqg_client.langchain import to_documents as client_documents
from hqg_client.models import SearchResult
from ingestion.vectors.base import SearchMode


class HttpResponse(Protocol):
    """What is read from a response (httpx's, or a test client's look-alike)."""

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    def json(self) -> Any: ...


class SyncHttpClient(Protocol):
    """Any client with httpx's ``post`` (``httpx.Client``, FastAPI's ``TestClient``)."""

    def post(self, url: str, *, json: Any, headers: dict[str, str]) -> Any: ...


class InProcessSearch:
    """Governed search on a ``Gateway`` in this process, as the principal of ``api_key``."""

    def __init__(self, gateway: Gateway, *, api_key: SecretStr, purpose: str | None) -> None:
        self._gateway, self._key, self._purpose = gateway, api_key, purpose

    def __call__(
        self, query: str, *, collections: Sequence[str] | None, k: int | None, mode: SearchMode
    ) -> SearchResponse:
        principal = self._gateway.principals.authenticate(self._key.get_secret_value())
        ctx = RequestContext.create(principal, purpose=self._purpose)
        caps = self._gateway.settings.search
        chosen = k or caps.default_k
        if chosen > caps.max_k:
            raise ParameterOutOfRange(f"k may be at most {caps.max_k}", parameter="k")
        return governed_search_request(
            self._gateway, ctx, query=query, collections=collections, mode=mode, k=chosen
        )


class HttpSearch:
    """``POST {base_url}/v1/search`` with a bearer key, sync or async."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: SecretStr,
        purpose: str | None,
        client: SyncHttpClient | None = None,
        async_client: httpx.AsyncClient | None = None,
        timeout: float = 30.0,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._key, self._purpose, self._timeout = api_key, purpose, timeout
        self._client, self._async_client = client, async_client

    def _headers(self) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self._key.get_secret_value()}"}
        if self._purpose:
            headers["X-Purpose"] = self._purpose
        return headers

    def _body(
        self, query: str, collections: Sequence[str] | None, k: int | None, mode: SearchMode
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"query": query, "mode": mode.value}
        if collections is not None:
            body["collections"] = list(collections)
        if k is not None:
            body["k"] = k
        return body

    def __call__(
        self, query: str, *, collections: Sequence[str] | None, k: int | None, mode: SearchMode
    ) -> SearchResponse:
        """Through the light client (``hqg_client``), the code a user's own script runs."""
        http = self._client if isinstance(self._client, httpx.Client) else None
        client = Client(
            self._base,
            self._key.get_secret_value(),
            purpose=self._purpose,
            timeout=self._timeout,
            http=http,
        )
        body = self._body(query, collections, k, mode)
        with client:
            if http is None and self._client is not None:  # a look-alike with httpx's post
                return parse_response(
                    self._client.post(f"{self._base}/v1/search", json=body, headers=self._headers())
                )
            try:
                return SearchResponse.model_validate(client.call("POST", "/v1/search", body))
            except ClientError as exc:
                if not exc.status:  # never reached the gateway, or no JSON answer
                    raise Unavailable(exc.message) from exc
                raise server_error(
                    exc.status,
                    {
                        "message": exc.message,
                        "code": exc.code,
                        "parameter": exc.parameter,
                        "decision_id": exc.decision_id,
                    },
                    retry_after=exc.retry_after,
                ) from exc

    async def acall(
        self, query: str, *, collections: Sequence[str] | None, k: int | None, mode: SearchMode
    ) -> SearchResponse:
        body, headers = self._body(query, collections, k, mode), self._headers()
        url = f"{self._base}/v1/search"
        if self._async_client is not None:
            return parse_response(await self._async_client.post(url, json=body, headers=headers))
        async with httpx.AsyncClient(timeout=self._timeout) as client:
            return parse_response(await client.post(url, json=body, headers=headers))


_ERRORS: dict[int, type[HqgError]] = {
    401: AuthError,
    403: AccessDenied,
    404: NotFound,
    503: Unavailable,
}
_BY_CODE: dict[str, type[HqgError]] = {
    UnknownCollection.code: UnknownCollection,
    QueryLimitExceeded.code: QueryLimitExceeded,
}
_PARAMETER_ERRORS: dict[str, type[InvalidParameter]] = {
    cls.code: cls for cls in (InvalidParameter, UnsupportedParameter, ParameterOutOfRange)
}


def parse_response(response: HttpResponse) -> SearchResponse:
    """A 200 body as ``SearchResponse``; any other status as the gateway's error class."""
    if response.status_code == 200:
        return SearchResponse.model_validate(response.json())
    try:
        error = response.json().get("error", {})
    except ValueError:
        error = {}
    retry = response.headers.get("Retry-After", "1")
    raise server_error(response.status_code, error, retry_after=int(retry))


def server_error(
    status: int, error: Mapping[str, Any], *, retry_after: int | None = None
) -> HqgError:
    """The gateway's error class for an error answer (status and its JSON error object)."""
    message = str(error.get("message") or f"the gateway answered {status}")
    if status == 422:
        return InvalidRequest(message)
    code = str(error.get("code") or "")
    if code in _PARAMETER_ERRORS:
        return _PARAMETER_ERRORS[code](message, parameter=str(error.get("parameter") or ""))
    if code in _BY_CODE:
        return _BY_CODE[code](message)
    if status == 400:
        rule, _, _ = message.partition(":")
        return UnsafeQuery(message.partition(": ")[2] or message, rule=rule or "request")
    if status == 403:
        return AccessDenied(message, decision_id=error.get("decision_id"))
    if status == 429:
        return RateLimited(message, retry_after=retry_after or 1)
    return _ERRORS.get(status, HqgError)(message)


def to_documents(response: SearchResponse) -> list[Document]:
    """The released chunks as LangChain documents, built by the light client's mapping from
    the response as the wire carries it: in process and over HTTP give the same metadata
    (``as_of`` in the JSON form, ``...Z``), and the mapping lives in one place."""
    return client_documents(SearchResult.model_validate(response.model_dump(mode="json")))


class HqgRetriever(BaseRetriever):
    """Governed retrieval for LangChain; build it with ``in_process`` or ``over_http``."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    search: InProcessSearch | HttpSearch
    collections: list[str] | None = None
    k: int | None = None
    mode: SearchMode = SearchMode.HYBRID

    @classmethod
    def in_process(
        cls, gateway: Gateway, *, api_key: str, purpose: str | None = None, **options: Any
    ) -> HqgRetriever:
        transport = InProcessSearch(gateway, api_key=SecretStr(api_key), purpose=purpose)
        return cls(search=transport, **options)

    @classmethod
    def over_http(
        cls,
        base_url: str,
        *,
        api_key: str,
        purpose: str | None = None,
        client: SyncHttpClient | None = None,
        async_client: httpx.AsyncClient | None = None,
        **options: Any,
    ) -> HqgRetriever:
        transport = HttpSearch(
            base_url,
            api_key=SecretStr(api_key),
            purpose=purpose,
            client=client,
            async_client=async_client,
        )
        return cls(search=transport, **options)

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        response = self.search(query, collections=self.collections, k=self.k, mode=self.mode)
        return to_documents(response)

    async def _aget_relevant_documents(
        self, query: str, *, run_manager: AsyncCallbackManagerForRetrieverRun
    ) -> list[Document]:
        if isinstance(self.search, HttpSearch):
            response = await self.search.acall(
                query, collections=self.collections, k=self.k, mode=self.mode
            )
            return to_documents(response)
        return await super()._aget_relevant_documents(query, run_manager=run_manager)
