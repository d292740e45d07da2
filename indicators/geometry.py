"""Geometry helpers shared by the demo generator and the boundary import.

Shared borders are simplified once (topology-preserving, so no slivers open between
neighbours) and coordinates rounded, which keeps the map payload small.
"""

from __future__ import annotations

import geopandas as gpd
import shapely
import topojson

#: Simplification tolerance in degrees (~330–440 m here) and coordinate rounding for map geometry.
SIMPLIFY_TOLERANCE = 0.004
ROUND_DECIMALS = 5


def simplify_topology(
    geoms: gpd.GeoSeries, tolerance: float = SIMPLIFY_TOLERANCE, decimals: int = ROUND_DECIMALS
) -> gpd.GeoSeries:
    """Simplify polygons along shared borders (no gaps between neighbours), rounding coordinates.

    Falls back to per-polygon simplification for a geometry the topology step broke, so the
    result always has one valid, non-empty geometry per input row, in the input order.
    """
    if len(geoms) == 0:
        return geoms
    frame = gpd.GeoDataFrame({"_i": range(len(geoms))}, geometry=list(geoms), crs=geoms.crs)
    try:
        topo = topojson.Topology(frame, prequantize=False, toposimplify=tolerance)
        out = topo.to_gdf().sort_values("_i")
        simple = list(out.geometry)
        if len(simple) != len(geoms):
            raise ValueError("topology changed the number of features")
    except Exception:  # noqa: BLE001 - topojson raises many types; fall back safely
        simple = list(shapely.simplify(geoms.values, tolerance, preserve_topology=True))
    result = []
    for original, geom in zip(geoms, simple, strict=True):
        if geom is None or geom.is_empty or not geom.is_valid:
            geom = shapely.simplify(original, tolerance, preserve_topology=True)
        geom = shapely.set_precision(geom, 10.0**-decimals)
        if geom.is_empty or not geom.is_valid:
            geom = shapely.make_valid(original)
        result.append(geom)
    return gpd.GeoSeries(result, index=geoms.index, crs=geoms.crs)


def to_wkb(geoms: gpd.GeoSeries) -> list[bytes | None]:
    """Geometries as WKB bytes for the warehouse (None stays None)."""
    return [None if g is None else shapely.to_wkb(g) for g in geoms]


def from_wkb(values: list[bytes | None] | object, crs: str = "EPSG:4326") -> gpd.GeoSeries:
    """WKB bytes from the warehouse back to a GeoSeries."""
    data = [None if v is None else bytes(v) for v in values]  # type: ignore[union-attr]
    return gpd.GeoSeries.from_wkb(data, crs=crs)
