"""Landing validated files: ONE write transaction per import (copy-on-write under the writer
lock), the ``imports`` rows, the data, the values it overwrites (for undo), the rejected rows,
and the original files kept next to the warehouse."""

from __future__ import annotations

import os
from contextlib import suppress
from pathlib import Path

import duckdb

from indicators.catalog import load_catalog, store_catalog
from indicators.ingest.originals import keep_original, original_path
from indicators.ingest.preview import Preview
from indicators.ingest.report import ImportReport
from indicators.ops.faults import pause_point
from indicators.publish import copy_on_write
from indicators.warehouse import connect, ensure_schema, resolve_db_path, transaction

DB = str | os.PathLike[str] | duckdb.DuckDBPyConnection | None


def init_warehouse(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Schema, FoA framework and indicator catalog (no units); returns warnings."""
    ensure_schema(con)
    notes: list[str] = []
    try:
        from indicators.framework import load_framework
    except ImportError:  # pragma: no cover - the framework module ships with the package
        notes.append("the FoA framework module is missing; risk factors were not loaded")
    else:
        load_framework(con)
    store_catalog(con, load_catalog(), origin="catalog")
    return notes


def land(
    db: DB,
    parts: list[tuple[Preview, ImportReport]],
    imported_by: str | None,
    source: str | None = None,
    originals: dict[str, Path] | None = None,
) -> bool:
    """Write every part in one transaction; returns True when the warehouse was created.

    A warehouse given by path is written copy-on-write under the writer lock
    (:mod:`indicators.publish`): readers keep the previous version until the new one is
    published whole, and concurrent imports are serialised. ``originals`` (checksum → staged
    file) are kept next to the warehouse (:mod:`indicators.ingest.originals`) before the new
    version is published.
    """
    if isinstance(db, duckdb.DuckDBPyConnection):
        with transaction(db):
            write_parts(db, parts, imported_by, source)
        return False
    path = resolve_db_path(db)
    kept: list[Path] = []
    try:
        with copy_on_write(path) as tmp:
            created = not path.exists()
            con = connect(tmp)
            try:
                with transaction(con):
                    if created:
                        init_warehouse(con)
                    write_parts(con, parts, imported_by, source)
            finally:
                con.close()
            for pv, _rep in parts:
                staged = (originals or {}).get(pv.checksum)
                if staged is not None and staged.is_file():
                    target = original_path(path, pv.checksum, pv.file)
                    if not target.exists():
                        kept.append(target)
                    keep_original(path, staged, pv.checksum, pv.file)
            pause_point("publish.originals")
    except BaseException:
        for target in kept:  # this version was not published: neither are its originals
            target.unlink(missing_ok=True)
            with suppress(OSError):
                target.parent.rmdir()
        raise
    return created


def write_parts(
    con: duckdb.DuckDBPyConnection,
    parts: list[tuple[Preview, ImportReport]],
    imported_by: str | None,
    source: str | None,
) -> None:
    """Insert the imports rows, the data (keeping overwritten values for undo) and rejects."""
    for pv, rep in parts:
        status = "partial" if rep.rows_rejected or pv.problems else "landed"
        import_id = con.execute(
            "INSERT INTO imports (file_name, checksum, kind, rows_total, rows_landed, "
            "rows_rejected, imported_by, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "RETURNING import_id",
            [pv.file, pv.checksum, pv.kind, pv.rows_total, rep.rows_landed,
             rep.rows_rejected, imported_by, status],
        ).fetchone()[0]
        keep_history(con, pv, import_id)
        written = pv.writer(con, import_id) if pv.writer is not None else 0
        if source and pv.kind == "observations":
            con.execute(
                "UPDATE observations SET source = ? WHERE import_id = ? AND source IS NULL",
                [source, import_id],
            )
        rejected = [
            [import_id, p.row or 0, p.raw, p.column,
             p.reason + (f" — {p.suggestion}" if p.suggestion else "")]
            for p in pv.problems
        ]
        if rejected:
            con.executemany(
                "INSERT INTO rejected_rows (import_id, row_number, raw, col, reason) "
                "VALUES (?, ?, ?, ?, ?)",
                rejected,
            )
        rep.import_id = import_id
        rep.records_landed = written


def keep_history(con: duckdb.DuckDBPyConnection, pv: Preview, import_id: int) -> None:
    """Save the observations an import is about to overwrite, so it can be undone."""
    landing = pv.landing
    keys = ["unit_id", "indicator", "period"]
    if landing is None or len(landing) == 0 or not set(keys) <= set(landing.columns):
        return
    frame = landing[keys].drop_duplicates().astype({"period": "int64"})
    con.register("_landing_keys", frame)
    try:
        con.execute(
            "INSERT INTO observation_history SELECT ?, o.unit_id, o.indicator, o.period, o.value, "
            "o.source, o.note, o.import_id FROM observations o "
            "JOIN _landing_keys k ON k.unit_id = o.unit_id AND k.indicator = o.indicator "
            "AND k.period = o.period",
            [import_id],
        )
    finally:
        con.unregister("_landing_keys")
