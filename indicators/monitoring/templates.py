"""Downloadable templates for coalition members: one per monitoring theme, an incident log and
the trigger calendar, as CSV and XLSX, made from the current warehouse (its units and
indicator codes).

* Theme templates are long form (``unit_id, unit_name, country, indicator, period, value,
  source, note``). The CSV starts with comment lines (``#``: how to fill it, the indicators
  with their counting rules, an example row, the unit list) that the importer skips, so a
  filled template imports as it is. The XLSX has the data sheet first (header only, with
  drop-down lists) and the sheets ``How to fill this``, ``Units (reference)`` and
  ``Indicators (reference)``, which the importer skips.
* The incident log has one row per incident (``date, place, country, category, description,
  source_link, ref``); the import counts incidents per unit, category and year.
* The calendar CSV lists the current events (editable and importable again).

Every function returning ``bytes`` can feed ``st.download_button(data=...)``;
:func:`write_templates` writes them all to a folder (``python -m indicators templates``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from indicators.monitoring import Theme, load_themes
from indicators.monitoring.calendar import CATEGORIES, STATUSES, calendar_events

THEME_COLUMNS = ["unit_id", "unit_name", "country", "indicator", "period", "value", "source",
                 "note"]
INCIDENT_COLUMNS = ["date", "place", "country", "category", "description", "source_link", "ref"]
CALENDAR_COLUMNS = ["event_id", "date", "country", "category", "title", "recurrence", "until",
                    "place", "source", "source_url", "status", "note"]
HELP_SHEET = "How to fill this"
UNITS_SHEET = "Units (reference)"
INDICATORS_SHEET = "Indicators (reference)"
CATEGORIES_SHEET = "Categories (reference)"
MAX_ROWS = 5000  # rows prepared with drop-down lists in the XLSX data sheets


class TemplateError(RuntimeError):
    """The warehouse cannot make templates (e.g. it has no units yet)."""


@dataclass
class TemplateContext:
    """What every template needs from the warehouse."""

    units: pd.DataFrame  # unit_id, name, name_local, country, parent
    indicators: pd.DataFrame  # the warehouse catalog with theme documentation
    themes: dict[str, Theme]
    region: str
    fictional: bool
    today: dt.date

    @property
    def example_year(self) -> int:
        """The last complete year."""
        return self.today.year - 1


def template_context(con: Any, today: dt.date | None = None) -> TemplateContext:
    """Units, indicator codes and documentation from an open warehouse."""
    from indicators.monitoring import documentation

    units = con.execute(
        "SELECT unit_id, name, name_local, country, parent FROM units ORDER BY country, unit_id"
    ).df()
    if units.empty:
        raise TemplateError("the warehouse has no units yet: import boundaries first")
    known = {r[0] for r in con.execute("SELECT code FROM indicators").fetchall()}
    doc = documentation()
    doc["in_warehouse"] = doc["code"].isin(known)
    meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
    return TemplateContext(
        units=units, indicators=doc, themes=load_themes(),
        region=meta.get("region_name") or "warehouse", fictional=meta.get("fictional") == "true",
        today=today or dt.date.today(),
    )


# --------------------------------------------------------------------------- CSV helpers


def _comment(lines: Iterable[str]) -> str:
    """Comment lines for a CSV (double quotes become single, so the CSV parser is not upset)."""
    return "".join("# " + str(line).replace('"', "'") + "\n" if line else "#\n" for line in lines)


def _csv(header: list[str], rows: Iterable[list[Any]] = ()) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buf.getvalue()


def _csv_line(values: list[Any]) -> str:
    """One CSV line (no line end), quoted where needed."""
    return _csv(["" if v is None else str(v) for v in values]).strip()


def _banner(ctx: TemplateContext, what: str) -> list[str]:
    lines = [f"{what} - {ctx.region}, made {ctx.today.isoformat()}"]
    if ctx.fictional:
        lines.append("FICTIONAL DEMO DATA: the units below are invented. Do not enter real incidents here.")
    lines.append("Lines starting with # are ignored on import: keep them or delete them.")
    return lines


def _unit_lines(ctx: TemplateContext) -> list[str]:
    out = ["Units (unit_id | name | local spelling | country):"]
    for r in ctx.units.itertuples(index=False):
        local = f" | {r.name_local}" if isinstance(r.name_local, str) and r.name_local else " |"
        out.append(f"  {r.unit_id} | {r.name}{local} | {r.country}")
    return out


def _theme_rows(ctx: TemplateContext, theme: Theme) -> pd.DataFrame:
    doc = ctx.indicators
    return doc[(doc["theme"] == theme.id) & doc["in_warehouse"]]


def _example_value(row: Any) -> str:
    return "42.5" if "percent" in str(row.unit) else "3"


def _theme_example(ctx: TemplateContext, theme: Theme) -> list[Any]:
    rows = _theme_rows(ctx, theme)
    first = rows.iloc[0]
    unit = ctx.units.iloc[0]
    return [unit["unit_id"], "", "", first["code"], ctx.example_year, _example_value(first),
            first["catalog_source"], "example: what a reader should know about this number"]


def _indicator_lines(rows: pd.DataFrame) -> list[str]:
    out = []
    for r in rows.itertuples(index=False):
        per = "; the dashboard divides by population (enter the raw count)" if r.per_capita else ""
        out.append(f"  {r.code} - {r.title} [{r.unit}{per}; {r.direction}; "
                   f"RF{int(r.risk_factor)} FoA {r.foa_indicators}]")
        out.append(f"      definition: {r.definition}")
        out.append(f"      counting: {r.counting_rules}")
        out.append(f"      suggested sources: {r.suggested_sources}")
    return out


def theme_csv(ctx: TemplateContext, theme_id: str) -> bytes:
    """The long-form CSV template of one theme (UTF-8 with BOM, for Excel)."""
    theme = ctx.themes[theme_id]
    rows = _theme_rows(ctx, theme)
    if rows.empty:
        raise TemplateError(f"no indicator of theme {theme_id} is in this warehouse")
    missing = [c for c in theme.codes if c not in set(rows["code"])]
    lines = _banner(ctx, f"Monitoring template: {theme.title}")
    lines += [
        "",
        "How to fill this: one row per municipality, indicator and year (long form).",
        "  unit_id   the municipality id from the list at the end (or leave it empty and write unit_name and country)",
        f"  indicator one of the codes below;  period: the year, e.g. {ctx.example_year};  value: the number for that year",
        "  source    who recorded it (a source id such as ngo_monitoring);  note: anything a reader should know",
        "Leave out what you do not know: a missing row means unknown, never zero. Write 0 only when you",
        "monitored the municipality all year and found nothing. Import: python -m indicators import FILE",
        "",
        f"Indicators of this theme ({theme.description}):",
        *_indicator_lines(rows),
    ]
    if missing:
        lines.append(f"Not in this warehouse yet (import their definitions first): {', '.join(missing)}")
    example = _theme_example(ctx, theme)
    lines += ["", "Example row (copy it below the header without the leading '# example: '):",
              "example: " + _csv_line(example), "",
              *_unit_lines(ctx), ""]
    return (_comment(lines) + _csv(THEME_COLUMNS)).encode("utf-8-sig")


def incident_categories_frame(ctx: TemplateContext) -> pd.DataFrame:
    """Indicators that may be logged as incidents (and are in the warehouse)."""
    doc = ctx.indicators
    return doc[doc["incident_log"] & doc["in_warehouse"]]


def _incident_example(ctx: TemplateContext) -> list[Any]:
    unit = ctx.units.iloc[0]
    code = incident_categories_frame(ctx).iloc[0]["code"]
    return [f"{ctx.example_year}-03-14", unit["name"], unit["country"], code,
            "Example: slur sprayed on the wall of a returnee family's house (no names of victims)",
            "https://example.org/report-123", "ORG-2025-017"]


def incident_log_csv(ctx: TemplateContext) -> bytes:
    """The incident-log CSV template (one row per incident)."""
    cats = incident_categories_frame(ctx)
    lines = _banner(ctx, "Incident log")
    lines += [
        "",
        "How to fill this: one row per incident. On import the incidents are counted per",
        "municipality, category and year, and the counts become the indicator values.",
        "  date         the day it happened, YYYY-MM-DD (or DD.MM.YYYY)",
        "  place        the municipality: its name (any spelling, Latin or Cyrillic) or its unit_id",
        "  country      the country code, when the name exists in several countries",
        "  category     one of the codes below",
        "  description  what happened, in a few words. EDITOR-ONLY: never shown or exported publicly;",
        "               still, write no names of victims or witnesses",
        "  source_link  where it is documented (report, article, case file)",
        "  ref          your own incident number (optional)",
        "The same incident imported twice (same date, place, category, description, link, ref) is",
        "counted once, so you can import the whole year's log again after adding rows.",
        "",
        "Categories:",
        *_indicator_lines(cats),
        "",
        "Example row (copy it below the header without the leading '# example: '):",
        "example: " + _csv_line(_incident_example(ctx)),
        "",
        *_unit_lines(ctx),
        "",
    ]
    return (_comment(lines) + _csv(INCIDENT_COLUMNS)).encode("utf-8-sig")


def calendar_csv(con: Any, ctx: TemplateContext | None = None) -> bytes:
    """The current calendar (shipped and stored events), editable and importable again."""
    today = (ctx.today if ctx else dt.date.today()).isoformat()
    lines = [
        f"Trigger calendar (FoA risk factor 8), made {today}.",
        "Lines starting with # are ignored on import: keep them or delete them.",
        "One row per event; recurrence: yearly for a day repeated every year (date = first year).",
        "category: " + ", ".join(f"{k} (FoA {v or 'RF8'})" for k, v in CATEGORIES.items()),
        f"status: {', '.join(STATUSES)} - sourced needs source (publisher) and source_url;",
        "  a row with the event_id of an existing event replaces it; status withdrawn hides it.",
        "",
    ]
    events = sorted(calendar_events(con), key=lambda e: (e.country, e.date, e.event_id))
    rows = [[e.event_id, e.date.isoformat(), e.country, e.category, e.title,
             "" if e.recurrence == "none" else e.recurrence, e.until_year or "", e.place,
             e.source, e.source_url, e.status, e.note] for e in events]
    return (_comment(lines) + _csv(CALENDAR_COLUMNS, rows)).encode("utf-8-sig")


# --------------------------------------------------------------------------- XLSX


def _workbook_bytes(wb: Any) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _sheet(wb: Any, title: str, header: list[str], rows: Iterable[list[Any]], widths: dict | None = None) -> Any:
    from openpyxl.styles import Font

    ws = wb.create_sheet(title)
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(["" if v is None or (isinstance(v, float) and v != v) else v for v in row])
    ws.freeze_panes = "A2"
    for col, width in (widths or {}).items():
        ws.column_dimensions[col].width = width
    return ws


def _help_sheet(wb: Any, lines: list[str], example_header: list[str], example: list[Any]) -> None:
    from openpyxl.styles import Font

    ws = wb.create_sheet(HELP_SHEET)
    ws.column_dimensions["A"].width = 110
    for line in lines:
        ws.append([line])
    ws.append([])
    ws.append(["Example row (type yours in the first sheet; this sheet is ignored on import):"])
    ws.append(example_header)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    ws.append(example)
    ws["A1"].font = Font(bold=True, size=13)


def _list_validation(ws: Any, column: str, sheet: str, n: int) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    dv = DataValidation(type="list", formula1=f"='{sheet}'!$A$2:$A${n + 1}", allow_blank=True)
    dv.error = "Choose a value from the list"
    ws.add_data_validation(dv)
    dv.add(f"{column}2:{column}{MAX_ROWS}")


def _units_sheet(wb: Any, ctx: TemplateContext) -> None:
    _sheet(wb, UNITS_SHEET, ["unit_id", "name", "local spelling", "country", "region"],
           ctx.units[["unit_id", "name", "name_local", "country", "parent"]].itertuples(index=False),
           {"A": 12, "B": 28, "C": 28, "D": 9, "E": 28})


def _indicators_sheet(wb: Any, title: str, rows: pd.DataFrame) -> None:
    cols = ["code", "title", "definition", "counting_rules", "unit", "per_capita", "direction",
            "level", "risk_factor", "foa_indicators", "suggested_sources"]
    _sheet(wb, title, cols, rows[cols].itertuples(index=False),
           {"A": 28, "B": 34, "C": 70, "D": 80, "E": 18, "K": 60})


def theme_xlsx(ctx: TemplateContext, theme_id: str) -> bytes:
    """The XLSX template of one theme: data sheet (drop-downs), help and reference sheets."""
    import openpyxl
    from openpyxl.worksheet.datavalidation import DataValidation

    theme = ctx.themes[theme_id]
    rows = _theme_rows(ctx, theme)
    if rows.empty:
        raise TemplateError(f"no indicator of theme {theme_id} is in this warehouse")
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    data = _sheet(wb, "data", THEME_COLUMNS, [], {"A": 12, "B": 24, "C": 9, "D": 30, "E": 9,
                                                  "F": 10, "G": 18, "H": 50})
    _list_validation(data, "A", UNITS_SHEET, len(ctx.units))
    _list_validation(data, "D", INDICATORS_SHEET, len(rows))
    years = DataValidation(type="whole", operator="between", formula1="1900",
                           formula2=str(ctx.today.year), allow_blank=True)
    years.error = "Write the year, e.g. 2024"
    data.add_data_validation(years)
    years.add(f"E2:E{MAX_ROWS}")
    lines = [
        f"Monitoring template: {theme.title}",
        *_banner(ctx, "Made from")[:2],
        theme.description,
        "",
        "Fill the first sheet ('data'): one row per municipality, indicator and year (long form).",
        "unit_id: choose from the list (sheet 'Units (reference)'), or leave it empty and write unit_name and country.",
        "indicator: choose from the list (sheet 'Indicators (reference)': definitions, counting rules, sources).",
        f"period: the year, e.g. {ctx.example_year}. value: the number for that year. source: who recorded it.",
        "Leave out what you do not know: a missing row means unknown, never zero. Write 0 only when",
        "you monitored the municipality all year and found nothing.",
        "Type values, not formulas (formulas are refused on import). Keep the sheet names.",
        "Import: upload the file on the Data page, or python -m indicators import FILE.xlsx",
    ]
    _help_sheet(wb, lines, THEME_COLUMNS, _theme_example(ctx, theme))
    _units_sheet(wb, ctx)
    _indicators_sheet(wb, INDICATORS_SHEET, rows)
    return _workbook_bytes(wb)


def incident_log_xlsx(ctx: TemplateContext) -> bytes:
    """The XLSX incident log: data sheet ``incidents`` and help/reference sheets."""
    import openpyxl

    cats = incident_categories_frame(ctx)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    data = _sheet(wb, "incidents", INCIDENT_COLUMNS, [],
                  {"A": 12, "B": 24, "C": 9, "D": 30, "E": 70, "F": 40, "G": 14})
    for cell in data["A"][1:]:
        cell.number_format = "yyyy-mm-dd"
    _list_validation(data, "D", CATEGORIES_SHEET, len(cats))
    lines = [
        "Incident log",
        *_banner(ctx, "Made from")[:2],
        "One row per incident in the first sheet ('incidents'). On import the incidents are counted",
        "per municipality, category and year; the counts become the indicator values.",
        "date: the day it happened. place: the municipality, by name (any spelling) or unit_id.",
        "country: the country code when the name exists in several countries.",
        "category: choose from the list (sheet 'Categories (reference)').",
        "description: what happened, in a few words. EDITOR-ONLY: never shown or exported publicly;",
        "still, write no names of victims or witnesses. source_link: where it is documented.",
        "ref: your own incident number (optional). An incident imported twice is counted once.",
    ]
    _help_sheet(wb, lines, INCIDENT_COLUMNS, _incident_example(ctx))
    _units_sheet(wb, ctx)
    _indicators_sheet(wb, CATEGORIES_SHEET, cats)
    return _workbook_bytes(wb)


# --------------------------------------------------------------------------- all at once


def write_templates(con: Any, out_dir: str | Path, themes: Iterable[str] | None = None,
                    today: dt.date | None = None) -> list[Path]:
    """Write every template (or those of ``themes``) into ``out_dir``; returns the paths."""
    ctx = template_context(con, today)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    chosen = list(themes) if themes else list(ctx.themes)
    unknown = [t for t in chosen if t not in ctx.themes]
    if unknown:
        raise TemplateError(f"unknown theme(s) {', '.join(unknown)}; themes: {', '.join(ctx.themes)}")
    written: list[Path] = []

    def put(name: str, data: bytes) -> None:
        path = out / name
        path.write_bytes(data)
        written.append(path)

    for tid in chosen:
        if _theme_rows(ctx, ctx.themes[tid]).empty:
            continue
        put(f"template_{tid}.csv", theme_csv(ctx, tid))
        put(f"template_{tid}.xlsx", theme_xlsx(ctx, tid))
    if not incident_categories_frame(ctx).empty:
        put("incident_log.csv", incident_log_csv(ctx))
        put("incident_log.xlsx", incident_log_xlsx(ctx))
    put("calendar.csv", calendar_csv(con, ctx))
    return written
