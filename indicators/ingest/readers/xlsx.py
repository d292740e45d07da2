"""XLSX workbooks: values only (formula cells are refused, one problem per cell). The zip
container is checked before openpyxl parses anything: a workbook that would expand to more
than :data:`MAX_XLSX_UNZIPPED` bytes or any part more than :data:`MAX_ZIP_RATIO` times its
compressed size (a zip bomb) is refused, and so is a sheet declaring more cells than
:data:`MAX_CELLS`."""

from __future__ import annotations

import zipfile
from pathlib import Path

from indicators.ingest.readers.base import (
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_XLSX_UNZIPPED,
    MAX_ZIP_RATIO,
    ReadError,
    ReadInfo,
    Table,
    is_reference_sheet,
)
from indicators.ingest.readers.cells import cell_text
from indicators.ingest.readers.frame import check_text, rows_to_table
from indicators.ingest.readers.guard import check_size
from indicators.ingest.readers.sniff import detect_decimal
from indicators.ingest.report import Problem

_RESAVE = "open it in Excel or LibreOffice and save it again as .xlsx"


def check_workbook_zip(path: Path) -> None:
    """Refuse a workbook that is not a zip, or whose parts would expand out of bounds."""
    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ReadError("the workbook is not a valid XLSX file (not a zip container)",
                        _RESAVE) from None
    total = 0
    for m in members:
        total += m.file_size
        if m.file_size > 16 * 2**20 and m.file_size > MAX_ZIP_RATIO * max(m.compress_size, 1):
            raise ReadError(
                f"the workbook part '{m.filename}' would expand {m.file_size // max(m.compress_size, 1):,}-fold "
                f"to {m.file_size / 2**20:,.0f} MB (a zip bomb?); nothing was read",
                _RESAVE,
            )
    if total > MAX_XLSX_UNZIPPED:
        raise ReadError(
            f"the workbook would expand to {total / 2**30:,.1f} GB when unzipped (at most "
            f"{MAX_XLSX_UNZIPPED / 2**30:.0f} GB); nothing was read",
            "split it into several workbooks or export it as CSV",
        )


def read_xlsx(path: Path) -> Table:
    """Read the first non-empty sheet of a workbook (values; formula cells become problems)."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    check_size(path)
    check_workbook_zip(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for bad files
        raise ReadError(f"the workbook cannot be opened ({type(exc).__name__})", _RESAVE) from None
    try:
        chosen = None
        rows: list[tuple[int, list[str | None]]] = []
        formulas: list[tuple[int, int, str]] = []
        others: list[str] = []
        try:
            for ws in wb.worksheets:
                if is_reference_sheet(ws.title):
                    continue  # the help and reference sheets of our templates
                sheet_rows, sheet_formulas = _read_sheet(ws)
                if not sheet_rows:
                    continue
                if chosen is None:
                    chosen, rows, formulas = ws.title, sheet_rows, sheet_formulas
                else:
                    others.append(ws.title)
        except ReadError:
            raise
        except Exception as exc:  # noqa: BLE001 - malformed sheet XML, bad CRC, ...
            raise ReadError(
                f"the workbook cannot be read ({type(exc).__name__}: "
                f"{str(exc).splitlines()[0][:150] if str(exc) else 'damaged'})",
                _RESAVE,
            ) from None
    finally:
        wb.close()
    if chosen is None:
        raise ReadError("the workbook has no data in any sheet", "put the data in the first sheet")
    info = ReadInfo(format="xlsx", sheet=chosen)
    raw = {n: ",".join("" if c is None else c for c in cells) for n, cells in rows[1:]}
    table = rows_to_table(rows, info, [], raw)
    header = list(table.frame.columns)
    for r, c, formula in formulas:
        if r == info.header_row:
            col_name = get_column_letter(c + 1)
        else:
            col_name = header[c] if c < len(header) and header[c] else get_column_letter(c + 1)
        table.problems.append(Problem(
            reason=f"cell {get_column_letter(c + 1)}{r} contains a formula ({formula}); formulas "
            "are not imported",
            row=r, column=col_name, value=formula, raw=raw.get(r),
            suggestion="replace formulas by their values (copy, then Paste Special → Values) "
            "and save again",
        ))
    info.formula_cells = len(formulas)
    if others:
        table.problems.append(Problem(
            reason=f"only sheet '{chosen}' was read; sheet(s) {', '.join(others)} also hold data",
            severity="warning",
            suggestion="put each table in its own file",
        ))
    info.decimal = detect_decimal(table.frame.to_numpy(dtype=object).ravel().tolist())
    check_text(table)
    return table


def _read_sheet(ws) -> tuple[list[tuple[int, list[str | None]]], list[tuple[int, int, str]]]:
    """Rows with a value (and formulas) of one sheet, within the cell budget."""
    max_col = ws.max_column or 0
    max_row = ws.max_row or 0
    if max_col > MAX_COLUMNS or max_col * max_row > MAX_CELLS:
        raise ReadError(
            f"sheet '{ws.title}' declares {max_row:,} rows x {max_col:,} columns (at most "
            f"{MAX_CELLS:,} cells and {MAX_COLUMNS:,} columns); nothing was read",
            "delete the empty rows and columns after the table (or copy the table into a new "
            "workbook) and save again",
        )
    sheet_rows: list[tuple[int, list[str | None]]] = []
    sheet_formulas: list[tuple[int, int, str]] = []
    budget = MAX_CELLS
    for r, row in enumerate(ws.iter_rows(), start=1):
        budget -= len(row)
        if budget < 0 or len(row) > MAX_COLUMNS:
            raise ReadError(
                f"sheet '{ws.title}' holds more than {MAX_CELLS:,} cells (or a row wider than "
                f"{MAX_COLUMNS:,} columns, row {r}); nothing was read",
                "split the table into several files or export it as CSV",
                row=r,
            )
        cells: list[str | None] = []
        for c, cell in enumerate(row):
            if getattr(cell, "data_type", None) == "f":
                sheet_formulas.append((r, c, str(cell.value)))
                cells.append(None)
            else:
                cells.append(cell_text(cell.value))
        if any(x is not None for x in cells) or sheet_formulas and sheet_formulas[-1][0] == r:
            sheet_rows.append((r, cells))
    return sheet_rows, sheet_formulas
