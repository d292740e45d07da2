"""Reading incident logs back: full rows for editors, aggregated counts for everybody else.

The ``incidents`` table holds what members wrote — the place as written, a description, a
source link — which may identify victims or witnesses. It is editor-only: in public mode
(:mod:`indicators.visibility`) the table is empty, and :func:`incidents_frame` with
``editor=False`` never returns a free-text column, whatever connection it is given. Only the
aggregated counts (observations) are public. Writing happens in
:mod:`indicators.ingest.incidents` (``python -m indicators import log.csv``).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

#: Columns that hold free text written by members (never public).
FREE_TEXT_COLUMNS: tuple[str, ...] = ("place", "description", "source_link", "ref")
EDITOR_COLUMNS: list[str] = [
    "incident_id", "date", "unit_id", "unit_name", "country", "indicator", "place",
    "description", "source_link", "ref", "import_id",
]
PUBLIC_COLUMNS: list[str] = ["unit_id", "unit_name", "country", "indicator", "year", "incidents"]


def _has_incidents(con: Any) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'incidents'"
    ).fetchone()[0])


def incidents_frame(con: Any, *, editor: bool) -> pd.DataFrame:
    """The stored incidents.

    ``editor=True``: one row per incident with its free text (columns :data:`EDITOR_COLUMNS`),
    newest first — for the editor-only upload/review page.
    ``editor=False``: only counts per unit, category and year (columns :data:`PUBLIC_COLUMNS`);
    no dates, places, descriptions or links, so nothing in it can identify a person.
    """
    if not _has_incidents(con):
        return pd.DataFrame(columns=EDITOR_COLUMNS if editor else PUBLIC_COLUMNS)
    if editor:
        return con.execute(
            "SELECT i.incident_id, i.date, i.unit_id, u.name AS unit_name, u.country, "
            "i.indicator, i.place, i.description, i.source_link, i.ref, i.import_id "
            "FROM incidents i LEFT JOIN units u USING (unit_id) "
            "ORDER BY i.date DESC, i.incident_id DESC"
        ).df()[EDITOR_COLUMNS]
    frame = incident_counts(con)
    assert not set(frame.columns) & set(FREE_TEXT_COLUMNS)  # by construction
    return frame


def incident_counts(con: Any) -> pd.DataFrame:
    """Incidents per unit, category and year (no free text): columns :data:`PUBLIC_COLUMNS`."""
    if not _has_incidents(con):
        return pd.DataFrame(columns=PUBLIC_COLUMNS)
    return con.execute(
        "SELECT i.unit_id, u.name AS unit_name, u.country, i.indicator, "
        "CAST(year(i.date) AS INTEGER) AS year, count(*) AS incidents "
        "FROM incidents i LEFT JOIN units u USING (unit_id) "
        "GROUP BY ALL ORDER BY year DESC, i.unit_id, i.indicator"
    ).df()[PUBLIC_COLUMNS]
