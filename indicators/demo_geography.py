"""The fictional demo region's map: invented country shapes and the municipality polygons
that tile them (Voronoi cells on a density, merged fragments, bent borders), plus the seeded
random streams the generator shares. Used by :mod:`indicators.demo`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPoint, Polygon

DEFAULT_SEED = 20141
COUNTRY_CODES: tuple[str, ...] = ("QZA", "QZB", "QZC")
#: How many municipalities the map has (drawn from this range by the seed).
N_UNITS_RANGE = (150, 180)

_CENTER = (20.2, 43.5)
_SEMI_AXES = (2.25, 1.35)
_EDGE_STEP = 0.006  # degrees between vertices of the bent borders
_FIELD_LIPSCHITZ = 0.95  # bound on the slope of the border displacement field (< 1)


class DemoError(RuntimeError):
    """The demo generator could not build the region (a bug, never bad user input)."""


@dataclass(frozen=True)
class Geography:
    """The invented map: country shapes and the municipality polygons that tile them."""

    countries: dict[str, Polygon]
    unit_country: tuple[str, ...]
    unit_geoms: tuple[Polygon, ...]
    displaced: bool  # False when the border bending was skipped (fallback)

    @property
    def region(self) -> Polygon:
        """The union of all countries."""
        return shapely.union_all(list(self.countries.values()))


# --------------------------------------------------------------------------- randomness


def _streams(seed: int) -> dict[str, np.random.Generator]:
    """Independent random streams, so e.g. the map does not change when the numbers do."""
    names = ("geography", "names", "values", "gaps", "monitoring")
    children = np.random.SeedSequence([seed, 0x0DE0]).spawn(len(names))
    return {n: np.random.default_rng(s) for n, s in zip(names, children, strict=True)}


# --------------------------------------------------------------------------- geography


def _region_outline(rng: np.random.Generator) -> Polygon:
    """An irregular, roughly elliptic outline (radial Fourier noise, no self-intersection)."""
    theta = np.linspace(0.0, 2.0 * np.pi, 360, endpoint=False)
    radius = np.ones_like(theta)
    for k in range(2, 14):
        radius += rng.uniform(0.03, 0.09) / k**0.9 * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    x = _CENTER[0] + _SEMI_AXES[0] * radius * np.cos(theta)
    y = _CENTER[1] + _SEMI_AXES[1] * radius * np.sin(theta)
    return Polygon(np.column_stack([x, y]))


def _divider(rng: np.random.Generator, x0: float) -> np.ndarray:
    """A wavy, slightly slanted north-south border x = f(y), reaching beyond the region."""
    y = np.arange(41.6, 45.4 + 1e-9, 0.02)
    x = x0 + rng.uniform(-0.3, 0.3) * (y - _CENTER[1])
    for wavelength, amp in ((2.6, 0.3), (1.1, 0.14), (0.45, 0.05), (0.17, 0.015)):
        x += rng.uniform(0.5, 1.0) * amp * np.sin(2 * np.pi * y / wavelength + rng.uniform(0, 2 * np.pi))
    return np.column_stack([x, y])


def _countries(rng: np.random.Generator) -> tuple[dict[str, Polygon], list[np.ndarray]]:
    region = _region_outline(rng)
    xmin, _, xmax, _ = region.bounds
    width = xmax - xmin
    dividers = [
        _divider(rng, xmin + width * (1 / 3 + rng.uniform(-0.04, 0.04))),
        _divider(rng, xmin + width * (2 / 3 + rng.uniform(-0.04, 0.04))),
    ]
    lines = shapely.union_all([region.exterior, *(LineString(d) for d in dividers)])
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(lines)))
    groups: dict[str, list[Polygon]] = {c: [] for c in COUNTRY_CODES}
    for face in faces:
        pt = face.point_on_surface()
        if not region.contains(pt):
            continue
        side = sum(pt.x > np.interp(pt.y, d[:, 1], d[:, 0]) for d in dividers)
        groups[COUNTRY_CODES[side]].append(face)
    countries = {c: shapely.union_all(g) for c, g in groups.items()}
    for code, shape in countries.items():
        if shape.geom_type != "Polygon":
            raise DemoError(f"country {code} is not one polygon ({shape.geom_type})")
    return countries, dividers


def _sample_in(
    rng: np.random.Generator, shape: Polygon, n: int, density: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    """``n`` random points in ``shape``, more where ``density`` (0-1) is high."""
    xmin, ymin, xmax, ymax = shape.bounds
    out = np.empty((0, 2))
    while len(out) < n:
        pts = np.column_stack([rng.uniform(xmin, xmax, 8 * n), rng.uniform(ymin, ymax, 8 * n)])
        keep = shapely.contains_xy(shape, pts[:, 0], pts[:, 1])
        keep &= rng.random(len(pts)) < density(pts)
        out = np.vstack([out, pts[keep]])
    return out[:n]


def _density(rng: np.random.Generator) -> Callable[[np.ndarray], np.ndarray]:
    """Where municipalities are small: a few 'valleys and towns' on a sparse background."""
    towns = [
        (_CENTER[0] + rng.uniform(-2.0, 2.0), _CENTER[1] + rng.uniform(-1.2, 1.2), rng.uniform(0.15, 0.45))
        for _ in range(9)
    ]

    def density(pts: np.ndarray) -> np.ndarray:
        d = np.full(len(pts), 0.22)
        for cx, cy, r in towns:
            d += 0.8 * np.exp(-((pts[:, 0] - cx) ** 2 + (pts[:, 1] - cy) ** 2) / (2 * r**2))
        return np.clip(d, 0.0, 1.0)

    return density


def _extent(shape: Polygon) -> Polygon:
    xmin, ymin, xmax, ymax = shape.bounds
    return shapely.box(xmin - 1.0, ymin - 1.0, xmax + 1.0, ymax + 1.0)


def _voronoi_cells(points: np.ndarray, shape: Polygon) -> np.ndarray:
    """Voronoi cells of ``points`` (in input order) clipped to ``shape``."""
    cells = shapely.get_parts(
        shapely.voronoi_polygons(MultiPoint(points), extend_to=_extent(shape), ordered=True)
    )
    return shapely.intersection(cells, shape)


def _seed_points(
    rng: np.random.Generator, shape: Polygon, n: int,
    density: Callable[[np.ndarray], np.ndarray], relax: int = 1,
) -> np.ndarray:
    """Random points in ``shape``, relaxed (Lloyd) once so no municipality is a sliver."""
    pts = _sample_in(rng, shape, n, density)
    for _ in range(relax):
        cells = _voronoi_cells(pts, shape)
        cent = shapely.get_coordinates(shapely.centroid(cells))
        inside = shapely.contains_xy(shape, cent[:, 0], cent[:, 1])
        pts = np.where(inside[:, None], 0.5 * (pts + cent), pts)
    return pts


def _noded_faces(boundaries: Iterable[object]) -> np.ndarray:
    """Node a set of lines into one linework and polygonize it (shared, identical edges)."""
    lines = shapely.union_all(list(boundaries))
    return shapely.get_parts(shapely.polygonize(shapely.get_parts(lines)))


def _shared_length(a: object, b: object) -> float:
    return float(shapely.length(shapely.intersection(shapely.boundary(a), shapely.boundary(b))))


def _merge_fragments(
    faces: list[Polygon], face_unit: np.ndarray, face_country: list[str], n_units: int
) -> list[Polygon]:
    """One polygon per unit: stray fragments join the same-country neighbour with the longest border."""
    owner = face_unit.copy()
    for u in range(n_units):
        idx = np.flatnonzero(owner == u)
        if len(idx) <= 1:
            continue
        keep = idx[np.argmax([faces[i].area for i in idx])]
        for i in idx:
            if i == keep:
                continue
            best, best_len = u, 0.0
            for j in range(len(faces)):
                if owner[j] == u or face_country[j] != face_country[i]:
                    continue
                if not faces[i].touches(faces[j]):
                    continue
                length = _shared_length(faces[i], faces[j])
                if length > best_len:
                    best, best_len = int(owner[j]), length
            owner[i] = best
    polys = []
    for u in range(n_units):
        shape = shapely.union_all([faces[i] for i in np.flatnonzero(owner == u)])
        if shape.geom_type != "Polygon":
            raise DemoError(f"municipality {u} is not one polygon ({shape.geom_type})")
        polys.append(shape)
    return polys


def _displacement(rng: np.random.Generator) -> Callable[[np.ndarray], np.ndarray]:
    """A smooth displacement field: plane waves whose amplitude grows with their wavelength.

    The sum of (wave number x amplitude) stays below 1, so ``x -> x + d(x)`` is one-to-one
    (a Lipschitz-continuous perturbation of the identity): borders bend but never cross.
    """
    wavelengths = np.geomspace(0.05, 0.8, 12) * rng.uniform(0.85, 1.15, 12)
    amplitudes = _FIELD_LIPSCHITZ / (2 * np.pi * len(wavelengths)) * wavelengths
    angles = rng.uniform(0, np.pi, len(wavelengths))  # direction of each wave
    turns = rng.uniform(0, 2 * np.pi, len(wavelengths))  # direction of its displacement
    phases = rng.uniform(0, 2 * np.pi, len(wavelengths))

    def move(coords: np.ndarray) -> np.ndarray:
        out = coords.copy()
        for lam, amp, ang, turn, phase in zip(
            wavelengths, amplitudes, angles, turns, phases, strict=True
        ):
            k = 2 * np.pi / lam
            s = amp * np.sin(k * (np.cos(ang) * coords[:, 0] + np.sin(ang) * coords[:, 1]) + phase)
            out[:, 0] += np.cos(turn) * s
            out[:, 1] += np.sin(turn) * s
        return out

    return move


def _bend_borders(
    rng: np.random.Generator, polys: list[Polygon]
) -> list[Polygon] | None:
    """Bend all borders with one smooth field; ``None`` if the result is not a clean tiling."""
    move = _displacement(rng)
    lines = shapely.union_all([shapely.boundary(p) for p in polys])
    lines = shapely.transform(shapely.segmentize(lines, _EDGE_STEP), move)
    faces = _noded_faces([lines])
    if len(faces) != len(polys):
        return None
    anchors = shapely.transform(shapely.points([p.point_on_surface().coords[0] for p in polys]), move)
    tree = shapely.STRtree(faces)
    hits = tree.query(anchors, predicate="within")
    if hits.shape[1] != len(polys) or len(set(hits[0])) != len(polys) or len(set(hits[1])) != len(polys):
        return None
    order = np.empty(len(polys), dtype=int)
    order[hits[0]] = hits[1]
    out = [faces[i] for i in order]
    if not all(p.is_valid and p.geom_type == "Polygon" for p in out):
        return None
    return out


def generate_geography(seed: int = DEFAULT_SEED) -> Geography:
    """The invented map for ``seed``: three countries tiled by 150-180 municipalities."""
    rng = _streams(seed)["geography"]
    countries, _ = _countries(rng)
    n_total = int(rng.integers(N_UNITS_RANGE[0], N_UNITS_RANGE[1] + 1))
    total_area = sum(c.area for c in countries.values())
    counts = {c: max(12, round(n_total * s.area / total_area)) for c, s in countries.items()}
    density = _density(rng)
    seeds = {c: _seed_points(rng, countries[c], counts[c], density) for c in COUNTRY_CODES}
    # Voronoi edges of each country, overshooting its border by a hair so that noding cuts
    # them exactly at the (shared) border line; the overshoots become dangles and drop out.
    borders = shapely.union_all([shapely.boundary(s) for s in countries.values()])
    edges = [
        shapely.intersection(
            shapely.voronoi_polygons(
                MultiPoint(seeds[c]), extend_to=_extent(countries[c]), only_edges=True
            ),
            countries[c].buffer(1e-7),
        )
        for c in COUNTRY_CODES
    ]
    faces = _noded_faces([borders, *edges])
    anchors = shapely.get_coordinates(shapely.point_on_surface(faces))
    face_country: list[str] = []
    face_unit = np.empty(len(faces), dtype=int)
    offsets = np.cumsum([0] + [counts[c] for c in COUNTRY_CODES])
    for i, (x, y) in enumerate(anchors):
        for k, code in enumerate(COUNTRY_CODES):
            if shapely.contains_xy(countries[code], x, y):
                d2 = ((seeds[code] - (x, y)) ** 2).sum(axis=1)
                face_country.append(code)
                face_unit[i] = offsets[k] + int(np.argmin(d2))
                break
        else:
            raise DemoError("a polygonized face lies outside every country")
    n_units = int(offsets[-1])
    polys = _merge_fragments(list(faces), face_unit, face_country, n_units)
    unit_country = tuple(c for c in COUNTRY_CODES for _ in range(counts[c]))
    bent = _bend_borders(rng, polys)
    if bent is not None:
        polys = bent
    shapes = {
        c: shapely.union_all([p for p, uc in zip(polys, unit_country, strict=True) if uc == c])
        for c in COUNTRY_CODES
    }
    return Geography(
        countries=shapes,
        unit_country=unit_country,
        unit_geoms=tuple(polys),
        displaced=bent is not None,
    )


def _adjacency(geoms: list[Polygon]) -> list[set[int]]:
    """Neighbours sharing a border line (not just a corner)."""
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    bounds = shapely.boundary(np.asarray(geoms, dtype=object))
    shared = shapely.length(shapely.intersection(bounds[left], bounds[right]))
    adj: list[set[int]] = [set() for _ in geoms]
    for a, b, length in zip(left, right, shared, strict=True):
        if length > 1e-6:
            adj[int(a)].add(int(b))
            adj[int(b)].add(int(a))
    return adj
