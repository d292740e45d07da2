"""Calendar files: dated trigger events (elections, censuses, commemorations, contested
holidays, verdicts) imported into the warehouse table ``events``.

A calendar is recognised by its columns: ``date``, ``title``, ``category`` and ``country``.
Optional: ``event_id`` (or ``id``; a row with the id of a shipped or stored event replaces
it), ``recurrence`` (``yearly`` for a rule repeated every year), ``until``, ``place``,
``source``, ``source_url`` (or ``url``), ``status`` (``sourced``, ``to verify``, ``withdrawn``),
``note``. Rules and messages: :func:`indicators.monitoring.calendar.validate_event`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from indicators.ingest.detect import canonical
from indicators.ingest.preview import Preview, Writer
from indicators.ingest.readers import Table, iter_rows
from indicators.ingest.report import Problem
from indicators.ingest.validate import Context
from indicators.monitoring.calendar import CalendarError, Event, store_events, validate_event

KIND = "events"
REQUIRED = ("date", "title", "category", "country")
_ALIASES = {"id": "event_id", "url": "source_url", "until_year": "until"}
LANDING_COLUMNS = ["row", "event_id", "date", "country", "category", "title", "recurrence",
                   "status"]


def is_calendar(columns: list[str]) -> bool:
    """True when the columns are those of a calendar of events."""
    canon = {canonical(c) for c in columns if c}
    return set(REQUIRED) <= canon and "code" not in canon


def prepare_events(table: Table, ctx: Context, con: Any, *, file: str, path: Path) -> Preview:
    """Validate every event row; the landing rows replace events with the same id."""
    info = table.info
    cols = {canonical(c): c for c in table.frame.columns if c}
    preview = Preview(
        file=file, path=path, kind=KIND, read_info=info, columns=list(table.frame.columns),
        mapping={_ALIASES.get(k, k): v for k, v in cols.items()},
        rows_total=table.rows_total, header_row=info.header_row,
    )
    preview.problems = list(table.problems)
    bad_rows = {p.row for p in table.problems if p.is_error and p.row is not None}
    fictional = {r[0] for r in con.execute(
        "SELECT iso3 FROM countries WHERE fictional").fetchall()}
    events: list[tuple[int, Event]] = []
    seen: dict[str, int] = {}
    for number, row in iter_rows(table.frame):
        if number in bad_rows:
            continue
        record = {_ALIASES.get(k, k): row[c] for k, c in cols.items()}
        try:
            ev = validate_event(record, where="event")
        except CalendarError as exc:
            column = cols.get(exc.column or "", exc.column)
            if exc.column == "source_url":
                column = cols.get("source_url", cols.get("url"))
            preview.problems.append(Problem(
                reason=str(exc).removeprefix("event: "), row=number, column=column,
                raw=table.raw.get(number),
                suggestion="fix the cell (see the calendar template for the allowed values)",
            ))
            continue
        if ev.event_id in seen:
            preview.problems.append(Problem(
                reason=f"event id {ev.event_id} appears again (row {seen[ev.event_id]})",
                row=number, column=cols.get("event_id", cols.get("id")),
                raw=table.raw.get(number), suggestion="keep one row per event",
            ))
            continue
        seen[ev.event_id] = number
        if ev.fictional and ev.country not in fictional:
            preview.problems.append(Problem(
                reason=f"{ev.country} is not a fictional country: its events cannot be fictional",
                row=number, column=cols.get("status"), raw=table.raw.get(number),
                suggestion="use status sourced or to verify",
            ))
            continue
        if ev.country in fictional and not ev.fictional:
            ev = Event(**{**ev.as_row(), "fictional": True})
        if ev.country not in ctx.countries:
            preview.warnings.append(Problem(
                reason=f"country {ev.country} has no units in the warehouse yet; the event is "
                "kept and shows once its units are imported",
                row=number, severity="warning",
            ))
        if ev.status == "to verify":
            preview.warnings.append(Problem(
                reason=f"'{ev.title}' has no source and url: it is marked 'to verify'",
                row=number, severity="warning",
                suggestion="add the publisher (source) and a web address (source_url)",
            ))
        events.append((number, ev))
    failed = {p.row for p in preview.problems if p.is_error and p.row is not None}
    events = [(n, e) for n, e in events if n not in failed]
    preview.landing = pd.DataFrame(
        [{"row": n, "event_id": e.event_id, "date": e.date, "country": e.country,
          "category": e.category, "title": e.title, "recurrence": e.recurrence,
          "status": e.status} for n, e in events],
        columns=LANDING_COLUMNS,
    )
    preview.writer = _writer([e for _, e in events])
    return preview.finish()


def _writer(events: list[Event]) -> Writer:
    def write(con: Any, import_id: int) -> int:
        return store_events(con, events, import_id)

    return write
