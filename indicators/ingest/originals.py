"""The original files of user imports, kept next to the warehouse.

Every import that lands keeps the exact bytes that were validated and written (the staged
copy, see :func:`indicators.ingest.readers.stage_copy`) under::

    <warehouse>.originals/<sha256>/<file name>

e.g. ``data/warehouse.duckdb.originals/3f5a…/municipal_2024.csv``. The sha256 is the one in
``imports.checksum``, so ``python -m indicators backup`` can copy and verify every original,
and a person can re-import any of them. Files are written under the writer lock before the
new warehouse version is published (a crash in between leaves an unused original, never a
missing one).
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from pathlib import Path

SUFFIX = ".originals"
_SAFE = re.compile(r"[^\w.() -]+")


def originals_dir(db_path: Path) -> Path:
    """The folder of original files of warehouse ``db_path``."""
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + SUFFIX)


def safe_name(file_name: str) -> str:
    """A file name without folders or unusual characters."""
    base = _SAFE.sub("_", Path(str(file_name).replace("\\", "/")).name).strip(" .")
    return base or "file"


def original_path(db_path: Path, checksum: str, file_name: str) -> Path:
    """Where the original of an import with ``checksum`` and ``file_name`` is kept."""
    if not re.fullmatch(r"[0-9a-f]{64}", checksum or ""):
        raise ValueError(f"not a sha256 checksum: {checksum!r}")
    return originals_dir(db_path) / checksum / safe_name(file_name)


def keep_original(db_path: Path, source: Path, checksum: str, file_name: str) -> Path:
    """Copy ``source`` into the originals folder (atomically; kept once per checksum+name)."""
    target = original_path(db_path, checksum, file_name)
    if target.exists() and target.stat().st_size == source.stat().st_size:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.part")
    try:
        shutil.copyfile(source, tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def find_original(db_path: Path, checksum: str, file_name: str) -> Path | None:
    """The kept original of an import, or None (imports made before originals were kept)."""
    try:
        path = original_path(db_path, checksum, file_name)
    except ValueError:
        return None
    return path if path.is_file() else None
