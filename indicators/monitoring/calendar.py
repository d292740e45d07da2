"""The calendar of dates of heightened sensitivity (FoA risk factor 8).

Elections and censuses (FoA 8.8), anniversaries, commemorations and national or public
holidays (8.11), verdicts of war-crimes courts (8.12). Commemorations of victims are not causes
of violence: the calendar lists dates around which denial, glorification, counter-gatherings
and incidents have clustered, so that monitors can watch them. An event is one date, or a
*yearly rule* (``recurrence: yearly``) whose ``date`` is its first occurrence in the calendar
(``since`` = the year the observance began); rules are expanded per year when queried.

Where events come from:

* ``calendar.yaml`` beside this module ships facts for the six countries (2010-2026). Each
  event carries the date it was ``checked`` and either a source (publisher + the URL of the
  page that states the fact) with ``status: sourced``, or ``status: to verify`` with what a
  search found (``evidence``); rules in :mod:`indicators.monitoring.calendar_event`. It is
  read for warehouses that hold real data, never for the fictional demo region.
* the warehouse table ``events``: calendar CSV imports (``python -m indicators import
  calendar.csv``) and the demo generator's invented events. A stored event with the same
  ``event_id`` as a shipped one replaces it (``status: withdrawn`` hides it), so the calendar
  is editable like any dataset.

Core functions: :func:`events_between`, :func:`upcoming_events` and :func:`trend_events`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from indicators.monitoring.calendar_event import (  # noqa: F401  (re-exported)
    CATEGORIES,
    FIRST_YEAR,
    ONE_OFF,
    REAL_COUNTRIES,
    RECURRENCES,
    STATUSES,
    CalendarError,
    Event,
    event_id_for,
    event_problems,
    is_specific_url,
    parse_date,
    scare_quotes,
    validate_event,
)

CALENDAR_YAML = Path(__file__).resolve().parent / "calendar.yaml"
EVENT_COLUMNS = [
    "date", "country", "category", "foa_indicator", "title", "place", "status", "source",
    "source_url", "recurring", "fictional", "event_id", "note", "checked",
]
#: The label shown after the title of an event that is not sourced (panel, trend markers, brief).
TO_VERIFY_LABEL = "(to verify)"


def load_calendar(path: str | Path = CALENDAR_YAML) -> list[Event]:
    """The shipped calendar, validated: ids unique, only the six countries, nothing fictional,
    and every event passes :func:`calendar_event.event_problems` (evidence, consistency,
    wording)."""
    path = Path(path)
    return list(_load_calendar(path, path.stat().st_mtime_ns))


def calendar_problems(events: Iterable[Event], today: dt.date | None = None) -> list[str]:
    """Every problem of ``events`` as ``"<id>: <problem>"`` (empty = trustworthy)."""
    return [f"{ev.event_id}: {p}" for ev in events for p in event_problems(ev, today)]


@lru_cache(maxsize=4)
def _load_calendar(path: Path, _mtime: int) -> tuple[Event, ...]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    events: list[Event] = []
    seen: set[str] = set()
    for k, item in enumerate(data.get("events") or []):
        ev = validate_event(item, where=f"{Path(path).name} events[{k}]")
        if ev.event_id in seen:
            raise CalendarError(f"{Path(path).name}: duplicate id {ev.event_id}")
        if ev.country not in REAL_COUNTRIES or ev.fictional:
            raise CalendarError(f"{Path(path).name}: {ev.event_id}: only real events of "
                                f"{', '.join(REAL_COUNTRIES)} belong in the shipped calendar")
        seen.add(ev.event_id)
        events.append(ev)
    problems = calendar_problems(events)
    if problems:
        raise CalendarError(f"{Path(path).name}: {len(problems)} event(s) fail the evidence "
                            "and wording rules: " + "; ".join(problems[:10]))
    return tuple(events)


# --------------------------------------------------------------------------- warehouse


def _has_table(con: Any, name: str) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
    ).fetchone()[0])


def _fictional_warehouse(con: Any) -> bool:
    row = con.execute("SELECT value FROM meta WHERE key = 'fictional'").fetchone()
    return bool(row) and row[0] == "true"


def stored_events(con: Any) -> list[Event]:
    """Events of the warehouse table (empty when the table does not exist yet)."""
    if not _has_table(con, "events"):
        return []
    cols = ["event_id", "country", "date", "category", "title", "recurrence", "until_year",
            "place", "source", "source_url", "status", "fictional", "note"]
    out = []
    for row in con.execute(f"SELECT {', '.join(cols)} FROM events").fetchall():
        rec = dict(zip(cols, row, strict=True))
        for key in ("place", "source", "source_url", "note"):
            rec[key] = rec[key] or ""
        out.append(Event(**rec))
    return out


def calendar_events(con: Any) -> list[Event]:
    """Every active event: shipped ones (real warehouses only), replaced by stored ones with
    the same id; withdrawn events are left out."""
    merged: dict[str, Event] = {}
    if not _fictional_warehouse(con):
        merged.update({e.event_id: e for e in load_calendar()})
    merged.update({e.event_id: e for e in stored_events(con)})
    return [e for e in merged.values() if e.status != "withdrawn"]


def store_events(con: Any, events: Iterable[Event], import_id: int | None = None) -> int:
    """Insert or replace events in the warehouse table (inside the caller's transaction)."""
    n = 0
    for ev in events:
        r = ev.as_row()
        con.execute(
            "INSERT OR REPLACE INTO events (event_id, country, date, recurrence, until_year, "
            "category, title, place, source, source_url, status, fictional, note, import_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [r["event_id"], r["country"], r["date"], r["recurrence"], r["until_year"],
             r["category"], r["title"], r["place"] or None, r["source"] or None,
             r["source_url"] or None, r["status"], r["fictional"], r["note"] or None, import_id],
        )
        n += 1
    return n


def expand(events: Iterable[Event], start: dt.date, end: dt.date,
           countries: Iterable[str] | None = None) -> pd.DataFrame:
    """Occurrences of ``events`` in ``[start, end]`` as a table (columns :data:`EVENT_COLUMNS`),
    sorted by date."""
    wanted = None if countries is None else {str(c).upper() for c in countries}
    rows = []
    for ev in events:
        if wanted is not None and ev.country not in wanted:
            continue
        for day in ev.occurrences(start, end):
            rows.append({
                "date": day, "country": ev.country, "category": ev.category,
                "foa_indicator": ev.foa_indicator, "title": ev.title, "place": ev.place,
                "status": ev.status, "source": ev.source, "source_url": ev.source_url,
                "recurring": ev.recurrence == "yearly", "fictional": ev.fictional,
                "event_id": ev.event_id, "note": ev.note, "checked": ev.checked,
            })
    frame = pd.DataFrame(rows, columns=EVENT_COLUMNS)
    return frame.sort_values(["date", "country", "title"], ignore_index=True)


def _as_date(value: Any) -> dt.date:
    return parse_date(value) if not isinstance(value, dt.date) else (
        value.date() if isinstance(value, dt.datetime) else value)


def events_between(con: Any, start: Any, end: Any,
                   countries: Iterable[str] | None = None) -> pd.DataFrame:
    """Every event occurrence from ``start`` to ``end`` (inclusive) in ``countries`` (None = all)."""
    return expand(calendar_events(con), _as_date(start), _as_date(end), countries)


def upcoming_events(con: Any, today: Any = None, days: int = 90,
                    countries: Iterable[str] | None = None) -> pd.DataFrame:
    """Events in the next ``days`` days from ``today`` (default: the current date), with a
    ``days_until`` column. For the brief and the dashboard's "upcoming" panel."""
    start = dt.date.today() if today is None else _as_date(today)
    frame = events_between(con, start, start + dt.timedelta(days=int(days)), countries)
    frame.insert(1, "days_until", [(d - start).days for d in frame["date"]])
    return frame


def short_label(row: Any, width: int = 34) -> str:
    """A marker label such as ``"BIH · General elections"`` (title shortened); an event not
    sourced ends with ``"(to verify)"``."""
    title = str(row["title"])
    if len(title) > width:
        title = title[: width - 1].rstrip() + "…"
    suffix = f" {TO_VERIFY_LABEL}" if str(row.get("status", "")) == "to verify" else ""
    return f"{row['country']} · {title}{suffix}"


def trend_events(con: Any, countries: Iterable[str] | None, first_year: int,
                 last_year: int) -> pd.DataFrame:
    """One-off events (elections, censuses, verdicts, …; not yearly commemorations) from
    ``first_year`` to ``last_year`` as ``date, label`` for the markers of trend charts."""
    frame = events_between(con, dt.date(int(first_year), 1, 1), dt.date(int(last_year), 12, 31),
                           countries)
    frame = frame.loc[~frame["recurring"].astype(bool)]
    out = pd.DataFrame({"date": frame["date"], "label": [short_label(r) for _, r in
                                                        frame.iterrows()]})
    return out.drop_duplicates(ignore_index=True)


# --------------------------------------------------------------------------- demo region

#: Invented yearly days of the demo region, spread so that any 90 days hold one or more.
_DEMO_RULES: tuple[tuple[int, int, int, str, str], ...] = (
    # (country index, month, day, category, title)
    (0, 1, 20, "holiday", "Invented national day, celebrated by one community only"),
    (1, 3, 25, "commemoration", "Commemoration of an invented wartime massacre"),
    (2, 5, 30, "commemoration", "Anniversary of an invented wartime expulsion"),
    (0, 8, 5, "commemoration", "Anniversary of an invented military operation"),
    (1, 10, 10, "holiday", "Invented statehood day, contested by the other entity"),
    (2, 12, 1, "commemoration", "Remembrance day for an invented siege"),
)
DEMO_SOURCE = "Invented by the demo generator (fictional)"


def demo_events(countries: list[str], election_years: dict[str, list[int]]) -> list[Event]:
    """Clearly fictional events for the demo region: local elections in the years the demo
    has vote shares, one census per country, one invented verdict, and six invented yearly
    commemorations and holidays. Every title says "(fictional)"."""
    def ev(country: str, date: dt.date, category: str, title: str, **kw: Any) -> Event:
        return Event(
            event_id=f"demo-{country.lower()}-{date.isoformat()}-{category}",
            country=country, date=date, category=category, title=f"{title} (fictional)",
            source=DEMO_SOURCE, status="fictional", fictional=True, **kw,
        )

    out: list[Event] = []
    for k, c in enumerate(countries):
        for year in sorted(election_years.get(c, [])):
            out.append(ev(c, dt.date(year, 10, 8 + 7 * k), "election", "Local elections"))
        out.append(ev(c, dt.date(2011 + 2 * k, 4, 1 + k), "census", "Population census"))
    if len(countries) > 1:
        out.append(ev(countries[1], dt.date(2018, 6, 14), "verdict",
                      "Appeal verdict in an invented war-crimes case"))
    for idx, month, day, category, title in _DEMO_RULES:
        if idx < len(countries):
            out.append(ev(countries[idx], dt.date(2010, month, day), category, title,
                          recurrence="yearly"))
    return out


def with_status(event: Event, status: str) -> Event:
    """A copy of ``event`` with another status (e.g. to withdraw a shipped event)."""
    return replace(event, status=status)
