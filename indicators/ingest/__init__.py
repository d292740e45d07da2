"""File import: observations, indicator definitions and boundaries into the warehouse.

Two entry points, shared by the CLI and the upload page:

* :func:`preview` — read and validate a file against the warehouse (opened read-only, or a
  scratch copy of an empty one) and return a :class:`Preview`: how the file was read, the
  column mapping, the rows that will land and every problem, row by row. Writes nothing.
* :func:`import_file` — the same checks, then, only if the import is going to land, ONE write
  transaction with the data, the ``imports`` row (file name, sha256 of the original file,
  counts, status) and, with ``allow_partial``, the ``rejected_rows``. A rejected import never
  opens the warehouse for writing, so the DuckDB file stays byte-for-byte unchanged (and is
  not created when it did not exist). Re-importing a file with the same checksum and kind is
  a no-op reported as ``"already imported"``.

The kind of file is detected from its content (see :mod:`indicators.ingest.detect`). The
pipeline is in :mod:`indicators.ingest.importer` (staging, validation, status) and
:mod:`indicators.ingest.landing` (the write); this module only re-exports.
"""

from __future__ import annotations

from indicators.ingest.importer import (
    detect_kind,
    file_checksum,
    import_file,
    import_history,
    preview,
)
from indicators.ingest.matching import UnitMatcher, name_key, remember_alias
from indicators.ingest.preview import Preview
from indicators.ingest.readers import ReadInfo
from indicators.ingest.report import ImportReport, Problem

__all__ = [
    "ImportReport",
    "Preview",
    "Problem",
    "ReadInfo",
    "UnitMatcher",
    "detect_kind",
    "file_checksum",
    "import_file",
    "import_history",
    "name_key",
    "preview",
    "remember_alias",
]
