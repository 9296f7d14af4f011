"""What the suites of one run share: paths, the smoke flag, and the expensive fixtures.

The PII detector (≈10 s to load) and the demo workspace (≈12 s to build) are made at most once
per run, on first use, so a run of only the injection suite pays for neither. The demo is built
in a temporary directory at a fixed reference time, so every run sees the same bytes.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from demo.ground_truth import DemoGroundTruth
    from gateway.service import Gateway
    from privacy.composite import CompositeDetector

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPORA = REPO_ROOT.parent / "shared" / "corpora"
DEMO_SEED = 7
DEMO_REFERENCE_TIME = datetime(2026, 11, 1, tzinfo=UTC)


class SuiteSkipped(Exception):
    """A suite cannot run here (e.g. a shared corpus is absent); the reason is reported."""


class EvalContext:
    """Lazily built, run-scoped fixtures; use as a context manager so they are closed."""

    def __init__(self, *, smoke: bool, corpora: Path = DEFAULT_CORPORA) -> None:
        self.smoke = smoke
        self.corpora = corpora.resolve()
        self.repo = REPO_ROOT
        self._work = Path(tempfile.mkdtemp(prefix="hqg-eval-"))
        self._gateway: Gateway | None = None

    def __enter__(self) -> EvalContext:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._gateway is not None:
            self._gateway.close()
            self._gateway = None
        shutil.rmtree(self._work, ignore_errors=True)

    def corpus(self, relative: str) -> Path:
        """A shared corpus path, or ``SuiteSkipped`` naming what is missing."""
        path = self.corpora / relative
        if not path.exists():
            raise SuiteSkipped(f"shared corpus not found: {path}")
        return path

    def repo_file(self, relative: str) -> Path:
        path = self.repo / relative
        if not path.exists():
            raise SuiteSkipped(f"repository file not found: {relative}")
        return path

    def work_dir(self, name: str) -> Path:
        """A fresh scratch directory inside the run's temporary directory."""
        path = self._work / name
        path.mkdir(parents=True, exist_ok=False)
        return path

    @cached_property
    def detector(self) -> CompositeDetector:
        """The detector the product runs (spaCy + Rampart, the settings' allow-list), so the
        suites measure what callers get, not one model of it."""
        from pydantic import SecretStr

        from privacy.detector import build_detector
        from privacy.settings import PrivacySettings

        return build_detector(PrivacySettings(hash_salt=SecretStr("eval-salt-not-a-secret")))

    @cached_property
    def demo_home(self) -> Path:
        """The demo (tables and document collections), built as ``hqg demo`` builds it: the
        run's models with the workspace catalog's vocabulary (known entities, allowed names)."""
        from dataclasses import replace

        from demo.build import build_demo
        from gateway.components import Lazy
        from gateway.settings import load_settings
        from gateway.wiring import build_components
        from ingestion.workspace import Workspace
        from privacy.detector import build_detector

        home = self._work / "demo"
        Workspace.create(home)
        settings = load_settings(home=home)
        models = self.detector.models
        components = build_components(settings)
        vocabulary = components.vocabulary
        components = replace(
            components,
            pii=Lazy(
                lambda: build_detector(settings.privacy, vocabulary=vocabulary.get(), models=models)
            ),
        )
        try:
            build_demo(
                home, components=components, seed=DEMO_SEED, reference_time=DEMO_REFERENCE_TIME
            )
        finally:
            components.close()
        return home

    @property
    def gateway(self) -> Gateway:
        """One gateway over the demo workspace, shared by the suites of the run."""
        if self._gateway is None:
            from gateway.settings import load_settings
            from gateway.wiring import build_gateway

            self._gateway = build_gateway(load_settings(home=self.demo_home))
        return self._gateway

    @cached_property
    def ground_truth(self) -> DemoGroundTruth:
        from demo.ground_truth import demo_ground_truth

        return demo_ground_truth(seed=DEMO_SEED)
