"""Schemathesis against the app's own OpenAPI schema: no generated request gets a 5xx.

Every operation the schema declares, with a valid demo key (the security team's for policy
endpoints, an analyst's otherwise) and bodies generated from the schema, valid and not: the
gateway may refuse (4xx) but never fail (5xx). Bounded and deterministic: a fixed number of
examples per operation, derandomized, no example database.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok
from schemathesis.schemas import APIOperation

from gateway.components import Lazy
from gateway.service import Gateway
from gateway.settings import load_settings
from gateway.wiring import build_gateway
from ingestion.embedding import Embedder
from privacy.detector import PresidioDetector
from tests.workspaces import copy_workspace
from transports.rest import create_app

EXAMPLES_PER_OPERATION = 25


@pytest.fixture(scope="module")
def fuzzed_gateway(
    demo_home: Path,
    tmp_path_factory: pytest.TempPathFactory,
    detector: PresidioDetector,
    embedder: Embedder,
) -> Iterator[Gateway]:
    home = copy_workspace(demo_home, tmp_path_factory.mktemp("fuzz") / "home")
    built = build_gateway(load_settings(home=home))
    components = replace(
        built.components, pii=Lazy(lambda: detector), embedder=Lazy(lambda: embedder)
    )
    gateway = replace(built, components=components)
    yield gateway
    gateway.close()


def _key_for(path: str) -> str:
    return "demo-sec" if path.startswith("/v1/policy") else "demo-alice"


def _fuzz(operation: APIOperation[Any, Any, Any, Any]) -> None:
    """Hypothesis over one operation's generated cases; raises on the first 5xx."""
    key = _key_for(operation.path)

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case[Any]) -> None:
        case.headers["Authorization"] = f"Bearer {key}"  # case-insensitive: replaces any
        case.call_and_validate(checks=[not_a_server_error])

    run()


def _summary(exc: BaseException) -> str:
    """What failed, without request bodies (generated text can be anything)."""
    if isinstance(exc, FailureGroup):
        return "; ".join(sorted({f.title for f in exc.exceptions}))
    return type(exc).__name__


@pytest.mark.slow
def test_no_generated_request_gets_a_server_error(fuzzed_gateway: Gateway) -> None:
    # schemathesis.pytest.from_fixture does not work with pytest 9 (it reads the removed
    # Item._nodeid), so each operation's cases run through Hypothesis here, one by one.
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(fuzzed_gateway))
    found = list(schema.get_all_operations())
    operations = [result.ok() for result in found if isinstance(result, Ok)]
    assert len(operations) == len(found), "every operation in the schema loads"
    assert {op.path for op in operations} >= {"/v1/sql", "/v1/search", "/readyz"}
    failures = {}
    for operation in operations:
        try:
            _fuzz(operation)
        except (Exception, FailureGroup) as exc:  # every operation runs; all are reported
            failures[f"{operation.method.upper()} {operation.path}"] = _summary(exc)
    assert failures == {}
