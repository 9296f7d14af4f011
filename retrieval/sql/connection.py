"""A locked, read-only DuckDB connection over a set of dataset version files.

The verified recipe (DESIGN.md §8): an in-memory database with extension auto-install/load,
community and unsigned extensions, persistent secrets, Python replacement scans and temp spill
all off; each version file ATTACHed READ_ONLY under a generated alias; then external access
disabled and, last, the configuration locked so no query can undo any of it. The guard is the
first line; this is the second, for whatever the guard misses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import duckdb

from hqg.errors import Unavailable
from retrieval.sql.sources import TableSource

_UNITS = {"KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12}


@dataclass(frozen=True)
class EngineSettings:
    """Resource caps of every query connection (per DuckDB instance), and the process-wide
    memory backstop the watchdog enforces (``None``: off; see ``retrieval.sql.watchdog``)."""

    max_memory: str = "512MB"
    threads: int = 2
    max_connections: int = 8
    max_process_memory: str | None = None

    @property
    def max_rss_bytes(self) -> int | None:
        """``max_process_memory`` in bytes (``"6GB"`` -> 6e9); None or ``"0"`` is off."""
        text = (self.max_process_memory or "0").strip().upper()
        if text == "0":
            return None
        number, unit = text[:-2].strip(), text[-2:]
        return int(float(number) * _UNITS[unit])


def attach_alias(index: int) -> str:
    """The catalog name a version file is attached under (not nameable from guarded SQL)."""
    return f"hqg_src_{index}"


def locked_connection(
    sources: Iterable[TableSource], *, settings: EngineSettings
) -> tuple[duckdb.DuckDBPyConnection, dict[str, str]]:
    """Open, attach, lock; returns the connection and dataset name -> attach alias."""
    con = duckdb.connect(
        ":memory:",
        config={
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "allow_community_extensions": False,
            "allow_unsigned_extensions": False,
            "allow_persistent_secrets": False,
            "python_enable_replacements": False,
            "max_memory": settings.max_memory,
            "threads": settings.threads,
            "max_temp_directory_size": "0B",
        },
    )
    aliases: dict[str, str] = {}
    try:
        for index, source in enumerate(sorted(sources, key=lambda s: s.name)):
            alias = attach_alias(index)
            path = str(source.database).replace("'", "''")
            con.execute(f"ATTACH '{path}' AS \"{alias}\" (READ_ONLY)")
            aliases[source.name] = alias
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
    except duckdb.Error as exc:
        con.close()
        raise Unavailable("a dataset version could not be opened for querying") from exc
    return con, aliases
