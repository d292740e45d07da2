"""Small writers shared by the pack builders: an import row, observations, a used source."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from indicators.sources.download import Fetched


def import_row(con: Any, file_name: str, checksum: str, kind: str, rows: int,
               by: str = "pack western-balkans") -> int:
    """Insert a landed ``imports`` row for a pack file; returns its id."""
    return con.execute(
        "INSERT INTO imports (file_name, checksum, kind, rows_total, rows_landed, rows_rejected, "
        "imported_by, status) VALUES (?, ?, ?, ?, ?, 0, ?, 'landed') RETURNING import_id",
        [file_name, checksum, kind, rows, rows, by],
    ).fetchone()[0]


def write_obs(con: Any, obs: pd.DataFrame, source: str, import_id: int) -> int:
    """Insert (or replace) observations ``unit_id, indicator, period, value[, note]``."""
    if not len(obs):
        return 0
    frame = obs.assign(source=source, import_id=import_id)
    if "note" not in frame:
        frame["note"] = None
    frame = frame[["unit_id", "indicator", "period", "value", "source", "note", "import_id"]]
    con.register("pack_obs", frame)
    try:
        con.execute("INSERT OR REPLACE INTO observations SELECT * FROM pack_obs")
    finally:
        con.unregister("pack_obs")
    return len(frame)


def set_source(con: Any, source_id: str, fetched: list[Fetched], version: str | None = None,
               licence: str | None = None) -> None:
    """Record retrieval date, checksums and (optionally) version/licence of a used source."""
    checks = "; ".join(f"{f.resource.name} sha256:{f.sha256}" for f in fetched)
    con.execute(
        "UPDATE sources SET retrieved = ?, checksum = ?, version = coalesce(?, version), "
        "licence = coalesce(?, licence) WHERE id = ?",
        [date.today(), checks[:4000], version, licence, source_id],
    )


def insert_source(con: Any, row: dict[str, str], checksum: str) -> None:
    """Insert (or replace) a public, real source row (id, title, publisher, url, licence, citation)."""
    con.execute(
        "INSERT OR REPLACE INTO sources (id, title, publisher, url, licence, citation, retrieved, "
        "checksum, version, fictional, visibility) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, FALSE, 'public')",
        [row["id"], row["title"], row.get("publisher", ""), row.get("url", ""),
         row.get("licence", ""), row.get("citation", ""), date.today(), checksum],
    )
