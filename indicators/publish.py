"""Safe writes while people read: serialised writers, copy-on-write, read-only snapshots.

* Every write to a warehouse (an import, an undo) holds an exclusive lock on
  ``<warehouse>.lock``, so two imports are serialised, never interleaved.
* The write goes into a copy of the file, which is checkpointed, closed and then atomically
  renamed over the original (:func:`copy_on_write`). Readers never see a half-written state.
* Readers (the dashboard) open a *snapshot*: a hard link to the current file under a name
  unique to that version (:func:`snapshot_path`). A reader that opened the previous version
  keeps reading it (its inode stays alive) until it reopens; DuckDB's per-path instance cache
  cannot hand out a stale database because each version has its own path.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import duckdb

LOCK_TIMEOUT_S = 120.0
SNAPSHOT_DIR = ".snapshots"
SNAPSHOT_GRACE_S = 60.0


class WarehouseBusy(RuntimeError):
    """Another import held the write lock for longer than the timeout."""


@contextmanager
def writer_lock(path: Path, timeout: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Hold the exclusive write lock of warehouse ``path`` (waits up to ``timeout`` seconds)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name(path.name + ".lock")
    with open(lock_path, "a+") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise WarehouseBusy(
                        f"{path} is being written by another import for more than {timeout:.0f} s; "
                        "try again when it has finished."
                    ) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _checkpoint_and_close(path: Path) -> None:
    con = duckdb.connect(str(path))
    try:
        con.execute("CHECKPOINT")
    finally:
        con.close()


@contextmanager
def copy_on_write(path: Path) -> Iterator[Path]:
    """Yield a private copy of warehouse ``path`` to write into; publish it atomically on success.

    The caller must close its connections to the copy before the block ends. On an exception
    the copy is deleted and ``path`` is untouched (byte for byte).
    """
    path = Path(path)
    with writer_lock(path):
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            if path.exists():
                wal = path.with_name(path.name + ".wal")
                if wal.exists():  # fold a leftover WAL into the file before copying
                    _checkpoint_and_close(path)
                shutil.copy2(path, tmp)
            yield tmp
            _checkpoint_and_close(tmp)
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        finally:
            for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
                with suppress(FileNotFoundError):
                    leftover.unlink()


def version_stamp(path: Path) -> str:
    """A string that changes whenever the warehouse file is replaced or modified."""
    st = os.stat(path)
    return f"{st.st_ino}-{st.st_mtime_ns}-{st.st_size}"


def snapshot_path(path: Path) -> Path:
    """A read-only name for the current version of ``path`` (hard link; a copy if links fail).

    Snapshot names of versions superseded more than :data:`SNAPSHOT_GRACE_S` seconds ago are
    removed (readers that opened them keep their inode; a reader between this call and its
    ``connect`` is not pulled from under).
    """
    path = Path(path).resolve()
    folder = path.parent / SNAPSHOT_DIR
    folder.mkdir(exist_ok=True)
    stamp = version_stamp(path)
    target = folder / f"{path.stem}-{stamp}{path.suffix}"
    if not target.exists():
        tmp = folder / f".{target.name}.{uuid.uuid4().hex[:6]}"
        try:
            os.link(path, tmp)
        except OSError:
            shutil.copy2(path, tmp)
        os.replace(tmp, target)
    now = time.time()
    for old in folder.glob(f"{path.stem}-*{path.suffix}"):
        if old != target:
            with suppress(OSError):
                if now - old.stat().st_ctime > SNAPSHOT_GRACE_S:
                    old.unlink()
    return target
