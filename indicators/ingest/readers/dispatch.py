"""Choose the reader by extension: :func:`read_table`."""

from __future__ import annotations

from pathlib import Path

from indicators.ingest.readers.base import PARQUET_EXT, XLSX_EXT, ReadError, Table
from indicators.ingest.readers.delimited import read_csv
from indicators.ingest.readers.frame import check_header
from indicators.ingest.readers.guard import check_size
from indicators.ingest.readers.parquet import read_parquet
from indicators.ingest.readers.xlsx import read_xlsx


def read_table(path: Path) -> Table:
    """Read a CSV, XLSX or Parquet file as text; raise :class:`ReadError` if impossible.

    Whatever the bytes, the outcome is a :class:`Table` or a :class:`ReadError` saying why
    (this is what the fuzz tests in ``tests/test_hardening_fuzz.py`` hold it to).
    """
    path = Path(path)
    check_size(path)
    ext = path.suffix.lower()
    try:
        if ext in XLSX_EXT:
            table = read_xlsx(path)
        elif ext in PARQUET_EXT:
            table = read_parquet(path)
        elif ext == ".xls":
            raise ReadError(
                "old Excel 97-2003 files (.xls) are not supported", "save the workbook as .xlsx"
            )
        else:
            table = read_csv(path)
    except MemoryError:
        raise ReadError("the file needs more memory than this server has to be read",
                        "split it into several smaller files") from None
    except RecursionError:
        raise ReadError("the file is nested too deeply to be read",
                        "export it again as a flat table") from None
    check_header(table)
    return table
