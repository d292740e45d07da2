"""Parquet files (all columns) as text; the declared size is checked before reading."""

from __future__ import annotations

from pathlib import Path

from indicators.ingest.readers.base import MAX_CELLS, MAX_COLUMNS, ReadError, ReadInfo, Table
from indicators.ingest.readers.cells import cell_text
from indicators.ingest.readers.frame import check_text, rows_to_table
from indicators.ingest.readers.guard import check_size


def read_parquet(path: Path) -> Table:
    """Read a Parquet file (all columns) as text."""
    import pyarrow.parquet as pq

    check_size(path)
    try:
        meta = pq.ParquetFile(path).metadata
        n_rows, n_cols = int(meta.num_rows), int(meta.num_columns)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many types for bad files
        raise ReadError(
            f"the Parquet file cannot be read ({type(exc).__name__}: {_first_line(exc)})",
            "export it again",
        ) from None
    if n_cols > MAX_COLUMNS or n_rows * max(n_cols, 1) > MAX_CELLS:
        raise ReadError(
            f"the Parquet file declares {n_rows:,} rows x {n_cols:,} columns (at most "
            f"{MAX_CELLS:,} cells and {MAX_COLUMNS:,} columns); nothing was read",
            "split it into several files",
        )
    try:
        arrow = pq.read_table(path)
    except Exception as exc:  # noqa: BLE001
        raise ReadError(
            f"the Parquet file cannot be read ({type(exc).__name__}: {_first_line(exc)})",
            "export it again",
        ) from None
    columns = [str(c) for c in arrow.column_names]
    try:
        cols = [[cell_text(v) for v in arrow.column(i).to_pylist()] for i in range(len(columns))]
    except Exception as exc:  # noqa: BLE001 - values pyarrow cannot convert to Python
        raise ReadError(
            f"the Parquet file holds values that cannot be read ({type(exc).__name__})",
            "export it again with plain number, text and date columns",
        ) from None
    n = arrow.num_rows
    rows: list[tuple[int, list[str | None]]] = [(1, list(columns))]
    rows += [(i + 2, [col[i] for col in cols]) for i in range(n)]
    raw = {i + 2: ",".join("" if col[i] is None else col[i] for col in cols) for i in range(n)}
    table = rows_to_table(rows, ReadInfo(format="parquet"), [], raw)
    check_text(table)
    return table


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else "damaged"
