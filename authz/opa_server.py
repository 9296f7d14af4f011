"""The server-backed policy engine: an OPA server queried with ``opa-python-client`` 3.0.

Same policies (the bundle directory is what the OPA server loads), same decision document,
same strict parsing. ``opa-python-client`` 3.0 has no ``check_permission``: the decision is
``query_rule(input_data=..., package_path="hqg", rule_name="decision")``, a POST to
``/v1/data/hqg/decision`` answering ``{"result": ...}`` (no ``result`` key: undefined).
Timeouts, connection errors, HTTP errors and undefined results are ``PolicyEngineError``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from authz.cache import canonical_json
from authz.decision import Decision, parse_decision
from authz.engine import (
    DECISION_PACKAGE,
    DECISION_PATH,
    DECISION_RULE,
    PROBE_INPUT,
    require_decision_shape,
)
from hqg.errors import ConfigError, PolicyEngineError

ENGINE_NAME = "opa"


def split_opa_url(url: str) -> tuple[str, int, bool]:
    """``http://opa:8181`` → (host, port, tls); the client takes them apart."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError("policy.opa_url must look like http://host:8181")
    if parts.path not in ("", "/"):
        raise ConfigError("policy.opa_url must not have a path; the client adds /v1/data")
    tls = parts.scheme == "https"
    return parts.hostname, parts.port or (443 if tls else 8181), tls


class OpaServerEngine:
    """Asks an OPA server for ``data.hqg.decision``; no cache (the server's policy may change)."""

    def __init__(
        self,
        *,
        url: str,
        policy_hash: str,
        token: str | None = None,
        timeout_ms: int = 1000,
        retries: int = 0,
    ) -> None:
        from opa_client import OpaClient

        host, port, tls = split_opa_url(url)
        self._policy_hash = policy_hash
        self._client = OpaClient(
            host=host,
            port=port,
            ssl=tls,
            token=token,
            timeout=timeout_ms / 1000,
            retries=retries,
        )

    @property
    def name(self) -> str:
        return ENGINE_NAME

    @property
    def policy_hash(self) -> str:
        return self._policy_hash

    def evaluate(self, input: Mapping[str, Any]) -> Any:
        """The raw decision; undefined, unreachable, slow or erroring OPA raises."""
        document = json.loads(canonical_json(input))
        try:
            response = self._client.query_rule(
                input_data=document, package_path=DECISION_PACKAGE, rule_name=DECISION_RULE
            )
        except Exception as exc:  # requests' errors, JSON decode errors: all fail closed
            raise PolicyEngineError(f"OPA server did not answer {DECISION_PATH}") from exc
        if not isinstance(response, dict) or "result" not in response:
            raise PolicyEngineError(f"policy decision {DECISION_PATH} is undefined on OPA")
        return response["result"]

    def decide(self, input: Mapping[str, Any]) -> Decision:
        return parse_decision(
            self.evaluate(input),
            policy_hash=self.policy_hash,
            engine=ENGINE_NAME,
            policy_input=input,
        )

    def check(self) -> None:
        require_decision_shape(self.evaluate(PROBE_INPUT))

    def close(self) -> None:
        self._client.close_connection()
