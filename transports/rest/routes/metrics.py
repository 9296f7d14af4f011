"""``GET /metrics``: Prometheus text exposition of this gateway's own registry.

Protected by default: the metrics carry no PII, values or SQL (bounded labels only), but they
do show traffic volumes, refusal rates and timings, which help an attacker tune an attack. A
scraper sends ``Authorization: Bearer <token>`` with the scrape token
(``HQG_LOGGING__METRICS_TOKEN``) or, when no token is set, any valid API key. Settings can open
it (``HQG_LOGGING__METRICS_PUBLIC=true``) or remove it (``HQG_LOGGING__METRICS=false``, then
404 like any unknown path).
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Header, Response
from starlette.exceptions import HTTPException

from gateway.service import Gateway
from hqg.errors import AuthError
from transports.rest.deps import GatewayDep

router = APIRouter(tags=["operations"])


@router.get("/metrics", include_in_schema=False)
def get_metrics(
    gateway: GatewayDep, authorization: Annotated[str | None, Header()] = None
) -> Response:
    """Counters and histograms of requests, decisions, withheld items, masks and stages."""
    settings = gateway.ops.logging_settings
    if not settings.metrics:
        raise HTTPException(status_code=404)
    if not settings.metrics_public:
        _authorize_scrape(gateway, authorization)
    metrics = gateway.ops.metrics
    return Response(metrics.render(), media_type=metrics.content_type)


def _authorize_scrape(gateway: Gateway, authorization: str | None) -> None:
    """The scrape token if one is configured, else any valid API key; ``AuthError`` if not."""
    scheme, _, offered = (authorization or "").partition(" ")
    token = gateway.ops.logging_settings.metrics_token
    if token is not None:
        expected = token.get_secret_value().encode()
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            offered.strip().encode(), expected
        ):
            raise AuthError("this endpoint needs 'Authorization: Bearer <metrics token>'")
        return
    if scheme.lower() != "bearer":
        raise AuthError("this endpoint needs 'Authorization: Bearer <API key or metrics token>'")
    gateway.principals.authenticate(offered.strip())
