"""The real OPA engine in-process: ``opa-golib-python-bindings`` (OPA v1.20 via ctypes).

Exact OPA semantics, and what regorus cannot give: an evaluation trace (which rules fired,
for ``hqg policy eval``) and a second engine for the parity test. It is optional: the package
declares Python >= 3.14 and is installed by ``make install`` with ``--ignore-requires-python``;
without it everything that wants it says so (a ``ConfigError`` with the install command)
and nothing else changes.

The Go runtime does not survive ``fork``, so the engine is built lazily in the process that
evaluates (``uvicorn --workers`` forks after settings are read). One engine serves every
thread: the bindings serialise evaluations with their own lock. OPA raises on builtin errors
(``count(5)``) where it would otherwise leave a rule undefined; such an ``eval_error`` is a
deny with a reason, any other failure is ``PolicyEngineError`` (503).
"""

from __future__ import annotations

import importlib
import json
import os
import threading
from collections.abc import Mapping
from typing import Any

from authz.bundle import PolicyBundle
from authz.cache import DecisionCache, canonical_json, input_digest
from authz.decision import Decision, deny, parse_decision
from authz.engine import DECISION_PATH, PROBE_INPUT, require_decision_shape
from hqg.errors import ConfigError, PolicyEngineError

ENGINE_NAME = "opa-golib"
INSTALL_HINT = (
    "the OPA engine is not installed: run `pip install --no-deps --ignore-requires-python "
    "opa-golib-python-bindings==0.4.4` (make install does)"
)
_DOCUMENT = DECISION_PATH.removeprefix("data.")


def bindings() -> Any:
    """The ``opa_bindings`` module (untyped: imported by name); ``ConfigError`` if missing."""
    try:
        return importlib.import_module("opa_bindings")
    except ImportError as exc:
        raise ConfigError(INSTALL_HINT) from exc


def golib_available() -> bool:
    try:
        bindings()
    except ConfigError:
        return False
    return True


def new_golib_engine(bundle: PolicyBundle) -> Any:
    """An OPA engine loaded with the bundle; ``ConfigError`` names the failing module."""
    opa = bindings()
    engine = opa.OpaEngine()
    for module in bundle.modules:
        try:
            engine.add_policy(module.path, module.source)
        except opa.OpaError as exc:
            engine.close()
            raise ConfigError(f"{module.path}: {exc.message}") from exc
    try:
        engine.add_data(json.loads(bundle.data_json))
        engine.eval_document(_DOCUMENT, dict(PROBE_INPUT))  # compile errors surface here
    except opa.OpaError as exc:
        engine.close()
        raise ConfigError(f"{bundle.root}: {exc.message}") from exc
    return engine


class GolibEngine:
    """``data.hqg.decision`` evaluated by OPA itself, with a decision cache and a trace."""

    def __init__(self, bundle: PolicyBundle, *, cache_size: int = 1024) -> None:
        self._bundle = bundle
        self._cache = DecisionCache(size=cache_size)
        self._lock = threading.Lock()
        self._engine: Any = None
        self._pid = -1
        new_golib_engine(bundle).close()  # fail at load; the serving engine is built on use

    @property
    def name(self) -> str:
        return ENGINE_NAME

    @property
    def policy_hash(self) -> str:
        return self._bundle.policy_hash

    @property
    def bundle(self) -> PolicyBundle:
        return self._bundle

    def _current(self) -> Any:
        with self._lock:
            if self._engine is None or self._pid != os.getpid():
                try:
                    self._engine = new_golib_engine(self._bundle)
                except ConfigError as exc:
                    raise PolicyEngineError("policy engine could not be built") from exc
                self._pid = os.getpid()
            return self._engine

    def evaluate(self, input: Mapping[str, Any], *, trace: bool = False) -> Any:
        """The raw decision; ``(raw, trace events)`` semantics live in ``traced``."""
        raw, _ = self._evaluate(input, trace=trace)
        return raw

    def _evaluate(self, input: Mapping[str, Any], *, trace: bool) -> tuple[Any, list[Any]]:
        opa = bindings()
        engine = self._current()
        document = json.loads(canonical_json(input))
        try:
            with engine._eval_lock:  # keep the trace of this evaluation, not another thread's
                raw = engine.eval_document(_DOCUMENT, document, trace=trace)
                events = list(engine.last_trace or []) if trace else []
        except opa.OpaUndefinedError as exc:
            raise PolicyEngineError(f"policy decision {DECISION_PATH} is undefined") from exc
        except opa.OpaError as exc:
            if exc.code == "eval_error":
                raise _BuiltinError from exc
            raise PolicyEngineError("policy evaluation failed") from exc
        return raw, events

    def traced(self, input: Mapping[str, Any]) -> tuple[Decision, list[Any]]:
        """The decision and OPA's trace events (uncached: a trace is for explaining)."""
        try:
            raw, events = self._evaluate(input, trace=True)
        except _BuiltinError:
            return self._builtin_deny(), []
        return self._parse(raw, input), events

    def decide(self, input: Mapping[str, Any]) -> Decision:
        key = (input_digest(canonical_json(input)), self.policy_hash)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        try:
            decision = self._parse(self.evaluate(input), input)
        except _BuiltinError:
            return self._builtin_deny()
        self._cache.put(key, decision)
        return decision

    def _parse(self, raw: Any, input: Mapping[str, Any]) -> Decision:
        return parse_decision(
            raw, policy_hash=self.policy_hash, engine=ENGINE_NAME, policy_input=input
        )

    def _builtin_deny(self) -> Decision:
        return deny(
            "policy evaluation raised a builtin error",
            policy_hash=self.policy_hash,
            engine=ENGINE_NAME,
        )

    def check(self) -> None:
        try:
            require_decision_shape(self.evaluate(PROBE_INPUT))
        except _BuiltinError as exc:
            raise PolicyEngineError("policy evaluation failed on the readiness probe") from exc


class _BuiltinError(Exception):
    """Internal: OPA raised on a builtin (a deny, not an outage)."""
