"""``hqg serve --workers 2``: two serving processes on one socket and one workspace, every
request answered and audited into one intact chain, and one signal stops them all."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from audit.read import iter_records
from audit.verify import verify
from tests.load import served
from tests.load.served import serve_process, wait_until_ready
from tests.workspaces import copy_workspace

pytestmark = pytest.mark.slow  # make test-fast skips it: forks serving processes

POINT = {"sql": "SELECT * FROM orders WHERE order_id = 42"}


def _children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text(encoding="utf-8")
    return [int(child) for child in text.split()]


def test_two_workers_serve_one_workspace_and_stop_together(
    demo_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a worker accepts connections only once warm (models loaded), even /healthz: two
    # processes loading models on a shared CI machine may need more than the usual wait
    monkeypatch.setattr(served, "STARTUP_SECONDS", 600.0)
    home = copy_workspace(demo_home, tmp_path / "home")
    env = {"HQG_SERVER__WORKERS": "2"}
    with serve_process(home, log=tmp_path / "serve.log", env=env) as (url, server):
        wait_until_ready(url)
        workers = _children(server.pid)
        assert len(workers) == 2
        sent = []
        for n in range(24):  # a new connection each time: the kernel spreads them
            request_id = f"workers-test-{n:04d}"
            response = httpx.post(
                f"{url}/v1/sql",
                json=POINT,
                headers={"Authorization": "Bearer demo-alice", "X-Request-ID": request_id},
                timeout=60,
            )
            assert response.status_code == 200
            sent.append(request_id)
    assert server.returncode == 0
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)
    audit = home / "audit" / "audit.jsonl"
    assert set(sent) <= {record.request_id for record in iter_records(audit)}
    assert verify(audit).ok
