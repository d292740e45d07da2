"""Digest subscribers (editor-only): who gets which alerts for which places, in which language.

A subscriber is an e-mail address, the countries and/or municipalities (units) they follow,
a language code and the kinds of news they want (:data:`KINDS`). Subscribers are kept in the
outreach store (:mod:`indicators.outreach.store`), never in the warehouse. Validation errors
say which field is wrong and what to do; nothing is stored when a field is invalid.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

import duckdb
import pandas as pd

from indicators.i18n import DEFAULT_LANG, LANGUAGES, normalise, t

from .store import now_utc, store_transaction

#: The kinds of news a subscriber can ask for, in digest order.
KINDS: tuple[str, ...] = (
    "sharp_risers",
    "newly_high",
    "consistently_high",
    "calendar",
    "class_change",
)
#: What a new subscriber gets unless chosen otherwise (class changes need watched municipalities).
DEFAULT_KINDS: tuple[str, ...] = tuple(k for k in KINDS if k != "class_change")
_EMAIL = re.compile(r"^[^@\s<>,;\"']+@[^@\s<>,;\"']+\.[^@\s<>,;\"']+$")


class SubscriptionError(ValueError):
    """A subscriber that cannot be stored; the message names the field and the fix."""


@dataclass(frozen=True)
class Subscriber:
    """One digest subscriber (see the module docstring)."""

    email: str
    countries: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    language: str = "en"
    kinds: tuple[str, ...] = DEFAULT_KINDS
    active: bool = True
    subscriber_id: int | None = None
    created_at: str = ""
    created_by: str = ""

    def scope_countries(self, unit_country: dict[str, str]) -> tuple[str, ...]:
        """The chosen countries plus the countries of the chosen municipalities."""
        extra = [unit_country[u] for u in self.units if u in unit_country]
        return tuple(dict.fromkeys([*self.countries, *extra]))


def _clean_list(values: Iterable[str] | str | None) -> tuple[str, ...]:
    if values is None:
        return ()
    if isinstance(values, str):
        values = re.split(r"[,;\s]+", values)
    return tuple(dict.fromkeys(str(v).strip() for v in values if str(v).strip()))


def validate(sub: Subscriber, con: duckdb.DuckDBPyConnection | None = None) -> Subscriber:
    """Check every field (against the warehouse's countries and units when ``con`` is given)
    and return a normalised copy. Raises :class:`SubscriptionError`."""
    email = sub.email.strip().lower()
    if not _EMAIL.match(email):
        raise SubscriptionError(t("outreach.err_email", email=sub.email))
    countries = tuple(c.upper() for c in _clean_list(sub.countries))
    units = _clean_list(sub.units)
    if not countries and not units:
        raise SubscriptionError(t("outreach.err_no_place"))
    language = normalise(sub.language.strip() or DEFAULT_LANG)
    if language not in LANGUAGES:
        raise SubscriptionError(t("outreach.err_language", language=sub.language,
                                  known=", ".join(LANGUAGES)))
    kinds = _clean_list(sub.kinds)
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise SubscriptionError(t("outreach.err_kind", kinds=", ".join(unknown), allowed=", ".join(KINDS)))
    if not kinds:
        raise SubscriptionError(t("outreach.err_no_kind", allowed=", ".join(KINDS)))
    if "class_change" in kinds and not units:
        raise SubscriptionError(t("outreach.err_class_needs_unit"))
    if con is not None:
        known_c = {r[0] for r in con.execute("SELECT iso3 FROM countries").fetchall()}
        bad = [c for c in countries if c not in known_c]
        if bad:
            raise SubscriptionError(t("outreach.err_country", codes=", ".join(bad),
                                      known=", ".join(sorted(known_c))))
        known_u = {r[0] for r in con.execute("SELECT unit_id FROM units").fetchall()}
        bad = [u for u in units if u not in known_u]
        if bad:
            raise SubscriptionError(t("outreach.err_unit", units=", ".join(bad)))
    ordered = tuple(k for k in KINDS if k in kinds)
    return Subscriber(email, countries, units, language, ordered, sub.active, sub.subscriber_id,
                      sub.created_at, sub.created_by)


def _row(r: sqlite3.Row) -> Subscriber:
    return Subscriber(
        email=r["email"], countries=tuple(json.loads(r["countries"])),
        units=tuple(json.loads(r["units"])), language=r["language"],
        kinds=tuple(json.loads(r["kinds"])), active=bool(r["active"]),
        subscriber_id=int(r["subscriber_id"]), created_at=r["created_at"],
        created_by=r["created_by"] or "",
    )


def add_subscriber(store: sqlite3.Connection, sub: Subscriber,
                   con: duckdb.DuckDBPyConnection | None = None, *, by: str = "") -> Subscriber:
    """Validate and store a new subscriber; an address already subscribed is refused."""
    sub = validate(sub, con)
    if get_subscriber(store, sub.email) is not None:
        raise SubscriptionError(t("outreach.err_duplicate", email=sub.email))
    with store_transaction(store):
        cur = store.execute(
            "INSERT INTO subscribers (email, countries, units, language, kinds, active, created_at, "
            "created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [sub.email, json.dumps(list(sub.countries)), json.dumps(list(sub.units)), sub.language,
             json.dumps(list(sub.kinds)), int(sub.active), now_utc(), by],
        )
    return get_subscriber(store, int(cur.lastrowid))  # type: ignore[return-value]


def update_subscriber(store: sqlite3.Connection, sub: Subscriber,
                      con: duckdb.DuckDBPyConnection | None = None) -> Subscriber:
    """Replace the places, language, kinds and active flag of subscriber ``sub.subscriber_id``."""
    if sub.subscriber_id is None or get_subscriber(store, sub.subscriber_id) is None:
        raise SubscriptionError(t("outreach.err_missing", who=sub.subscriber_id or sub.email))
    sub = validate(sub, con)
    with store_transaction(store):
        store.execute(
            "UPDATE subscribers SET email = ?, countries = ?, units = ?, language = ?, kinds = ?, "
            "active = ? WHERE subscriber_id = ?",
            [sub.email, json.dumps(list(sub.countries)), json.dumps(list(sub.units)), sub.language,
             json.dumps(list(sub.kinds)), int(sub.active), sub.subscriber_id],
        )
    return get_subscriber(store, sub.subscriber_id)  # type: ignore[arg-type,return-value]


def remove_subscriber(store: sqlite3.Connection, subscriber_id: int) -> None:
    """Delete a subscriber with their delivery history (nothing about them is kept)."""
    with store_transaction(store):
        for table in ("sent_items", "deliveries", "subscribers"):
            store.execute(f"DELETE FROM {table} WHERE subscriber_id = ?", [int(subscriber_id)])


def get_subscriber(store: sqlite3.Connection, key: int | str) -> Subscriber | None:
    """A subscriber by id or by e-mail (case-insensitive), or None."""
    column = "subscriber_id" if isinstance(key, int) else "email"
    value = key if isinstance(key, int) else str(key).strip()
    row = store.execute(f"SELECT * FROM subscribers WHERE {column} = ?", [value]).fetchone()
    return _row(row) if row else None


def list_subscribers(store: sqlite3.Connection, *, active_only: bool = False) -> list[Subscriber]:
    """Every subscriber (ordered by e-mail)."""
    sql = "SELECT * FROM subscribers" + (" WHERE active = 1" if active_only else "") + " ORDER BY email"
    return [_row(r) for r in store.execute(sql).fetchall()]


def subscribers_frame(store: sqlite3.Connection) -> pd.DataFrame:
    """Subscribers with the status of their last digest (for the Data page)."""
    last = {
        r["subscriber_id"]: r for r in store.execute(
            "SELECT d.* FROM deliveries d JOIN (SELECT subscriber_id, max(delivery_id) AS m "
            "FROM deliveries GROUP BY subscriber_id) x ON x.m = d.delivery_id").fetchall()
    }
    rows = []
    for s in list_subscribers(store):
        d = last.get(s.subscriber_id)
        status = "" if d is None else (
            t("outreach.status_sent", when=d["attempted_at"]) if d["status"] == "sent"
            else t("outreach.status_failed", when=d["attempted_at"], error=d["error"] or ""))
        rows.append({
            "subscriber_id": s.subscriber_id, "email": s.email,
            "countries": ", ".join(s.countries), "units": ", ".join(s.units),
            "language": s.language, "kinds": ", ".join(s.kinds), "active": s.active,
            "last_digest": status,
        })
    return pd.DataFrame(rows, columns=["subscriber_id", "email", "countries", "units", "language",
                                       "kinds", "active", "last_digest"])
