"""``GET /metrics``: Prometheus text exposition of this gateway's own registry.

Open by default (the metrics carry no PII, values or SQL: bounded labels only); settings can
require a bearer token (``HQG_LOGGING__METRICS_TOKEN``) or remove the endpoint
(``HQG_LOGGING__METRICS=false``, then 404 like any unknown path).
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Header, Response
from starlette.exceptions import HTTPException

from gateway.api.deps import GatewayDep
from hqg.errors import AuthError

router = APIRouter(tags=["operations"])


@router.get("/metrics", include_in_schema=False)
def get_metrics(
    gateway: GatewayDep, authorization: Annotated[str | None, Header()] = None
) -> Response:
    """Counters and histograms of requests, decisions, withheld items, masks and stages."""
    settings = gateway.ops.logging_settings
    if not settings.metrics:
        raise HTTPException(status_code=404)
    token = settings.metrics_token
    if token is not None:
        scheme, _, offered = (authorization or "").partition(" ")
        expected = token.get_secret_value().encode()
        valid = hmac.compare_digest(offered.strip().encode(), expected)
        if scheme.lower() != "bearer" or not valid:
            raise AuthError("this endpoint needs 'Authorization: Bearer <metrics token>'")
    metrics = gateway.ops.metrics
    return Response(metrics.render(), media_type=metrics.content_type)
