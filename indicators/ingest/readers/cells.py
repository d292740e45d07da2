"""Cell values as text, rows as dictionaries, and numbers as people write them."""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
from typing import Any

import pandas as pd

_MINUS = str.maketrans({"−": "-", "–": "-", "\u00a0": "", "\u202f": "", " ": "", "'": ""})
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
#: Longest text accepted as a number (longer is never a measurement; float() would be slow).
_MAX_NUMBER_CHARS = 100


def parse_number(text: str | None, decimal_mark: str = ".") -> tuple[float | None, str | None]:
    """Parse a number written with ``decimal_mark``; return ``(value, None)`` or ``(None, reason)``.

    Accepts thousands separators only where unambiguous (``1.234.567``, ``1.234,5`` with a
    decimal comma; ``1,234,567``, ``1,234.5`` with a decimal point), spaces, a typographic
    minus and exponents. ``'5.200'`` in a decimal-comma file is refused as ambiguous.
    """
    if text is None or not str(text).strip():
        return None, "is empty"
    s = str(text).strip().translate(_MINUS)
    if len(s) > _MAX_NUMBER_CHARS:
        return None, f"is not a number (it is {len(s):,} characters long)"
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
