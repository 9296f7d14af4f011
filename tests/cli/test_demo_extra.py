"""The demo generator is an extra (``hqg[demo]``): without Faker, ``hqg`` still runs and
``hqg demo`` says what to install instead of failing with a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # make test-fast skips it: subprocess interpreters

# Faker made unimportable, as in an install without the demo extra
_WITHOUT_FAKER = "import sys; sys.modules['faker'] = None; from cli import main; main()"


def _hqg_without_faker(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _WITHOUT_FAKER, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_hqg_without_the_demo_extra_still_lists_every_command() -> None:
    result = _hqg_without_faker("--help")
    assert result.returncode == 0, result.stderr
    for command in ("demo", "serve", "sql", "search", "ask", "policy", "audit", "eval"):
        assert command in result.stdout


def test_hqg_demo_without_the_demo_extra_names_the_extra(tmp_path: Path) -> None:
    result = _hqg_without_faker("demo", "--home", str(tmp_path / "home"))
    assert result.returncode == 2
    assert "hqg[demo]" in result.stderr
    assert "Traceback" not in result.stderr
