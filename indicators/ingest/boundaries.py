"""Boundary files (GeoJSON, GeoPackage, zipped Shapefile) to ``units``.

Features carry ``unit_id``, ``name``, ``country`` (and optionally ``population``,
``admin_level``, ``admin_label``, ``parent``, ``name_local``); other field names are mapped
(``{"unit_id": "shapeID", "name": "shapeName"}``) and ``country`` can fill a missing country.

Safety and honesty: the file is read by :mod:`indicators.ingest.readers.geo` (zip members
checked before anything is extracted, sizes and JSON nesting bounded); a CRS is required (GeoJSON means EPSG:4326) and
geometry is reprojected to EPSG:4326; invalid polygons are repaired with
``shapely.make_valid`` and reported; overlaps and gaps between neighbours are reported,
never silently fixed. Geometry is stored as WKB (full and topology-simplified).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from indicators.geometry import simplify_topology, to_wkb
from indicators.ingest.preview import Preview, Writer
from indicators.ingest.readers import cell_text, parse_number
from indicators.ingest.readers.geo import (  # noqa: F401 - re-exported (older imports)
    DATA_EXT,
    MAX_MEMBERS,
    MAX_RATIO,
    MAX_UNZIPPED,
    check_zip,
    extract_dataset,
    read_boundaries,
)
from indicators.ingest.report import Problem
from indicators.ingest.validate import ISO3_RE, Context

FIELDS: tuple[str, ...] = (
    "unit_id", "name", "country", "population", "admin_level", "admin_label", "parent",
    "name_local",
)
REQUIRED: tuple[str, ...] = ("unit_id", "name")
#: Equal-area CRS for overlap and gap areas.
AREA_CRS = "EPSG:6933"
#: Overlaps and gaps smaller than this (m²) are numerical noise.
MIN_AREA_M2 = 100.0
MAX_GEOMETRY_WARNINGS = 30


# --------------------------------------------------------------------------- preparing


def field_map(
    columns: list[str], mapping: dict[str, str] | None
) -> tuple[dict[str, str], list[Problem]]:
    """``{target: field}`` from the mapping, else from same-named fields (any case)."""
    by_lower = {c.lower(): c for c in columns if c != "geometry"}
    out: dict[str, str] = {}
    problems: list[Problem] = []
    for target, source in (mapping or {}).items():
        t = target.strip().lower()
        if t not in FIELDS:
            problems.append(Problem(
                reason=f"the mapping {target}={source} names an unknown target '{target}'",
                suggestion=f"targets are: {', '.join(FIELDS)}",
            ))
            continue
        col = by_lower.get(str(source).strip().lower())
        if col is None:
            problems.append(Problem(
                reason=f"the mapping {target}={source} names a field that is not in the file",
                column=str(source),
                suggestion=f"the fields are: {', '.join(by_lower.values())}",
            ))
            continue
        out[t] = col
    for t in FIELDS:
        if t not in out and t in by_lower and by_lower[t] not in out.values():
            out[t] = by_lower[t]
    return out, problems


def _guess(columns: list[str], target: str) -> list[str]:
    words = {"unit_id": ("id", "code", "sifra", "šifra"), "name": ("name", "naziv", "ime")}
    return [c for c in columns if c != "geometry" and any(w in c.lower() for w in words[target])]


def _polygonal(geom: BaseGeometry) -> BaseGeometry | None:
    """The polygon part of a geometry (a repaired bow-tie may be a collection)."""
    if isinstance(geom, Polygon | MultiPolygon):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon | MultiPolygon)]
    polys: list[Polygon] = []
    for g in parts:
        polys.extend(g.geoms if isinstance(g, MultiPolygon) else [g])
    if not polys:
        return None
    return polys[0] if len(polys) == 1 else MultiPolygon(polys)


def prepare_boundaries(
    path: Path,
    ctx: Context,
    *,
    file: str,
    mapping: dict[str, str] | None = None,
    country: str | None = None,
) -> Preview:
    """Read, map, check and repair a boundary file; report overlaps and gaps."""
    frame, problems, fmt = read_boundaries(path)
    preview = Preview(file=file, path=path, kind="boundaries", rows_total=len(frame),
                      columns=[c for c in frame.columns if c != "geometry"])
    preview.read_info = _BoundaryInfo(fmt, str(frame.crs) if frame.crs else None, len(frame))
    preview.problems = problems
    fields, map_problems = field_map(preview.columns, mapping)
    preview.problems += map_problems
    preview.mapping = dict(fields)
    for target in REQUIRED:
        if target not in fields:
            guess = _guess(preview.columns, target)
            hint = f"use --map {target}={guess[0]}" if guess else f"use --map {target}=<field>"
            preview.problems.append(Problem(
                reason=f"no field '{target}' in the features",
                suggestion=f"{hint}; the fields are: {', '.join(preview.columns) or 'none'}",
            ))
    country_fill = country.strip().upper() if country else None
    if country_fill is not None and not ISO3_RE.match(country_fill):
        preview.problems.append(Problem(
            reason=f"--country '{country}' is not a three-letter ISO code",
            suggestion="use an ISO 3166 alpha-3 code such as BIH, SRB, HRV, MNE, MKD, ALB, XKX",
        ))
    if "country" not in fields and country_fill is None:
        preview.problems.append(Problem(
            reason="no field 'country' in the features and no --country given",
            suggestion="add --country ISO3 (e.g. --country BIH) or map a field with "
            "--map country=<field>",
        ))
    if frame.crs is None:
        preview.problems.append(Problem(
            reason="the file has no coordinate reference system (CRS)",
            suggestion="a shapefile needs its .prj file in the zip; re-export the boundaries "
            "with their CRS (e.g. EPSG:4326)",
        ))
    if any(p.is_error and p.row is None for p in preview.problems):
        preview.fatal = True
        return preview.finish()

    frame = frame.to_crs("EPSG:4326") if frame.crs.to_epsg() != 4326 else frame
    minx, miny, maxx, maxy = frame.total_bounds
    if not (-180.5 <= minx <= maxx <= 180.5 and -90.5 <= miny <= maxy <= 90.5):
        preview.problems.append(Problem(
            reason=f"coordinates lie outside longitude/latitude ranges after reprojection "
            f"(CRS {frame.crs}); the declared CRS looks wrong",
            suggestion="re-export the boundaries with the correct CRS",
        ))
        preview.fatal = True
        return preview.finish()

    rows: list[dict[str, Any]] = []
    seen_ids: dict[str, int] = {}
    repaired = 0
    for i, (_, feat) in enumerate(frame.iterrows(), start=1):
        row_problems: list[Problem] = []

        def val(target: str, feat: Any = feat) -> str | None:
            col = fields.get(target)
            return cell_text(feat[col]) if col is not None else None

        unit_id = val("unit_id")
        name = val("name")
        ctry = (val("country") or country_fill or "").upper() or None
        if not unit_id:
            row_problems.append(Problem(reason="unit_id is empty", column=fields.get("unit_id"),
                                        suggestion="give every feature an id"))
        elif unit_id in seen_ids:
            row_problems.append(Problem(
                reason=f"unit_id '{unit_id}' is used again (also feature {seen_ids[unit_id]})",
                column=fields.get("unit_id"), value=unit_id,
                suggestion="ids must be unique: fix one of them",
            ))
        else:
            seen_ids[unit_id] = i
        if not name:
            row_problems.append(Problem(reason="name is empty", column=fields.get("name"),
                                        suggestion="give every feature a name"))
        if not ctry:
            row_problems.append(Problem(reason="country is empty", column=fields.get("country"),
                                        suggestion="fill it or use --country ISO3"))
        elif not ISO3_RE.match(ctry):
            row_problems.append(Problem(
                reason=f"country '{ctry}' is not a three-letter ISO code",
                column=fields.get("country"), value=ctry,
                suggestion="use ISO 3166 alpha-3 codes such as BIH, SRB, HRV",
            ))
        population = None
        pop_text = val("population")
        if pop_text is not None:
            population, why = parse_number(pop_text, ".")
            if population is None or population < 0:
                row_problems.append(Problem(
                    reason=f"population '{pop_text}' "
                    + (why or "is negative"), column=fields.get("population"), value=pop_text,
                    suggestion="enter a whole number of residents or leave it empty",
                ))
        level = None
        level_text = val("admin_level")
        if level_text is not None:
            try:
                level = int(float(level_text))
            except ValueError:
                row_problems.append(Problem(
                    reason=f"admin_level '{level_text}' is not a whole number",
                    column=fields.get("admin_level"), value=level_text,
                    suggestion="use e.g. 2 for ADM2 or leave it empty",
                ))
        geom = feat.geometry
        if geom is None or geom.is_empty:
            row_problems.append(Problem(reason="the feature has no geometry",
                                        suggestion="draw or export its polygon"))
        else:
            geom = shapely.force_2d(geom)
            if not geom.is_valid:
                why = shapely.is_valid_reason(geom)
                fixed = _polygonal(shapely.make_valid(geom))
                if fixed is None or fixed.is_empty:
                    row_problems.append(Problem(
                        reason=f"invalid geometry ({why}) that cannot be repaired",
                        suggestion="fix the polygon in a GIS (e.g. QGIS: Fix geometries)",
                    ))
                else:
                    repaired += 1
                    preview.warnings.append(Problem(
                        reason=f"invalid geometry of {unit_id} ({why}) was repaired with "
                        f"make_valid (area {_km2(geom)} → {_km2(fixed)} km²)",
                        row=i, row_label="feature", severity="warning",
                        suggestion="check the boundary; fix it at the source if possible",
                    ))
                    geom = fixed
            if not isinstance(geom, Polygon | MultiPolygon):
                row_problems.append(Problem(
                    reason=f"the geometry is a {geom.geom_type}, not a polygon",
                    suggestion="boundaries must be polygons or multipolygons",
                ))
        for p in row_problems:
            p.row, p.row_label = i, "feature"
            p.raw = f"{unit_id or ''},{name or ''},{ctry or ''}"
        preview.problems += row_problems
        if row_problems:
            continue
        rows.append({
            "row": i, "unit_id": unit_id, "name": name, "name_local": val("name_local"),
            "country": ctry, "admin_level": level, "admin_label": val("admin_label"),
            "parent": val("parent"), "population": population, "geometry": geom,
        })
    good = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326") if rows else None
    if good is not None and len(good):
        preview.warnings += topology_warnings(good)
        good["geom"] = to_wkb(good.geometry)
        good["geom_simple"] = to_wkb(simplify_topology(good.geometry))
        landing = pd.DataFrame(good.drop(columns="geometry"))
    else:
        landing = pd.DataFrame(columns=["row", "unit_id", "name", "country"])
    preview.landing = landing
    known = set(ctx.matcher.units)
    if len(landing):
        updated = sum(1 for u in landing["unit_id"] if u in known)
        if updated:
            preview.warnings.append(Problem(
                reason=f"{updated} unit(s) already in the warehouse will be updated (names, "
                "geometry and the fields given)", severity="warning",
            ))
        new = sorted(set(landing["country"]) - ctx.countries)
        preview.new_countries = new
        for c in new:
            preview.warnings.append(Problem(
                reason=f"country {c} is new to the warehouse; it is added with the name '{c}'",
                severity="warning", suggestion="rename it later if needed",
            ))
    preview.writer = _writer(landing, preview.new_countries)
    return preview.finish()


class _BoundaryInfo:
    """How a boundary file was read (format, CRS, features)."""

    def __init__(self, fmt: str, crs: str | None, features: int) -> None:
        self.format, self.crs, self.features = fmt, crs, features
        self.encoding = self.delimiter = self.decimal = None

    def describe(self) -> str:
        return f"{self.format}, CRS {self.crs or 'none'}, {self.features} features"


def _km2(geom: BaseGeometry) -> str:
    area = gpd.GeoSeries([geom], crs="EPSG:4326").to_crs(AREA_CRS).area.iloc[0] / 1e6
    return f"{area:.3g}"


def topology_warnings(units: gpd.GeoDataFrame) -> list[Problem]:
    """Overlaps between units and gaps (holes in their union) with an area, as warnings."""
    out: list[Problem] = []
    eq = units.to_crs(AREA_CRS)
    geoms = list(eq.geometry)
    areas = np.array([g.area for g in geoms])
    left, right = eq.sindex.query(eq.geometry, predicate="intersects")
    for i, j in zip(left, right, strict=True):
        if i >= j:
            continue
        inter = geoms[i].intersection(geoms[j]).area
        if inter > MIN_AREA_M2 and inter > 1e-6 * min(areas[i], areas[j]):
            a, b = units.iloc[i], units.iloc[j]
            share = 100 * inter / min(areas[i], areas[j])
            out.append(Problem(
                reason=f"units {a['unit_id']} ({a['name']}) and {b['unit_id']} ({b['name']}, "
                f"feature {b['row']}) overlap by {inter / 1e6:.3g} km² ({share:.2g}% of the "
                "smaller)",
                row=int(a["row"]), row_label="feature", severity="warning",
                suggestion="the overlap is kept as is; fix the boundaries at the source",
            ))
    union = shapely.union_all(geoms)
    polys = union.geoms if isinstance(union, MultiPolygon) else [union]
    median = float(np.median(areas)) if len(areas) else 0.0
    for poly in polys:
        if not isinstance(poly, Polygon):
            continue
        for ring in poly.interiors:
            hole = Polygon(ring)
            if hole.area <= MIN_AREA_M2:
                continue
            near = eq.sindex.query(hole, predicate="intersects")
            ids = [str(units.iloc[k]["unit_id"]) for k in sorted(near)]
            where = (f"inside unit {ids[0]}" if len(ids) == 1
                     else "between units " + ", ".join(ids[:6]) + (" …" if len(ids) > 6 else ""))
            kind = "gap" if hole.area < 0.01 * median else "hole"
            hint = ("a sliver between neighbours: fix the shared border at the source"
                    if kind == "gap" else "is a unit missing from the file?")
            out.append(Problem(
                reason=f"{kind} of {hole.area / 1e6:.3g} km² {where}",
                severity="warning", suggestion=hint,
            ))
    if len(out) > MAX_GEOMETRY_WARNINGS:
        extra = len(out) - MAX_GEOMETRY_WARNINGS
        out = out[:MAX_GEOMETRY_WARNINGS] + [Problem(
            reason=f"… and {extra} more overlaps or gaps", severity="warning",
        )]
    return out


def _writer(landing: pd.DataFrame, new_countries: list[str]) -> Writer:
    """Insert new countries and upsert units (fields absent from the file keep their value)."""

    def write(con: Any, import_id: int) -> int:
        for iso in new_countries:
            con.execute(
                "INSERT INTO countries (iso3, name) VALUES (?, ?) ON CONFLICT DO NOTHING",
                [iso, iso],
            )
        rows = []
        for r in landing.itertuples(index=False):
            rows.append([
                r.unit_id, r.name, _none(r.name_local), r.country, _none(r.admin_level),
                _none(r.admin_label), _none(r.parent), _none(r.population), r.geom,
                r.geom_simple, import_id,
            ])
        if rows:
            con.executemany(
                "INSERT INTO units (unit_id, name, name_local, country, admin_level, "
                "admin_label, parent, population, geom, geom_simple, import_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (unit_id) DO UPDATE SET name = excluded.name, "
                "name_local = COALESCE(excluded.name_local, name_local), "
                "country = excluded.country, "
                "admin_level = COALESCE(excluded.admin_level, admin_level), "
                "admin_label = COALESCE(excluded.admin_label, admin_label), "
                "parent = COALESCE(excluded.parent, parent), "
                "population = COALESCE(excluded.population, population), "
                "geom = excluded.geom, geom_simple = excluded.geom_simple, "
                "import_id = excluded.import_id",
                rows,
            )
        return len(rows)

    return write


def _none(value: Any) -> Any:
    """NaN/None/NA → None; numpy scalars → Python."""
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value.item() if hasattr(value, "item") else value
