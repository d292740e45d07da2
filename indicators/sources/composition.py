"""Population composition (ethnicity or religion by unit) → fractionalisation and friends.

Official census tables have no stable machine-readable URLs, so composition comes in as an
import, in one of two layouts:

* **long**: one row per unit, period and group::

    unit,period,group,count[,country][,dimension][,counts_as_group]
    Bihać,2013,Islamska,50287,BIH,religion

* **wide**: one row per unit (and period), one column per group — the usual layout of
  official tables. A column called ``total``/``population`` gives the census total; columns
  such as ``area_km2``, ``percent_*``, codes or names are recognised as not counts and listed
  as "not read"; answers such as "not declared" count in the population but not in the
  shares. The report lists how every column was read, and a row whose groups add up to more
  than its total is rejected (a non-group column read as a group would do that)::

    municipality,year,Group A,Group B,Other,Not declared,total,area_km2
    Municipality X,2013,1200,800,50,30,2080,294

``unit`` is a unit id or a unit name (any spelling, Latin or Cyrillic); ``country`` (or the
``country`` argument / ``--country``) narrows name matching. The dimension comes from a
``dimension`` column or the ``dimension`` argument; a table that does not say is read as
ethnicity unless its groups are religions (then it says so). Religion is not ethnicity:

* ethnicity → ``ethnic_fractionalisation``, ``ethnic_polarisation``, ``minority_share`` (RF9)
  and ``largest_group_share`` (auxiliary);
* religion → ``religious_fractionalisation``, ``religious_polarisation``,
  ``religious_minority_share``, ``religious_largest_group_share`` (auxiliary: see the catalog);
* ``population`` = the total (or the sum of all answers); the unit's ``population`` attribute
  is set from the latest period.

Names are matched exactly, then into a containing unit, by transliteration and fuzzily
(:mod:`indicators.sources.census.matching`); every non-exact match is reported, and names
that match nothing are rejected with suggestions — never dropped silently. Like every import
it is atomic: it lands whole (or, with ``allow_partial``, the matched rows), or changes
nothing. Census tables with a fixed layout are better described once by a recipe
(:mod:`indicators.sources.census`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import duckdb

from indicators.ingest.report import ImportReport, Problem
from indicators.sources.census.compose import KIND, CompositionResult, Options, prepare
from indicators.sources.census.derive import CODES, INDICATORS, shares
from indicators.sources.census.matching import loose_key
from indicators.sources.download import sha256_file
from indicators.warehouse import connect, resolve_db_path, transaction

__all__ = ["INDICATORS", "KIND", "CompositionResult", "composition_text", "import_composition",
           "loose_key", "prepare", "run_import_cli", "sha256_file", "shares"]


def write_result(con: duckdb.DuckDBPyConnection, report: ImportReport,
                 result: CompositionResult, imported_by: str | None,
                 source_row: dict[str, Any] | None = None) -> None:
    """Write an import row, the observations, the units' population and the rejected rows
    (and the ``sources`` row of a recipe)."""
    if source_row is not None:
        con.execute(
            "INSERT OR REPLACE INTO sources (id, title, publisher, url, licence, citation, "
            "retrieved, checksum, version, fictional, visibility) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
            "?, FALSE, 'public')", [source_row[k] for k in (
                "id", "title", "publisher", "url", "licence", "citation", "retrieved",
                "checksum", "version")])
    status = "partial" if report.rows_rejected else "landed"
    import_id = con.execute(
        "INSERT INTO imports (file_name, checksum, kind, rows_total, rows_landed, rows_rejected, "
        "imported_by, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING import_id",
        [report.file, report.checksum, KIND, report.rows_total,
         report.rows_total - report.rows_rejected, report.rows_rejected, imported_by, status],
    ).fetchone()[0]
    obs = result.observations
    if len(obs):
        frame = obs.assign(import_id=import_id, period=obs["period"].astype("int64"))[
            ["unit_id", "indicator", "period", "value", "source", "note", "import_id"]]
        con.register("_composition_obs", frame)
        try:
            con.execute("INSERT OR REPLACE INTO observations (unit_id, indicator, period, value, "
                        "source, note, import_id) SELECT * FROM _composition_obs")
            pop = frame[(frame["indicator"] == "population")
                        & ~frame["unit_id"].isin(result.no_attribute)]
            pop = pop.sort_values("period").drop_duplicates("unit_id", keep="last")
            con.register("_composition_pop", pop[["unit_id", "value"]])
            con.execute("UPDATE units SET population = p.value FROM _composition_pop p "
                        "WHERE units.unit_id = p.unit_id")
        finally:
            con.unregister("_composition_obs")
            con.unregister("_composition_pop")
    bad = [p for p in report.problems if p.row is not None]
    if bad:
        con.executemany(
            "INSERT INTO rejected_rows (import_id, row_number, raw, col, reason) VALUES (?, ?, ?, ?, ?)",
            [[import_id, p.row, p.raw, p.column,
              p.reason + (f" — {p.suggestion}" if p.suggestion else "")] for p in bad],
        )
    report.import_id = import_id
    report.records_landed = len(obs)


def import_composition(
    db: str | os.PathLike[str] | duckdb.DuckDBPyConnection | None,
    file: str | os.PathLike[str],
    *,
    country: str | None = None,
    dry_run: bool = False,
    allow_partial: bool = False,
    source: str = "census",
    imported_by: str | None = None,
    dimension: str | None = None,
    period: int | None = None,
) -> ImportReport:
    """Import a composition table (long or wide) into an existing warehouse.

    ``db`` is a warehouse path (None = default) or an open read-write connection.
    ``dimension`` (ethnicity | religion) and ``period`` apply to rows that do not say.
    Returns an :class:`ImportReport` (``status`` imported | rejected | dry-run | already
    imported) whose ``composition`` attribute holds the :class:`CompositionResult`.
    """
    opts = Options(country=country, source=source, dimension=dimension)
    return run_import(db, Path(file), opts, dry_run=dry_run, allow_partial=allow_partial,
                      imported_by=imported_by, period=period)


def run_import(db: Any, path: Path, opts: Options, *, dry_run: bool = False,
               allow_partial: bool = False, imported_by: str | None = None,
               period: int | None = None, spec: Any = None,
               source_row: dict[str, Any] | None = None) -> ImportReport:
    """The import flow shared by :func:`import_composition` and census recipes."""
    kw = {"dry_run": dry_run, "allow_partial": allow_partial, "imported_by": imported_by,
          "period": period, "spec": spec, "source_row": source_row}
    if isinstance(db, duckdb.DuckDBPyConnection):
        return _import(db, path, opts, write=not dry_run, **kw)
    db_path = resolve_db_path(db)
    if not db_path.exists():
        return ImportReport(
            file=path.name, checksum="", kind=KIND, status="rejected", fatal=True,
            problems=[Problem(reason=f"the warehouse {db_path} does not exist; a "
                              "composition needs the units it describes", file=path.name,
                              suggestion="build it first, e.g. python -m indicators build "
                              "--pack western-balkans")])
    con = connect(db_path, read_only=True)
    try:
        report = _import(con, path, opts, write=False, **kw)
    finally:
        con.close()
    if report.status == "ready":
        from indicators.publish import copy_on_write

        with copy_on_write(db_path) as tmp:  # readers keep the old version until it is whole
            con = connect(tmp)
            try:
                with transaction(con):
                    write_result(con, report, report.composition, imported_by,  # type: ignore[attr-defined]
                                 source_row)
            finally:
                con.close()
        report.status = "imported"
    report.db_path = str(db_path)
    return report


def _import(con: duckdb.DuckDBPyConnection, path: Path, opts: Options, *, dry_run: bool,
            allow_partial: bool, imported_by: str | None, write: bool, period: int | None,
            spec: Any, source_row: dict[str, Any] | None) -> ImportReport:
    """Validate and derive on ``con``; write there when ``write`` (else status ``ready``)."""
    checksum = sha256_file(path) if path.is_file() else ""
    if checksum and not dry_run:
        prev = con.execute(  # a recipe (its id in the file label) may read a file twice
            "SELECT import_id, kind, status, imported_at FROM imports WHERE checksum = ? "
            "AND kind = ? AND status IN ('landed', 'partial') AND (? IS NULL OR file_name = ?) "
            "ORDER BY import_id DESC", [checksum, KIND, opts.file_label, opts.file_label]
        ).fetchone()
        if prev:
            rep = ImportReport(file=opts.file_label or path.name, checksum=checksum, kind=KIND,
                               status="already imported",
                               previous_import=dict(zip(("import_id", "kind", "status",
                                                         "imported_at"), prev, strict=True)))
            rep.import_id = prev[0]
            return rep
    report, result = prepare(path, con, spec=spec, options=opts, period=period)
    report.checksum = checksum
    report.allow_partial = allow_partial
    report.dry_run = dry_run
    report.composition = result  # type: ignore[attr-defined]
    blocked = report.fatal or result is None or (
        bool(report.problems) and (not allow_partial or not len(result.observations)))
    if result is not None and not len(result.observations) and not report.problems:
        report.problems.append(Problem(reason="nothing to derive: no unit has a group count",
                                       file=path.name))
        blocked = True
    report.rows_landed = report.rows_total - report.rows_rejected
    if blocked:
        report.status = "rejected"
    elif dry_run:
        report.status = "dry-run"
    elif not write:
        report.status = "ready"
    else:
        with transaction(con):
            write_result(con, report, result, imported_by, source_row)  # type: ignore[arg-type]
        report.status = "imported"
    return report


def composition_text(report: ImportReport) -> str:
    """The import report plus how the columns were read and what was derived."""
    lines = report.to_text().splitlines()
    result: CompositionResult | None = getattr(report, "composition", None)
    if result is None:
        return "\n".join(lines)
    at = next((i for i, x in enumerate(lines) if x.startswith(
        ("Problems (", "Rejected rows (", "Warnings ("))), len(lines))
    lines[at:at] = [f"Read: {x}" for x in result.layout]
    obs = result.observations
    if not len(obs):
        return "\n".join(lines)
    for dim, codes in CODES.items():
        frac = obs[obs["indicator"] == codes["fractionalisation"]]
        if len(frac):
            lines.append(
                f"Derived for {frac['unit_id'].nunique()} units, periods "
                f"{', '.join(map(str, sorted(frac['period'].unique())))} ({dim}): "
                f"{codes['fractionalisation']} {frac['value'].min():.3f}–{frac['value'].max():.3f}")
    pop = obs[obs["indicator"] == "population"]
    if len(pop):
        by_year = pop.groupby("period")["value"].agg(["count", "sum"])
        lines.append("Population: " + "; ".join(
            f"{y}: {int(r['count'])} units, {r['sum']:,.0f} persons" for y, r in by_year.iterrows()))
    counts = result.matches["how"].value_counts().to_dict()
    lines.append("Name matching: " + ", ".join(f"{v} {k}" for k, v in counts.items())
                 + (f"; {len(result.unmatched)} names matched nothing" if result.unmatched
                    else ""))
    return "\n".join(lines)


def run_import_cli(args: Any) -> int:
    """``import FILE --composition [--country ISO3] [--dimension D] [--period YEAR] …``
    and ``import FILE --census-recipe RECIPE.yaml``."""
    recipe = getattr(args, "census_recipe", None)
    if recipe:
        from indicators.sources.census.apply import run_recipe_cli

        return run_recipe_cli(args)
    report = import_composition(
        args.db, Path(args.file), country=args.country, dry_run=args.dry_run,
        allow_partial=args.allow_partial, dimension=getattr(args, "dimension", None),
        period=getattr(args, "period", None),
    )
    print(composition_text(report))
    return _rejects(report, args)


def _rejects(report: ImportReport, args: Any) -> int:
    rejected = report.rejected_frame()
    if len(rejected):
        out = Path(args.rejects_out) if args.rejects_out else Path(args.file).with_suffix(
            ".rejected.csv")
        rejected.to_csv(out, index=False, encoding="utf-8-sig")
        print(f"Rejected rows with reasons written to {out}")
    return report.exit_code
