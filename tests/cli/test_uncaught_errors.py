"""Every ``hqg`` command, not only ``serve``, logs an exception nobody caught as its type and
frames: the message of a library error may quote the data it choked on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ingestion.workspace import Workspace
from tests.workspaces import REPO

pytestmark = pytest.mark.slow  # make test-fast skips it: subprocess CLI

#: ``hqg catalog`` with the catalog read failing unexpectedly, its message quoting a value
CRASHING_CATALOG = """
import sys
import ingestion.catalog

def broken(*args, **kwargs):
    raise RuntimeError("could not read the row of jane.doe@example.com")

ingestion.catalog.Catalog.datasets = broken
sys.argv = ["hqg", "catalog", "--home", sys.argv[1]]
from cli import main
main()
"""


def _run(home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CRASHING_CATALOG, str(home)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(REPO), **env},
        check=False,
    )


def test_an_uncaught_error_in_a_command_is_logged_without_its_message(tmp_path: Path) -> None:
    home = Workspace.create(tmp_path / "home").home
    result = _run(home)
    assert result.returncode == 1
    assert "jane.doe" not in result.stderr + result.stdout
    crashes = [
        json.loads(line)
        for line in result.stderr.splitlines()
        if line.startswith("{") and '"crash"' in line
    ]
    assert [c["exc_type"] for c in crashes] == ["builtins.RuntimeError"]
    assert any("in broken" in frame for frame in crashes[0]["exc_frames"])


def test_a_bad_logging_setting_is_a_config_error_naming_it(tmp_path: Path) -> None:
    home = Workspace.create(tmp_path / "home").home
    result = _run(home, HQG_LOGGING__LEVEL="LOUD")
    assert result.returncode == 2
    assert "logging.level" in result.stderr
