"""CSV and other delimited text: any common encoding and delimiter, decimal comma; hostile
text (binary data, NUL bytes, mixed encodings, giant cells and lines) is refused clearly."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from indicators.ingest.readers.base import (
    DELIMITERS,
    MAX_FIELD_CHARS,
    MAX_LINE_CHARS,
    ReadError,
    ReadInfo,
    Table,
    is_comment,
)
from indicators.ingest.readers.cells import cell_text
from indicators.ingest.readers.frame import check_text, check_width, rows_to_table
from indicators.ingest.readers.guard import read_stable_bytes
from indicators.ingest.readers.sniff import (
    check_binary_bytes,
    check_signature,
    check_text_is_text,
    detect_decimal,
    sniff_delimiter,
    sniff_encoding,
)
from indicators.ingest.report import Problem

_LONG_LINE = re.compile(r"[^\n]{" + str(MAX_LINE_CHARS + 1) + "}")


def read_csv(path: Path) -> Table:
    """Read a delimited text file (any common encoding and delimiter, decimal comma)."""
    data = read_stable_bytes(path)
    check_signature(data, "CSV (text)")
    check_binary_bytes(data)
    encoding = sniff_encoding(data)
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        raise ReadError(
            f"the text encoding cannot be read (it looks like {encoding}, but is not)",
            "save the file again as CSV UTF-8 (in Excel: Save As → CSV UTF-8)",
        ) from None
    del data
    check_text_is_text(text, encoding)
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise ReadError("the file contains only blank lines", "export the data again")
    long_line = _LONG_LINE.search(text)
    if long_line is not None:
        line = text.count("\n", 0, long_line.start()) + 1
        raise ReadError(
            f"line {line} is longer than {MAX_LINE_CHARS:,} characters: this is not a table "
            "row (a line break missing, or not a CSV file)",
            "check that the file is the table you meant; export it again as CSV",
            row=line,
        )
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
            check_width(len(record), number)
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
        raise _split_error(exc, number + 1, reader.line_num) from None
    table = rows_to_table(rows, info, problems, raw)
    table.info.rows = len(table.frame) + bad_rows
    table.info.decimal = detect_decimal(table.frame.to_numpy(dtype=object).ravel().tolist())
    check_text(table)
    return table


def _split_error(exc: csv.Error, row: int, line: int) -> ReadError:
    if "field larger than field limit" in str(exc):
        return ReadError(
            f"row {row} (from line {line}) has a cell longer than {MAX_FIELD_CHARS:,} "
            "characters, the most one cell may hold; usually an opening quote (\") that is "
            "never closed and swallows the lines after it",
            "close the quote in that row (or remove it), or split the text; a cell this long "
            "is not a value this importer can use",
            row=row,
        )
    return ReadError(
        f"the file cannot be split into columns near row {row} ({exc})",
        "check for an unclosed quote (\") in that row",
        row=row,
    )


def _width_problem(
    record: list[str], header_len: int, delimiter: str, number: int, line: str
) -> Problem | None:
    """Explain a row whose number of fields differs from the header's (None: accept, padded)."""
    n = len(record)
    for other in DELIMITERS:
        if other != delimiter and other in line:
            try:
                parts = next(csv.reader([line], delimiter=other))
            except (csv.Error, StopIteration):
                continue
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
