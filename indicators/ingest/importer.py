"""The import pipeline behind :func:`indicators.ingest.preview` and
:func:`indicators.ingest.import_file`: staging (a private copy of each file), detection,
validation against the warehouse, the status decision, and landing
(:mod:`indicators.ingest.landing`). See the package docstring for the rules."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from indicators.catalog import Indicator
from indicators.ingest.boundaries import prepare_boundaries
from indicators.ingest.definitions import prepare_definitions
from indicators.ingest.detect import kind_by_file, table_layout
from indicators.ingest.events import prepare_events
from indicators.ingest.incidents import monitoring_kind, prepare_incidents
from indicators.ingest.landing import init_warehouse, land
from indicators.ingest.observations import prepare_observations
from indicators.ingest.preview import Preview
from indicators.ingest.readers import ReadError, read_table, stage_copy
from indicators.ingest.report import ImportReport, Problem
from indicators.ingest.validate import Context
from indicators.ops.faults import pause_point
from indicators.publish import WarehouseBusy, WriteFailed
from indicators.warehouse import connect, resolve_db_path

DB = str | os.PathLike[str] | duckdb.DuckDBPyConnection | None


def file_checksum(path: str | os.PathLike[str]) -> str:
    """sha256 (hex) of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


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
        init_warehouse(con)
        yield con, False
    finally:
        con.close()


def detect_kind(path: Path, mapping: dict[str, str] | None) -> str:
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
    with tempfile.TemporaryDirectory(prefix="preview-") as stage:
        try:
            path, checksum = stage_copy(Path(file), Path(stage) / "main")
            defs = (stage_copy(Path(definitions), Path(stage) / "defs")[0]
                    if definitions is not None else None)
        except ReadError as exc:
            return Preview(file=Path(file).name, path=Path(file), kind="unknown", fatal=True,
                           problems=[exc.problem]).finish()
        with _reader(db) as (con, _exists):
            extra: list[Indicator] = []
            if defs is not None:
                extra = _prepare(defs, con, kind="definitions").indicators
            out = _prepare(path, con, mapping=mapping, country=country, extra=extra)
    out.path = Path(file)
    out.checksum = checksum
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
    parts: list[tuple[Path, str | None, str]],
    mapping: dict[str, str] | None,
    country: str | None,
) -> tuple[list[Preview], dict[int, dict[str, Any]]]:
    """Validate every part (definitions first); parts imported before are skipped."""
    previews: list[Preview] = []
    skipped: dict[int, dict[str, Any]] = {}  # part index -> previous import
    with _reader(db) as (con, exists):
        extra: list[Indicator] = []
        for i, (p, kind, checksum) in enumerate(parts):
            if exists and checksum:
                prev = _previous(con, checksum)
                if prev:
                    try:
                        k = kind or detect_kind(p, mapping)
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
    ``imported_by`` is the authenticated account (the Data page) or ``cli:<OS user>``.

    Every file is first copied to a private staging folder (refused if it changes while it
    is copied); validation, landing and the kept original all use that one copy.

    ``db_path`` is the warehouse file (created with framework and catalog when the import
    lands and it does not exist yet; None means the default warehouse) or an open read-write
    connection. Returns an :class:`ImportReport` whose ``status`` is ``"imported"``,
    ``"rejected"``, ``"dry-run"`` or ``"already imported"``.
    """
    path = Path(file)
    with tempfile.TemporaryDirectory(prefix="import-") as stage:
        return _import_staged(
            db_path, path, Path(definitions) if definitions is not None else None, Path(stage),
            dry_run=dry_run, allow_partial=allow_partial, mapping=mapping, country=country,
            imported_by=imported_by, source=source,
        )


def _rejected(path: Path, reason: str, suggestion: str, dry_run: bool,
              problem: Problem | None = None) -> ImportReport:
    problem = problem or Problem(reason=reason, suggestion=suggestion)
    problem.file = path.name
    return ImportReport(file=path.name, checksum="", kind="unknown", status="rejected",
                        fatal=True, dry_run=dry_run, problems=[problem])


def _staged(path: Path, folder: Path, kind: str | None) -> tuple[Path, str | None, str]:
    copy, checksum = stage_copy(path, folder)
    return copy, kind, checksum


def _import_staged(
    db_path: DB,
    path: Path,
    defs_path: Path | None,
    stage: Path,
    *,
    dry_run: bool,
    allow_partial: bool,
    mapping: dict[str, str] | None,
    country: str | None,
    imported_by: str | None,
    source: str | None,
) -> ImportReport:
    """:func:`import_file` on staged copies in ``stage``."""
    parts: list[tuple[Path, str | None, str]] = []
    try:
        if defs_path is not None:
            parts.append(_staged(defs_path, stage / "defs", "definitions"))
        parts.append(_staged(path, stage / "main", None))
    except ReadError as exc:
        return _rejected(path, "", "", dry_run, exc.problem)
    except OSError as exc:
        return _rejected(path, f"the file cannot be read ({exc.strerror or exc})",
                         "check the path and the file's permissions", dry_run)

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
    for pv, (_p, _k, checksum) in zip(previews, parts, strict=True):
        pv.checksum = pv.checksum or checksum

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
        pause_point("import.validated")
        originals = {c: p for p, _k, c in parts if c}
        failure: Problem | None = None
        try:
            created = land(db_path, [(pv, rep) for (i, pv), rep in zip(
                enumerate(previews), reports, strict=True) if i not in skipped], imported_by,
                source, originals)
        except WriteFailed as exc:
            failure = Problem(reason=exc.reason, file=path.name, suggestion=exc.suggestion)
        except WarehouseBusy as exc:
            failure = Problem(reason=str(exc), file=path.name,
                              suggestion="import the file again when the other import is done")
        except duckdb.Error as exc:
            failure = Problem(
                reason=f"the warehouse refused the data ({type(exc).__name__}: {exc}); "
                "nothing was changed", file=path.name,
                suggestion="close other programs using the warehouse and try again",
            )
        else:
            reports[-1].created_warehouse = created
        if failure is not None:
            for rep in reports:
                if rep.status == "imported":
                    rep.status = "rejected"
                    rep.rows_landed = rep.records_landed = 0
                    rep.import_id = None
            reports[-1].fatal = True
            reports[-1].problems.append(failure)
    main = reports[-1]
    for rep in reports:
        rep.file = Path(rep.file).name
    main.related = reports[:-1]
    if not isinstance(db_path, duckdb.DuckDBPyConnection):
        main.db_path = str(resolve_db_path(db_path))
    return main


def import_history(con: duckdb.DuckDBPyConnection) -> Any:
    """All imports, newest first (for the history page; undo will use ``import_id``)."""
    return con.execute("SELECT * FROM imports ORDER BY import_id DESC").df()
