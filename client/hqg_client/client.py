"""``Client(url, key)``: the gateway's data endpoints over HTTP, nothing else.

Synchronous on purpose (scripts and notebooks); one ``httpx.Client`` per ``Client``, reused
across calls (pass ``http=`` to supply your own, e.g. with a proxy, or a test client). The
key goes in the ``Authorization`` header only; it is never part of an error or a repr.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel

from hqg_client.errors import BY_STATUS, HqgError, Unavailable
from hqg_client.models import Answer, Catalog, SearchResult, SqlResult

Model = TypeVar("Model", bound=BaseModel)
DEFAULT_TIMEOUT_S = 120.0


class Client:
    """A principal's session with one gateway: ``sql``, ``search``, ``ask``, ``catalog``."""

    def __init__(
        self,
        url: str,
        key: str,
        *,
        purpose: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        http: httpx.Client | None = None,
    ) -> None:
        if not key:
            raise ValueError("an API key is required: the gateway answers principals")
        self.url = url.rstrip("/")
        self.purpose = purpose
        self._key = key
        self._owned = http is None
        self._http = http if http is not None else httpx.Client(timeout=timeout)

    def __repr__(self) -> str:
        return f"Client({self.url!r}, purpose={self.purpose!r})"

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._owned:
            self._http.close()

    def sql(self, sql: str, *, limit: int | None = None) -> SqlResult:
        """Run one SELECT (``vector_search()`` included) under the principal's policy."""
        return self._post(SqlResult, "/v1/sql", {"sql": sql, "limit": limit})

    def sql_bytes(self, sql: str, *, format: str, limit: int | None = None) -> bytes:
        """The same query answered as ``csv`` or ``arrow`` (an Arrow IPC stream), as bytes."""
        response = self._request(
            "POST", "/v1/sql", body={"sql": sql, "limit": limit}, params={"format": format}
        )
        return response.content

    def search(
        self,
        query: str,
        *,
        collections: Sequence[str] | None = None,
        k: int | None = None,
        mode: str | None = None,
    ) -> SearchResult:
        """Governed search: chunks the principal may see, masked, with provenance."""
        body: dict[str, Any] = {"query": query}
        if collections is not None:
            body["collections"] = list(collections)
        if k is not None:
            body["k"] = k
        if mode is not None:
            body["mode"] = mode
        return self._post(SearchResult, "/v1/search", body)

    def ask(self, question: str, *, collections: Sequence[str] | None = None) -> Answer:
        """A grounded answer with citations (or an abstention)."""
        body: dict[str, Any] = {"question": question}
        if collections is not None:
            body["collections"] = list(collections)
        return self._post(Answer, "/v1/ask", body)

    def catalog(self) -> Catalog:
        """What the principal may query: datasets with masks, collections with their
        ``vector_search()`` columns."""
        return Catalog.model_validate(self.call("GET", "/v1/catalog"))

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Any endpoint's JSON answer (the typed methods are built on it); ``None`` values
        are left out of the body."""
        payload = None if body is None else {k: v for k, v in body.items() if v is not None}
        response = self._request(method, path, body=payload)
        try:
            return response.json()
        except ValueError as exc:
            raise Unavailable(
                f"the gateway answered {response.status_code} without JSON",
                code="not_json",
                status=response.status_code,
            ) from exc

    def _post(self, model: type[Model], path: str, body: dict[str, Any]) -> Model:
        return model.model_validate(self.call("POST", path, body))

    def _request(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self._key}"}
        if self.purpose:
            headers["X-Purpose"] = self.purpose
        try:
            response = self._http.request(
                method, self.url + path, json=body, params=params, headers=headers
            )
        except httpx.HTTPError as exc:
            raise Unavailable(
                f"cannot reach the gateway at {self.url} ({type(exc).__name__})", code="unreachable"
            ) from exc
        if response.status_code >= 400:
            raise error_from(response)
        return response


def error_from(response: httpx.Response) -> HqgError:
    """The exception for an error answer, from the gateway's one JSON error shape."""
    try:
        payload = response.json()
    except ValueError:
        payload = {}
    error = payload.get("error") if isinstance(payload, dict) else None
    error = error if isinstance(error, dict) else {}
    status = response.status_code
    retry = response.headers.get("Retry-After")
    kind = BY_STATUS.get(status, HqgError)
    return kind(
        str(error.get("message") or f"the gateway answered {status}"),
        code=str(error.get("code") or "http_error"),
        status=status,
        request_id=error.get("request_id"),
        decision_id=error.get("decision_id"),
        parameter=error.get("parameter"),
        retry_after=int(retry) if retry and retry.isdigit() else None,
    )
