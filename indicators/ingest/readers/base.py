"""What every reader shares: the error it raises, how a file was read, the table it returns,
and the limits that keep hostile files from exhausting memory or time."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from indicators.ingest.report import Problem

#: Extensions per tabular format.
CSV_EXT = {".csv", ".txt", ".tsv", ".tab"}
XLSX_EXT = {".xlsx", ".xlsm"}
PARQUET_EXT = {".parquet", ".pq"}
DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")
#: Code pages tried (in this order of preference) when a file is not UTF-8/UTF-16.
CODEPAGES: tuple[str, ...] = ("cp1250", "cp1251", "cp1252", "iso8859_2", "iso8859_5")

# Limits (a demanding but honest table stays far below each of them).
MAX_BYTES = 200 * 1024 * 1024
#: Longest cell of a CSV file (Python's csv module refuses longer fields).
MAX_FIELD_CHARS = 131_072
#: Longest line of a CSV file.
MAX_LINE_CHARS = 1_000_000
#: Most columns of any table.
MAX_COLUMNS = 10_000
#: Most cells (rows x columns) of a workbook or Parquet file.
MAX_CELLS = 50_000_000
#: A workbook may expand to at most this many bytes when unzipped ...
MAX_XLSX_UNZIPPED = 1024 * 1024 * 1024
#: ... and no part of it more than this many times its compressed size (when larger than 16 MB).
MAX_ZIP_RATIO = 100
#: GeoJSON / JSON / YAML nesting depth (a GeoJSON multipolygon needs about 8).
MAX_JSON_DEPTH = 64
#: Definitions files (YAML/JSON) are small.
MAX_DEFINITIONS_BYTES = 5 * 1024 * 1024
#: Boundary files (GeoJSON, GeoPackage, zipped shapefile).
MAX_BOUNDARY_BYTES = 300 * 1024 * 1024


def is_comment(text: str) -> bool:
    """True for a CSV line (or its first cell) starting with ``#``: ignored on import."""
    return text.lstrip().startswith("#")


def is_reference_sheet(title: str) -> bool:
    """True for workbook sheets that are help, not data: ``How to fill this`` and sheets whose
    name ends with ``(reference)`` (as in the monitoring templates)."""
    name = title.strip().lower()
    return name.startswith("how to fill") or name.endswith("(reference)")


class ReadError(Exception):
    """The file cannot be read at all; ``problem`` says why and what to do."""

    def __init__(self, reason: str, suggestion: str = "", row: int | None = None) -> None:
        super().__init__(reason)
        self.problem = Problem(reason=reason, suggestion=suggestion, row=row)


@dataclass
class ReadInfo:
    """How a file was read (shown in previews and reports)."""

    format: str  # 'csv' | 'xlsx' | 'parquet'
    encoding: str | None = None
    delimiter: str | None = None
    decimal: str = "."
    sheet: str | None = None
    header_row: int = 1
    rows: int = 0  # data rows, blank rows not counted
    columns: list[str] = field(default_factory=list)
    formula_cells: int = 0

    def describe(self) -> str:
        """E.g. ``"CSV, encoding cp1250, delimiter ';', decimal mark ','"``."""
        if self.format == "csv":
            delim = {"\t": "tab"}.get(self.delimiter or "", repr(self.delimiter))
            return (
                f"CSV, encoding {self.encoding}, delimiter {delim}, decimal mark '{self.decimal}'"
            )
        if self.format == "xlsx":
            return f"XLSX, sheet '{self.sheet}', header in row {self.header_row}"
        return self.format.upper()


@dataclass
class Table:
    """A file read as text: ``frame`` (index = file row numbers), how, and reading problems."""

    frame: pd.DataFrame
    info: ReadInfo
    problems: list[Problem] = field(default_factory=list)
    raw: dict[int, str] = field(default_factory=dict)

    @property
    def rows_total(self) -> int:
        """Data rows in the file (including rows that could not be split into columns)."""
        return self.info.rows
