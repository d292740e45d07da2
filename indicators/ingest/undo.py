"""Undo an observations import: its rows leave, the values it overwrote come back.

Written copy-on-write under the writer lock like any import. Rows that a *later* import
overwrote again are left as they are (and counted in the report).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import duckdb

from indicators.i18n import t
from indicators.publish import copy_on_write
from indicators.warehouse import connect, resolve_db_path, transaction

UNDOABLE_KINDS = ("observations", "incidents")


class UndoError(ValueError):
    """The import cannot be undone; the message says why."""


@dataclass
class UndoReport:
    """What an undo changed."""

    import_id: int
    file_name: str
    removed: int
    restored: int
    kept_later: int

    def to_text(self) -> str:
        """One readable sentence."""
        text = t("import.undone", id=self.import_id, file=self.file_name, removed=self.removed,
                 restored=self.restored)
        if self.kept_later:
            text += " " + t("import.undone_kept", n=self.kept_later)
        return text


def undo_import(
    db: str | os.PathLike[str] | None, import_id: int, undone_by: str | None = None
) -> UndoReport:
    """Undo import ``import_id`` of warehouse ``db``; raises :class:`UndoError` when impossible.

    ``undone_by`` (the authenticated account, or ``cli:<OS user>``) is recorded on the import.
    """
    path = resolve_db_path(db)
    if not path.exists():
        raise UndoError(f"Warehouse {path} does not exist.")
    with copy_on_write(path) as tmp:
        con = connect(tmp)
        try:
            with transaction(con):
                report = _undo(con, int(import_id), undone_by)
        finally:
            con.close()
    return report


def _undo(con: duckdb.DuckDBPyConnection, import_id: int, undone_by: str | None) -> UndoReport:
    row = con.execute(
        "SELECT file_name, kind, status FROM imports WHERE import_id = ?", [import_id]
    ).fetchone()
    if row is None:
        raise UndoError(f"There is no import number {import_id}.")
    file_name, kind, status = row
    if status == "undone":
        raise UndoError(f"Import {import_id} ({file_name}) was already undone.")
    if kind not in UNDOABLE_KINDS:
        raise UndoError(
            f"Import {import_id} ({file_name}) holds {kind}; only observation imports can be undone. "
            "Re-import a corrected file instead."
        )
    removed = con.execute(
        "SELECT count(*) FROM observations WHERE import_id = ?", [import_id]
    ).fetchone()[0]
    touched = con.execute(
        "SELECT count(*) FROM observation_history WHERE import_id = ?", [import_id]
    ).fetchone()[0]
    con.execute("DELETE FROM observations WHERE import_id = ?", [import_id])
    restored = con.execute(
        "INSERT INTO observations (unit_id, indicator, period, value, source, note, import_id) "
        "SELECT h.unit_id, h.indicator, h.period, h.value, h.source, h.note, h.previous_import_id "
        "FROM observation_history h WHERE h.import_id = ? AND NOT EXISTS (SELECT 1 FROM "
        "observations o WHERE o.unit_id = h.unit_id AND o.indicator = h.indicator "
        "AND o.period = h.period)",
        [import_id],
    ).fetchone()[0]
    con.execute("DELETE FROM observation_history WHERE import_id = ?", [import_id])
    has_incidents = con.execute(
        "SELECT count(*) FROM information_schema.columns WHERE table_name = 'incidents' "
        "AND column_name = 'import_id'"
    ).fetchone()[0]
    if has_incidents:
        con.execute("DELETE FROM incidents WHERE import_id = ?", [import_id])
    con.execute(
        "UPDATE imports SET status = 'undone', undone_by = ?, undone_at = current_timestamp "
        "WHERE import_id = ?", [undone_by, import_id],
    )
    return UndoReport(import_id, file_name, int(removed), int(restored),
                      int(touched) - int(restored))
