"""Safe writes while people read: serialised writers, copy-on-write, read-only snapshots.

* Every write to a warehouse (an import, an undo) holds an exclusive lock on
  ``<warehouse>.lock``, so two imports are serialised, never interleaved.
* The write goes into a copy of the file, which is checkpointed, closed and then atomically
  renamed over the original (:func:`copy_on_write`). Readers never see a half-written state.
* Readers (the dashboard) open a *snapshot*: a hard link to the current file under a name
  unique to that version (:func:`snapshot_path`). A reader that opened the previous version
  keeps reading it (its inode stays alive) until it reopens; DuckDB's per-path instance cache
  cannot hand out a stale database because each version has its own path.
* A write that fails (disk full, file size limit, I/O error) raises :class:`WriteFailed`
  with a message that says so; the original file is untouched and the private copy removed.
  Copies left behind by a writer that was killed are removed by the next writer.
* Before the copy is checkpointed, the scores, rank intervals and alerts of every period are
  computed into it (:mod:`indicators.scoring.stored`), so they belong to the same version;
  a failure there is logged and never blocks the publish.
* ``RISK_PAUSE_AT`` pause points (:mod:`indicators.ops.faults`) let the crash tests kill a
  writer at each step.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import duckdb

from indicators.ops.faults import pause_point

LOCK_TIMEOUT_S = 120.0
SNAPSHOT_DIR = ".snapshots"
SNAPSHOT_GRACE_S = 60.0


class WarehouseBusy(RuntimeError):
    """Another import held the write lock for longer than the timeout."""


class WriteFailed(RuntimeError):
    """Writing the new version failed (disk full, size limit, I/O); nothing was changed.

    ``reason`` says what happened, ``suggestion`` what to do.
    """

    def __init__(self, reason: str, suggestion: str = "") -> None:
        super().__init__(reason + (f" What to do: {suggestion}." if suggestion else ""))
        self.reason, self.suggestion = reason, suggestion


_SPACE_ERRNOS = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}


def write_failure(path: Path, exc: BaseException) -> WriteFailed:
    """A :class:`WriteFailed` that says why writing a new version of ``path`` failed."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    space = (isinstance(exc, OSError) and exc.errno in _SPACE_ERRNOS) or any(
        w in text.lower() for w in ("no space left", "file too large", "disk quota")
    )
    if space:
        why = "there is not enough disk space (or the file size limit was reached)"
        todo = "free disk space next to the warehouse (or raise the limit), then try again"
    else:
        why = f"the disk refused the write ({type(exc).__name__}: {text})"
        todo = "check the disk and the folder's permissions, then try again"
    return WriteFailed(
        f"could not write the new version of {path}: {why}. Nothing was changed: the "
        "warehouse is as it was before.", todo,
    )


def lock_path(path: Path) -> Path:
    """The lock file of warehouse ``path``."""
    return path.with_name(path.name + ".lock")


def temp_copies(path: Path) -> list[Path]:
    """Private copies of ``path`` left by writers (``.<name>.<pid>.<id>.tmp`` and WALs)."""
    return sorted(path.parent.glob(f".{path.name}.*.tmp*"))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_dead_copies(path: Path) -> list[Path]:
    """Delete private copies whose writer process is gone (call under the writer lock)."""
    removed = []
    for tmp in temp_copies(path):
        parts = tmp.name.split(".")
        try:
            pid = int(parts[-3] if tmp.name.endswith(".tmp") else parts[-4])
        except (ValueError, IndexError):
            continue
        if pid == os.getpid() or not _pid_alive(pid):
            with suppress(OSError):
                tmp.unlink()
                removed.append(tmp)
    return removed


@contextmanager
def writer_lock(path: Path, timeout: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Hold the exclusive write lock of warehouse ``path`` (waits up to ``timeout`` seconds)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path(path), "a+") as handle:
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
        with suppress(OSError):  # who holds it (read by `python -m indicators check`)
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()} {time.time():.0f}\n")
            handle.flush()
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
    the copy is deleted and ``path`` is untouched (byte for byte); a failed disk write
    (OSError, DuckDB I/O error) surfaces as :class:`WriteFailed`.
    """
    path = Path(path)
    with writer_lock(path):
        pause_point("publish.locked")
        remove_dead_copies(path)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            try:
                if path.exists():
                    wal = path.with_name(path.name + ".wal")
                    if wal.exists():  # fold a leftover WAL into the file before copying
                        _checkpoint_and_close(path)
                    shutil.copy2(path, tmp)
                pause_point("publish.copied")
                yield tmp
                pause_point("publish.written")
                _store_results(tmp)
                _checkpoint_and_close(tmp)
                with open(tmp, "rb") as fh:
                    os.fsync(fh.fileno())
            except (OSError, duckdb.IOException) as exc:
                raise write_failure(path, exc) from exc
            except duckdb.Error as exc:
                if _is_io(exc):
                    raise write_failure(path, exc) from exc
                raise
            pause_point("publish.checkpointed")
            os.replace(tmp, path)
            _fsync_dir(path.parent)
            pause_point("publish.replaced")
        finally:
            for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
                with suppress(FileNotFoundError):
                    leftover.unlink()
    after_publish(path)


def _store_results(tmp: Path) -> None:
    """Precompute the scores, rank intervals and alerts of the new version into the copy itself,
    so they are published atomically with the data (:mod:`indicators.scoring.stored`). Never
    raises: on failure nothing is stored for this version (logged) and readers compute fresh."""
    if not tmp.exists():
        return
    try:
        from indicators.scoring.stored import refresh_stored_results
    except Exception as exc:  # noqa: BLE001 - the data is published anyway
        import logging

        logging.getLogger(__name__).warning("stored results not computed: %s", exc)
        return
    refresh_stored_results(tmp)


def after_publish(path: Path) -> None:
    """Follow-up of a newly published version: regenerate its Atom feeds (outreach; if it has
    feeds). Never raises: the version is published whatever happens here."""
    try:
        from indicators.outreach.feed import on_publish

        on_publish(path)
    except Exception as exc:  # noqa: BLE001 - e.g. feedgen missing: the data is published anyway
        import logging

        logging.getLogger(__name__).warning("Atom feeds not regenerated for %s: %s", path, exc)


def _is_io(exc: BaseException) -> bool:
    text = str(exc).lower()
    return any(w in text for w in ("no space left", "file too large", "could not write",
                                   "disk quota", "i/o error"))


def _fsync_dir(folder: Path) -> None:
    """Make the rename durable (the directory entry reaches the disk)."""
    with suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


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
