"""hqg-client: a light client for a running hqg gateway (httpx + pydantic only).

``Client(url, key).sql(...)``, ``.search(...)``, ``.ask(...)``, ``.catalog()``; results with
``to_pandas()`` / ``to_arrow()`` when those libraries are installed; a LangChain retriever in
``hqg_client.langchain`` (needs ``langchain-core``). Nothing here imports the server.
"""

from hqg_client.client import Client, error_from
from hqg_client.errors import (
    AccessDenied,
    AuthError,
    BadRequest,
    HqgError,
    NotFound,
    RateLimited,
    Unavailable,
)
from hqg_client.models import Answer, Catalog, Column, Evidence, SearchResult, SqlResult

__all__ = [
    "AccessDenied",
    "Answer",
    "AuthError",
    "BadRequest",
    "Catalog",
    "Client",
    "Column",
    "Evidence",
    "HqgError",
    "NotFound",
    "RateLimited",
    "SearchResult",
    "SqlResult",
    "Unavailable",
    "error_from",
]
