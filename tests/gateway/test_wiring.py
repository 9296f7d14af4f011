"""The composition root builds each chat model once, however many first requests race for it
(it used to be memoised on ``app.state`` by whichever request came first)."""

from __future__ import annotations

import threading
import time
from typing import Any

from gateway.ask.model_catalog import ModelCatalog
from gateway.components import Lazy


def test_concurrent_first_requests_build_the_chat_model_once() -> None:
    built: list[object] = []

    def build() -> Any:
        time.sleep(0.05)  # a slow build widens the window a memo without a lock would race in
        model = object()
        built.append(model)
        return model

    catalog = ModelCatalog(
        models={"hqg": Lazy(build)}, owners={"hqg": "hqg"}, aliases={}, default_id="hqg"
    )
    start = threading.Barrier(8)
    seen: list[object] = []

    def first_request() -> None:
        start.wait()
        seen.append(catalog.default())

    threads = [threading.Thread(target=first_request) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(built) == 1
    assert seen == built * 8
