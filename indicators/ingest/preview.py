"""The :class:`Preview` of an import: everything known before anything is written.

The upload page shows it (detected encoding, delimiter, decimal mark, long/wide form,
column mapping, the rows that will land, problems row by row); :func:`import_file` lands it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from indicators.ingest.report import Problem, problems_frame

#: Writes the landing part of a preview inside the caller's transaction; returns records written.
Writer = Callable[[Any, int], int]


@dataclass
class Preview:
    """A validated file, not yet written.

    ``landing`` holds the records that will land (observations, units or definitions);
    ``fatal`` is set when nothing can land whatever the options (e.g. a required column is
    missing); ``header_row`` problems about a whole column do not reject rows by themselves.
    """

    file: str
    path: Path
    kind: str
    checksum: str = ""
    layout: str | None = None
    read_info: Any = None
    columns: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    rows_total: int = 0
    landing: pd.DataFrame = field(default_factory=pd.DataFrame)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    fatal: bool = False
    header_row: int | None = None
    new_countries: list[str] = field(default_factory=list)
    indicators: list[Any] = field(default_factory=list)
    writer: Writer | None = field(default=None, repr=False)

    def finish(self) -> Preview:
        """Stamp the file name on every problem and split warnings from errors."""
        for p in self.problems + self.warnings:
            p.file = p.file or self.file
        self.warnings += [p for p in self.problems if not p.is_error]
        self.problems = [p for p in self.problems if p.is_error]
        if any(p.row is None for p in self.problems):
            self.fatal = True
        return self

    @property
    def rejected_rows(self) -> set[int]:
        """Row numbers (features) with at least one error."""
        if self.fatal:
            return set(range(1, self.rows_total + 1))
        return {p.row for p in self.problems if p.row is not None and p.row != self.header_row}

    @property
    def rows_rejected(self) -> int:
        """How many rows will not land."""
        return self.rows_total if self.fatal else len(self.rejected_rows)

    @property
    def rows_valid(self) -> int:
        """How many rows land completely."""
        return max(0, self.rows_total - self.rows_rejected)

    @property
    def ok(self) -> bool:
        """True when the whole file can land (no errors)."""
        return not self.problems and not self.fatal

    def problems_frame(self) -> pd.DataFrame:
        """Errors and warnings as a table (row, column, value, reason, suggestion, severity)."""
        return problems_frame(self.problems + self.warnings)

    def summary(self) -> dict[str, Any]:
        """Plain facts for a preview header."""
        info = self.read_info
        return {
            "file": self.file,
            "kind": self.kind,
            "layout": self.layout,
            "read_as": info.describe() if info is not None and hasattr(info, "describe") else None,
            "encoding": getattr(info, "encoding", None),
            "delimiter": getattr(info, "delimiter", None),
            "decimal": getattr(info, "decimal", None),
            "mapping": dict(self.mapping),
            "rows_total": self.rows_total,
            "rows_valid": self.rows_valid,
            "rows_rejected": self.rows_rejected,
            "records": len(self.landing),
            "errors": len(self.problems),
            "warnings": len(self.warnings),
        }
