"""The embedded policy engine: Microsoft regorus, interpreter API only.

Never ``regorus.Program``/``Rvm``: the compiled mode evaluates a failing ``every`` as true,
which would fail open. A ``regorus.Engine`` is pinned to the thread that created it (pyo3
``unsendable``: using it, or even cloning it, from another thread panics), so each thread
builds its own engine from the parsed bundle on first use; a lock around one engine would not
be enough. Any exception, panic or undefined decision becomes ``PolicyEngineError`` (503).

An engine must also be *dropped* on its own thread, so the per-thread engines live in the
thread's own storage (keyed by policy hash, a few per thread, evicted by that thread), not in
the ``RegorusEngine`` object: when a hot reload retires a ``RegorusEngine``, whichever thread
drops it never drops another thread's regorus engine.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from authz.bundle import PolicyBundle
from authz.cache import DecisionCache, canonical_json, input_digest
from authz.decision import Decision, parse_decision
from authz.engine import DECISION_PATH, PROBE_INPUT, require_decision_shape
from hqg.errors import ConfigError, PolicyEngineError

ENGINE_NAME = "regorus"
ENGINES_PER_THREAD = 4  # bundles a thread keeps engines for (a reload needs two briefly)

# Thread-confined by construction: each thread reads and writes only its own slot.
_THREAD = threading.local()


def thread_engines() -> OrderedDict[str, Any]:
    """This thread's regorus engines by policy hash (most recently used last)."""
    engines: OrderedDict[str, Any] | None = getattr(_THREAD, "engines", None)
    if engines is None:
        engines = OrderedDict()
        _THREAD.engines = engines
    return engines


def regorus_message(exc: BaseException) -> str:
    """Regorus' own message (file, line, problem) without the Rust backtrace."""
    text = str(exc).split("Stack backtrace:", 1)[0]
    return " ".join(line.strip() for line in text.strip().splitlines() if line.strip())


def is_fatal(exc: BaseException) -> bool:
    """Interpreter shutdown signals pass through; anything else (pyo3 panics too) fails closed."""
    return isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit)


def new_engine(bundle: PolicyBundle) -> Any:
    """A regorus engine loaded with the bundle; ``ConfigError`` names the failing module."""
    import regorus

    engine = regorus.Engine()
    for module in bundle.modules:
        try:
            engine.add_policy(module.path, module.source)
        except Exception as exc:
            raise ConfigError(f"{module.path}: {regorus_message(exc)}") from exc
    try:
        engine.add_data_json(bundle.data_json)
        engine.eval_query("true")  # forces analysis: unsafe variables, bad references
        engine.set_input_json(canonical_json(PROBE_INPUT))
        engine.eval_rule(DECISION_PATH)  # some unsafe rules only surface when evaluated
    except Exception as exc:
        raise ConfigError(f"{bundle.root}: {regorus_message(exc)}") from exc
    return engine


def jsonable(value: Any) -> Any:
    """Regorus hands sets back as Python sets; OPA would send arrays. Make it JSON."""
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, set | frozenset):
        return sorted((jsonable(item) for item in value), key=canonical_json_of)
    return value


def canonical_json_of(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


class RegorusEngine:
    """In-process Rego evaluation of ``data.hqg.decision`` with a decision cache."""

    def __init__(self, bundle: PolicyBundle, *, cache_size: int = 1024) -> None:
        self._bundle = bundle
        self._cache = DecisionCache(size=cache_size)
        self._keep(new_engine(bundle))  # fail at load, in the loading thread

    def _keep(self, engine: Any) -> Any:
        engines = thread_engines()
        engines[self.policy_hash] = engine
        while len(engines) > ENGINES_PER_THREAD:
            engines.popitem(last=False)  # dropped here, on the thread that made it
        return engine

    @property
    def name(self) -> str:
        return ENGINE_NAME

    @property
    def policy_hash(self) -> str:
        return self._bundle.policy_hash

    def _engine(self) -> Any:
        engines = thread_engines()
        engine = engines.get(self.policy_hash)
        if engine is not None:
            engines.move_to_end(self.policy_hash)
            return engine
        try:
            return self._keep(new_engine(self._bundle))
        except ConfigError as exc:
            raise PolicyEngineError("policy engine could not be built") from exc

    def evaluate(self, canonical_input: str) -> Any:
        """The raw decision for a canonical JSON input; undefined or any failure raises."""
        engine = self._engine()
        try:
            engine.set_input_json(canonical_input)
            raw = engine.eval_rule(DECISION_PATH)
        except BaseException as exc:
            if is_fatal(exc):
                raise
            raise PolicyEngineError("policy evaluation failed") from exc
        if raw is None:
            raise PolicyEngineError(f"policy decision {DECISION_PATH} is undefined")
        return jsonable(raw)

    def decide(self, input: Mapping[str, Any]) -> Decision:
        canonical = canonical_json(input)
        key = (input_digest(canonical), self.policy_hash)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        decision = parse_decision(
            self.evaluate(canonical),
            policy_hash=self.policy_hash,
            engine=ENGINE_NAME,
            policy_input=input,
        )
        self._cache.put(key, decision)
        return decision

    def check(self) -> None:
        require_decision_shape(self.evaluate(canonical_json(PROBE_INPUT)))
