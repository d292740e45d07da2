"""The outreach store: editor-only data kept *outside* the warehouse, in its own SQLite file.

Subscribers (e-mail addresses, what they watch), the delivery log of the digests and the
"first seen" date of each public alert live here, never in the DuckDB warehouse. So nothing
that reads the warehouse — pages, exports, the Atom feed, the open-data package, public or
editor cursor — can ever see a subscriber. The file also survives warehouse rebuilds
(``build --force``) and the copy-on-write publishing of new warehouse versions, and SQLite
lets the app (adding a subscriber) and the weekly ``digest`` job (recording deliveries)
write at the same time.

Location: ``$RISK_OUTREACH_DB``, else ``<warehouse folder>/<warehouse stem>.outreach.sqlite``
(``data/warehouse.outreach.sqlite`` for the default warehouse; git-ignored like the warehouse).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from indicators.warehouse import resolve_db_path

ENV_VAR = "RISK_OUTREACH_DB"

SCHEMA = """
CREATE TABLE IF NOT EXISTS subscribers (
    subscriber_id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    countries TEXT NOT NULL DEFAULT '[]',      -- JSON list of ISO3 codes
    units TEXT NOT NULL DEFAULT '[]',          -- JSON list of unit ids (watched municipalities)
    language TEXT NOT NULL DEFAULT 'en',
    kinds TEXT NOT NULL,                       -- JSON list, see subscriptions.KINDS
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    created_by TEXT
);
CREATE TABLE IF NOT EXISTS items (             -- what a digest or the feed can tell, first seen when
    item_key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    country TEXT,
    unit_id TEXT,
    period INTEGER,
    first_seen TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (        -- one row per digest attempt
    delivery_id INTEGER PRIMARY KEY AUTOINCREMENT,
    subscriber_id INTEGER NOT NULL,
    attempted_at TEXT NOT NULL,
    status TEXT NOT NULL,                      -- 'sent' | 'failed'
    error TEXT,
    subject TEXT,
    n_items INTEGER NOT NULL,
    message_id TEXT
);
CREATE TABLE IF NOT EXISTS sent_items (        -- items a subscriber has been told about (no resend)
    subscriber_id INTEGER NOT NULL,
    item_key TEXT NOT NULL,
    delivery_id INTEGER NOT NULL,
    PRIMARY KEY (subscriber_id, item_key)
);
"""


def store_path(db: str | os.PathLike[str] | None = None) -> Path:
    """The outreach store of warehouse ``db``: ``$RISK_OUTREACH_DB`` or beside the warehouse."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    wh = resolve_db_path(db)
    return wh.with_name(f"{wh.stem}.outreach.sqlite")


def now_utc() -> str:
    """The current time as an ISO 8601 string in UTC (seconds)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def connect_store(db: str | os.PathLike[str] | None = None, *,
                  path: str | os.PathLike[str] | None = None) -> sqlite3.Connection:
    """Open (and create when missing) the outreach store of warehouse ``db`` (or ``path``)."""
    target = Path(path) if path else store_path(db)
    target.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(str(target), timeout=30, isolation_level=None)
    con.row_factory = sqlite3.Row
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA foreign_keys=ON")
    con.executescript(SCHEMA)
    return con


@contextmanager
def store_transaction(con: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Run a block atomically on the store (BEGIN IMMEDIATE ... COMMIT / ROLLBACK)."""
    con.execute("BEGIN IMMEDIATE")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    else:
        con.execute("COMMIT")
