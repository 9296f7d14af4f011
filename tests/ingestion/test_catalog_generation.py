"""The generation counter is read through a long-lived connection per thread: it must still
see every commit at once, from any thread, and never hold back a WAL checkpoint."""

from __future__ import annotations

import threading
from pathlib import Path

from ingestion.catalog import Catalog
from ingestion.sqlite import bump_generation, connect
from ingestion.workspace import Workspace


def commit_a_bump(path: Path) -> None:
    with connect(path) as con:
        con.execute("BEGIN IMMEDIATE")
        bump_generation(con)
        con.execute("COMMIT")


def test_a_reader_sees_every_commit_of_another_connection(tmp_path: Path) -> None:
    path = Workspace.create(tmp_path / "home").catalog_path
    reader = Catalog(path)
    seen = [reader.generation()]
    for _ in range(3):
        commit_a_bump(path)
        seen.append(reader.generation())
    assert seen == [0, 1, 2, 3]


def test_a_reader_never_blocks_a_checkpoint(tmp_path: Path) -> None:
    path = Workspace.create(tmp_path / "home").catalog_path
    reader = Catalog(path)
    commit_a_bump(path)
    assert reader.generation() == 1
    with connect(path) as con:
        busy, _, _ = con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    assert busy == 0  # the reader's last SELECT left no read transaction open
    commit_a_bump(path)
    assert reader.generation() == 2


def test_each_thread_reads_through_its_own_connection(tmp_path: Path) -> None:
    path = Workspace.create(tmp_path / "home").catalog_path
    reader = Catalog(path)
    reader.generation()
    commit_a_bump(path)
    results: list[int] = []
    errors: list[BaseException] = []

    def read() -> None:
        try:
            results.append(reader.generation())
        except BaseException as exc:  # a shared connection would raise ProgrammingError here
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert results == [1, 1, 1, 1]
