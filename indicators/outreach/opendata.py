"""The open-data package of a published warehouse version (Frictionless Data Package).

``python -m indicators open-data --out DIR|FILE.zip`` (and the "Download all data" button of
the Indicators page) write ``datapackage.json`` plus, under ``data/``, one CSV and one Parquet
file per table — units, countries, risk factors, the indicator catalog, public observations,
sources, and the scores per unit and period (composite, 14 risk factors, class, coverage,
ranks and Monte Carlo rank intervals, exactly as ``score --all-periods --uncertainty 1000``)
— the simplified unit boundaries as GeoJSON and ``method.json`` (method version and options).

Only public data: everything is read through a public cursor (editor-only datasets hidden);
subscribers live in another file altogether. Each resource states its title, sources and
licences; the demo is marked fictional in the package's title, description and ``fictional``
property.
"""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import geopandas as gpd
import pandas as pd

from indicators.geometry import from_wkb
from indicators.i18n import t
from indicators.scoring.alerts import HIGH_PERIODS, HIGH_TOP_SHARE, RISER_POINTS, RISER_TOP_SHARE
from indicators.scoring.config import DEFAULT_DRAWS, DEFAULT_SEED, METHOD_VERSION, ScoringConfig
from indicators.scoring.engine import CSV_COLUMNS, UNCERTAINTY_COLUMNS, score
from indicators.scoring.panel import load_panel
from indicators.scoring.uncertainty import monte_carlo
from indicators.warehouse import get_meta, is_fictional

from . import opendata_schema as S
from .items import public_cursor

_LICENCE_IDS = ((r"CC0", "CC0-1.0"), (r"CC BY-SA 4\.0", "CC-BY-SA-4.0"), (r"CC BY 4\.0", "CC-BY-4.0"),
                (r"ODbL", "ODbL-1.0"), (r"Public Domain", "PDDL-1.0"))


@dataclass
class PackageSummary:
    """What was written: the folder or zip and the rows of each resource."""

    path: Path
    rows: dict[str, int]
    fictional: bool
    version: str


def _licence(text: str | None) -> dict:
    text = (text or "").strip()
    for pattern, ident in _LICENCE_IDS:
        if re.search(pattern, text, re.IGNORECASE):
            return {"name": ident, "title": text}
    return {"name": "other-at" if text else "notspecified", "title": text or "not stated"}


def _source_refs(frame: pd.DataFrame) -> list[dict]:
    out = []
    for r in frame.itertuples(index=False):
        ref = {"title": str(r.title)}
        if isinstance(r.url, str) and r.url:
            ref["path"] = r.url
        if isinstance(r.publisher, str) and r.publisher:
            ref["publisher"] = r.publisher
        ref["licence"] = str(r.licence or "not stated")
        out.append(ref)
    return out


def _licences(frame: pd.DataFrame) -> list[dict]:
    seen: dict[str, dict] = {}
    for text in frame["licence"].fillna(""):
        seen.setdefault(str(text), _licence(str(text)))
    return list(seen.values()) or [_licence("")]


def _tables(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    units = con.execute(
        "SELECT unit_id, name, name_local, array_to_string(alt_names, ' | ') AS alt_names, country, "
        "admin_level, admin_label, parent, population FROM units ORDER BY country, unit_id").df()
    indicators = con.execute(
        "SELECT code, title, description, risk_factor, array_to_string(foa_indicators, ' | ') AS "
        "foa_indicators, direction, level, transform, per_capita, weight, unit, source, max_age "
        "FROM indicators ORDER BY code").df()
    panel = load_panel(con)
    cfg = ScoringConfig()
    result = score(panel, cfg)
    scores = result.frame
    if len(result.periods):
        mc = monte_carlo(panel, cfg, n_draws=DEFAULT_DRAWS, seed=DEFAULT_SEED,
                         periods=[int(p) for p in result.periods])
        scores = scores.merge(mc, on=["unit_id", "period"], how="left", validate="one_to_one")
    else:
        scores = scores.assign(**{c: pd.Series(dtype=float) for c in UNCERTAINTY_COLUMNS})
    return {
        "units": units,
        "countries": con.execute("SELECT iso3, name, name_local, fictional FROM countries "
                                 "ORDER BY iso3").df(),
        "risk_factors": con.execute("SELECT id, title, grp, crime FROM risk_factors ORDER BY id").df(),
        "indicators": indicators,
        "observations": con.execute("SELECT unit_id, indicator, period, value, source, note FROM "
                                    "observations ORDER BY indicator, unit_id, period").df(),
        "sources": con.execute("SELECT id, title, publisher, url, licence, citation, CAST(retrieved AS VARCHAR) AS retrieved, version, "
                               "fictional FROM sources ORDER BY id").df(),
        # no class = insufficient data: an empty cell in the CSV, a null in Parquet
        "scores": scores[[*CSV_COLUMNS, *UNCERTAINTY_COLUMNS]].assign(
            risk_class=lambda f: f["risk_class"].where(f["risk_class"] != "", None)),
    }


_SCHEMAS = {"units": (S.UNITS, ["unit_id"]), "countries": (S.COUNTRIES, ["iso3"]),
            "risk_factors": (S.RISK_FACTORS, ["id"]), "indicators": (S.INDICATORS, ["code"]),
            "observations": (S.OBSERVATIONS, ["unit_id", "indicator", "period"]),
            "sources": (S.SOURCES, ["id"]), "scores": (S.SCORES, ["unit_id", "period"])}


def _sources_of(con: duckdb.DuckDBPyConnection, name: str, sources: pd.DataFrame) -> pd.DataFrame:
    """The sources behind one table."""
    if name in ("observations", "scores", "indicators"):
        ids = {r[0] for r in con.execute("SELECT DISTINCT source FROM observations WHERE source IS "
                                         "NOT NULL").fetchall()}
    elif name in ("units", "boundaries"):
        ids = {s.strip() for s in (get_meta(con, "boundary_sources", "") or "").split(",") if s.strip()}
        if not ids:
            ids = set(sources.loc[sources["fictional"].astype(bool), "id"])
    else:
        ids = set(sources["id"])
    return sources[sources["id"].isin(ids)]


def _boundaries(con: duckdb.DuckDBPyConnection) -> gpd.GeoDataFrame:
    frame = con.execute("SELECT unit_id, name, country, coalesce(geom_simple, geom) AS g FROM units "
                        "WHERE coalesce(geom_simple, geom) IS NOT NULL ORDER BY country, unit_id").df()
    geoms = from_wkb(frame.pop("g"))
    return gpd.GeoDataFrame(frame, geometry=list(geoms), crs="EPSG:4326")


def _version(con: duckdb.DuckDBPyConnection, path: Path | None = None) -> str:
    """The published version: when the warehouse was built, and when it was last modified
    (an import publishes a new file), e.g. ``2026.12.01-221733``."""
    stamps = []
    built = get_meta(con, "built_at", "") or ""
    try:
        stamps.append(datetime.fromisoformat(built))
    except ValueError:
        pass
    if path is not None and path.exists():
        stamps.append(datetime.fromtimestamp(path.stat().st_mtime, UTC))
    stamp = max((s if s.tzinfo else s.replace(tzinfo=UTC) for s in stamps), default=datetime.now(UTC))
    return stamp.astimezone(UTC).strftime("%Y.%m.%d-%H%M%S")


def write_package(con: duckdb.DuckDBPyConnection, folder: str | os.PathLike[str]) -> PackageSummary:
    """Write the package of (public cursor) ``con`` into ``folder``; return the row counts."""
    folder = Path(folder)
    (folder / "data").mkdir(parents=True, exist_ok=True)
    fictional = is_fictional(con)
    tables = _tables(con)
    region = get_meta(con, "region_name", "") or t("outreach.pkg_region_unknown")
    db_file = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
                          ).fetchone()
    version = _version(con, Path(db_file[0]) if db_file and db_file[0] else None)
    mark = t("outreach.pkg_fictional_mark") + " " if fictional else ""
    resources, rows = [], {}
    for name, frame in tables.items():
        fields, pk = _SCHEMAS[name]
        frame = frame[[f[0] for f in fields]]
        for col, ty, _ in fields:
            if ty == "integer":
                frame = frame.assign(**{col: pd.array(frame[col], dtype="Int64")})
        frame.to_csv(folder / "data" / f"{name}.csv", index=False, encoding="utf-8")
        frame.to_parquet(folder / "data" / f"{name}.parquet", index=False)
        rows[name] = len(frame)
        srcs = _sources_of(con, name, tables["sources"])
        common = {"title": mark + t(f"outreach.pkg_title.{name}"),
                  "description": t(f"outreach.pkg_desc.{name}") + (" " + t("outreach.fictional_note")
                                                                    if fictional else ""),
                  "sources": _source_refs(srcs), "licenses": _licences(srcs),
                  "schema": S.table_schema(fields, pk)}
        resources.append({"name": name, "type": "table", "path": f"data/{name}.csv", "format": "csv",
                          "mediatype": "text/csv", "encoding": "utf-8", **common})
        resources.append({"name": f"{name}-parquet", "type": "table", "path": f"data/{name}.parquet",
                          "format": "parquet", "mediatype": "application/vnd.apache.parquet", **common})
    gdf = _boundaries(con)
    (folder / "data" / "boundaries.geojson").write_text(gdf.to_json(drop_id=True), encoding="utf-8")
    rows["boundaries"] = len(gdf)
    srcs = _sources_of(con, "boundaries", tables["sources"])
    resources.append({"name": "boundaries", "type": "file", "path": "data/boundaries.geojson",
                      "format": "geojson", "mediatype": "application/geo+json",
                      "title": mark + t("outreach.pkg_title.boundaries"),
                      "description": t("outreach.pkg_desc.boundaries",
                                       attribution=get_meta(con, "boundary_attribution", "") or "-"),
                      "sources": _source_refs(srcs), "licenses": _licences(srcs)})
    method = {"method": METHOD_VERSION, "config": _config_dict(ScoringConfig()),
              "monte_carlo": {"draws": DEFAULT_DRAWS, "seed": DEFAULT_SEED},
              "risk_classes": {"very low": [0, 2], "low": [2, 4], "medium": [4, 6], "high": [6, 8],
                               "very high": [8, 10]},
              "alerts": {"sharp_riser_points": RISER_POINTS, "sharp_riser_top_share": RISER_TOP_SHARE,
                         "high_top_share": HIGH_TOP_SHARE, "high_periods": HIGH_PERIODS},
              "periods": sorted({int(p) for p in tables["scores"]["period"]}),
              "warehouse_version": version, "fictional": fictional,
              "how_to_read": t("howto.read")}
    (folder / "method.json").write_text(json.dumps(method, indent=2, ensure_ascii=False), encoding="utf-8")
    rows["method"] = 1
    resources.append({"name": "method", "type": "json", "path": "method.json", "format": "json",
                      "mediatype": "application/json", "title": t("outreach.pkg_title.method"),
                      "description": t("outreach.pkg_desc.method"),
                      "licenses": [_licence("CC0 1.0")]})
    all_src = tables["sources"]
    package = {
        "name": re.sub(r"[^a-z0-9]+", "-", f"atrocity-risk-{region}".lower()).strip("-"),
        "title": mark + t("outreach.pkg_title", region=region, version=version),
        "description": (t("outreach.fictional_note") + " " if fictional else "")
        + t("outreach.pkg_description") + " " + t("howto.read"),
        "version": version, "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "keywords": ["atrocity crimes", "early warning", "UN Framework of Analysis", "risk"],
        "licenses": _licences(all_src), "sources": _source_refs(all_src),
        "fictional": fictional, "method": METHOD_VERSION, "resources": resources,
    }
    (folder / "datapackage.json").write_text(json.dumps(package, indent=2, ensure_ascii=False,
                                                        default=str), encoding="utf-8")
    return PackageSummary(folder, rows, fictional, version)


def _config_dict(cfg: ScoringConfig) -> dict:
    return {"normalisation": cfg.normalisation, "aggregation": cfg.aggregation,
            "min_coverage": cfg.min_coverage, "risk_factor_weights": dict(cfg.risk_factor_weights),
            "indicator_weights": dict(cfg.indicator_weights)}


def zip_folder(folder: Path, target: io.BufferedIOBase | str | os.PathLike[str]) -> None:
    """Zip a package folder (``datapackage.json`` at the root of the archive)."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(folder).as_posix())


def package_zip_bytes(con: duckdb.DuckDBPyConnection) -> bytes:
    """The package of (public cursor) ``con`` as ZIP bytes (the dashboard's download)."""
    with tempfile.TemporaryDirectory(prefix="opendata-") as tmp:
        write_package(con, tmp)
        buf = io.BytesIO()
        zip_folder(Path(tmp), buf)
        return buf.getvalue()


def build_open_data(db: str | os.PathLike[str] | None, out: str | os.PathLike[str]) -> PackageSummary:
    """Write the public package of warehouse ``db`` to a folder, or a ``.zip`` file."""
    out = Path(out)
    with public_cursor(db) as cur:
        if out.suffix.lower() != ".zip":
            return write_package(cur, out)
        out.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="opendata-") as tmp:
            summary = write_package(cur, tmp)
            part = out.with_name(f".{out.name}.part")
            zip_folder(Path(tmp), part)
            os.replace(part, out)
    summary.path = out
    return summary
