"""A real ``hqg serve`` process on 127.0.0.1, on its own copy of the demo workspace.

Load and fault tests talk HTTP to a separate process, as clients would: the server's threads,
its event loop and its engines are the production ones, not the test's.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

STARTUP_SECONDS = 90.0


def serve_command(home: Path, port_file: Path) -> list[str]:
    """``hqg serve`` on an ephemeral loopback port that the server itself binds and reports in
    ``port_file``: a port picked by the test and handed over could be taken in between."""
    return [
        *(sys.executable, "-c", "from cli import main; main()", "serve"),
        *("--home", str(home), "--host", "127.0.0.1", "--port", "0"),
        *("--port-file", str(port_file)),
    ]


def bound_url(port_file: Path, server: subprocess.Popen[bytes], *, seconds: float) -> str:
    """The base URL of ``server`` once it has written its port (it exits or times out: error)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if port_file.is_file():
            return f"http://127.0.0.1:{int(port_file.read_text(encoding='utf-8'))}"
        if server.poll() is not None:
            raise RuntimeError(f"hqg serve exited with status {server.returncode}")
        time.sleep(0.1)
    raise RuntimeError("hqg serve did not bind a port in time")


def _wait_until_up(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"hqg serve exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError("hqg serve did not start in time")


@contextmanager
def serve(home: Path, *, log: Path, env: Mapping[str, str] | None = None) -> Iterator[str]:
    """Run ``hqg serve --home HOME`` on a free loopback port; yields its base URL."""
    with serve_process(home, log=log, env=env) as (url, _):
        yield url


@contextmanager
def serve_process(
    home: Path, *, log: Path, env: Mapping[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Like ``serve``, also yielding the server process (to sample its memory)."""
    environ = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
    port_file = log.with_name(f"{log.name}.port")
    with log.open("wb") as out:
        server = subprocess.Popen(
            serve_command(home, port_file), stdout=out, stderr=subprocess.STDOUT, env=environ
        )
        try:
            url = bound_url(port_file, server, seconds=STARTUP_SECONDS)
            _wait_until_up(url, server, log)
            yield url, server
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=30)


def wait_until_ready(url: str, *, seconds: float = 300.0) -> None:
    """Poll ``/readyz`` until it answers 200 (the server has warmed up)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/readyz", timeout=10).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise RuntimeError("hqg serve did not become ready in time")


def rss_bytes(pid: int) -> int:
    """Resident memory of a process (Linux ``/proc``), 0 once it has exited."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0
