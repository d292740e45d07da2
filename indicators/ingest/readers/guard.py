"""Reading a file safely: refuse empty and oversized files, and files that change while they
are read (a download still running, a sync client, a spreadsheet saving).

:func:`stage_copy` makes the private, checksummed copy an import works from, so the bytes that
are validated, landed and kept as the original are one and the same.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from indicators.ingest.readers.base import MAX_BYTES, ReadError
from indicators.ops.faults import pause_point

_CHUNK = 1 << 20


def file_state(path: Path) -> tuple[int, int, int]:
    """``(inode, size, mtime_ns)``: changes whenever the file is modified or replaced."""
    st = os.stat(path)
    return st.st_ino, st.st_size, st.st_mtime_ns


def changed_error(before: tuple[int, int, int], after: tuple[int, int, int] | None,
                  read: int | None = None) -> ReadError:
    """The message for a file that changed while it was read."""
    if after is None:
        what = "it was deleted or moved while it was being read"
    elif after[0] != before[0]:
        what = "it was replaced by another file while it was being read"
    elif after[1] != before[1] or (read is not None and read != before[1]):
        size = after[1] if after[1] != before[1] else read
        what = f"its size changed from {before[1]:,} to {size:,} bytes while it was being read"
    else:
        what = "it was modified while it was being read"
    return ReadError(
        f"the file changed while it was being read: {what}; nothing was imported",
        "wait until the program writing it (a download, a sync client, a spreadsheet) has "
        "finished, then import it again",
    )


def check_size(path: Path, limit: int = MAX_BYTES, what: str = "file") -> int:
    """The size of ``path``; :class:`ReadError` when missing, empty or larger than ``limit``."""
    if not path.exists():
        raise ReadError(f"file {path} does not exist", "check the path")
    if not path.is_file():
        raise ReadError(f"{path} is not a file", "give the path of a file")
    size = path.stat().st_size
    if size == 0:
        raise ReadError("the file is empty (0 bytes)", "export the data again")
    if size > limit:
        raise ReadError(
            f"the {what} is too large ({size / 2**20:,.0f} MB; at most {limit // 2**20} MB)",
            "split it into several files",
        )
    return size


def read_stable_bytes(path: Path, limit: int = MAX_BYTES, what: str = "file") -> bytes:
    """All bytes of ``path``, refusing a file that changes while it is read."""
    check_size(path, limit, what)
    before = file_state(path)
    with open(path, "rb") as fh:
        data = fh.read(limit + 1)
    try:
        after = file_state(path)
    except FileNotFoundError:
        after = None
    if after != before or len(data) != before[1]:
        raise changed_error(before, after, len(data))
    return data


def stage_copy(path: Path, folder: Path) -> tuple[Path, str]:
    """Copy ``path`` into ``folder`` (same name) and return the copy and its sha256.

    Raises :class:`ReadError` when the file changes while it is copied. A missing file is
    returned as is (the import reports it). A bare ``.shp`` brings its sidecar files
    (``.shx``, ``.dbf``, ``.prj`` …) along; the checksum is the ``.shp``'s.
    """
    path = Path(path)
    if not path.is_file():
        return path, ""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    before = file_state(path)
    digest = hashlib.sha256()
    copied = 0
    with open(path, "rb") as src, open(target, "wb") as out:
        while chunk := src.read(_CHUNK):
            digest.update(chunk)
            out.write(chunk)
            copied += len(chunk)
            if copied == len(chunk):
                pause_point("stage.reading")
    try:
        after = file_state(path)
    except FileNotFoundError:
        after = None
    if after != before or copied != before[1]:
        target.unlink(missing_ok=True)
        raise changed_error(before, after, copied)
    if path.suffix.lower() == ".shp":  # a bare shapefile needs its sidecar files
        for sidecar in path.parent.glob(path.stem + ".*"):
            if sidecar != path and sidecar.is_file():
                shutil.copy2(sidecar, folder / sidecar.name)
    return target, digest.hexdigest()
