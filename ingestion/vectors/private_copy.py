"""Per-process private copies of published collection versions.

qdrant-edge has no read-only open: ``EdgeShard.load`` takes an exclusive ``flock`` on the
shard's WAL (a second process gets ``WouldBlock``), opens every data file ``O_RDWR`` to map it,
rewrites ``edge_config.json`` and ``segment.json``, deletes journals and truncates flag files
(checked with strace on qdrant-edge 0.9). So two processes can never open one directory, and
hard links would not help: a linked file written or truncated by one opener changes under the
others and under the published version itself. Each reading process therefore opens its own
copy of the immutable published version, under ``<collection>/.open/<version>.<pid>.<token>``,
and removes it on close. The copy keeps holes (the engine preallocates 32 MB pages it has not
filled), so its cost is the version's real data (about 1 MB for the demo's collections), not
its apparent size. A process that dies leaves its copy behind; the next opener of that
collection on the host removes copies whose process no longer runs.
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
from pathlib import Path

OPEN_DIR = ".open"
_CHUNK = 1 << 20


def copy_sparse_tree(source: Path, target: Path, *, skip_suffix: str = ".lock") -> None:
    """Copy the directories and regular files under ``source`` (holes kept; files ending in
    ``skip_suffix`` left out). Anything else (a symlink, a device) is refused: a published
    version only ever holds files the engine wrote."""
    target.mkdir(parents=True)
    for entry in sorted(source.iterdir()):
        if entry.name.endswith(skip_suffix):
            continue
        if entry.is_symlink():
            raise OSError(errno.EINVAL, "a published vector version holds a symlink")
        if entry.is_dir():
            copy_sparse_tree(entry, target / entry.name, skip_suffix=skip_suffix)
        elif entry.is_file():
            copy_sparse_file(entry, target / entry.name)
        else:
            raise OSError(errno.EINVAL, "a published vector version holds a special file")


def copy_sparse_file(source: Path, target: Path) -> None:
    """Copy only the data extents of ``source`` (``SEEK_DATA``/``SEEK_HOLE``), then set its size."""
    with source.open("rb") as src, target.open("xb") as dst:
        size = os.fstat(src.fileno()).st_size
        offset = 0
        while offset < size:
            try:
                start = os.lseek(src.fileno(), offset, os.SEEK_DATA)
            except OSError as exc:
                if exc.errno == errno.ENXIO:  # only a hole remains
                    break
                raise
            end = os.lseek(src.fileno(), start, os.SEEK_HOLE)
            _copy_range(src.fileno(), dst.fileno(), start, end)
            offset = end
        os.ftruncate(dst.fileno(), size)
    shutil.copymode(source, target)


def _copy_range(src: int, dst: int, start: int, end: int) -> None:
    position = start
    while position < end:
        data = os.pread(src, min(_CHUNK, end - position), position)
        if not data:
            raise OSError(errno.EIO, "a published vector file shrank while it was copied")
        os.pwrite(dst, data, position)
        position += len(data)


def private_copy(collection_dir: Path, version: str) -> Path:
    """A fresh copy of ``collection_dir/version`` that only this process opens."""
    holder = collection_dir / OPEN_DIR
    holder.mkdir(exist_ok=True)
    remove_abandoned(holder)
    target = holder / f"{version}.{os.getpid()}.{secrets.token_hex(4)}"
    try:
        copy_sparse_tree(collection_dir / version, target)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return target


def remove_private_copy(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def remove_abandoned(holder: Path) -> None:
    """Remove copies left by processes that no longer run (a crash, a ``kill -9``)."""
    for copy in holder.iterdir():
        pid = _owner(copy.name)
        if pid is not None and pid != os.getpid() and not _running(pid):
            shutil.rmtree(copy, ignore_errors=True)


def _owner(name: str) -> int | None:
    parts = name.split(".")
    return int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else None


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True
