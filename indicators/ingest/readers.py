"""Read tabular files (CSV, XLSX, Parquet) into a DataFrame of strings, saying how they were read.

Everything is read as text (``str`` or ``None`` for an empty cell) so that validation can
quote the cell exactly as the user wrote it. The DataFrame index holds the row number of
the original file (header = row 1), which every message refers to.

Lines starting with ``#`` are comments (skipped), and workbook sheets named ``How to fill
this`` or ``… (reference)`` are help (skipped), so the monitoring templates import as they are.

CSV: the encoding is sniffed (BOMs, UTF-8, UTF-16, then the Windows code pages used in the
region, cp1250 and cp1251, chosen by which one yields regional letters), the delimiter among
``, ; tab |`` and the decimal mark (``.`` or ``,``) from the cells. XLSX: values only;
formula cells are refused (the cached result may be stale), one problem per cell.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import decimal
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from indicators.ingest.report import Problem

#: Extensions per tabular format.
CSV_EXT = {".csv", ".txt", ".tsv", ".tab"}
XLSX_EXT = {".xlsx", ".xlsm"}
PARQUET_EXT = {".parquet", ".pq"}
DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")
#: Code pages tried (in this order of preference) when a file is not UTF-8/UTF-16.
CODEPAGES: tuple[str, ...] = ("cp1250", "cp1251", "cp1252", "iso8859_2", "iso8859_5")
MAX_BYTES = 200 * 1024 * 1024

_REGIONAL = set("čćžšđČĆŽŠĐëçËÇ")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_C1 = re.compile(r"[\u0080-\u009f]")
_DEC_COMMA = re.compile(r"^[+-]?\d+,\d+$|^[+-]?\d{1,3}(\.\d{3})+,\d+$")
_DEC_DOT = re.compile(r"^[+-]?\d+\.\d+$|^[+-]?\d{1,3}(,\d{3})+\.\d+$")
_MINUS = str.maketrans({"−": "-", "–": "-", "\u00a0": "", "\u202f": "", " ": "", "'": ""})
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


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


# --------------------------------------------------------------------------- text sniffing


def sniff_encoding(data: bytes) -> str:
    """The Python codec that decodes ``data``: BOMs first, then UTF-8, UTF-16, code pages.

    Raises :class:`ReadError` when no candidate decodes the bytes.
    """
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = data[:4096]
    if sample and sample.count(0) > len(sample) // 4:  # UTF-16 without a BOM
        even_nuls = sample[0::2].count(0)
        odd_nuls = sample[1::2].count(0)
        enc = "utf-16-le" if odd_nuls >= even_nuls else "utf-16-be"
        try:
            data.decode(enc)
            return enc
        except UnicodeDecodeError:
            raise ReadError(
                "the file contains NUL bytes and is not valid UTF-16: it does not look like a "
                "text file",
                "export the table as CSV (UTF-8) or XLSX",
            ) from None
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    best: tuple[float, str] | None = None
    for rank, enc in enumerate(CODEPAGES):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        score = _plausibility(text) - rank * 0.01
        if best is None or score > best[0]:
            best = (score, enc)
    if best is None:
        try:
            from charset_normalizer import from_bytes

            guess = from_bytes(data).best()
        except Exception:  # noqa: BLE001 - any failure means "unknown"
            guess = None
        if guess is None or guess.encoding is None:
            raise ReadError(
                "the text encoding could not be recognised",
                "save the file as 'CSV UTF-8' (Excel: Save As → CSV UTF-8)",
            )
        return str(guess.encoding)
    return best[1]


def _plausibility(text: str) -> float:
    """Higher for text that looks like a Western Balkan language in Latin or Cyrillic."""
    score = 0.0
    for word in re.findall(r"\w+", text):
        if not word.isascii():
            cyr = bool(_CYRILLIC.search(word))
            lat = bool(_LATIN.search(word))
            if cyr and lat:
                score -= 3  # mixed scripts inside a word: a wrong code page
    for ch in text:
        if ch.isascii():
            continue
        if ch in _REGIONAL or _CYRILLIC.match(ch):
            score += 2
        elif _C1.match(ch) or not ch.isprintable():
            score -= 5
        else:
            score -= 1
    return score


def sniff_delimiter(text: str) -> str:
    """The delimiter among ``, ; tab |`` that splits the most lines like the header."""
    lines = [ln for ln in text.splitlines() if ln.strip() and not is_comment(ln)][:64]
    if not lines:
        return ","
    best = (-1.0, 0, ",")
    for delim in DELIMITERS:
        counts = [len(r) for r in csv.reader(lines, delimiter=delim)]
        header = counts[0]
        if header < 2:
            continue
        same = sum(1 for c in counts if c == header) / len(counts)
        cand = (same, header, delim)
        if cand[:2] > best[:2]:
            best = cand
    return best[2]


def detect_decimal(values: list[str]) -> str:
    """``","`` when cells like ``12,5`` outnumber cells like ``12.5``, else ``"."``."""
    comma = dot = 0
    for v in values:
        if v is None:
            continue
        s = v.strip()
        if _DEC_COMMA.match(s):
            comma += 1
        elif _DEC_DOT.match(s):
            dot += 1
    return "," if comma > dot else "."


def parse_number(text: str | None, decimal_mark: str = ".") -> tuple[float | None, str | None]:
    """Parse a number written with ``decimal_mark``; return ``(value, None)`` or ``(None, reason)``.

    Accepts thousands separators only where unambiguous (``1.234.567``, ``1.234,5`` with a
    decimal comma; ``1,234,567``, ``1,234.5`` with a decimal point), spaces, a typographic
    minus and exponents. ``'5.200'`` in a decimal-comma file is refused as ambiguous.
    """
    if text is None or not str(text).strip():
        return None, "is empty"
    s = str(text).strip().translate(_MINUS)
    group = "." if decimal_mark == "," else ","
    g = re.escape(group)
    if group in s and decimal_mark in s:
        if s.index(group) > s.index(decimal_mark):
            return None, "mixes '.' and ',' in an unexpected order"
        head, _, tail = s.partition(decimal_mark)
        if not re.fullmatch(r"[+-]?\d{1,3}(" + g + r"\d{3})+", head):
            return None, "has misplaced thousands separators"
        s = head.replace(group, "") + "." + tail
    elif group in s:
        if re.fullmatch(r"[+-]?\d{1,3}(" + g + r"\d{3}){2,}", s):
            s = s.replace(group, "")
        elif re.fullmatch(r"[+-]?\d{1,3}" + g + r"\d{3}", s):
            return None, (
                f"is ambiguous: this file uses '{decimal_mark}' as decimal mark, so '{group}' "
                "would be a thousands separator"
            )
        elif group == "." and re.fullmatch(r"[+-]?\d*\.\d+", s):
            pass  # a decimal point in a decimal-comma file: unambiguous (not 3 digits)
        elif re.fullmatch(r"[+-]?\d*" + g + r"\d+", s):
            return None, (
                f"uses '{group}' as decimal mark while the rest of the file uses '{decimal_mark}'"
            )
        else:
            return None, "is not a number"
    elif decimal_mark == ",":
        s = s.replace(",", ".")
    if not _NUMBER.match(s):
        return None, "is not a number"
    value = float(s)
    if math.isnan(value) or math.isinf(value):
        return None, "is not a finite number"
    return value, None


def find_mojibake(text: str) -> str | None:
    """If ``text`` is UTF-8 that was decoded with a Windows code page, return the repaired text."""
    if text.isascii():
        return None
    for enc in ("cp1252", "cp1250", "latin-1"):
        try:
            fixed = text.encode(enc).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if fixed != text and not fixed.isascii():
            return fixed
    return None


# --------------------------------------------------------------------------- cell values


def cell_text(value: Any) -> str | None:
    """A cell of any reader as stripped text; ``None`` for empty cells and NaN."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, decimal.Decimal):
        return cell_text(float(value))
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return cell_text(value.item())
    s = str(value).replace("\u00a0", " ").strip()
    return s or None


def iter_rows(frame: pd.DataFrame) -> Any:
    """``(row_number, {column: text or None})`` for each row (``iterrows`` would turn None
    into NaN)."""
    cols = list(frame.columns)
    for values in frame.itertuples(index=True, name=None):
        yield int(values[0]), dict(zip(cols, values[1:], strict=True))


# --------------------------------------------------------------------------- readers


def read_table(path: Path) -> Table:
    """Read a CSV, XLSX or Parquet file as text; raise :class:`ReadError` if impossible."""
    path = Path(path)
    if not path.exists():
        raise ReadError(f"file {path} does not exist", "check the path")
    size = path.stat().st_size
    if size == 0:
        raise ReadError("the file is empty (0 bytes)", "export the data again")
    if size > MAX_BYTES:
        raise ReadError(
            f"the file is too large ({size / 1e6:.0f} MB; at most {MAX_BYTES // 2**20} MB)",
            "split it into several files",
        )
    ext = path.suffix.lower()
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
    _check_header(table)
    return table


def _rows_to_table(
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


def _check_header(table: Table) -> None:
    """Blank and duplicate column names; a header with no data rows."""
    cols = list(table.frame.columns)
    seen: dict[str, int] = {}
    for i, name in enumerate(cols):
        letter = _column_letter(i)
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
                f"{_column_letter(seen[key])} and {letter})",
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


def _column_letter(i: int) -> str:
    letters = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        letters = chr(65 + r) + letters
    return letters


def read_csv(path: Path) -> Table:
    """Read a delimited text file (any common encoding and delimiter, decimal comma)."""
    data = path.read_bytes()
    encoding = sniff_encoding(data)
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        raise ReadError(
            f"the text encoding cannot be read (it looks like {encoding}, but is not)",
            "save the file again as CSV UTF-8 (in Excel: Save As → CSV UTF-8)",
        ) from None
    if "\x00" in text:
        raise ReadError("the file contains NUL bytes: it is not a text (CSV) file",
                        "export the table as CSV (UTF-8) or XLSX")
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise ReadError("the file contains only blank lines", "export the data again")
    delimiter = sniff_delimiter(text)
    info = ReadInfo(format="csv", encoding=encoding, delimiter=delimiter)
    problems: list[Problem] = []
    rows: list[tuple[int, list[str | None]]] = []
    raw: dict[int, str] = {}
    header_len: int | None = None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    bad_rows = 0
    try:
        for record in reader:
            number += 1
            if not record or all(not c.strip() for c in record) or is_comment(record[0]):
                continue  # blank, or a comment line ('#', e.g. the help of our templates)
            line = delimiter.join(record)
            cells = [cell_text(c) for c in record]
            if header_len is None:
                header_len = len(cells)
                rows.append((number, cells))
                continue
            raw[number] = line
            if len(cells) > header_len and all(c is None for c in cells[header_len:]):
                cells = cells[:header_len]
            if len(cells) != header_len:
                problem = _width_problem(record, header_len, delimiter, number, line)
                if problem is not None:
                    problems.append(problem)
                    bad_rows += 1
                    continue
            rows.append((number, cells))
    except csv.Error as exc:
        raise ReadError(
            f"the file cannot be split into columns near row {number + 1} ({exc})",
            "check for an unclosed quote (\") in that row",
            row=number + 1,
        ) from None
    table = _rows_to_table(rows, info, problems, raw)
    table.info.rows = len(table.frame) + bad_rows
    table.info.decimal = detect_decimal(table.frame.to_numpy(dtype=object).ravel().tolist())
    _check_text(table)
    return table


def _width_problem(
    record: list[str], header_len: int, delimiter: str, number: int, line: str
) -> Problem | None:
    """Explain a row whose number of fields differs from the header's (None: accept, padded)."""
    n = len(record)
    for other in DELIMITERS:
        if other != delimiter and other in line:
            parts = next(csv.reader([line], delimiter=other))
            if len(parts) == header_len:
                return Problem(
                    reason=f"has {n} field(s) but the header has {header_len}: this row seems "
                    f"to use {_name(other)} as separator while the file uses {_name(delimiter)}",
                    row=number, value=line, raw=line,
                    suggestion=f"use {_name(delimiter)} throughout the file",
                )
    if n > header_len:
        hint = "remove the extra cells or give them a column name"
        if delimiter == "," and any(
            a.strip().lstrip("-").isdigit() and b.strip().isdigit()
            for a, b in zip(record, record[1:], strict=False)
        ):
            hint = (
                "a decimal comma in a comma-separated file splits the number in two: use '.' "
                "as decimal mark, quote the value, or save with ';' as separator"
            )
        return Problem(
            reason=f"has {n} fields but the header has {header_len}",
            row=number, value=line, raw=line, suggestion=hint,
        )
    return None  # fewer fields: trailing optional cells left out


def _name(delim: str) -> str:
    return {"\t": "tab", ",": "',' (comma)", ";": "';' (semicolon)", "|": "'|'"}[delim]


def _check_text(table: Table) -> None:
    """Cells that show wrong decoding: mojibake (UTF-8 read as cp1252) or lost characters."""
    frame = table.frame
    for j, col in enumerate(frame.columns):
        for number, value in zip(frame.index, frame.iloc[:, j], strict=True):
            if value is None or value.isascii():
                continue
            if "\ufffd" in value:
                table.problems.append(Problem(
                    reason=f"'{value}' contains '\ufffd', a character lost in an earlier "
                    "conversion between encodings",
                    row=int(number), column=col, value=value, raw=table.raw.get(int(number)),
                    suggestion="retype the name or export the original data again as UTF-8",
                ))
                continue
            fixed = find_mojibake(value)
            if fixed is not None:
                table.problems.append(Problem(
                    reason=f"'{value}' looks like text decoded with the wrong encoding",
                    row=int(number), column=col, value=value, raw=table.raw.get(int(number)),
                    suggestion=f"did you mean '{fixed}'? Save the file as 'CSV UTF-8' and "
                    "import it again",
                ))


def read_xlsx(path: Path) -> Table:
    """Read the first non-empty sheet of a workbook (values; formula cells become problems)."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for bad files
        raise ReadError(
            f"the workbook cannot be opened ({type(exc).__name__})",
            "open it in Excel or LibreOffice and save it again as .xlsx",
        ) from None
    try:
        chosen = None
        rows: list[tuple[int, list[str | None]]] = []
        formulas: list[tuple[int, int, str]] = []
        others: list[str] = []
        for ws in wb.worksheets:
            if is_reference_sheet(ws.title):
                continue  # the help and reference sheets of our templates
            sheet_rows: list[tuple[int, list[str | None]]] = []
            sheet_formulas: list[tuple[int, int, str]] = []
            for r, row in enumerate(ws.iter_rows(), start=1):
                cells: list[str | None] = []
                for c, cell in enumerate(row):
                    if getattr(cell, "data_type", None) == "f":
                        sheet_formulas.append((r, c, str(cell.value)))
                        cells.append(None)
                    else:
                        cells.append(cell_text(cell.value))
                if any(x is not None for x in cells) or sheet_formulas and sheet_formulas[-1][0] == r:
                    sheet_rows.append((r, cells))
            if not sheet_rows:
                continue
            if chosen is None:
                chosen, rows, formulas = ws.title, sheet_rows, sheet_formulas
            else:
                others.append(ws.title)
    finally:
        wb.close()
    if chosen is None:
        raise ReadError("the workbook has no data in any sheet", "put the data in the first sheet")
    info = ReadInfo(format="xlsx", sheet=chosen)
    raw = {n: ",".join("" if c is None else c for c in cells) for n, cells in rows[1:]}
    table = _rows_to_table(rows, info, [], raw)
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
    _check_text(table)
    return table


def read_parquet(path: Path) -> Table:
    """Read a Parquet file (all columns) as text."""
    import pyarrow.parquet as pq

    try:
        arrow = pq.read_table(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many types for bad files
        raise ReadError(
            f"the Parquet file cannot be read ({type(exc).__name__}: {exc})",
            "export it again",
        ) from None
    columns = [str(c) for c in arrow.column_names]
    cols = [[cell_text(v) for v in arrow.column(i).to_pylist()] for i in range(len(columns))]
    n = arrow.num_rows
    rows: list[tuple[int, list[str | None]]] = [(1, list(columns))]
    rows += [(i + 2, [col[i] for col in cols]) for i in range(n)]
    raw = {i + 2: ",".join("" if col[i] is None else col[i] for col in cols) for i in range(n)}
    table = _rows_to_table(rows, ReadInfo(format="parquet"), [], raw)
    _check_text(table)
    return table
