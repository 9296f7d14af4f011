"""Finding and reading the suite files in ``evals/suites/``: one YAML file per suite."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from evals.model import SuiteConfig
from hqg.errors import ConfigError

SUITES_DIR = Path(__file__).resolve().parent / "suites"
DATA_DIR = Path(__file__).resolve().parent / "data"


def load_suite(path: Path) -> SuiteConfig:
    """Parse one suite file; any problem is a ``ConfigError`` naming the file."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        config = SuiteConfig.model_validate(raw)
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path.name}: not a readable suite file") from exc
    except ValidationError as exc:
        raise ConfigError(f"{path.name}: invalid suite ({exc.error_count()} problems)") from exc
    if config.name != path.stem:
        raise ConfigError(f"{path.name}: name {config.name!r} does not match the file name")
    return config


def available_suites(directory: Path = SUITES_DIR) -> dict[str, SuiteConfig]:
    """Every suite, by name, in file-name order."""
    return {p.stem: load_suite(p) for p in sorted(directory.glob("*.yaml"))}


def select_suites(
    names: list[str] | None, *, smoke: bool, directory: Path = SUITES_DIR
) -> list[SuiteConfig]:
    """The suites to run: the named ones (unknown names are a ``ConfigError``), else all;
    under ``--smoke`` only those whose config includes them in smoke runs."""
    suites = available_suites(directory)
    unknown = sorted(set(names or ()) - set(suites))
    if unknown:
        raise ConfigError(f"unknown suite(s) {unknown}; known: {sorted(suites)}")
    chosen = [suites[n] for n in names] if names else list(suites.values())
    return [s for s in chosen if s.smoke.include or not smoke]


def data_file(name: str) -> Path:
    """A data file shipped beside the suites (``evals/data``)."""
    return DATA_DIR / name
