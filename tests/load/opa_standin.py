"""An OPA server stand-in: OPA's REST API on 127.0.0.1, OPA's own engine behind it.

No OPA binary is available here, so ``POST /v1/data/hqg/decision`` is answered by the real
OPA v1.20 evaluator in-process (``opa-golib``) over the shipped ``policies/`` bundle: the
gateway's ``opa`` engine gets the same decisions an OPA server would give, and the test can
stop and restart the "server" while the gateway is under load.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from authz.bundle import load_bundle
from authz.golib_engine import GolibEngine
from policies import bundle_dir

DECISION_URL_PATH = "/v1/data/hqg/decision"


def _handler(engine: GolibEngine) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, document: Any) -> None:
            payload = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:
            self._answer(200 if self.path.startswith("/health") else 404, {})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length) or b"{}")
            if self.path != DECISION_URL_PATH:
                self._answer(404, {"code": "resource_not_found"})
                return
            self._answer(200, {"result": engine.evaluate(body.get("input", {}))})

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


class OpaStandIn:
    """Start, stop and restart on the same port, like an OPA container going away."""

    def __init__(self) -> None:
        self._engine = GolibEngine(load_bundle(bundle_dir()), cache_size=0)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler(self._engine))
        self.port = int(server.server_address[1])
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Refuse new connections from now on (the port stays known for a restart)."""
        if self._server is None or self._thread is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
        self._server = self._thread = None
