"""Docs that stay true: every setting is documented, and the README's commands exist."""

from __future__ import annotations

from pydantic import BaseModel

from gateway.settings import Settings
from hqg.errors import HqgError
from tests.conftest import REPO


def _variables(model: type[BaseModel], prefix: str) -> list[str]:
    names = []
    for name, field in model.model_fields.items():
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            names += _variables(kind, f"{prefix}{name.upper()}__")
        else:
            names.append(f"{prefix}{name.upper()}")
    return names


def test_every_setting_is_documented() -> None:
    documented = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    missing = [v for v in _variables(Settings, "HQG_") if f"`{v}`" not in documented]
    assert missing == []


def _error_classes(base: type[HqgError]) -> list[type[HqgError]]:
    return [base] + [c for sub in base.__subclasses__() for c in _error_classes(sub)]


def test_every_error_code_is_documented() -> None:
    documented = (REPO / "docs" / "operations.md").read_text(encoding="utf-8")
    missing = [c.code for c in _error_classes(HqgError) if f"`{c.code}`" not in documented]
    assert missing == []


def test_readme_commands_are_make_targets_and_ci_runs_the_test_one() -> None:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme
    assert "make test" in readme
    assert "\ndemo:" in makefile
    assert "\ntest:" in makefile
    assert (REPO / ".ci" / "run").read_text(encoding="utf-8").strip().endswith("make test")
