"""``/readyz`` opens every store the way a request would and names each one it cannot open;
with the start-up warm-up (``hqg serve``) it turns ready only once the engines are warm."""

from __future__ import annotations

import gc
import threading
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gateway.components import Lazy
from gateway.readiness import CachedChecks
from gateway.settings import load_settings
from gateway.wiring import build_gateway
from ingestion.embedding import Embedder
from ingestion.vectors.versions import current_version
from tests.workspaces import copy_workspace
from transports.rest import create_app

pytestmark = pytest.mark.slow  # make test-fast skips it: warm-up and open-store waits


def test_readyz_names_a_collection_it_cannot_open(demo_home: Path, tmp_path: Path) -> None:
    """A collection whose published version cannot be opened makes searches fail, so
    readiness must say so rather than report ready (another process holding it no longer
    does: each process opens its own copy, see tests/ingestion/vectors/test_shared_workspace)."""
    home = copy_workspace(demo_home, tmp_path / "home")
    version = current_version(home / "vectors", "handbook")
    assert version is not None
    (home / "vectors" / "handbook" / version / "handbook" / "edge_config.json").write_text("{")
    gateway = build_gateway(load_settings(home=home))
    try:
        response = TestClient(create_app(gateway)).get("/readyz")
    finally:
        gateway.close()
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["vectors:handbook"] == "unavailable"
    assert checks["policy"] == checks["catalog"] == checks["warehouse"] == "ok"
    assert checks["vectors:tickets"] == "ok"


def test_readyz_waits_for_the_warm_up_then_the_engines_are_loaded(demo_home: Path) -> None:
    gateway = build_gateway(load_settings(home=demo_home))
    components = gateway.components
    with TestClient(create_app(gateway, warm_up=True)) as client:
        warm = client.app.state.warm_up  # type: ignore[attr-defined]
        early = client.get("/readyz")
        state = warm.wait(timeout=300)
        late = client.get("/readyz")
        loaded = [components.pii.peek(), components.embedder.peek(), components.vectors.peek()]
    if early.json()["checks"]["warm_up"] != "ok":  # the usual case: models take seconds
        assert early.status_code == 503
        assert early.json()["checks"]["warm_up"] == "warming"
    assert state == "ok"
    assert late.status_code == 200, late.text
    assert late.json()["checks"]["warm_up"] == "ok"
    assert all(engine is not None for engine in loaded)


def test_a_flood_of_readyz_opens_the_stores_once_per_cache_period(
    demo_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``/readyz`` needs no key: its store checks must not be a way to load the server."""
    gateway = build_gateway(load_settings(home=demo_home, limits={"readyz_cache_ms": 60_000}))
    checked: list[int] = []
    check = gateway.policy.check

    def counted() -> None:
        checked.append(1)
        check()

    monkeypatch.setattr(gateway.policy, "check", counted)
    try:
        with TestClient(create_app(gateway)) as client:
            answers = [client.get("/readyz") for _ in range(20)]
    finally:
        gateway.close()
    assert {a.status_code for a in answers} == {200}
    assert len(checked) == 1


def test_cached_checks_expire_and_run_again() -> None:
    now = [0.0]
    runs: list[int] = []
    cached = CachedChecks(2.0, clock=lambda: now[0])

    def check() -> dict[str, str]:
        runs.append(1)
        return {"policy": "ok"}

    assert cached.get(check) == {"policy": "ok"}
    now[0] = 1.9
    cached.get(check)
    assert len(runs) == 1
    now[0] = 2.0
    cached.get(check)
    assert len(runs) == 2
    assert CachedChecks(0.0).get(check) == {"policy": "ok"}
    assert len(runs) == 3


def test_readyz_stays_unready_while_the_warm_up_runs_and_healthz_stays_live(
    demo_home: Path,
) -> None:
    """Held on purpose in the middle of the warm-up (the embedder's load waits for an event):
    ``/readyz`` must answer 503 ``warming`` for as long as it lasts, whatever the stores say,
    while ``/healthz`` (liveness) answers 200."""
    gateway = build_gateway(load_settings(home=demo_home))
    release = threading.Event()
    real = gateway.components.embedder.build

    def held() -> Embedder:
        release.wait(timeout=300)
        return real()

    gateway.components.embedder = Lazy(held)
    with TestClient(create_app(gateway, warm_up=True)) as client:
        warm = client.app.state.warm_up  # type: ignore[attr-defined]
        during = [client.get("/readyz") for _ in range(3)]
        live = client.get("/healthz")
        release.set()
        state = warm.wait(timeout=300)
        after = client.get("/readyz")
    assert all(r.status_code == 503 for r in during)
    assert all(r.json()["checks"]["warm_up"] == "warming" for r in during)
    assert all(r.json()["checks"]["policy"] == "ok" for r in during)  # stores open: not enough
    assert live.status_code == 200
    assert state == "ok"
    assert after.status_code == 200, after.text


def test_after_the_warm_up_the_heap_is_frozen_and_the_stopped_app_releases_it(
    demo_home: Path,
) -> None:
    """What start-up allocated is moved out of the garbage collector's generations before
    ready (a full collection of the models' objects took a first request 266 ms), and handed
    back when the app stops."""
    gc.unfreeze()
    gateway = build_gateway(load_settings(home=demo_home))
    with TestClient(create_app(gateway, warm_up=True)) as client:
        state = client.app.state.warm_up.wait(timeout=300)  # type: ignore[attr-defined]
        frozen = gc.get_freeze_count()
    assert state == "ok"
    assert frozen > 100_000  # the models, the indexes, the caches
    assert gc.get_freeze_count() == 0


def test_a_failed_warm_up_keeps_readyz_unready_and_names_the_step(demo_home: Path) -> None:
    gateway = build_gateway(load_settings(home=demo_home))

    def broken() -> Embedder:
        raise RuntimeError("/secret/path/model.onnx: no such file")

    gateway.components.embedder = Lazy(broken)
    with TestClient(create_app(gateway, warm_up=True)) as client:
        state = client.app.state.warm_up.wait(timeout=300)  # type: ignore[attr-defined]
        answers = [client.get("/readyz") for _ in range(2)]
        live = client.get("/healthz")
    assert state == "unavailable:embedder"
    for answer in answers:
        assert answer.status_code == 503
        assert answer.json()["ready"] is False
        assert answer.json()["checks"]["warm_up"] == "unavailable:embedder"
        assert "secret" not in answer.text  # a code and a step, never the message
    assert live.status_code == 200


@pytest.mark.parametrize("warmed", [True, False])
def test_matching_every_route_at_warm_up_leaves_no_route_state_for_the_first_request(
    demo_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, warmed: bool
) -> None:
    """FastAPI analyses a route's dependencies on its router's first match; the warm-up's
    ``routes`` step does that before ready (the control, ``warmed=False``, shows the first
    request doing it otherwise)."""
    import fastapi.routing

    from transports.rest.app import match_routes

    gateway = build_gateway(load_settings(home=copy_workspace(demo_home, tmp_path / "home")))
    app = create_app(gateway)
    if warmed:
        match_routes(app)
    analysed: list[str] = []
    get_dependant = fastapi.routing.get_dependant  # type: ignore[attr-defined]

    def counted(*args: Any, **kwargs: Any) -> Any:
        analysed.append(str(kwargs.get("path")))
        return get_dependant(*args, **kwargs)

    monkeypatch.setattr(fastapi.routing, "get_dependant", counted)
    try:
        client = TestClient(app)
        answer = client.post(
            "/v1/sql",
            json={"sql": "SELECT 1 AS one"},
            headers={"Authorization": "Bearer demo-alice"},
        )
    finally:
        gateway.close()
    assert answer.status_code == 200, answer.text
    assert (analysed == []) is warmed
