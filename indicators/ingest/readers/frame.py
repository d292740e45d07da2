"""From rows of cells to the :class:`Table` every reader returns, with the checks all formats
share: blank and duplicate column names, no data rows, too many columns, mis-decoded text."""

from __future__ import annotations

import pandas as pd

from indicators.ingest.readers.base import MAX_COLUMNS, ReadError, ReadInfo, Table
from indicators.ingest.readers.sniff import find_mojibake
from indicators.ingest.report import Problem


def rows_to_table(
    rows: list[tuple[int, list[str | None]]], info: ReadInfo, problems: list[Problem],
    raw: dict[int, str],
) -> Table:
    """Build the frame from ``(row_number, cells)`` rows; the first row is the header."""
    if not rows:
        raise ReadError("the file contains no data, not even a header row", "export the data again")
    header_row, header_cells = rows[0]
    width = len(header_cells)
    while width and header_cells[width - 1] is None and all(
        len(c) < width or c[width - 1] is None for _, c in rows[1:]
    ):
        width -= 1
    check_width(width, header_row)
    header = [c if c is not None else "" for c in header_cells[:width]]
    info.header_row = header_row
    info.columns = header
    data: list[list[str | None]] = []
    index: list[int] = []
    for number, cells in rows[1:]:
        if all(c is None for c in cells):
            continue
        cells = list(cells[:width]) + [None] * max(0, width - len(cells))
        data.append(cells)
        index.append(number)
    info.rows = len(index)
    frame = pd.DataFrame(data, columns=range(width), index=index, dtype=object)
    frame.columns = header
    return Table(frame=frame, info=info, problems=problems, raw=raw)


def check_width(width: int, row: int) -> None:
    """Refuse a table wider than :data:`MAX_COLUMNS`."""
    if width > MAX_COLUMNS:
        raise ReadError(
            f"row {row} has {width:,} columns (at most {MAX_COLUMNS:,}): this is not a table "
            "this importer can read",
            "check the delimiter and the file; split very wide tables into several files",
            row=row,
        )


def check_header(table: Table) -> None:
    """Blank and duplicate column names; a header with no data rows."""
    cols = list(table.frame.columns)
    seen: dict[str, int] = {}
    for i, name in enumerate(cols):
        letter = column_letter(i)
        if not name:
            if table.frame.iloc[:, i].notna().any():
                table.problems.append(Problem(
                    reason=f"column {letter} has values but no name in the header",
                    column=letter,
                    suggestion="give the column a name or delete it",
                ))
            continue
        key = name.strip().lower()
        if key in seen:
            table.problems.append(Problem(
                reason=f"column name '{name}' appears twice (columns "
                f"{column_letter(seen[key])} and {letter})",
                column=name,
                suggestion="rename or delete one of them",
            ))
        seen[key] = i
    if table.info.rows == 0:
        raise ReadError(
            "the file has a header row but no data rows",
            "add data rows below the header",
            row=table.info.header_row,
        )


def column_letter(i: int) -> str:
    """Spreadsheet letter of the 0-based column ``i`` (0 → A, 26 → AA)."""
    letters = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        letters = chr(65 + r) + letters
    return letters


def check_text(table: Table) -> None:
    """Cells that show wrong decoding: mojibake (UTF-8 read as cp1252) or lost characters."""
    frame = table.frame
    for j, col in enumerate(frame.columns):
        for number, value in zip(frame.index, frame.iloc[:, j], strict=True):
            if value is None or value.isascii():
                continue
            if "\ufffd" in value:
                table.problems.append(Problem(
                    reason=f"'{_short(value)}' contains '\ufffd', a character lost in an earlier "
                    "conversion between encodings",
                    row=int(number), column=col, value=value, raw=table.raw.get(int(number)),
                    suggestion="retype the name or export the original data again as UTF-8",
                ))
                continue
            fixed = find_mojibake(value)
            if fixed is not None:
                table.problems.append(Problem(
                    reason=f"'{_short(value)}' looks like text decoded with the wrong encoding",
                    row=int(number), column=col, value=value, raw=table.raw.get(int(number)),
                    suggestion=f"did you mean '{_short(fixed)}'? Save the file as 'CSV UTF-8' "
                    "and import it again",
                ))


def _short(text: str, n: int = 80) -> str:
    return text if len(text) <= n else text[:n] + "…"
