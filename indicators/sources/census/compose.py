"""Read a census table under a :class:`TableSpec`, match its units and derive the measures.

Used by ``import --composition`` (spec detected from the columns) and by census recipes
(spec declared in YAML). Writes nothing: :func:`prepare` returns the report (problems row by
row, every non-exact name match as a warning) and a :class:`CompositionResult`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from indicators.ingest.matching import describe
from indicators.ingest.readers import ReadError, Table, parse_number, read_table
from indicators.ingest.report import ImportReport, Problem
from indicators.sources.census.derive import (
    DIMENSIONS,
    canonical_dimension,
    derive,
    looks_religious,
)
from indicators.sources.census.matching import HOW_TEXT, UnitResolver
from indicators.sources.census.rows import TableSpec, answers, check_sums, detect_spec

KIND = "composition"


@dataclass
class CompositionResult:
    """What a composition import derived (also in dry runs)."""

    observations: pd.DataFrame  #: unit_id, indicator, period, value, note (+ source)
    matches: pd.DataFrame  #: text, country, unit_id, unit_name, how
    unmatched: list[str]
    dimension: str | None  #: the dimension derived (several joined by ", ")
    layout: list[str] = field(default_factory=list)  #: how the columns were read
    no_attribute: set[str] = field(default_factory=set)  #: units whose attribute is not set


@dataclass
class Options:
    """What a recipe (or the command line) adds to a table spec."""

    country: str | None = None
    source: str = "census"
    dimension: str | None = None
    label: str = ""
    population: str = "auto"
    unit_notes: dict[str, str] = field(default_factory=dict)  #: by unit text or unit key
    partial_units: dict[str, str] = field(default_factory=dict)  #: not for the attribute
    file_label: str | None = None  #: the file name recorded in ``imports`` (recipe: + id)
    resolver: UnitResolver | None = None  #: shared by the recipes of one run (same units)


def _missing_problem(file: str, missing: list[str], columns: list,
                     described: list[str]) -> Problem:
    return Problem(
        reason="a composition table needs the columns unit, period, group, count (long "
        "layout) or a unit column and one column per group (wide layout); missing: "
        + ", ".join(missing), file=file,
        suggestion="columns found: " + ", ".join(map(str, columns))
        + "".join(f"; {d}" for d in described if d.startswith("not read")))


def prepare(path: Path, con: duckdb.DuckDBPyConnection, *, country: str | None = None,
            source: str = "census", spec: TableSpec | None = None,
            options: Options | None = None, period: int | None = None,
            dimension: str | None = None) -> tuple[ImportReport, CompositionResult | None]:
    """Read, match and derive; returns a report (status not yet final) and the result."""
    opts = options or Options(country=country, source=source, dimension=dimension)
    report = ImportReport(file=opts.file_label or path.name, checksum="", kind=KIND,
                          status="rejected")
    try:
        table = read_table(path)
    except ReadError as exc:
        exc.problem.file = path.name
        report.problems.append(exc.problem)
        report.fatal = True
        return report, None
    report.read_info = table.info
    report.rows_total = table.rows_total
    report.problems += [p for p in table.problems if p.is_error]
    report.warnings += [p for p in table.problems if not p.is_error]
    columns = list(table.frame.columns)
    if spec is None:
        spec, missing = detect_spec(columns, table.frame)
        if period is not None and spec.period is None:
            spec.period_value = period
            missing = [m for m in missing if m != "period"]
        elif spec.period is None and "period" not in missing:
            missing.append("period (a column, or --period YEAR)")
    else:
        missing = [c for c in spec.columns_needed() if c not in columns]
        if missing:
            missing = [f"'{c}' (named by the recipe)" for c in missing]
    if missing:
        report.problems.append(_missing_problem(path.name, missing, columns, spec.described))
        report.fatal = True
        return report, None
    report.layout = spec.layout
    return _compose(table, spec, opts, con, report, path.name)


def _compose(table: Table, spec: TableSpec, opts: Options, con: duckdb.DuckDBPyConnection,
             report: ImportReport, file: str) -> tuple[ImportReport, CompositionResult]:
    fill = opts.country.strip().upper() if opts.country else None
    resolver = opts.resolver or UnitResolver.from_connection(con)
    decimal = table.info.decimal
    this_year = dt.date.today().year
    records: list[dict] = []
    bad_rows: set[int] = set()
    tainted: set[tuple[str, int]] = set()
    blank_rows: dict[int, str] = {}
    blank_cells: list = []
    seen: dict[tuple[str, int], tuple[int, str, str]] = {}
    units = resolver.matcher.units
    other_dims: dict[str, int] = {}
    unmatched: dict[tuple[str, str | None], list[int]] = {}
    match_rows: dict[tuple[str, str | None], tuple[str, str]] = {}
    forced = canonical_dimension(opts.dimension) if opts.dimension else None
    if opts.dimension and forced is None:
        report.problems.append(Problem(
            reason=f"dimension '{opts.dimension}' is not one of {', '.join(DIMENSIONS)}",
            file=file, suggestion="use ethnicity or religion"))
        report.fatal = True
        return report, CompositionResult(pd.DataFrame(), pd.DataFrame(), [], None)

    said: set[tuple[int, str]] = set()

    def problem(a, col: str | None, reason: str, value=None, hint: str = "") -> None:
        bad_rows.add(a.row)
        if (a.row, reason) in said:  # a wide row gives several answers: say it once
            return
        said.add((a.row, reason))
        report.problems.append(Problem(reason=reason, row=a.row, column=col, value=value,
                                       suggestion=hint, file=file, raw=a.raw))

    for p in check_sums(table.frame, spec, file):
        report.problems.append(p)
        bad_rows.add(p.row)  # type: ignore[arg-type]
    checked_bad = set(bad_rows)
    for a in answers(table.frame, spec):
        if a.row in checked_bad:
            continue
        ctry = (a.country or fill or "").upper() or None
        if not a.text:
            problem(a, spec.unit, "unit is empty", hint="give a unit id or name")
            continue
        if not a.group:
            problem(a, spec.group, "group is empty", hint="name the group")
            continue
        year, _ = parse_number(a.period, ".")
        if year is None or not float(year).is_integer() or not 1800 <= year <= this_year + 1:
            problem(a, spec.period, f"period '{a.period}' is not a year", a.period,
                    "write the census year, e.g. 2013")
            continue
        dim = forced
        if dim is None and a.dimension:
            dim = canonical_dimension(a.dimension)
            if dim is None and not a.is_total:
                other_dims[a.dimension] = other_dims.get(a.dimension, 0) + 1
                continue
        if a.count is None:  # not enumerated: no information, not zero
            blank_rows.setdefault(a.row, a.text)
            blank_cells.append((a, int(year), ctry))
            continue
        unit_id, how, cands = resolver.resolve(a.text, ctry, spec.unit_by)
        count, why = parse_number(a.count, decimal)
        if unit_id is None:
            unmatched.setdefault((a.text, ctry), []).append(a.row)
            problem(a, spec.unit, f"unit '{a.text}'{' (' + ctry + ')' if ctry else ''} "
                    "matches no unit of the warehouse", a.text,
                    f"{describe(cands) or 'no similar unit name'}; use the unit id or add the "
                    "spelling as an alias")
            continue
        if count is None or count < 0:
            problem(a, a.column, f"count '{a.count}' {why or 'is negative'}", a.count,
                    "write a number of persons (0 or more)")
            tainted.add((unit_id, int(year)))
            continue
        if spec.layout != "long":  # one row per unit: a second row for it is a mistake
            first = seen.setdefault((unit_id, int(year)), (a.row, a.text, how))
            if first[0] != a.row and "contained" not in (how, first[2]):
                if a.row not in bad_rows:
                    guess = "" if how == "exact" else f" ({how} match)"
                    problem(a, spec.unit, f"'{a.text}' matches {units[unit_id].name} "
                            f"({unit_id}){guess}, which row {first[0]} ('{first[1]}') already gives "
                            f"for {year}", a.text, "tell the two apart (a recipe's unit.rename, "
                            "or the unit id)")
                continue
        match_rows[(a.text, ctry)] = (unit_id, how)
        records.append({"row": a.row, "unit_id": unit_id, "period": int(year), "group": a.group,
                        "count": float(count), "dimension": dim, "is_group": a.is_group,
                        "is_total": a.is_total, "text": a.text})
    counted = {(r["text"], r["period"]) for r in records}
    for a, year, ctry in blank_cells:  # an empty cell beside counts: the unit is incomplete
        if (a.text, year) in counted:
            problem(a, a.column, f"the count of '{a.group}' is empty while the other answers "
                    f"of {a.text} {year} have counts", "", "write 0 if nobody gave this answer")
            if (a.text, ctry) in match_rows:
                tainted.add((match_rows[(a.text, ctry)][0], year))
            blank_rows.pop(a.row, None)
    report.rows_rejected = len(bad_rows)
    layout = list(spec.described)
    _report_blanks(report, file, blank_rows, spec)
    if other_dims:
        report.warnings.append(Problem(
            reason="rows of other dimensions were skipped ("
            + ", ".join(f"'{d}': {n} rows" for d, n in other_dims.items())
            + "): only ethnicity and religion are derived", file=file, severity="warning"))
    frame = pd.DataFrame(records)
    if len(frame) and frame["dimension"].isna().any():
        frame["dimension"] = frame["dimension"].fillna(_default_dimension(frame, layout))
    matches = pd.DataFrame(
        [(t, c, u, units[u].name, how) for (t, c), (u, how) in match_rows.items()],
        columns=["text", "country", "unit_id", "unit_name", "how"])
    for r in matches[matches["how"] != "exact"].itertuples(index=False):
        extra = " (its polygon contains it: see the geoBoundaries correction table)" \
            if r.how == "contained" else "; check it"
        report.warnings.append(Problem(
            reason=f"'{r.text}' {HOW_TEXT[r.how]} {r.unit_name} ({r.unit_id}){extra}",
            file=file, severity="warning"))
    by_text = dict(zip(matches["text"], matches["unit_id"], strict=True))
    unit_notes = {by_text.get(k, k): v for k, v in {**opts.unit_notes, **{
        k: f"partly enumerated: {v}" for k, v in opts.partial_units.items()}}.items()}
    partial = {by_text.get(k, k) for k in opts.partial_units}
    obs = derive(frame, report, file, label=opts.label, population=opts.population,
                 unit_notes=unit_notes, skip=tainted, no_population=partial)
    obs["source"] = opts.source
    dims = sorted(frame["dimension"].unique()) if len(frame) else []
    result = CompositionResult(obs, matches, [t for t, _ in unmatched], ", ".join(dims) or None,
                               layout, partial)
    return report, result


def _report_blanks(report: ImportReport, file: str, blank: dict[int, str], spec: TableSpec) -> None:
    if not blank:
        return
    what = "rows have an empty count" if spec.layout == "long" else "rows have empty cells"
    units = sorted(set(blank.values()))
    report.warnings.append(Problem(
        reason=f"{len(blank)} {what} (not enumerated?): they carry no information and were "
        f"skipped, not read as zero ({', '.join(units[:8])}{' …' if len(units) > 8 else ''})",
        file=file, severity="warning"))


def _default_dimension(frame: pd.DataFrame, layout: list[str]) -> str:
    """The dimension of rows that do not say: religion if the groups are religions."""
    labels = sorted(set(frame.loc[frame["is_group"] & ~frame["is_total"], "group"]))
    rel = looks_religious(labels)
    if len(rel) >= 2 and len(rel) * 2 >= len(labels):
        layout.append(f"dimension: religion (not stated; the groups {', '.join(rel[:4])} are "
                      "religions, so religious_* measures are derived; give the dimension to "
                      "override)")
        return "religion"
    layout.append("dimension: ethnicity (not stated: no dimension column; give the dimension "
                  "'religion' for a table of religions)")
    return "ethnicity"
