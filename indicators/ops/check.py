"""``python -m indicators check``: is a warehouse whole and consistent?

Checks, in order: the file opens and every table reads back whole (DuckDB verifies its block
checksums while reading); the schema version and tables; foreign keys between observations,
units, countries, indicators, sources and imports; geometry (valid WKB polygons); orphan
versions (history rows of missing or undone imports, data of undone imports, copies left by
killed writers, a leftover WAL); stale locks; kept original files. Each finding is
``ok``, ``warning`` (worth knowing, nothing wrong with the data) or ``problem``.
"""

from __future__ import annotations

import fcntl
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from indicators.ingest.originals import find_original
from indicators.publish import LOCK_TIMEOUT_S, SNAPSHOT_DIR, lock_path, temp_copies
from indicators.warehouse import MIGRATIONS, SCHEMA_VERSION, TABLES

#: (relation, the FROM/WHERE clause selecting the rows that point to nothing)
FOREIGN_KEYS: tuple[tuple[str, str], ...] = (
    ("observations.indicator → indicators.code",
     "FROM observations o WHERE o.indicator NOT IN (SELECT code FROM indicators)"),
    ("observations.unit_id → units.unit_id or countries.iso3",
     "FROM observations o WHERE o.unit_id NOT IN (SELECT unit_id FROM units) "
     "AND o.unit_id NOT IN (SELECT iso3 FROM countries)"),
    ("observations.source → sources.id",
     "FROM observations o WHERE o.source IS NOT NULL AND o.source NOT IN (SELECT id FROM sources)"),
    ("observations.import_id → imports.import_id",
     "FROM observations o WHERE o.import_id IS NOT NULL "
     "AND o.import_id NOT IN (SELECT import_id FROM imports)"),
    ("units.country → countries.iso3",
     "FROM units o WHERE o.country NOT IN (SELECT iso3 FROM countries)"),
    ("indicators.source → sources.id",
     "FROM indicators o WHERE o.source IS NOT NULL AND o.source NOT IN (SELECT id FROM sources)"),
    ("indicators.risk_factor → risk_factors.id",
     "FROM indicators o WHERE o.risk_factor IS NOT NULL "
     "AND o.risk_factor NOT IN (SELECT id FROM risk_factors)"),
)
_EXAMPLE_COLUMNS = {
    "observations": "o.unit_id || ' / ' || o.indicator || ' / ' || o.period",
    "units": "o.unit_id", "indicators": "o.code",
}


@dataclass
class Finding:
    """One line of the report."""

    level: str  # 'ok' | 'warning' | 'problem'
    area: str
    message: str


@dataclass
class CheckReport:
    """All findings about one warehouse."""

    path: Path
    findings: list[Finding] = field(default_factory=list)

    def add(self, level: str, area: str, message: str) -> None:
        """Record a finding."""
        self.findings.append(Finding(level, area, message))

    @property
    def problems(self) -> list[Finding]:
        """Findings that make the check fail."""
        return [f for f in self.findings if f.level == "problem"]

    @property
    def ok(self) -> bool:
        """True when there is no problem (warnings allowed)."""
        return not self.problems

    def to_text(self) -> str:
        """The report as printed by the command line."""
        lines = [f"Checking {self.path}"]
        for f in self.findings:
            lines.append(f"  {f.level.upper():<8} {f.area}: {f.message}")
        warnings = sum(f.level == "warning" for f in self.findings)
        verdict = "OK" if self.ok else "PROBLEMS FOUND"
        lines.append(f"Result: {verdict} ({len(self.problems)} problem(s), {warnings} warning(s))")
        return "\n".join(lines)


def check_warehouse(path: Path) -> CheckReport:
    """Run every check on the warehouse file ``path`` (opened read-only; nothing is changed)."""
    path = Path(path)
    report = CheckReport(path)
    if not path.exists():
        report.add("problem", "file", "does not exist")
        return report
    report.add("ok", "file", f"{path.stat().st_size / 2**20:,.1f} MB, modified "
               f"{time.strftime('%Y-%m-%d %H:%M:%S %Z', time.localtime(path.stat().st_mtime))}")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        report.add("problem", "file", f"cannot be opened as a DuckDB warehouse "
                   f"({type(exc).__name__}: {_first(exc)}); restore the last backup")
        _check_files(path, report)
        return report
    try:
        from indicators.ops.blocks import damaged_blocks

        bad = damaged_blocks(path, con.execute("PRAGMA database_size").fetchone()[2])
        if bad:  # also damage outside table data (indexes), which the reads below miss
            report.add("problem", "integrity", f"{len(bad)} storage block(s) damaged (checksum "
                       f"mismatch, block {', '.join(map(str, bad[:5]))}); restore the last backup")
        tables = _check_schema(con, report)
        if _check_integrity(con, tables, report):
            _check_foreign_keys(con, tables, report)
            _check_geometry(con, tables, report)
            _check_versions(con, tables, report)
            _check_originals(con, path, tables, report)
    except duckdb.Error as exc:
        report.add("problem", "integrity", f"the file is damaged ({type(exc).__name__}: "
                   f"{_first(exc)}); restore the last backup")
    finally:
        con.close()
    _check_files(path, report)
    return report


def _first(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__


def _check_schema(con: duckdb.DuckDBPyConnection, report: CheckReport) -> set[str]:
    tables = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
    missing = [t for t in TABLES if t not in tables]
    version = None
    if "meta" in tables:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        version = row[0] if row else None
    if version is None:
        report.add("problem", "schema", "no schema version recorded (meta.schema_version); "
                   "this is not a warehouse made by this program")
    elif not str(version).isdigit():
        report.add("problem", "schema", f"schema version '{version}' is not a number")
    elif int(version) > int(SCHEMA_VERSION):
        report.add("problem", "schema", f"version {version} is newer than this program "
                   f"(version {SCHEMA_VERSION}); update the program")
    elif int(version) < int(SCHEMA_VERSION):
        report.add("warning", "schema", f"version {version} (current {SCHEMA_VERSION}); it is "
                   "upgraded by the next import")
    else:
        report.add("ok", "schema", f"version {version} (current)")
    if missing:
        report.add("problem", "schema", f"missing table(s): {', '.join(missing)}")
    cols = {(r[0], r[1]) for r in con.execute(
        "SELECT table_name, column_name FROM information_schema.columns").fetchall()}
    absent = [f"{t}.{c}" for t, c, _ in MIGRATIONS if t in tables and (t, c) not in cols]
    if absent and version is not None and str(version).isdigit() and \
            int(version) >= int(SCHEMA_VERSION):
        report.add("problem", "schema", f"missing column(s) {', '.join(absent)}")
    return tables


def _check_integrity(con: duckdb.DuckDBPyConnection, tables: set[str],
                     report: CheckReport) -> bool:
    rows = 0
    for table in sorted(tables):
        try:
            n = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            con.execute(f'SELECT bit_xor(hash(COLUMNS(*))) FROM "{table}"').fetchall()
        except duckdb.Error as exc:
            report.add("problem", "integrity", f"table {table} cannot be read whole "
                       f"({type(exc).__name__}: {_first(exc)}); restore the last backup")
            return False
        rows += int(n)
    report.add("ok", "integrity", f"{len(tables)} tables, {rows:,} rows read back whole")
    return True


def _check_foreign_keys(con: duckdb.DuckDBPyConnection, tables: set[str],
                        report: CheckReport) -> None:
    bad = 0
    for what, sql in FOREIGN_KEYS:
        table = sql.split()[1]
        if table not in tables:
            continue
        try:
            n = con.execute(f"SELECT count(*) {sql}").fetchone()[0]
        except duckdb.Error as exc:
            report.add("problem", "foreign keys", f"{what}: cannot be checked ({_first(exc)})")
            bad += 1
            continue
        if n:
            bad += 1
            examples = [r[0] for r in con.execute(
                f"SELECT {_EXAMPLE_COLUMNS[table]} {sql} LIMIT 5").fetchall()]
            report.add("problem", "foreign keys", f"{what}: {n:,} row(s) point to nothing "
                       f"(e.g. {', '.join(map(str, examples))})")
    if not bad:
        report.add("ok", "foreign keys", f"{len(FOREIGN_KEYS)} relations hold")


def _check_geometry(con: duckdb.DuckDBPyConnection, tables: set[str],
                    report: CheckReport) -> None:
    import shapely

    if "units" not in tables:
        return
    rows = con.execute("SELECT unit_id, geom, geom_simple FROM units").fetchall()
    with_geom = [r for r in rows if r[1] is not None]
    bad: list[str] = []
    for unit_id, geom, simple in with_geom:
        for blob in (geom, simple):
            if blob is None:
                continue
            try:
                g = shapely.from_wkb(bytes(blob))
            except Exception:  # noqa: BLE001 - shapely raises GEOSException and others
                bad.append(f"{unit_id} (unreadable WKB)")
                break
            if g.is_empty or g.geom_type not in ("Polygon", "MultiPolygon"):
                bad.append(f"{unit_id} ({'empty' if g.is_empty else g.geom_type})")
                break
            if blob is geom and not g.is_valid:
                bad.append(f"{unit_id} ({shapely.is_valid_reason(g)})")
                break
    if bad:
        report.add("problem", "geometry", f"{len(bad)} unit(s) with unusable geometry: "
                   f"{', '.join(bad[:8])}{' …' if len(bad) > 8 else ''}; re-import their "
                   "boundaries")
    else:
        report.add("ok", "geometry", f"{len(with_geom)} of {len(rows)} units have geometry; "
                   "all valid polygons")


def _check_versions(con: duckdb.DuckDBPyConnection, tables: set[str],
                    report: CheckReport) -> None:
    if not {"imports", "observation_history", "observations"} <= tables:
        return
    orphan = con.execute(
        "SELECT count(*) FROM observation_history h WHERE h.import_id NOT IN "
        "(SELECT import_id FROM imports WHERE status <> 'undone')").fetchone()[0]
    undone = con.execute(
        "SELECT count(*) FROM observations o JOIN imports i USING (import_id) "
        "WHERE i.status = 'undone'").fetchone()[0]
    if orphan:
        report.add("problem", "versions", f"{orphan:,} saved earlier value(s) belong to an "
                   "import that is missing or undone (orphan versions)")
    if undone:
        report.add("problem", "versions", f"{undone:,} observation(s) still belong to an "
                   "undone import")
    if not orphan and not undone:
        report.add("ok", "versions", "no orphan saved values; undone imports left no data")


def _check_originals(con: duckdb.DuckDBPyConnection, path: Path, tables: set[str],
                     report: CheckReport) -> None:
    if "imports" not in tables:
        return
    rows = con.execute(
        "SELECT import_id, file_name, checksum FROM imports WHERE kind <> 'demo' "
        "AND coalesce(imported_by, '') NOT LIKE 'pack %' ORDER BY import_id").fetchall()
    missing = [r for r in rows if find_original(path, r[2], r[1]) is None]
    if not rows:
        report.add("ok", "originals", "no user imports")
    elif missing:
        ids = ", ".join(str(r[0]) for r in missing[:10])
        report.add("warning", "originals", f"{len(missing)} of {len(rows)} user import(s) have "
                   f"no kept original file (imports {ids}{' …' if len(missing) > 10 else ''}; "
                   "made before originals were kept, or the folder was moved)")
    else:
        report.add("ok", "originals", f"all {len(rows)} user import(s) have their original file")


def _check_files(path: Path, report: CheckReport) -> None:
    """Leftover copies of killed writers, a WAL, the lock."""
    leftovers = temp_copies(path)
    if leftovers:
        report.add("warning", "versions", f"{len(leftovers)} unfinished copy(ies) left by a "
                   f"writer that stopped ({', '.join(p.name for p in leftovers[:3])}); the "
                   "warehouse itself is unaffected and the next import removes them")
    wal = path.with_name(path.name + ".wal")
    if wal.exists():
        report.add("warning", "versions", f"{wal.name} exists: a writer stopped without "
                   "closing; the next import folds it into the file")
    snapshots = path.parent / SNAPSHOT_DIR
    if snapshots.is_dir():
        n = len(list(snapshots.glob(f"{path.stem}-*{path.suffix}")))
        if n > 20:
            report.add("warning", "versions", f"{n} reader snapshots in {snapshots}; old ones "
                       "are removed when the dashboard opens a new version")
    _check_lock(path, report)


def _check_lock(path: Path, report: CheckReport) -> None:
    lock = lock_path(path)
    if not lock.exists():
        report.add("ok", "lock", "no lock file (no write has happened here yet)")
        return
    holder = lock.read_text(encoding="utf-8", errors="replace").split()
    pid = int(holder[0]) if holder and holder[0].isdigit() else None
    since = float(holder[1]) if len(holder) > 1 and holder[1].isdigit() else None
    with open(lock, "a+") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            age = time.time() - since if since else 0.0
            who = f"process {pid}" if pid else "another process"
            if age > LOCK_TIMEOUT_S:
                report.add("problem", "lock", f"held by {who} for {age / 60:.0f} min (imports "
                           f"wait at most {LOCK_TIMEOUT_S:.0f} s): a stuck writer; stop it "
                           f"(kill {pid or '<pid>'}) and run the check again")
            else:
                report.add("warning", "lock", f"held by {who} for {age:.0f} s: a write is in "
                           "progress")
            return
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    if pid and not _alive(pid):
        report.add("ok", "lock", f"free (last holder, process {pid}, is gone; a lock of a "
                   "killed process is released by the system)")
    else:
        report.add("ok", "lock", "free")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
