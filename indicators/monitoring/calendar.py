"""The trigger calendar (FoA risk factor 8): dated events that can set off or worsen violence.

Elections and censuses (FoA 8.8), anniversaries, commemorations and contested holidays (8.11),
verdicts of war-crimes courts (8.12). An event is one date, or a *yearly rule* (``recurrence:
yearly``) whose ``date`` is its first occurrence; rules are expanded per year when queried.

Where events come from:

* ``calendar.yaml`` beside this module ships facts for the six countries (2010-2026), each with
  a source (publisher + URL) or ``status: to verify``. It is read for warehouses that hold real
  data, never for the fictional demo region.
* the warehouse table ``events``: calendar CSV imports (``python -m indicators import
  calendar.csv``) and the demo generator's invented events. A stored event with the same
  ``event_id`` as a shipped one replaces it (``status: withdrawn`` hides it), so the calendar
  is editable like any dataset.

Core functions: :func:`events_between`, :func:`upcoming_events` and :func:`trend_events`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

CALENDAR_YAML = Path(__file__).resolve().parent / "calendar.yaml"
#: Event category -> the FoA risk-factor-8 indicator it informs.
CATEGORIES: dict[str, str] = {
    "election": "8.8",
    "census": "8.8",
    "commemoration": "8.11",
    "holiday": "8.11",
    "verdict": "8.12",
    "other": "",  # no single FoA indicator (risk factor 8 in general)
}
#: ``fictional`` is for the invented events of the demo region only.
STATUSES: tuple[str, ...] = ("sourced", "to verify", "withdrawn", "fictional")
RECURRENCES: tuple[str, ...] = ("none", "yearly")
#: The coalition's six countries (Kosovo as XKX, the code used by the EU and the World Bank).
REAL_COUNTRIES: tuple[str, ...] = ("BIH", "HRV", "MKD", "MNE", "SRB", "XKX")
ISO3_RE = re.compile(r"^[A-Z]{3}$")
ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{2,80}$")
EVENT_COLUMNS = [
    "date", "country", "category", "foa_indicator", "title", "place", "status", "source",
    "source_url", "recurring", "fictional", "event_id", "note",
]
_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%Y.", "%d/%m/%Y")


class CalendarError(ValueError):
    """An event that does not validate; ``column`` names the field at fault."""

    def __init__(self, message: str, column: str | None = None) -> None:
        super().__init__(message)
        self.column = column


@dataclass(frozen=True)
class Event:
    """One dated event or yearly rule."""

    event_id: str
    country: str
    date: dt.date
    category: str
    title: str
    recurrence: str = "none"
    until_year: int | None = None
    place: str = ""
    source: str = ""
    source_url: str = ""
    status: str = "to verify"
    fictional: bool = False
    note: str = ""

    @property
    def foa_indicator(self) -> str:
        """The FoA indicator number this kind of event informs (e.g. ``"8.11"``)."""
        return CATEGORIES[self.category]

    def occurrences(self, start: dt.date, end: dt.date) -> list[dt.date]:
        """Dates of this event in ``[start, end]`` (a yearly rule gives one per year)."""
        if self.recurrence == "none":
            return [self.date] if start <= self.date <= end else []
        last = end.year if self.until_year is None else min(end.year, self.until_year)
        out = []
        for year in range(max(start.year, self.date.year), last + 1):
            day = _same_day(self.date, year)
            if start <= day <= end and day >= self.date:
                out.append(day)
        return out

    def as_row(self) -> dict[str, Any]:
        """A dict for the ``events`` table."""
        return asdict(self)


def _same_day(date: dt.date, year: int) -> dt.date:
    try:
        return date.replace(year=year)
    except ValueError:  # 29 February in a common year
        return dt.date(year, 2, 28)


def parse_date(value: Any) -> dt.date:
    """A date from a YAML/XLSX date or text (YYYY-MM-DD, DD.MM.YYYY[.], DD/MM/YYYY)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}T00:00(:00)?", text):
        text = text[:10]
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"'{text}' is not a date; write it as YYYY-MM-DD, e.g. 2024-07-11")


def event_id_for(country: str, date: dt.date, title: str) -> str:
    """A stable id for an event that has none: country, date and a hash of the title."""
    digest = hashlib.sha256(title.strip().lower().encode("utf-8")).hexdigest()[:8]
    return f"{country.lower()}-{date.isoformat()}-{digest}"


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value) or (
        isinstance(value, str) and not value.strip())


def _str(value: Any) -> str:
    return "" if _blank(value) else " ".join(str(value).split())


def validate_event(record: dict[str, Any], where: str = "event") -> Event:
    """Validate one event (YAML entry or CSV row) and return an :class:`Event`.

    Keys: ``id``/``event_id``, ``country``, ``date``, ``category``, ``title`` (required);
    ``recurrence``, ``until``, ``place``, ``source``, ``url``/``source_url``, ``status``,
    ``fictional``, ``note``. Without a source and URL the status is ``to verify``.
    """
    country = _str(record.get("country")).upper()
    if not ISO3_RE.match(country):
        raise CalendarError(f"{where}: country must be an ISO3 code such as BIH, got {country!r}",
                            "country")
    try:
        date = parse_date(record.get("date"))
    except ValueError as exc:
        raise CalendarError(f"{where}: {exc}", "date") from None
    category = _str(record.get("category")).lower()
    if category not in CATEGORIES:
        raise CalendarError(
            f"{where}: category must be one of {', '.join(CATEGORIES)}, got {category!r}",
            "category")
    title = _str(record.get("title"))
    if not title:
        raise CalendarError(f"{where}: title is empty", "title")
    recurrence = _str(record.get("recurrence")).lower() or "none"
    if recurrence not in RECURRENCES:
        raise CalendarError(f"{where}: recurrence must be 'none' or 'yearly', got {recurrence!r}",
                            "recurrence")
    until_raw = record.get("until", record.get("until_year"))
    until = None
    if not _blank(until_raw):
        try:
            until = int(float(str(until_raw)))
        except ValueError:
            raise CalendarError(f"{where}: until must be a year, got {until_raw!r}",
                                "until") from None
        if recurrence != "yearly" or until < date.year:
            raise CalendarError(f"{where}: until ({until}) needs recurrence: yearly and a year "
                                f"from {date.year} on", "until")
    source = _str(record.get("source"))
    url = _str(record.get("source_url", record.get("url")))
    if url and not re.match(r"^https?://\S+$", url):
        raise CalendarError(f"{where}: url must start with http:// or https://, got {url!r}", "url")
    status = _str(record.get("status")).lower() or ("sourced" if source and url else "to verify")
    if status not in STATUSES:
        raise CalendarError(f"{where}: status must be one of {', '.join(STATUSES)}, got {status!r}",
                            "status")
    if status == "sourced" and not (source and url):
        raise CalendarError(f"{where}: a sourced event needs a source (publisher) and a url; "
                            "otherwise mark it status: to verify", "source")
    event_id = _str(record.get("event_id", record.get("id"))).lower() or event_id_for(
        country, date, title)
    if not ID_RE.match(event_id):
        raise CalendarError(f"{where}: id {event_id!r} must be 3-81 lowercase letters, digits, "
                            "'-' or '_'", "event_id")
    fictional = status == "fictional" or str(record.get("fictional", "")).strip().lower() in (
        "true", "yes", "1")
    return Event(event_id=event_id, country=country, date=date, category=category, title=title,
                 recurrence=recurrence, until_year=until, place=_str(record.get("place")),
                 source=source, source_url=url, status=status, fictional=fictional,
                 note=_str(record.get("note")))


def load_calendar(path: str | Path = CALENDAR_YAML) -> list[Event]:
    """The shipped calendar, validated (ids unique, only the six countries, nothing fictional)."""
    path = Path(path)
    return list(_load_calendar(path, path.stat().st_mtime_ns))


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
                "event_id": ev.event_id, "note": ev.note,
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
    """A marker label such as ``"BIH · General elections"`` (title shortened)."""
    title = str(row["title"])
    if len(title) > width:
        title = title[: width - 1].rstrip() + "…"
    return f"{row['country']} · {title}"


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
