"""Observations in long form (one value per row) or wide form (one column per indicator).

:func:`prepare_observations` turns a read :class:`~indicators.ingest.readers.Table` into a
:class:`~indicators.ingest.preview.Preview`: long records, every row checked, duplicates
found, the landing frame built. Its writer upserts on ``(unit_id, indicator, period)``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from indicators.ingest.detect import Layout, canonical, table_layout
from indicators.ingest.preview import Preview, Writer
from indicators.ingest.readers import Table, iter_rows
from indicators.ingest.report import Problem
from indicators.ingest.validate import (
    Context,
    check_period,
    check_value,
    resolve_unit,
    unknown_indicator,
)

#: Show a progress bar (on a terminal) when a file has more observations than this.
PROGRESS_MIN = 50_000

LANDING_COLUMNS = [
    "row", "column", "unit_id", "unit_label", "indicator", "period", "value", "source", "note",
]


@dataclass
class Record:
    """One observation as written in the file (text), with where it came from."""

    row: int
    column: str  # the file column holding the value
    unit_id: str | None
    unit_name: str | None
    country: str | None
    indicator: str | None
    period: str | None
    value: str | None
    source: str | None
    note: str | None


def to_records(table: Table, layout: Layout, country: str | None = None) -> list[Record]:
    """Long records from a long or wide table (empty wide cells are no observation)."""
    cols = layout.columns
    frame = table.frame
    out: list[Record] = []

    def get(row: dict[str, Any], target: str) -> str | None:
        col = cols.get(target)
        return row[col] if col is not None else None

    for number, row in iter_rows(frame):
        ctry = get(row, "country") or country
        base = {
            "row": number,
            "unit_id": get(row, "unit_id"),
            "unit_name": get(row, "unit_name"),
            "country": ctry.strip().upper() if ctry else None,
            "period": get(row, "period"),
            "source": get(row, "source"),
            "note": get(row, "note"),
        }
        if layout.layout == "long":
            ind = get(row, "indicator")
            out.append(Record(column=cols["value"], indicator=ind, value=get(row, "value"),
                              **base))
        else:
            for col, code in layout.indicator_columns.items():
                value = row[col]
                if value is not None:
                    out.append(Record(column=col, indicator=code, value=value, **base))
    return out


def prepare_observations(
    table: Table,
    ctx: Context,
    *,
    file: str,
    path: Path,
    mapping: dict[str, str] | None = None,
    country: str | None = None,
) -> Preview:
    """Check every row against the warehouse context and build the landing frame."""
    info = table.info
    layout = table_layout(list(table.frame.columns), mapping)
    preview = Preview(
        file=file, path=path, kind="observations", layout=layout.layout, read_info=info,
        columns=list(table.frame.columns), mapping=dict(layout.columns),
        rows_total=table.rows_total, header_row=info.header_row,
    )
    preview.problems = list(table.problems) + list(layout.problems)
    if any(p.is_error and p.row is None for p in preview.problems) or layout.layout is None or (
        layout.problems and any(p.is_error for p in layout.problems)
    ):
        preview.fatal = True
        preview.landing = pd.DataFrame(columns=LANDING_COLUMNS)
        return preview.finish()
    cols = layout.columns
    target_of = {c: t for t, c in cols.items()}
    # cells already refused by the reader (formulas, mojibake, unsplittable rows)
    bad_rows: set[int] = set()
    bad_cells: set[tuple[int, str]] = set()
    for p in table.problems:
        if p.is_error and p.row is not None:
            if p.column is None or p.column in target_of:
                bad_rows.add(p.row)
            else:
                bad_cells.add((p.row, p.column))
    # wide form: unknown indicator columns are reported once, on the header
    bad_columns: set[str] = set()
    if layout.layout == "wide":
        for col, code in layout.indicator_columns.items():
            if code not in ctx.indicators:
                problem = unknown_indicator(code, ctx)
                problem.row, problem.column = info.header_row, col
                problem.suggestion = (
                    "rename the column to an indicator code, or delete it; " + problem.suggestion
                )
                preview.problems.append(problem)
                bad_columns.add(col)

    records = to_records(table, layout, country)
    seen: set[tuple[int, str | None, str]] = set()
    good: list[dict[str, Any]] = []
    new_countries: set[str] = set()

    def report(problem: Problem, record: Record, default_target: str | None) -> None:
        target = problem.column or default_target
        col = cols.get(target, target) if target else None
        if layout.layout == "wide" and target in ("value", None):
            col = record.column
        key = (record.row, col, problem.reason)
        if key in seen:
            return
        seen.add(key)
        problem.row, problem.column = record.row, col
        problem.raw = table.raw.get(record.row)
        preview.problems.append(problem)

    progress = tqdm(records, desc=f"checking {file}", unit="obs", disable=None,
                    leave=False) if len(records) > PROGRESS_MIN else records
    for rec in progress:
        if rec.row in bad_rows or (rec.row, rec.column) in bad_cells or rec.column in bad_columns:
            continue
        failed = False
        ind = None
        code = canonical(rec.indicator) if rec.indicator else ""
        if layout.layout == "long":
            if not code:
                report(Problem(reason="indicator is empty",
                               suggestion="enter an indicator code, e.g. unemployment_rate"),
                       rec, "indicator")
                failed = True
            elif code not in ctx.indicators:
                report(unknown_indicator(rec.indicator or code, ctx), rec, "indicator")
                failed = True
        if not failed:
            ind = ctx.indicators[code]
        period, problem = check_period(rec.period, ctx)
        if problem is not None:
            report(problem, rec, "period")
            failed = True
        unit_id = None
        if ind is not None:
            unit_id, problem, new_country = resolve_unit(
                rec.unit_id, rec.unit_name, rec.country, ind, ctx
            )
            if problem is not None:
                report(problem, rec, "unit_id")
                failed = True
            elif new_country:
                new_countries.add(new_country)
        value, problem = check_value(rec.value, ind, info.decimal)
        if problem is not None:
            report(problem, rec, "value")
            failed = True
        if failed:
            continue
        unit = ctx.matcher.units.get(unit_id or "")
        good.append({
            "row": rec.row, "column": rec.column, "unit_id": unit_id,
            "unit_label": unit.name if unit else unit_id, "indicator": code,
            "period": period, "value": value, "source": rec.source, "note": rec.note,
        })

    good = _drop_duplicates(good, preview, table, layout)
    failed_rows = {p.row for p in preview.problems if p.is_error and p.row is not None}
    if layout.layout == "long":
        good = [g for g in good if g["row"] not in failed_rows]
    else:  # a unit or period problem rejects the whole wide row; a bad cell only itself
        row_level = {
            p.row for p in preview.problems
            if p.is_error and p.row is not None and (p.column is None or p.column in target_of)
        }
        good = [g for g in good if g["row"] not in row_level]
    landing = pd.DataFrame(good, columns=LANDING_COLUMNS)
    landing["period"] = landing["period"].astype("int64")
    landing["value"] = landing["value"].astype("float64")
    preview.landing = landing
    preview.new_countries = sorted(
        c for c in new_countries if c in set(landing["unit_id"])
    )
    for c in preview.new_countries:
        preview.warnings.append(Problem(
            reason=f"country {c} is new to the warehouse; it is added with the name '{c}'",
            severity="warning",
            suggestion="check the code; import the country's boundaries to name it",
        ))
    preview.writer = _writer(landing, preview.new_countries)
    return preview.finish()


def _drop_duplicates(
    good: list[dict[str, Any]], preview: Preview, table: Table, layout: Layout
) -> list[dict[str, Any]]:
    """Duplicates of (unit, indicator, period): equal copies keep the first, conflicts none."""
    groups: dict[tuple[str, str, int], list[dict[str, Any]]] = defaultdict(list)
    for g in good:
        groups[(g["unit_id"], g["indicator"], g["period"])].append(g)
    drop: set[int] = set()
    for (unit_id, code, period), items in groups.items():
        if len(items) < 2:
            continue
        rows = [it["row"] for it in items]
        values = {it["value"] for it in items}
        if len(values) == 1:
            for it in items[1:]:
                drop.add(id(it))
                col = it["column"] if layout.layout == "wide" else None
                preview.problems.append(Problem(
                    reason=f"duplicate of row {rows[0]} ({unit_id}, {code}, {period})",
                    row=it["row"], column=col, raw=table.raw.get(it["row"]),
                    suggestion="delete the duplicate row",
                ))
        else:
            shown = ", ".join(f"{v:g}" for v in sorted(values))
            for it in items:
                drop.add(id(it))
                others = ", ".join(str(r) for r in rows if r != it["row"])
                col = it["column"] if layout.layout == "wide" else None
                preview.problems.append(Problem(
                    reason=f"{unit_id}, {code}, {period} appears again in row(s) {others} with "
                    f"a different value ({shown})",
                    row=it["row"], column=col, raw=table.raw.get(it["row"]),
                    suggestion="keep one row with the right value",
                ))
    return [g for g in good if id(g) not in drop]


def _writer(landing: pd.DataFrame, new_countries: list[str]) -> Writer:
    """Upsert the landing observations (and add new countries) in the caller's transaction."""

    def write(con: Any, import_id: int) -> int:
        for iso in new_countries:
            con.execute(
                "INSERT INTO countries (iso3, name) VALUES (?, ?) ON CONFLICT DO NOTHING",
                [iso, iso],
            )
        if landing.empty:
            return 0
        frame = landing[["unit_id", "indicator", "period", "value", "source", "note"]].copy()
        frame["import_id"] = import_id
        frame = frame.astype({
            "unit_id": object, "indicator": object, "source": object, "note": object,
            "period": "int64", "value": "float64", "import_id": "int64",
        })
        con.register("_ingest_observations", frame)
        try:
            con.execute(
                "INSERT OR REPLACE INTO observations "
                "(unit_id, indicator, period, value, source, note, import_id) "
                "SELECT unit_id, indicator, period, value, source, note, import_id "
                "FROM _ingest_observations"
            )
        finally:
            con.unregister("_ingest_observations")
        return len(frame)

    return write
