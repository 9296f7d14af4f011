"""Options shared by several commands, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

HomeOption = Annotated[
    Path,
    typer.Option(
        "--home",
        envvar="HQG_HOME",
        help="Workspace directory (warehouse, index, catalog, audit log, config).",
        show_default=True,
    ),
]
DEFAULT_HOME = Path(".hqg")
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
