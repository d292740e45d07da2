"""Incident logs: one row per incident, aggregated on import to one count per unit, category
and year — the way NGOs actually record incidents.

A log is recognised by its columns: ``date``, ``category`` and a place (``place`` — a unit
name or id — or ``unit_id``), and no ``title`` (that would be a calendar) or ``value``.
Optional: ``country`` (helps to tell same-named places apart), ``description``,
``source_link``, ``ref`` (the organisation's own incident number).

On import every incident row is stored in the editor-only ``incidents`` table (its free text —
place as written, description, link — is never shown or exported in public mode), and the
observation of each touched (unit, category, year) is set to the number of incidents stored
for it, so logs for different months add up and an incident imported twice (same date,
place, category, description, link and ref) is counted once. Problems never quote the free
text: a rejected row is shown as ``date=…, place=…, category=…``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

from indicators.ingest.detect import canonical
from indicators.ingest.preview import Preview, Writer
from indicators.ingest.readers import Table, iter_rows
from indicators.ingest.report import Problem
from indicators.ingest.validate import Context, is_count_type, resolve_unit, suggest_codes
from indicators.monitoring.calendar import parse_date

KIND = "incidents"
#: Accepted spellings of the columns of an incident log (compared after ``canonical``).
COLUMNS: dict[str, tuple[str, ...]] = {
    "date": ("date", "incident_date", "datum"),
    "place": ("place", "location", "municipality", "unit_name", "unit", "mjesto", "mesto"),
    "unit_id": ("unit_id",),
    "country": ("country", "iso3", "country_code"),
    "category": ("category", "indicator", "type"),
    "description": ("description", "what_happened", "summary", "opis"),
    "source_link": ("source_link", "link", "url", "source_url", "source"),
    "ref": ("ref", "incident_id", "case_number", "reference"),
}
LANDING_COLUMNS = ["unit_id", "unit_label", "indicator", "period", "value", "new_incidents",
                   "source", "note"]


def _find(columns: list[str]) -> dict[str, str]:
    canon = {canonical(c): c for c in columns if c}
    found: dict[str, str] = {}
    used: set[str] = set()
    for target, spellings in COLUMNS.items():
        for s in spellings:
            col = canon.get(s)
            if col is not None and col not in used:
                found[target] = col
                used.add(col)
                break
    return found


def is_incident_log(columns: list[str]) -> bool:
    """True when the columns are those of an incident log."""
    canon = {canonical(c) for c in columns if c}
    if canon & {"title", "value", "period", "code"}:
        return False
    found = _find(columns)
    return "date" in found and "category" in found and ("place" in found or "unit_id" in found)


def monitoring_kind(columns: list[str]) -> str | None:
    """``"events"`` for a calendar, ``"incidents"`` for an incident log, else None."""
    from indicators.ingest.events import is_calendar

    if is_calendar(columns):
        return "events"
    if is_incident_log(columns):
        return KIND
    return None


def fingerprint(date: dt.date, unit_id: str, code: str, description: str | None,
                link: str | None, ref: str | None) -> str:
    """sha256 of what identifies one incident (used to count it once)."""
    text = "\x1f".join([date.isoformat(), unit_id, code, " ".join((description or "").split()),
                        (link or "").strip(), (ref or "").strip()])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _safe_raw(row: dict[str, Any], cols: dict[str, str]) -> str:
    """The row without its free text (description, link), for problems and rejected rows."""
    parts = [f"{t}={row.get(cols[t]) or ''}" for t in ("date", "place", "unit_id", "country",
                                                        "category", "ref") if t in cols]
    return ", ".join(parts)


def prepare_incidents(
    table: Table, ctx: Context, con: Any, *, file: str, path: Path, country: str | None = None,
) -> Preview:
    """Check every incident row and build the aggregated counts that will land."""
    info = table.info
    cols = _find(list(table.frame.columns))
    preview = Preview(
        file=file, path=path, kind=KIND, read_info=info,
        columns=list(table.frame.columns), mapping=dict(cols), rows_total=table.rows_total,
        header_row=info.header_row,
    )
    free_text = {cols.get("description"), cols.get("source_link")} - {None}
    preview.problems = list(table.problems)
    for p in preview.problems:  # never quote free text, even in reading problems
        p.raw = p.value = None
        if p.column in free_text:
            p.reason = "the text of this cell looks wrongly encoded (not shown: free text)"
    today = dt.date.today()
    existing = _stored_fingerprints(con)
    seen: dict[str, int] = {}
    good: list[dict[str, Any]] = []

    def problem(row_no: int, target: str, reason: str, suggestion: str = "",
                value: str | None = None, raw: str | None = None) -> None:
        preview.problems.append(Problem(
            reason=reason, row=row_no, column=cols.get(target, target), value=value,
            suggestion=suggestion, raw=raw,
        ))

    bad_rows = {p.row for p in table.problems if p.is_error and p.row is not None}
    for number, row in iter_rows(table.frame):
        if number in bad_rows:
            continue
        raw = _safe_raw(row, cols)
        failed = False
        text = row.get(cols["date"]) if "date" in cols else None
        date = None
        try:
            date = parse_date(text)
        except ValueError as exc:
            problem(number, "date", "date is empty" if not text else str(exc).split(";")[0],
                    "write the date as YYYY-MM-DD, e.g. 2025-03-14", text, raw)
            failed = True
        if date is not None and date > today:
            problem(number, "date", f"{date.isoformat()} is in the future",
                    "check the date", text, raw)
            failed = True
        elif date is not None and date.year < 1900:
            problem(number, "date", f"{date.isoformat()} is before 1900", "check the date",
                    text, raw)
            failed = True
        cat_text = row.get(cols["category"]) if "category" in cols else None
        code = canonical(cat_text) if cat_text else ""
        ind = ctx.indicators.get(code)
        if not code:
            problem(number, "category", "category is empty",
                    "enter an indicator code, e.g. hate_speech_officials", None, raw)
            failed = True
        elif ind is None:
            close = suggest_codes(code, ctx.indicators)
            hint = f"did you mean {' or '.join(close)}? " if close else ""
            problem(number, "category", f"unknown category '{cat_text}'",
                    hint + "use an indicator code (see the incident-log template)", cat_text, raw)
            failed = True
        elif ind.level != "unit" or not is_count_type(ind) or ind.risk_factor is None:
            problem(number, "category",
                    f"'{code}' cannot be counted from incidents (it is measured as "
                    f"{ind.unit or ind.level + '-level value'})",
                    "use a count-type indicator, or import its values with the theme template",
                    cat_text, raw)
            failed = True
        unit_id = None
        if ind is not None:
            unit_id = _resolve_place(row, cols, ind, ctx, country, number, raw, preview)
        if failed or date is None or ind is None or unit_id is None:
            continue
        description = row.get(cols["description"]) if "description" in cols else None
        link = row.get(cols["source_link"]) if "source_link" in cols else None
        ref = row.get(cols["ref"]) if "ref" in cols else None
        fp = fingerprint(date, unit_id, code, description, link, ref)
        if fp in seen:
            problem(number, "date", f"duplicate of row {seen[fp]} (same date, place, category, "
                    "description, link and ref)",
                    "delete the duplicate row, or tell the incidents apart in ref or description",
                    None, raw)
            continue
        seen[fp] = number
        if fp in existing:
            preview.warnings.append(Problem(
                reason=f"this incident is already in the warehouse (import #{existing[fp]}); "
                "it is not counted again", row=number, severity="warning", raw=raw,
            ))
            continue
        if not description and not link:
            preview.warnings.append(Problem(
                reason="no description and no source link: nobody can check this incident later",
                row=number, severity="warning", raw=raw,
            ))
        good.append({
            "row": number, "date": date, "unit_id": unit_id, "indicator": code,
            "place": row.get(cols["place"]) if "place" in cols else None,
            "description": description, "source_link": link, "ref": ref, "fingerprint": fp,
        })

    failed_rows = {p.row for p in preview.problems if p.is_error and p.row is not None}
    good = [g for g in good if g["row"] not in failed_rows]
    incidents = pd.DataFrame(good, columns=["row", "date", "unit_id", "indicator", "place",
                                            "description", "source_link", "ref", "fingerprint"])
    preview.landing = _counts(incidents, ctx, con, preview)
    if any(d.year == today.year for d in incidents["date"]):
        preview.warnings.append(Problem(
            reason=f"the counts for {today.year} cover only part of the year so far",
            severity="warning",
            suggestion="compare them with earlier years only once the year is over",
        ))
    preview.writer = _writer(incidents, preview.landing)
    return preview.finish()


def _resolve_place(row: dict[str, Any], cols: dict[str, str], ind: Any, ctx: Context,
                   country: str | None, number: int, raw: str, preview: Preview) -> str | None:
    uid = row.get(cols["unit_id"]) if "unit_id" in cols else None
    place = row.get(cols["place"]) if "place" in cols else None
    ctry = (row.get(cols["country"]) if "country" in cols else None) or country
    found = ctx.matcher.find_id(uid or place or "")
    if found:
        return found
    unit_id, problem, _ = resolve_unit(uid, None if uid else place, ctry, ind, ctx)
    if problem is not None:
        target = {"unit_name": "place", "unit_id": "unit_id" if uid else "place"}.get(
            problem.column or "", problem.column or "place")
        problem.column = cols.get(target, target)
        problem.row, problem.raw = number, raw
        if not uid and not place:
            problem.reason = "the row names no place"
            problem.suggestion = "write the municipality (name or unit id) in place"
        preview.problems.append(problem)
        return None
    return unit_id


def _stored_fingerprints(con: Any) -> dict[str, int]:
    has = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'incidents'"
    ).fetchone()[0]
    if not has:
        return {}
    return dict(con.execute("SELECT fingerprint, import_id FROM incidents").fetchall())


def _counts(incidents: pd.DataFrame, ctx: Context, con: Any, preview: Preview) -> pd.DataFrame:
    """Counts per (unit, category, year) after the import: stored incidents + new ones."""
    if incidents.empty:
        return pd.DataFrame(columns=LANDING_COLUMNS).astype({"period": "int64",
                                                            "value": "float64"})
    new = Counter(zip(incidents["unit_id"], incidents["indicator"],
                      [d.year for d in incidents["date"]], strict=True))
    stored = _stored_counts(con)
    previous = _previous_values(con, list(new))
    rows = []
    for (unit_id, code, year), n in sorted(new.items()):
        total = stored.get((unit_id, code, year), 0) + n
        prev = previous.get((unit_id, code, year))
        if prev is not None and prev[1] != KIND and stored.get((unit_id, code, year), 0) == 0:
            preview.warnings.append(Problem(
                reason=f"{unit_id}, {code}, {year}: the count from the log ({total}) replaces "
                f"the value {prev[0]:g} imported before (not from an incident log)",
                severity="warning",
                suggestion="keep to one way of recording an indicator for a unit and year",
            ))
        unit = ctx.matcher.units.get(unit_id)
        ind = ctx.indicators[code]
        rows.append({
            "unit_id": unit_id, "unit_label": unit.name if unit else unit_id, "indicator": code,
            "period": year, "value": float(total), "new_incidents": n,
            "source": ind.source or None,
            "note": f"count of {total} incident(s) from incident logs",
        })
    return pd.DataFrame(rows, columns=LANDING_COLUMNS).astype({"period": "int64",
                                                              "value": "float64"})


def _stored_counts(con: Any) -> dict[tuple[str, str, int], int]:
    has = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'incidents'"
    ).fetchone()[0]
    if not has:
        return {}
    rows = con.execute(
        "SELECT unit_id, indicator, year(date), count(*) FROM incidents GROUP BY 1, 2, 3"
    ).fetchall()
    return {(u, i, int(y)): int(n) for u, i, y, n in rows}


def _previous_values(con: Any, keys: list[tuple[str, str, int]]) -> dict[tuple, tuple]:
    if not keys:
        return {}
    frame = pd.DataFrame(keys, columns=["unit_id", "indicator", "period"]).astype(
        {"period": "int64"})
    con.register("_incident_keys", frame)
    try:
        rows = con.execute(
            "SELECT o.unit_id, o.indicator, o.period, o.value, i.kind FROM observations o "
            "JOIN _incident_keys k USING (unit_id, indicator, period) "
            "LEFT JOIN imports i ON i.import_id = o.import_id"
        ).fetchall()
    finally:
        con.unregister("_incident_keys")
    return {(u, c, int(p)): (v, k) for u, c, p, v, k in rows}


def _writer(incidents: pd.DataFrame, counts: pd.DataFrame) -> Writer:
    """Store the incidents, then set each touched count from the stored incidents."""

    def write(con: Any, import_id: int) -> int:
        if incidents.empty:
            return 0
        for rec in incidents.itertuples(index=False):
            con.execute(
                "INSERT INTO incidents (date, unit_id, indicator, place, description, "
                "source_link, ref, fingerprint, import_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [rec.date, rec.unit_id, rec.indicator, rec.place, rec.description,
                 rec.source_link, rec.ref, rec.fingerprint, import_id],
            )
        for rec in counts.itertuples(index=False):
            n = con.execute(
                "SELECT count(*) FROM incidents WHERE unit_id = ? AND indicator = ? "
                "AND year(date) = ?", [rec.unit_id, rec.indicator, int(rec.period)],
            ).fetchone()[0]
            con.execute(
                "INSERT OR REPLACE INTO observations (unit_id, indicator, period, value, source, "
                "note, import_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [rec.unit_id, rec.indicator, int(rec.period), float(n), rec.source,
                 f"count of {n} incident(s) from incident logs", import_id],
            )
        return len(incidents)

    return write
