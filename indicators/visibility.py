"""Public mode at the data layer: a read-only cursor whose tables hide editor-only data.

Each dataset (a ``sources`` row) has a visibility, ``public`` or ``editors``. In public mode
the cursor gets TEMP views that shadow the warehouse tables of the same name, so every query
made through it — pages, scores, exports — sees only public data:

* ``observations``: rows whose source is editor-only are gone;
* ``sources``: editor-only sources are gone;
* ``indicators``: indicators whose observations all come from editor-only sources are gone;
* ``imports``, ``rejected_rows``, ``observation_history``, ``aliases`` and any table listed
  in :data:`EDITOR_ONLY_TABLES` that exists (e.g. ``incidents`` with free text) are empty.
"""

from __future__ import annotations

import duckdb

#: Tables that are never visible in public mode (emptied when they exist).
EDITOR_ONLY_TABLES: tuple[str, ...] = (
    "imports", "rejected_rows", "observation_history", "aliases", "incidents",
)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def apply_public_views(cur: duckdb.DuckDBPyConnection) -> None:
    """Shadow the warehouse tables of ``cur`` with public-only TEMP views (idempotent)."""
    db = _quoted(cur.execute("SELECT current_database()").fetchone()[0])
    private = f"SELECT id FROM {db}.main.sources WHERE visibility <> 'public'"
    cur.execute(
        f"CREATE OR REPLACE TEMP VIEW observations AS SELECT * FROM {db}.main.observations "
        f"WHERE source IS NULL OR source NOT IN ({private})"
    )
    cur.execute(
        f"CREATE OR REPLACE TEMP VIEW sources AS SELECT * FROM {db}.main.sources "
        "WHERE visibility = 'public'"
    )
    cur.execute(
        f"CREATE OR REPLACE TEMP VIEW indicators AS SELECT * FROM {db}.main.indicators i "
        f"WHERE NOT EXISTS (SELECT 1 FROM {db}.main.observations o WHERE o.indicator = i.code) "
        f"OR EXISTS (SELECT 1 FROM {db}.main.observations o WHERE o.indicator = i.code AND "
        f"(o.source IS NULL OR o.source NOT IN ({private})))"
    )
    present = {
        r[0] for r in cur.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "AND table_catalog = current_database()"
        ).fetchall()
    }
    for table in EDITOR_ONLY_TABLES:
        if table in present:
            cur.execute(
                f"CREATE OR REPLACE TEMP VIEW {table} AS SELECT * FROM {db}.main.{table} WHERE false"
            )


def set_source_visibility(con: duckdb.DuckDBPyConnection, source_id: str, visibility: str) -> None:
    """Mark a dataset ``public`` or ``editors`` (read-write connection)."""
    if visibility not in ("public", "editors"):
        raise ValueError("visibility must be 'public' or 'editors'")
    con.execute("UPDATE sources SET visibility = ? WHERE id = ?", [visibility, source_id])
