"""Data downloads: CSV (UTF-8 with BOM, so Excel reads č ć š ž đ and Cyrillic) and XLSX
(a ``data`` sheet and a ``metadata`` sheet: title, generation date, method, fictional flag,
filters, coverage, and the sources with publisher, licence, URL and citation).

Formula injection: a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return could be run as a formula by a spreadsheet. Such cells get a leading single
quote (``'=1+2``). Numbers stay numbers: numeric columns are never touched, and a text cell
that is just a number (``-0.5``) is left as it is.
"""

from __future__ import annotations

import io
import math
import re
from datetime import date, datetime

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from indicators.export.meta import ExportMeta
from indicators.i18n import t

FORMATS: dict[str, str] = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
DANGEROUS_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")
DATA_SHEET = "data"
META_SHEET = "metadata"


def neutralise(value: object) -> object:
    """``value`` safe for a spreadsheet: dangerous text gets a leading ``'``; numbers unchanged."""
    if not isinstance(value, str) or not value:
        return value
    if value.startswith(DANGEROUS_PREFIXES) and not _NUMBER.match(value):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell (and text column name) passed through :func:`neutralise`."""
    out = frame.copy()
    for col in out.columns:
        series = out[col]
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            continue
        if pd.api.types.is_datetime64_any_dtype(series):
            continue
        out[col] = series.map(neutralise).astype(object)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def csv_preamble(meta: ExportMeta) -> str:
    """``# field: value`` lines (title, date, method v1, fictional flag, filters, coverage,
    sources with licences) that precede the header of an exported CSV. Spreadsheets show them
    as text; ``pandas.read_csv(..., comment="#")`` and this project's importer skip them."""
    rows = [*meta.metadata_rows(), *((t("label.source"), s.line) for s in meta.sources)]
    lines = []
    for field, value in rows:
        text = " ".join(f"{field}: {value}".split())
        lines.append("# " + text.replace('"', "'"))
    return "\r\n".join(lines) + "\r\n"


def to_csv(frame: pd.DataFrame, meta: ExportMeta | None = None) -> bytes:
    """CSV bytes: UTF-8 with BOM, comma-separated, neutralised text cells; with ``meta``, the
    header is preceded by ``#`` metadata lines (:func:`csv_preamble`)."""
    text = neutralise_frame(frame).to_csv(index=False, lineterminator="\r\n")
    if meta is not None:
        text = csv_preamble(meta) + text
    return text.encode("utf-8-sig")


def _cell(value: object) -> object:
    """A value openpyxl writes as data (never as a formula); missing values become empty."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, bool | int | float | str | datetime | date):
        return value
    if isinstance(value, list | tuple | np.ndarray):
        return ", ".join(str(v) for v in value)
    return str(value)


def _write_rows(ws, rows: list[list[object]], *, bold_first: bool = True) -> None:
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c, value=_cell(value))
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, even when it starts with "="
            if bold_first and r == 1:
                cell.font = Font(bold=True)


def _autosize(ws, max_width: int = 60) -> None:
    widths: dict[int, int] = {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is not None:
                length = max(len(part) for part in str(cell.value).split("\n"))
                widths[cell.column] = max(widths.get(cell.column, 0), length)
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = min(max(8, width + 2), max_width)


def to_xlsx(frame: pd.DataFrame, meta: ExportMeta) -> bytes:
    """XLSX bytes: sheet ``data`` (the table, header frozen) and sheet ``metadata``."""
    safe = neutralise_frame(frame)
    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    rows: list[list[object]] = [list(safe.columns)]
    rows += safe.astype(object).values.tolist()
    _write_rows(ws, rows)
    ws.freeze_panes = "A2"
    _autosize(ws)

    wm = wb.create_sheet(META_SHEET)
    meta_rows: list[list[object]] = [[t("export.meta_field"), t("export.meta_value")]]
    meta_rows += [[neutralise(k), neutralise(v)] for k, v in meta.metadata_rows()]
    meta_rows.append([])
    meta_rows.append([t("export.meta_sources")])
    header = [
        t("export.meta_source_id"), t("label.source"), t("export.meta_publisher"),
        t("label.licence"), "URL", t("export.meta_citation"),
    ]
    start = len(meta_rows) + 1
    meta_rows.append(header)
    for s in meta.sources:
        meta_rows.append(
            [neutralise(v) for v in (s.id, s.title, s.publisher, s.licence, s.url, s.citation)]
        )
    if not meta.sources:
        meta_rows.append([t("export.meta_no_sources")])
    _write_rows(wm, meta_rows)
    for cell in wm[start]:
        cell.font = Font(bold=True)
    wm.cell(row=start - 1, column=1).font = Font(bold=True)
    _autosize(wm, max_width=80)
    for row in wm.iter_rows(min_row=2, max_col=2):
        row[1].alignment = Alignment(wrap_text=True, vertical="top")

    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def table_bytes(frame: pd.DataFrame, meta: ExportMeta, fmt: str) -> bytes:
    """CSV or XLSX bytes of ``frame`` (``fmt`` is ``csv`` or ``xlsx``)."""
    fmt = fmt.lower()
    if fmt == "csv":
        return to_csv(frame, meta)
    if fmt == "xlsx":
        return to_xlsx(frame, meta)
    raise ValueError(f"unsupported table format {fmt!r}; choose csv or xlsx")
