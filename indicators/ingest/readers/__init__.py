"""Read tabular files (CSV, XLSX, Parquet) into a DataFrame of strings, saying how they were read.

Everything is read as text (``str`` or ``None`` for an empty cell) so that validation can
quote the cell exactly as the user wrote it. The DataFrame index holds the row number of
the original file (header = row 1), which every message refers to.

Lines starting with ``#`` are comments (skipped), and workbook sheets named ``How to fill
this`` or ``… (reference)`` are help (skipped), so the monitoring templates import as they are.

One module per job: :mod:`.sniff` (encodings, delimiters, decimal mark, binary signatures,
JSON depth), :mod:`.delimited` (CSV), :mod:`.xlsx`, :mod:`.parquet`, :mod:`.geo` (boundary
files and zip safety), :mod:`.guard` (sizes, files changing while read, the staged copy),
:mod:`.cells` (cell text and numbers), :mod:`.frame` (rows to a table) and
:mod:`.dispatch` (:func:`read_table`). The limits are in :mod:`.base`. This module only
re-exports.
"""

from __future__ import annotations

from indicators.ingest.readers.base import (
    CODEPAGES,
    CSV_EXT,
    DELIMITERS,
    MAX_BYTES,
    PARQUET_EXT,
    XLSX_EXT,
    ReadError,
    ReadInfo,
    Table,
    is_comment,
    is_reference_sheet,
)
from indicators.ingest.readers.cells import cell_text, iter_rows, parse_number
from indicators.ingest.readers.delimited import read_csv
from indicators.ingest.readers.dispatch import read_table
from indicators.ingest.readers.guard import read_stable_bytes, stage_copy
from indicators.ingest.readers.parquet import read_parquet
from indicators.ingest.readers.sniff import (
    detect_decimal,
    find_mojibake,
    json_depth,
    sniff_delimiter,
    sniff_encoding,
)
from indicators.ingest.readers.xlsx import read_xlsx

__all__ = [
    "CODEPAGES", "CSV_EXT", "DELIMITERS", "MAX_BYTES", "PARQUET_EXT", "XLSX_EXT",
    "ReadError", "ReadInfo", "Table", "cell_text", "detect_decimal", "find_mojibake",
    "is_comment", "is_reference_sheet", "iter_rows", "json_depth", "parse_number", "read_csv",
    "read_parquet", "read_stable_bytes", "read_table", "read_xlsx", "sniff_delimiter",
    "sniff_encoding", "stage_copy",
]
