"""What an import found and did: :class:`Problem` (one finding) and :class:`ImportReport`.

A problem names the file, the row (or feature), the column, the value, the reason and a
suggestion, so that a person can fix the file without reading code::

    obs.csv, row 7, column 'value': 'abc' is not a number — fix the cell or delete the row
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from indicators.i18n import t

#: Statuses of an :class:`ImportReport`.
STATUSES: tuple[str, ...] = ("imported", "rejected", "dry-run", "already imported")
#: At most this many problem lines in :meth:`ImportReport.to_text`.
MAX_LINES = 50


@dataclass
class Problem:
    """One finding about an input file.

    ``row`` is the 1-based row of the original file (header = row 1) or, for boundary files,
    the 1-based feature number; ``None`` means the whole file. ``severity`` is ``"error"``
    (the row cannot land) or ``"warning"`` (it lands, but somebody should look).
    """

    reason: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    suggestion: str = ""
    file: str = ""
    raw: str | None = None
    severity: str = "error"
    row_label: str = "row"

    @property
    def is_error(self) -> bool:
        """True when the finding stops the row (or file) from landing."""
        return self.severity == "error"

    def location(self) -> str:
        """``"obs.csv, row 7, column 'value'"`` (the parts that are known)."""
        parts = [self.file] if self.file else []
        if self.row is not None:
            label = t("import.loc_feature") if self.row_label == "feature" else t("import.loc_row")
            parts.append(f"{label} {self.row}")
        if self.column:
            label = t("import.loc_field") if self.row_label == "feature" else t("import.loc_column")
            parts.append(f"{label} '{self.column}'")
        return ", ".join(parts)

    def text(self) -> str:
        """The whole message on one line."""
        loc = self.location()
        msg = f"{loc}: {self.reason}" if loc else self.reason
        if self.suggestion:
            msg += f" — {self.suggestion}"
        return msg

    def as_dict(self) -> dict[str, Any]:
        """Plain dict (for JSON or a table in the upload page)."""
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "reason": self.reason,
            "suggestion": self.suggestion,
            "severity": self.severity,
        }


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    """Problems as a table, one row each (for previews)."""
    cols = ["file", "row", "column", "value", "reason", "suggestion", "severity"]
    return pd.DataFrame([p.as_dict() for p in problems], columns=cols)


@dataclass
class ImportReport:
    """The outcome of :func:`indicators.ingest.import_file` for one file.

    ``rows_total`` counts the data rows (features, definitions) of the file;
    ``rows_rejected`` those with at least one error; ``rows_landed`` the rest (when the
    import landed, else the number that would land). ``records_landed`` counts what was
    written (observations — a wide row holds several —, units or definitions).
    """

    file: str
    checksum: str
    kind: str
    status: str
    rows_total: int = 0
    rows_landed: int = 0
    rows_rejected: int = 0
    records_landed: int = 0
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    layout: str | None = None
    import_id: int | None = None
    db_path: str | None = None
    read_info: Any = None
    created_warehouse: bool = False
    allow_partial: bool = False
    fatal: bool = False
    dry_run: bool = False
    previous_import: dict[str, Any] | None = None
    related: list[ImportReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the import landed, would land (dry run) or had landed before."""
        if self.status == "rejected":
            return False
        if self.status == "dry-run":
            blocking = any(p.is_error for p in self.all_problems())
            return self.allow_partial or not blocking
        return True

    @property
    def exit_code(self) -> int:
        """0 when imported (or would be), 2 when rejected — the CLI's exit status."""
        return 0 if self.ok else 2

    @property
    def partial(self) -> bool:
        """True when valid rows landed and others were kept as rejected rows."""
        return self.status == "imported" and self.rows_rejected > 0

    def all_problems(self) -> list[Problem]:
        """Errors of this file and of related files (e.g. ``--definitions``)."""
        out = list(self.problems)
        for rel in self.related:
            out.extend(rel.all_problems())
        return out

    def all_warnings(self) -> list[Problem]:
        """Warnings of this file and of related files."""
        out = list(self.warnings)
        for rel in self.related:
            out.extend(rel.all_warnings())
        return out

    def _headline(self) -> str:
        what = self.kind + (t("import.form", layout=self.layout) if self.layout else "")
        head = t("import.head", file=self.file) + (f" ({what})" if self.kind != "unknown" else "")
        if self.status == "already imported":
            prev = self.previous_import or {}
            when = (t("import.on", when=str(prev["imported_at"])[:19])
                    if prev.get("imported_at") else "")
            pid = t("import.as", id=prev["import_id"]) if prev.get("import_id") else ""
            return t("import.already", head=head, pid=pid, when=when)
        if self.status == "rejected":
            if self.dry_run:
                return t("import.dry_rejected", head=head)
            return t("import.rejected", head=head)
        if self.status == "dry-run":
            verdict = t("import.would_import") if self.ok else t("import.would_reject")
            return t("import.dry_run", head=head, verdict=verdict)
        if self.partial:
            return t("import.partial", head=head, id=self.import_id)
        return t("import.imported", head=head, id=self.import_id)

    def _summary_lines(self) -> list[str]:
        lines = [self._headline()]
        if self.checksum:
            lines.append(f"  checksum sha256 {self.checksum[:16]}…")
        if self.read_info is not None and hasattr(self.read_info, "describe"):
            lines.append(f"  read as {self.read_info.describe()}")
        if self.created_warehouse:
            lines.append(f"  created the warehouse {self.db_path} (framework and catalog, no units)")
        if self.status != "already imported" and not (self.fatal and not self.rows_total):
            if self.status == "imported":
                verb, good = "landed", self.rows_landed
            else:
                verb, good = "valid", max(0, self.rows_total - self.rows_rejected)
            lines.append(
                "  " + t("import.rows", total=self.rows_total, good=good,
                         verb=t(f"import.verb_{verb}"), bad=self.rows_rejected)
                + (t("import.records", n=self.records_landed) if self.status == "imported"
                   else "")
            )
        return lines

    def to_text(self, max_lines: int = MAX_LINES) -> str:
        """A readable report: headline, counts, problems (at most ``max_lines``), warnings."""
        lines = self._summary_lines()
        for rel in self.related:
            lines.extend("  " + x for x in rel._summary_lines())
        problems = self.all_problems()
        if problems:
            label = t("import.rejected_rows") if self.status == "imported" else t("data.problems")
            lines.append(f"{label} ({len(problems)}):")
            for p in problems[:max_lines]:
                lines.append("  " + p.text())
            if len(problems) > max_lines:
                lines.append("  " + t("import.more_csv", n=len(problems) - max_lines))
            if self.fatal or any(r.fatal for r in self.related):
                lines.append(t("import.fix_fatal"))
            elif self.status in ("rejected", "dry-run") and not self.allow_partial:
                lines.append(t("import.fix_or_partial"))
        warnings = self.all_warnings()
        if warnings:
            lines.append(f"{t('import.warnings')} ({len(warnings)}):")
            for p in warnings[:max_lines]:
                lines.append("  " + p.text())
            if len(warnings) > max_lines:
                lines.append("  " + t("import.more", n=len(warnings) - max_lines))
        return "\n".join(lines)

    def rejected_frame(self) -> pd.DataFrame:
        """Rejected rows with reasons: ``file, row_number, raw, column, reason``."""
        rows = [
            {
                "file": p.file,
                "row_number": p.row,
                "raw": p.raw,
                "column": p.column,
                "reason": p.reason + (f" — {p.suggestion}" if p.suggestion else ""),
            }
            for p in self.all_problems()
        ]
        return pd.DataFrame(rows, columns=["file", "row_number", "raw", "column", "reason"])

    def write_rejects(self, path: str | Path) -> int:
        """Write :meth:`rejected_frame` as UTF-8 CSV (with BOM, for Excel); return its length."""
        frame = self.rejected_frame()
        frame.to_csv(path, index=False, encoding="utf-8-sig")
        return len(frame)
