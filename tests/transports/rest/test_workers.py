"""The governed routes' one hop off the event loop (``transports.rest.workers``): the app's own
worker pool, installed at start, runs the use case, and its result or refusal comes back."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gateway.settings import load_settings
from gateway.wiring import build_gateway
from tests.workspaces import copy_workspace
from transports.rest import create_app
from transports.rest.routes import sql as sql_route
from transports.rest.workers import WORKERS, in_worker, install_workers


def test_in_worker_returns_the_result_and_raises_the_error_of_the_call() -> None:
    def divide(a: int, b: int) -> float:
        return a / b

    async def main() -> tuple[float, str]:
        pool = install_workers(asyncio.get_running_loop())
        try:
            result = await in_worker(divide, 6, b=3)
            with pytest.raises(ZeroDivisionError):
                await in_worker(divide, 1, 0)
            name = await in_worker(lambda: threading.current_thread().name)
        finally:
            pool.shutdown(wait=True)
        return result, name

    result, name = asyncio.run(main())
    assert result == 2.0
    assert name.startswith("hqg-worker")


def test_a_governed_query_runs_in_the_apps_worker_pool(
    demo_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = copy_workspace(demo_home, tmp_path / "home")
    threads: list[str] = []
    from gateway.sql_pipeline import governed_sql

    def recorded(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.current_thread().name)
        return governed_sql(*args, **kwargs)

    monkeypatch.setattr(sql_route, "governed_sql", recorded)
    gateway = build_gateway(load_settings(home=home))
    with TestClient(create_app(gateway)) as client:
        headers = {"Authorization": "Bearer demo-alice"}
        answer = client.post("/v1/sql", json={"sql": "SELECT 1 AS one"}, headers=headers)
        refused = client.post("/v1/sql", json={"sql": "DROP TABLE orders"}, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["rows"] == [[1]]
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "unsafe_query"
    assert len(threads) == 2
    assert all(name.startswith("hqg-worker") for name in threads)
    assert WORKERS >= 8  # the audit's group commit batches the calls waiting together
