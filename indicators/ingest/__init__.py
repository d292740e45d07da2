"""File import: observations, indicator definitions and boundaries into the warehouse.

Two entry points, shared by the CLI and the upload page:

* :func:`preview` — read and validate a file against the warehouse (opened read-only, or a
  scratch copy of an empty one) and return a :class:`Preview`: how the file was read, the
  column mapping, the rows that will land and every problem, row by row. Writes nothing.
* :func:`import_file` — the same checks, then, only if the import is going to land, ONE write
  transaction with the data, the ``imports`` row (file name, sha256 of the original file,
  counts, status) and, with ``allow_partial``, the ``rejected_rows``. A rejected import never
  opens the warehouse for writing, so the DuckDB file stays byte-for-byte unchanged (and is
  not created when it did not exist). Re-importing a file with the same checksum and kind is
  a no-op reported as ``"already imported"``.

The kind of file is detected from its content (see :mod:`indicators.ingest.detect`).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from indicators.catalog import Indicator, load_catalog, store_catalog
from indicators.ingest.boundaries import prepare_boundaries
from indicators.ingest.definitions import prepare_definitions
from indicators.ingest.detect import kind_by_file, table_layout
from indicators.ingest.events import prepare_events
from indicators.ingest.incidents import monitoring_kind, prepare_incidents
from indicators.ingest.matching import UnitMatcher, name_key, remember_alias
from indicators.ingest.observations import prepare_observations
from indicators.ingest.preview import Preview
from indicators.ingest.readers import ReadError, ReadInfo, read_table
from indicators.ingest.report import ImportReport, Problem
from indicators.ingest.validate import Context
from indicators.publish import copy_on_write
from indicators.warehouse import connect, ensure_schema, resolve_db_path, transaction

__all__ = [
    "ImportReport",
    "Preview",
    "Problem",
    "ReadInfo",
    "UnitMatcher",
    "file_checksum",
    "import_file",
    "import_history",
    "name_key",
    "preview",
    "remember_alias",
]

DB = str | os.PathLike[str] | duckdb.DuckDBPyConnection | None


def file_checksum(path: str | os.PathLike[str]) -> str:
    """sha256 (hex) of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _init_warehouse(con: duckdb.DuckDBPyConnection) -> list[str]:
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


@contextmanager
def _reader(db: DB) -> Iterator[tuple[duckdb.DuckDBPyConnection, bool]]:
    """A connection for validation: the caller's, the warehouse read-only, or a scratch one.

    Yields ``(connection, exists)``; ``exists`` is False for the in-memory stand-in of a
    warehouse that does not exist yet.
    """
    if isinstance(db, duckdb.DuckDBPyConnection):
        yield db, True
        return
    path = resolve_db_path(db)
    if path.exists():
        con = connect(path, read_only=True)
        try:
            yield con, True
        finally:
            con.close()
        return
    con = duckdb.connect(":memory:")
    try:
        _init_warehouse(con)
        yield con, False
    finally:
        con.close()


def _detect_kind(path: Path, mapping: dict[str, str] | None) -> str:
    """``boundaries`` | ``definitions`` | ``observations`` | ``incidents`` | ``events``
    (tables by their columns)."""
    kind = kind_by_file(path)
    if kind is not None:
        return kind
    table = read_table(path)
    columns = list(table.frame.columns)
    return monitoring_kind(columns) or table_layout(columns, mapping).kind


def _prepare(
    path: Path,
    con: duckdb.DuckDBPyConnection,
    *,
    kind: str | None = None,
    mapping: dict[str, str] | None = None,
    country: str | None = None,
    extra: list[Indicator] | None = None,
) -> Preview:
    """Read and validate one file against the warehouse behind ``con``."""
    file = path.name
    try:
        if not path.is_file():
            raise ReadError(f"file {path} does not exist (or is not a file)", "check the path")
        kind = kind or kind_by_file(path)
        ctx = Context.from_connection(con, extra or [])
        if kind == "boundaries":
            return prepare_boundaries(path, ctx, file=file, mapping=mapping, country=country)
        if kind == "definitions":
            return prepare_definitions(path, file=file, existing=ctx.indicators, mapping=mapping)
        table = read_table(path)
        special = monitoring_kind(list(table.frame.columns))  # incident log or calendar
        if special == "incidents":
            return prepare_incidents(table, ctx, con, file=file, path=path, country=country)
        if special == "events":
            return prepare_events(table, ctx, con, file=file, path=path)
        layout = table_layout(list(table.frame.columns), mapping)
        if layout.kind == "definitions":
            return prepare_definitions(path, file=file, existing=ctx.indicators, mapping=mapping)
        return prepare_observations(
            table, ctx, file=file, path=path, mapping=mapping, country=country
        )
    except ReadError as exc:
        return Preview(
            file=file, path=path, kind=kind or "unknown", fatal=True, problems=[exc.problem]
        ).finish()


def preview(
    file: str | os.PathLike[str],
    db: DB = None,
    *,
    definitions: str | os.PathLike[str] | None = None,
    mapping: dict[str, str] | None = None,
    country: str | None = None,
) -> Preview:
    """Validate ``file`` (and ``definitions`` first) without writing anything.

    With ``definitions``, their valid codes count as known for the observations.
    """
    path = Path(file)
    with _reader(db) as (con, _exists):
        extra: list[Indicator] = []
        if definitions is not None:
            extra = _prepare(Path(definitions), con, kind="definitions").indicators
        out = _prepare(path, con, mapping=mapping, country=country, extra=extra)
    if path.exists():
        out.checksum = file_checksum(path)
    return out


def _previous(con: duckdb.DuckDBPyConnection, checksum: str) -> list[dict[str, Any]]:
    rows = con.execute(
        "SELECT import_id, kind, status, imported_at FROM imports "
        "WHERE checksum = ? AND status IN ('landed', 'partial') ORDER BY import_id DESC",
        [checksum],
    ).fetchall()
    return [dict(zip(("import_id", "kind", "status", "imported_at"), r, strict=True))
            for r in rows]


def _report(part: Preview, status: str, allow_partial: bool) -> ImportReport:
    rejected = part.rows_rejected
    return ImportReport(
        file=part.file,
        checksum=part.checksum,
        kind=part.kind,
        status=status,
        layout=part.layout,
        rows_total=part.rows_total,
        rows_landed=0 if status == "rejected" else part.rows_total - rejected,
        rows_rejected=rejected,
        problems=list(part.problems),
        warnings=list(part.warnings),
        read_info=part.read_info,
        allow_partial=allow_partial,
        fatal=part.fatal,
    )


def _prepare_all(
    db: DB,
    parts: list[tuple[Path, str | None]],
    mapping: dict[str, str] | None,
    country: str | None,
) -> tuple[list[Preview], dict[int, dict[str, Any]]]:
    """Validate every part (definitions first); parts imported before are skipped."""
    previews: list[Preview] = []
    skipped: dict[int, dict[str, Any]] = {}  # part index -> previous import
    with _reader(db) as (con, exists):
        extra: list[Indicator] = []
        for i, (p, kind) in enumerate(parts):
            checksum = file_checksum(p) if p.exists() and p.is_file() else ""
            if exists and checksum:
                prev = _previous(con, checksum)
                if prev:
                    try:
                        k = kind or _detect_kind(p, mapping)
                    except ReadError:
                        k = None
                    same = [x for x in prev if x["kind"] == k]
                    if same:
                        skipped[i] = same[0]
                        previews.append(Preview(file=p.name, path=p, kind=str(k),
                                                checksum=checksum))
                        continue
            part = _prepare(p, con, kind=kind, mapping=None if kind else mapping,
                            country=None if kind else country, extra=extra)
            part.checksum = checksum
            if part.kind == "definitions":
                extra = extra + list(part.indicators)
            previews.append(part)
    return previews, skipped


def import_file(
    db_path: DB,
    file: str | os.PathLike[str],
    *,
    definitions: str | os.PathLike[str] | None = None,
    dry_run: bool = False,
    allow_partial: bool = False,
    mapping: dict[str, str] | None = None,
    country: str | None = None,
    imported_by: str | None = None,
    source: str | None = None,
) -> ImportReport:
    """Import a boundary, definitions or observations file (detected by content).

    ``source`` (a ``sources.id``) is recorded on observation rows that name no source.

    ``db_path`` is the warehouse file (created with framework and catalog when the import
    lands and it does not exist yet; None means the default warehouse) or an open read-write
    connection. Returns an :class:`ImportReport` whose ``status`` is ``"imported"``,
    ``"rejected"``, ``"dry-run"`` or ``"already imported"``.
    """
    path = Path(file)
    defs_path = Path(definitions) if definitions is not None else None
    parts: list[tuple[Path, str | None]] = []
    if defs_path is not None:
        parts.append((defs_path, "definitions"))
    parts.append((path, None))

    try:
        previews, skipped = _prepare_all(db_path, parts, mapping, country)
    except duckdb.Error as exc:
        where = "" if isinstance(db_path, duckdb.DuckDBPyConnection) else (
            f" {resolve_db_path(db_path)}")
        return ImportReport(
            file=path.name, checksum="", kind="unknown", status="rejected", fatal=True,
            dry_run=dry_run,
            problems=[Problem(
                reason=f"the warehouse{where} cannot be read ({type(exc).__name__}: "
                f"{str(exc).splitlines()[0]})", file=path.name,
                suggestion="check --db; close other programs that are writing to it",
            )],
        )

    reports: list[ImportReport] = []
    active = [(i, pv) for i, pv in enumerate(previews) if i not in skipped]
    blocked = any(pv.fatal for _, pv in active) or any(
        pv.problems and (not allow_partial or len(pv.landing) == 0) for _, pv in active
    )
    if not active:
        status = "already imported"
    elif blocked:
        status = "rejected"
    elif dry_run:
        status = "dry-run"
    else:
        status = "imported"
    for i, pv in enumerate(previews):
        if i in skipped:
            rep = ImportReport(file=pv.file, checksum=pv.checksum, kind=pv.kind,
                               status="already imported", previous_import=skipped[i])
            rep.import_id = skipped[i]["import_id"]
        else:
            rep = _report(pv, status, allow_partial)
        rep.dry_run = dry_run
        reports.append(rep)

    if status == "imported":
        try:
            created = _land(db_path, [(pv, rep) for (i, pv), rep in zip(
                enumerate(previews), reports, strict=True) if i not in skipped], imported_by, source)
        except duckdb.Error as exc:
            for rep in reports:
                if rep.status == "imported":
                    rep.status = "rejected"
                    rep.rows_landed = rep.records_landed = 0
                    rep.import_id = None
            reports[-1].problems.append(Problem(
                reason=f"the warehouse refused the data ({type(exc).__name__}: {exc}); "
                "nothing was changed", file=path.name,
                suggestion="close other programs using the warehouse and try again",
            ))
        else:
            reports[-1].created_warehouse = created
    main = reports[-1]
    main.related = reports[:-1]
    if not isinstance(db_path, duckdb.DuckDBPyConnection):
        main.db_path = str(resolve_db_path(db_path))
    return main


def _land(
    db: DB,
    parts: list[tuple[Preview, ImportReport]],
    imported_by: str | None,
    source: str | None = None,
) -> bool:
    """Write every part in one transaction; returns True when the warehouse was created.

    A warehouse given by path is written copy-on-write under the writer lock
    (:mod:`indicators.publish`): readers keep the previous version until the new one is
    published whole, and concurrent imports are serialised.
    """
    if isinstance(db, duckdb.DuckDBPyConnection):
        with transaction(db):
            _write_parts(db, parts, imported_by, source)
        return False
    path = resolve_db_path(db)
    with copy_on_write(path) as tmp:
        created = not path.exists()
        con = connect(tmp)
        try:
            with transaction(con):
                if created:
                    _init_warehouse(con)
                _write_parts(con, parts, imported_by, source)
        finally:
            con.close()
    return created


def _write_parts(
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
        _keep_history(con, pv, import_id)
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


def _keep_history(con: duckdb.DuckDBPyConnection, pv: Preview, import_id: int) -> None:
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


def import_history(con: duckdb.DuckDBPyConnection) -> Any:
    """All imports, newest first (for the history page; undo will use ``import_id``)."""
    return con.execute("SELECT * FROM imports ORDER BY import_id DESC").df()
