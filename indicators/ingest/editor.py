"""Helpers of the editor workflow (upload page): saving uploads safely, name-match suggestions,
remembered aliases, rejected rows, import templates. No streamlit."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import duckdb
import pandas as pd

from indicators.ingest.matching import UnitMatcher, remember_alias
from indicators.ingest.preview import Preview
from indicators.publish import copy_on_write
from indicators.sources import Source, store_sources
from indicators.warehouse import connect, resolve_db_path, transaction

DEFAULT_MAX_UPLOAD_MB = 50
ALLOWED_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".parquet", ".geojson", ".json", ".gpkg",
                    ".zip", ".yaml", ".yml")
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


class UploadRejected(ValueError):
    """An upload refused before reading it (size, type); the message says why and what to do."""


def max_upload_bytes() -> int:
    """Upload limit in bytes: ``$RISK_MAX_UPLOAD_MB`` (default 50 MB)."""
    try:
        mb = float(os.environ.get("RISK_MAX_UPLOAD_MB", DEFAULT_MAX_UPLOAD_MB))
    except ValueError:
        mb = DEFAULT_MAX_UPLOAD_MB
    return int(mb * 1024 * 1024)


def save_upload(name: str, data: bytes, folder: Path) -> Path:
    """Write an uploaded file under a safe name in ``folder`` after checking size and type."""
    limit = max_upload_bytes()
    if len(data) > limit:
        raise UploadRejected(
            f"{name}: the file is {len(data) / 1024 / 1024:.1f} MB; the limit is "
            f"{limit / 1024 / 1024:.0f} MB. Split it (e.g. one file per year or indicator) or ask "
            "the administrator to raise RISK_MAX_UPLOAD_MB."
        )
    base = _SAFE.sub("_", Path(name).name).strip("._") or "upload"
    if not base.lower().endswith(ALLOWED_SUFFIXES):
        raise UploadRejected(
            f"{name}: this file type is not accepted. Use CSV, XLSX, Parquet (observations or "
            "definitions), YAML (definitions) or GeoJSON, GeoPackage, zipped Shapefile (boundaries)."
        )
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / base
    target.write_bytes(data)
    return target


def unknown_units(preview: Preview, con: duckdb.DuckDBPyConnection, limit: int = 5) -> pd.DataFrame:
    """Unit names of a preview that did not match, with suggested units (fuzzy, any script).

    Columns: name, rows, suggestions (list of (unit_id, label)).
    """
    found: dict[str, int] = {}
    for p in preview.problems:
        if p.column == "unit_name" and p.reason.startswith("unknown unit") and p.value:
            found[p.value] = found.get(p.value, 0) + 1
    if not found:
        return pd.DataFrame(columns=["name", "rows", "suggestions"])
    matcher = UnitMatcher.from_connection(con)
    rows = []
    for name, n in found.items():
        refs = matcher.suggest(name, None, limit=limit)
        rows.append({"name": name, "rows": n,
                     "suggestions": [(r.unit_id, r.label()) for r in refs]})
    return pd.DataFrame(rows)


def remember_aliases(db: str | os.PathLike[str] | None, pairs: list[tuple[str, str]]) -> int:
    """Store editor-confirmed spellings ``(alias, unit_id)``; later uploads resolve them."""
    if not pairs:
        return 0
    with copy_on_write(resolve_db_path(db)) as tmp:
        con = connect(tmp)
        try:
            with transaction(con):
                for alias, unit_id in pairs:
                    remember_alias(con, alias, unit_id)
        finally:
            con.close()
    return len(pairs)


def register_dataset(db: str | os.PathLike[str] | None, source: Source) -> None:
    """Create or update a dataset (a ``sources`` row with its visibility)."""
    with copy_on_write(resolve_db_path(db)) as tmp:
        con = connect(tmp)
        try:
            with transaction(con):
                store_sources(con, [source])
        finally:
            con.close()


def rejected_rows(con: duckdb.DuckDBPyConnection, import_id: int) -> pd.DataFrame:
    """The rejected rows of one import with their reasons."""
    return con.execute(
        "SELECT row_number, col AS column, reason, raw FROM rejected_rows WHERE import_id = ? "
        "ORDER BY row_number", [int(import_id)]
    ).df()


def template_long(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Long-form template: one example row per unit for the first unit-level indicator."""
    units = con.execute("SELECT unit_id, name, country FROM units ORDER BY country, name").df()
    code = (con.execute(
        "SELECT code FROM indicators WHERE risk_factor IS NOT NULL AND level = 'unit' ORDER BY code"
    ).fetchone() or ["hate_speech_incidents"])[0]
    return pd.DataFrame({
        "unit_id": units["unit_id"], "unit_name": units["name"], "country": units["country"],
        "indicator": code, "period": pd.Timestamp.today().year - 1, "value": "",
        "source": "", "note": "",
    })


def template_wide(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Wide-form template: unit_id, period, then one empty column per unit-level indicator."""
    units = con.execute("SELECT unit_id FROM units ORDER BY country, name").df()
    codes = [r[0] for r in con.execute(
        "SELECT code FROM indicators WHERE level = 'unit' AND risk_factor IS NOT NULL ORDER BY code"
    ).fetchall()]
    frame = pd.DataFrame({"unit_id": units["unit_id"], "period": pd.Timestamp.today().year - 1})
    for code in codes:
        frame[code] = ""
    return frame


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM (Excel reads č, ć, š, ž, đ and Cyrillic)."""
    return frame.to_csv(index=False).encode("utf-8-sig")


def to_xlsx_bytes(frame: pd.DataFrame, sheet: str = "data") -> bytes:
    """An XLSX file with one sheet."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name=sheet, index=False)
    return buf.getvalue()
