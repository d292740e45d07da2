"""What the outreach can tell: the public alerts, class changes and upcoming trigger events.

Everything here is computed from a *public* cursor (:func:`public_cursor`: the warehouse with
editor-only data hidden, as the public dashboard sees it), so neither a digest nor the feed
can carry editor-only data. Each piece of news is an :class:`Item` with a stable key; the
outreach store remembers when each key was first seen (the feed's entry date, the digest's
``--since``) and which keys each subscriber has already been sent (no resend).
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

import duckdb
import numpy as np

from indicators.measures import country_level_only
from indicators.monitoring.calendar import upcoming_events
from indicators.scoring.aggregate import risk_class
from indicators.scoring.alerts import Alerts, compute_alerts
from indicators.scoring.config import ScoringConfig
from indicators.scoring.engine import ScoreResult, score
from indicators.scoring.panel import load_panel
from indicators.visibility import apply_public_views
from indicators.warehouse import connect, is_fictional

from .store import now_utc

ALERT_KINDS: tuple[str, ...] = ("sharp_risers", "newly_high", "consistently_high")
CALENDAR_DAYS = 30


@contextmanager
def public_cursor(db: str | os.PathLike[str] | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only cursor on warehouse ``db`` that sees only public data."""
    con = connect(db, read_only=True)
    try:
        cur = con.cursor()
        apply_public_views(cur)
        yield cur
    finally:
        con.close()


@dataclass
class Snapshot:
    """The public state of one warehouse version: scores, alerts of the latest period, names."""

    con: duckdb.DuckDBPyConnection
    result: ScoreResult
    alerts: Alerts | None
    fictional: bool
    countries: dict[str, str]
    unit_country: dict[str, str]
    unit_names: dict[str, str]

    @property
    def period(self) -> int | None:
        """The latest scored period (None for an empty warehouse)."""
        return int(self.result.periods[-1]) if len(self.result.periods) else None


def load_snapshot(con: duckdb.DuckDBPyConnection) -> Snapshot:
    """Score the (public) warehouse with method v1 and compute the latest period's alerts."""
    result = score(load_panel(con), ScoringConfig())
    alerts = compute_alerts(result) if len(result.periods) else None
    p = result.panel
    return Snapshot(
        con=con, result=result, alerts=alerts, fictional=is_fictional(con),
        countries=dict(con.execute("SELECT iso3, name FROM countries ORDER BY iso3").fetchall()),
        unit_country={str(u): str(c) for u, c in zip(p.unit_ids, p.unit_country, strict=True)},
        unit_names={str(u): str(n) for u, n in zip(p.unit_ids, p.unit_names, strict=True)},
    )


@dataclass(frozen=True)
class Item:
    """One piece of news. ``facts`` holds what the texts need (numbers, names, dates)."""

    key: str
    kind: str  # one of subscriptions.KINDS
    country: str
    unit_id: str | None
    period: int | None
    facts: dict = field(default_factory=dict, compare=False)
    first_seen: str | None = None


def _num(value: object) -> float | None:
    try:
        f = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if np.isnan(f) else f


def alert_items(snap: Snapshot) -> list[Item]:
    """The three early-warning lists of the latest period as items (list order kept)."""
    if snap.alerts is None:
        return []
    a = snap.alerts
    n_ranked = int(np.sum(~np.isnan(snap.result.composite[:, -1])))
    flat = set(country_level_only(snap.result, a.period))
    out = []
    for kind, frame in (("sharp_risers", a.sharp_risers), ("newly_high", a.newly_high),
                        ("consistently_high", a.consistently_high)):
        for r in frame.itertuples(index=False):
            out.append(Item(
                key=f"{kind}/{r.unit_id}/{a.period}", kind=kind, country=str(r.country),
                unit_id=str(r.unit_id), period=int(a.period),
                facts={"unit_name": str(r.unit_name), "composite": _num(r.composite),
                       "previous": _num(r.previous), "change": _num(r.change),
                       "risk_class": r.risk_class or "", "previous_class": r.previous_class or "",
                       "rank": None if r.rank is None or r.rank != r.rank else int(r.rank),
                       "n_ranked": n_ranked, "drivers": r.drivers or "",
                       "previous_period": a.previous_period,
                       "country_level_only": str(r.country) in flat},
            ))
    return out


def class_change_items(snap: Snapshot, units: Iterable[str]) -> list[Item]:
    """Units of ``units`` whose class in the latest period differs from the period before
    (moving to or from "insufficient data" counts)."""
    res = snap.result
    if len(res.periods) < 2:
        return []
    pos = {str(u): i for i, u in enumerate(res.panel.unit_ids)}
    period, prev = int(res.periods[-1]), int(res.periods[-2])
    out = []
    for unit in units:
        if unit not in pos:
            continue
        now, before = res.composite[pos[unit], -1], res.composite[pos[unit], -2]
        c_now, c_before = risk_class(np.array([now, before]))
        if c_now == c_before:
            continue
        out.append(Item(
            key=f"class_change/{unit}/{period}/{c_before or 'insufficient'}-{c_now or 'insufficient'}",
            kind="class_change", country=snap.unit_country[unit], unit_id=unit, period=period,
            facts={"unit_name": snap.unit_names[unit], "composite": _num(now),
                   "previous": _num(before), "risk_class": c_now, "previous_class": c_before,
                   "previous_period": prev},
        ))
    return out


def calendar_items(con: duckdb.DuckDBPyConnection, countries: Iterable[str], today: dt.date,
                   days: int = CALENDAR_DAYS) -> list[Item]:
    """Trigger-calendar events of ``countries`` in the ``days`` days from ``today``."""
    frame = upcoming_events(con, today, days, list(countries))
    out = []
    for r in frame.itertuples(index=False):
        if str(r.status) == "withdrawn":
            continue
        out.append(Item(
            key=f"calendar/{r.event_id}/{r.date.isoformat()}", kind="calendar",
            country=str(r.country), unit_id=None, period=None,
            facts={"date": r.date.isoformat(), "days_until": int(r.days_until), "title": str(r.title),
                   "category": str(r.category), "place": str(r.place or ""), "status": str(r.status),
                   "source": str(r.source or ""), "source_url": str(r.source_url or ""),
                   "fictional": bool(r.fictional)},
        ))
    return out


def stamp_first_seen(store: sqlite3.Connection, items: list[Item], *, persist: bool = True,
                     now: str | None = None) -> list[Item]:
    """Attach the first-seen time of each item (now for new ones; stored unless ``persist`` is
    False, e.g. for a dry run)."""
    now = now or now_utc()
    known = {}
    keys = [i.key for i in items]
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        marks = ",".join("?" * len(chunk))
        known.update(store.execute(
            f"SELECT item_key, first_seen FROM items WHERE item_key IN ({marks})", chunk).fetchall())
    new = [i for i in items if i.key not in known]
    if persist and new:
        store.executemany(
            "INSERT OR IGNORE INTO items (item_key, kind, country, unit_id, period, first_seen) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(i.key, i.kind, i.country, i.unit_id, i.period, now) for i in new],
        )
    return [replace(i, first_seen=known.get(i.key, now)) for i in items]
