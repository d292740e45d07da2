"""The fictional demo region: invented countries, municipalities and numbers, built by code.

``build_demo(db_path, seed)`` (re)builds a complete warehouse from scratch so the dashboard
can be tried without any real data. Everything is generated deterministically from the
seed (same seed -> identical table contents) and everything is marked fictional: the
``meta`` key ``fictional`` is ``'true'``, the three countries carry user-assigned ISO codes
(QZA, QZB, QZC) and ``fictional = TRUE``, and every observation cites the fictional source
``demo``.

How it is made:

* **Geography.** An irregular region outline around lon 18-22.5, lat 42-45 is cut by two
  wavy borders into three countries. Each country is filled with Voronoi cells of random,
  relaxed seed points, clipped to the country. All borders are noded into one linework and
  polygonized, so neighbours share identical vertices and the municipalities tile the
  countries without gaps or overlaps. A smooth displacement field then bends the straight
  Voronoi edges into natural-looking borders (the same field moves both sides of a border).
* **Names.** Syllable-built, South-Slavic-sounding names with diacritics (see
  :mod:`indicators.demo_names`), checked against real place names; about a third get a
  Cyrillic spelling in ``name_local`` and diacritic-free spellings in ``alt_names``.
* **Numbers.** A spatially smooth latent risk field drives every unit-level indicator, so
  neighbours correlate. Counts are over-dispersed Poisson draws scaled by population;
  rates and shares stay in plausible ranges; country-level governance indicators are
  stored with ``unit_id`` = country code. 2010-2025, with structural gaps (later starts,
  election years only, publication lag) and random gap runs: 10-20 % of the expected
  cells of the scored indicators are missing.
* **Planted patterns** (recorded in ``meta``): a cluster of 8 neighbouring municipalities
  in one country whose hate-speech, glorification and denial counts rise sharply in
  2023-2025 (``planted_riser_units``), and one country whose WGI and V-Dem governance
  indicators deteriorate steadily from 2016 (``planted_governance_country``).
"""

from __future__ import annotations

import hashlib
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely
from shapely.geometry import LineString, MultiPoint, Polygon

from indicators import warehouse
from indicators.demo_names import (
    COUNTRY_NAMES,
    REGION_LABELS,
    ascii_fold,
    to_cyrillic,
    unique_names,
)
from indicators.geometry import simplify_topology

DEMO_VERSION = "1"
DEFAULT_SEED = 20141
SOURCE_ID = "demo"
REGION_NAME = "Demo region (fictional)"
COUNTRY_CODES: tuple[str, ...] = ("QZA", "QZB", "QZC")
YEARS: tuple[int, ...] = tuple(range(2010, 2026))
N_UNITS_RANGE = (150, 180)
POPULATION_RANGE = (3000.0, 400000.0)
RISER_SIZE = 8
RISER_YEARS: tuple[int, ...] = (2023, 2024, 2025)
RISER_MULTIPLIER: tuple[float, ...] = (2.6, 3.6, 4.6)
RISER_INDICATORS: tuple[str, ...] = (
    "hate_speech_incidents",
    "glorification_incidents",
    "genocide_denial_statements",
)
GOVERNANCE_FROM = 2016
GOVERNANCE_INDICATORS: tuple[str, ...] = (
    "wgi_political_stability",
    "wgi_rule_of_law",
    "wgi_voice_accountability",
    "vdem_liberal_democracy",
)
#: Indicators the demo fills, with the level the generator assumes (checked against the catalog).
DEMO_INDICATORS: dict[str, str] = {
    "population": "unit",
    "unemployment_rate": "unit",
    "wgi_political_stability": "country",
    "vdem_liberal_democracy": "country",
    "genocide_denial_statements": "unit",
    "wgi_rule_of_law": "country",
    "nationalist_vote_share": "unit",
    "registered_firearms": "unit",
    "civil_society_initiatives": "unit",
    "ombudsperson_cases_resolved": "unit",
    "wgi_voice_accountability": "country",
    "hate_speech_incidents": "unit",
    "journalist_attacks": "unit",
    "glorification_incidents": "unit",
    "hate_crimes": "unit",
    "segregated_schools": "unit",
    "religious_site_attacks": "unit",
    "discriminatory_acts": "unit",
    "international_personnel_incidents": "unit",
    "returnee_attacks": "unit",  # monitoring kit (own random stream, see _monitoring_values)
    "violent_extremism_incidents": "unit",
}
#: First year with data for indicators whose monitoring started later than 2010.
FIRST_YEAR: dict[str, int] = {
    "journalist_attacks": 2011,
    "discriminatory_acts": 2011,
    "genocide_denial_statements": 2012,
    "segregated_schools": 2012,
    "ombudsperson_cases_resolved": 2013,
    "international_personnel_incidents": 2014,
}
#: Country-level series are published with a year's lag: nothing for the last year.
COUNTRY_LAST_YEAR = 2024
TARGET_MISSING = (0.13, 0.17)

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


@dataclass
class DemoData:
    """Everything the generator produces, before it is written to a warehouse."""

    seed: int
    countries: pd.DataFrame
    units: pd.DataFrame  # includes shapely ``geometry`` column
    observations: pd.DataFrame  # unit_id, indicator, period, value
    riser_units: tuple[str, ...]
    riser_country: str
    governance_country: str
    missing_share: float
    geography: Geography = field(repr=False)
    sparse_units: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemoSummary:
    """What :func:`build_demo` built."""

    db_path: str
    seed: int
    countries: int
    units: int
    indicators: int  # indicators with observations, including the auxiliary population
    scored_indicators: int
    risk_factors: int
    observations: int
    missing_share: float  # of the expected cells of the scored indicators, 2010-2025
    riser_units: tuple[str, ...]
    governance_country: str
    seconds: float

    def __str__(self) -> str:
        return (
            f"Demo region (FICTIONAL), seed {self.seed}: {self.countries} countries, "
            f"{self.units} municipalities, {self.indicators} indicators "
            f"({self.scored_indicators} scored, {self.risk_factors} risk factors), "
            f"{self.observations} observations {YEARS[0]}-{YEARS[-1]}, "
            f"{self.missing_share:.1%} missing; planted: rising incidents in "
            f"{', '.join(self.riser_units)}; governance decline in {self.governance_country}; "
            f"{self.seconds:.1f} s."
        )


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


# --------------------------------------------------------------------------- units


def _grow_regions(
    rng: np.random.Generator, members: list[int], adj: list[set[int]], xy: np.ndarray, k: int
) -> dict[int, int]:
    """Split a country's units into ``k`` contiguous regions; returns unit -> seat unit."""
    member_set = set(members)
    seats = [members[int(rng.integers(len(members)))]]
    while len(seats) < k:  # farthest-point sampling: seats spread over the country
        d = np.min([((xy[members] - xy[s]) ** 2).sum(axis=1) for s in seats], axis=0)
        seats.append(members[int(np.argmax(d))])
    owner = {s: s for s in seats}
    frontier = {s: set(adj[s]) & member_set for s in seats}
    while len(owner) < len(members):
        progressed = False
        for s in seats:
            options = sorted(u for u in frontier[s] if u not in owner)
            if not options:
                continue
            pick = min(options, key=lambda u: ((xy[u] - xy[s]) ** 2).sum())
            owner[pick] = s
            frontier[s] |= adj[pick] & member_set
            progressed = True
        if not progressed:  # disconnected leftovers: nearest seat
            for u in members:
                if u not in owner:
                    owner[u] = min(seats, key=lambda s: ((xy[u] - xy[s]) ** 2).sum())
    return owner


def _latent_risk(rng: np.random.Generator, xy: np.ndarray) -> np.ndarray:
    """A smooth risk surface (Gaussian bumps plus a gradient), standardised over units."""
    z = 0.25 * (xy[:, 0] - _CENTER[0]) * rng.normal() + 0.25 * (xy[:, 1] - _CENTER[1]) * rng.normal()
    for _ in range(7):
        cx = _CENTER[0] + rng.uniform(-2.0, 2.0)
        cy = _CENTER[1] + rng.uniform(-1.2, 1.2)
        s = rng.uniform(0.35, 0.8)
        z = z + rng.uniform(0.6, 1.4) * rng.choice([-1.0, 1.0]) * np.exp(
            -((xy[:, 0] - cx) ** 2 + (xy[:, 1] - cy) ** 2) / (2 * s**2)
        )
    z = z + 0.25 * rng.normal(size=len(xy))
    return (z - z.mean()) / z.std()


def _riser_cluster(
    rng: np.random.Generator, country: str, unit_country: tuple[str, ...], adj: list[set[int]],
    z: np.ndarray,
) -> list[int]:
    """``RISER_SIZE`` neighbouring units of one country, around a unit of above-median risk."""
    members = [i for i, c in enumerate(unit_country) if c == country]
    cutoff = np.median(z[members])
    candidates = [i for i in members if z[i] >= cutoff and len(adj[i]) >= 4]
    for start in rng.permutation(candidates):
        cluster = [int(start)]
        queue = deque([int(start)])
        while queue and len(cluster) < RISER_SIZE:
            u = queue.popleft()
            for v in sorted(adj[u]):
                if unit_country[v] == country and v not in cluster and len(cluster) < RISER_SIZE:
                    cluster.append(v)
                    queue.append(v)
        if len(cluster) == RISER_SIZE:
            return sorted(cluster)
    raise DemoError(f"no {RISER_SIZE} neighbouring units in {country}")


# --------------------------------------------------------------------------- values


def _overdispersed(rng: np.random.Generator, lam: np.ndarray, shape: float = 4.0) -> np.ndarray:
    """Negative-binomial counts: Poisson with a gamma-distributed rate (mean ``lam``)."""
    return rng.poisson(lam * rng.gamma(shape, 1.0 / shape, size=lam.shape)).astype(float)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _unit_values(
    rng: np.random.Generator,
    unit_country: tuple[str, ...],
    pop2025: np.ndarray,
    z: np.ndarray,
    riser: list[int],
    governance: str,
) -> dict[str, np.ndarray]:
    """Unit-level series, each an array (units x years); NaN = no data."""
    n = len(z)
    yrs = np.asarray(YEARS, dtype=float)
    t = yrs - YEARS[0]
    cidx = np.array([COUNTRY_CODES.index(c) for c in unit_country])
    eps = rng.normal(size=n)
    out: dict[str, np.ndarray] = {}

    growth = rng.normal(-0.007, 0.006, n)
    pop = pop2025[:, None] * np.exp(growth[:, None] * (yrs - YEARS[-1]))
    pop = np.clip(np.round(pop * (1 + rng.normal(0, 0.002, (n, len(yrs))))), *POPULATION_RANGE)
    pop[:, -1] = pop2025
    out["population"] = pop

    m = np.exp(0.5 * z + 0.2 * eps)[:, None]  # unit risk multiplier
    shock = np.exp(np.cumsum(rng.normal(0, 0.06, (len(COUNTRY_CODES), len(yrs))), axis=1))
    shock = shock[cidx]  # country-year common shocks
    rel = pop / 30000.0
    per100k = pop / 1e5
    riser_boost = np.ones((n, len(yrs)))
    for year, mult in zip(RISER_YEARS, RISER_MULTIPLIER, strict=True):
        riser_boost[np.ix_(riser, [YEARS.index(year)])] = mult

    online = 1.0 + 0.04 * t  # more documentation of online hate speech over time
    out["hate_speech_incidents"] = _overdispersed(
        rng, 8.0 * per100k * m * shock * online * riser_boost
    )
    out["glorification_incidents"] = _overdispersed(
        rng, 0.5 * rel**0.6 * m**1.3 * shock * riser_boost
    )
    out["genocide_denial_statements"] = _overdispersed(
        rng, 0.6 * rel**0.5 * m**1.5 * shock * riser_boost
    )
    out["journalist_attacks"] = _overdispersed(rng, 0.3 * rel**0.8 * m * shock)
    out["hate_crimes"] = _overdispersed(rng, 5.0 * per100k * m * shock)
    out["religious_site_attacks"] = _overdispersed(rng, 0.25 * rel**0.5 * m**1.2 * shock)
    out["discriminatory_acts"] = _overdispersed(rng, 0.3 * rel**0.3 * m * shock)
    out["international_personnel_incidents"] = _overdispersed(
        rng, 0.06 * rel**0.3 * m**1.5 * shock
    )
    civic = np.exp(-0.4 * z + 0.25 * rng.normal(size=n))[:, None]
    out["civil_society_initiatives"] = _overdispersed(
        rng, 12.0 * per100k * civic * (1 + 0.03 * t), shape=6.0
    )
    guns = 0.11 * np.exp(0.25 * z + 0.2 * rng.normal(size=n))[:, None]
    out["registered_firearms"] = np.round(
        pop * guns * (1 + 0.01 * t) * (1 + rng.normal(0, 0.01, (n, len(yrs))))
    )

    # Segregated schools: persistent counts that change rarely.
    schools = np.zeros((n, len(yrs)))
    schools[:, 0] = rng.poisson(0.45 * np.exp(0.9 * z) * np.sqrt(rel[:, 0]))
    for j in range(1, len(yrs)):
        step = rng.random(n)
        prev = schools[:, j - 1]
        schools[:, j] = prev - ((step < 0.06) & (prev > 0)) + (step > 0.975)
    out["segregated_schools"] = schools

    # Unemployment: falling over the period, a 2020 bump, higher where risk is higher.
    base = rng.uniform(14, 26, len(COUNTRY_CODES))[cidx]
    trend = rng.uniform(0.5, 0.8, len(COUNTRY_CODES))[cidx]
    ar = np.zeros((n, len(yrs)))
    for j in range(len(yrs)):
        ar[:, j] = (0.6 * ar[:, j - 1] if j else 0) + rng.normal(0, 1.0, n)
    unemployment = (
        base[:, None] - trend[:, None] * t + 3.0 * z[:, None] + 2.0 * eps[:, None] + ar
        + 1.5 * (yrs == 2020)
    )
    out["unemployment_rate"] = np.round(np.clip(unemployment, 3.0, 45.0), 1)

    # Local elections every four years (a different cycle per country).
    vote = np.full((n, len(yrs)), np.nan)
    base_share = rng.uniform(0.25, 0.45, len(COUNTRY_CODES))
    for k, code in enumerate(COUNTRY_CODES):
        rows = np.flatnonzero(cidx == k)
        for year in range(YEARS[0] + int(rng.integers(4)), YEARS[-1] + 1, 4):
            surge = 0.12 * max(0, year - GOVERNANCE_FROM) / 4 if code == governance else 0.0
            logit = (
                np.log(base_share[k] / (1 - base_share[k])) + 0.35 * z[rows] + 0.25 * eps[rows]
                + rng.normal(0, 0.15) + surge + rng.normal(0, 0.12, len(rows))
            )
            vote[rows, YEARS.index(year)] = np.round(100 * _sigmoid(logit), 1)
    out["nationalist_vote_share"] = vote

    ombud = (
        0.6 + rng.normal(0, 0.3, len(COUNTRY_CODES))[cidx][:, None] - 0.4 * z[:, None]
        + 0.04 * t + rng.normal(0, 0.25, (n, len(yrs)))
    )
    out["ombudsperson_cases_resolved"] = np.round(100 * _sigmoid(ombud), 1)

    for code, first in FIRST_YEAR.items():
        out[code][:, : YEARS.index(first)] = np.nan
    return out


#: First years of the monitoring-kit series.
MONITORING_FIRST_YEAR: dict[str, int] = {"returnee_attacks": 2012, "violent_extremism_incidents": 2014}


def _monitoring_values(
    rng: np.random.Generator, values: dict[str, np.ndarray], z: np.ndarray
) -> dict[str, np.ndarray]:
    """Series added with the coalition monitoring kit, drawn from their own random stream so the
    older series keep their values: attacks on returnees (mostly in the municipalities that saw
    returns, slowly fading) and rare violent-extremism incidents."""
    pop = values["population"]
    n, ny = pop.shape
    rel = pop / 30000.0
    m = np.exp(0.5 * z)[:, None]
    returns = rng.random(n) < 0.35 + 0.15 * np.tanh(z)
    fading = np.exp(-0.05 * np.arange(ny))[None, :]
    lam = np.where(returns[:, None], 0.6 * rel**0.4 * m**1.2, 0.02) * fading
    out = {
        "returnee_attacks": _overdispersed(rng, lam),
        "violent_extremism_incidents": _overdispersed(rng, 0.06 * rel**0.5 * m**1.3),
    }
    for code, first in MONITORING_FIRST_YEAR.items():
        out[code][:, : YEARS.index(first)] = np.nan
    return out


def _country_values(rng: np.random.Generator, governance: str) -> dict[str, np.ndarray]:
    """Country-level series (countries x years); the governance country declines from 2016."""
    nc, ny = len(COUNTRY_CODES), len(YEARS)
    yrs = np.asarray(YEARS, dtype=float)
    decline = np.zeros((nc, ny))
    decline[COUNTRY_CODES.index(governance)] = np.clip(yrs - (GOVERNANCE_FROM - 1), 0, None)
    out: dict[str, np.ndarray] = {}
    for code, (lo, hi), step in (
        ("wgi_political_stability", (-0.6, 0.2), 0.07),
        ("wgi_rule_of_law", (-0.5, 0.0), 0.06),
        ("wgi_voice_accountability", (-0.3, 0.3), 0.065),
    ):
        base = rng.uniform(lo, hi, nc)[:, None]
        drift = rng.uniform(-0.004, 0.015, nc)[:, None] * (yrs - YEARS[0])
        noise = np.cumsum(rng.normal(0, 0.03, (nc, ny)), axis=1) * 0.5 + rng.normal(0, 0.02, (nc, ny))
        out[code] = np.round(np.clip(base + drift + noise - step * decline, -2.5, 2.5), 2)
    base = rng.uniform(0.35, 0.55, nc)[:, None]
    noise = rng.normal(0, 0.012, (nc, ny))
    out["vdem_liberal_democracy"] = np.round(np.clip(base + noise - 0.016 * decline, 0, 1), 3)
    for arr in out.values():
        arr[:, YEARS.index(COUNTRY_LAST_YEAR) + 1 :] = np.nan
    return out


def _punch_gaps(
    rng: np.random.Generator, values: dict[str, np.ndarray], scored_unit: list[str],
    protected: dict[str, np.ndarray], expected: int, structural: int,
) -> None:
    """Random gap runs (1-4 years of one indicator in one unit) up to the target missing share."""
    target = round(rng.uniform(*TARGET_MISSING) * expected)
    n_units = values[scored_unit[0]].shape[0]
    missing = structural
    lengths = np.array([1, 1, 1, 2, 2, 3, 4])
    while missing < target:
        code = scored_unit[int(rng.integers(len(scored_unit)))]
        u = int(rng.integers(n_units))
        start = int(rng.integers(len(YEARS)))
        span = slice(start, min(len(YEARS), start + int(lengths[int(rng.integers(len(lengths)))])))
        row = values[code][u, span]
        hit = ~np.isnan(row)
        if code in protected:
            hit &= ~protected[code][u, span]
        drop = int(hit.sum())
        if drop > target - missing:  # do not overshoot
            continue
        row[hit] = np.nan
        missing += drop


# --------------------------------------------------------------------------- assembly


#: Units whose municipal monitoring only starts after SPARSE_UNTIL: before that they have
#: country-level data only and show as "insufficient data" (never as low risk).
SPARSE_COUNT = 4
SPARSE_UNTIL = 2015
SPARSE_STREAM = 7


def _sparse_units(rng: np.random.Generator, n: int, riser: Iterable[int]) -> list[int]:
    """A few units (not in the riser cluster) with no municipal data up to SPARSE_UNTIL."""
    candidates = np.array(sorted(set(range(n)) - set(riser)))
    return sorted(int(i) for i in rng.choice(candidates, size=SPARSE_COUNT, replace=False))


def _scored_codes(catalog: dict) -> list[str]:
    return [c for c in DEMO_INDICATORS if c in catalog and catalog[c].risk_factor is not None]


def generate_demo(seed: int = DEFAULT_SEED, catalog: dict | None = None) -> DemoData:
    """Generate the fictional region for ``seed`` in memory (no warehouse involved)."""
    if catalog is None:
        from indicators.catalog import load_catalog

        catalog = load_catalog()
    for code, level in DEMO_INDICATORS.items():
        if code in catalog and catalog[code].level != level:
            raise DemoError(f"catalog says {code} is {catalog[code].level}-level; the demo assumes {level}")
    rs = _streams(seed)
    geo = generate_geography(seed)
    polys = list(geo.unit_geoms)
    n = len(polys)
    centroids = shapely.get_coordinates(shapely.point_on_surface(np.asarray(polys, dtype=object)))
    adj = _adjacency(polys)

    # Unit order and ids: per country, north-west first.
    order = sorted(
        range(n),
        key=lambda i: (COUNTRY_CODES.index(geo.unit_country[i]), -round(centroids[i, 1] / 0.25), centroids[i, 0]),
    )
    ids = [""] * n
    counter = dict.fromkeys(COUNTRY_CODES, 0)
    for i in order:
        c = geo.unit_country[i]
        counter[c] += 1
        ids[i] = f"{c}-{counter[c]:03d}"

    # Names.
    rn = rs["names"]
    pick = rn.permutation(len(COUNTRY_NAMES))[: len(COUNTRY_CODES)]
    country_names = [COUNTRY_NAMES[i] for i in pick]
    names = unique_names(rn, n, taken={c[0] for c in country_names})
    cyrillic = rn.random(n) < 0.35
    name_local = [to_cyrillic(nm) if cy else None for nm, cy in zip(names, cyrillic, strict=True)]
    alt_names: list[list[str]] = []
    for nm, cy in zip(names, cyrillic, strict=True):
        alts = []
        folded = ascii_fold(nm)
        if folded != nm and (cy or rn.random() < 0.5):
            alts.append(folded)
        if " " in nm and rn.random() < 0.5:  # "Gornji X" also written "X Gornji"
            first, rest = nm.split(" ", 1)
            alts.append(f"{rest} {first}")
        alt_names.append(alts)

    # Regions (parents), named after their seat municipality.
    parent = [""] * n
    for k, code in enumerate(COUNTRY_CODES):
        members = sorted(i for i in range(n) if geo.unit_country[i] == code)
        n_regions = int(np.clip(round(len(members) / 12), 3, 6))
        owner = _grow_regions(rn, members, adj, centroids, n_regions)
        for u, seat in owner.items():
            parent[u] = f"{REGION_LABELS[k]} {names[seat]}"

    # Population (2025): lognormal, one larger capital near each country's middle.
    rv = rs["values"]
    pop2025 = np.round(np.clip(rv.lognormal(np.log(17000), 0.85, n), *POPULATION_RANGE))
    for code, shape in geo.countries.items():
        members = [i for i in range(n) if geo.unit_country[i] == code]
        mid = shape.point_on_surface()
        capital = min(members, key=lambda i: (centroids[i, 0] - mid.x) ** 2 + (centroids[i, 1] - mid.y) ** 2)
        pop2025[capital] = round(rv.uniform(150000, 0.85 * POPULATION_RANGE[1]))

    z = _latent_risk(rv, centroids)
    governance = COUNTRY_CODES[int(rv.integers(len(COUNTRY_CODES)))]
    riser_country = COUNTRY_CODES[int(rv.integers(len(COUNTRY_CODES)))]
    riser = _riser_cluster(rv, riser_country, geo.unit_country, adj, z)

    unit_vals = _unit_values(rv, geo.unit_country, pop2025, z, riser, governance)
    unit_vals.update(_monitoring_values(rs["monitoring"], unit_vals, z))
    country_vals = _country_values(rv, governance)
    unit_vals = {c: v for c, v in unit_vals.items() if c in catalog}
    country_vals = {c: v for c, v in country_vals.items() if c in catalog}

    scored = set(_scored_codes(catalog))
    scored_unit = [c for c in unit_vals if c in scored]
    expected = len(YEARS) * (n * len(scored_unit) + len(COUNTRY_CODES) * sum(c in scored for c in country_vals))
    structural = sum(int(np.isnan(unit_vals[c]).sum()) for c in scored_unit) + sum(
        int(np.isnan(v).sum()) for c, v in country_vals.items() if c in scored
    )
    protect_years = [YEARS.index(y) for y in (2017, 2018, 2019, *RISER_YEARS)]
    protected = {}
    for code in RISER_INDICATORS:
        mask = np.zeros((n, len(YEARS)), dtype=bool)
        mask[np.ix_(riser, protect_years)] = True
        protected[code] = mask
    _punch_gaps(rs["gaps"], unit_vals, scored_unit, protected, expected, structural)
    sparse = _sparse_units(np.random.default_rng([seed, SPARSE_STREAM]), n, riser)
    for code in scored_unit:  # monitoring only started there in SPARSE_UNTIL + 1
        unit_vals[code][np.ix_(sparse, range(YEARS.index(SPARSE_UNTIL) + 1))] = np.nan
    missing = sum(int(np.isnan(unit_vals[c]).sum()) for c in scored_unit) + sum(
        int(np.isnan(v).sum()) for c, v in country_vals.items() if c in scored
    )

    frames = []
    for code, arr in unit_vals.items():
        frames.append(_long(code, ids, arr))
    for code, arr in country_vals.items():
        frames.append(_long(code, list(COUNTRY_CODES), arr))
    obs = pd.concat(frames, ignore_index=True).sort_values(["indicator", "unit_id", "period"])

    units = pd.DataFrame(
        {
            "unit_id": ids,
            "name": names,
            "name_local": name_local,
            "alt_names": alt_names,
            "country": list(geo.unit_country),
            "admin_level": 2,
            "admin_label": "municipality",
            "parent": parent,
            "population": pop2025,
            "geometry": polys,
        }
    ).sort_values("unit_id", ignore_index=True)
    countries = pd.DataFrame(
        {
            "iso3": list(COUNTRY_CODES),
            "name": [c[0] for c in country_names],
            "name_local": [c[1] for c in country_names],
            "fictional": True,
        }
    )
    return DemoData(
        seed=seed,
        countries=countries,
        units=units,
        observations=obs.reset_index(drop=True),
        riser_units=tuple(sorted(ids[i] for i in riser)),
        sparse_units=tuple(sorted(ids[i] for i in sparse)),
        riser_country=riser_country,
        governance_country=governance,
        missing_share=missing / expected if expected else 0.0,
        geography=geo,
    )


def _long(code: str, ids: list[str], arr: np.ndarray) -> pd.DataFrame:
    uu, yy = np.meshgrid(np.arange(len(ids)), np.arange(len(YEARS)), indexing="ij")
    keep = ~np.isnan(arr)
    return pd.DataFrame(
        {
            "unit_id": np.asarray(ids, dtype=object)[uu[keep]],
            "indicator": code,
            "period": np.asarray(YEARS)[yy[keep]],
            "value": arr[keep],
        }
    )


# --------------------------------------------------------------------------- warehouse


def _checksum(seed: int) -> str:
    return hashlib.sha256(f"demo:seed={seed}:version={DEMO_VERSION}".encode()).hexdigest()


def _remove_db(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        if p.exists():
            p.unlink()


def build_demo(db_path: str | Path, seed: int = DEFAULT_SEED) -> DemoSummary:
    """(Re)build the warehouse at ``db_path`` from scratch with the fictional demo region.

    Deletes the file (and its ``.wal``) first. Same ``seed`` -> identical table contents
    (apart from build timestamps).
    """
    t0 = time.perf_counter()
    from indicators.catalog import load_catalog
    from indicators.reference_data import load_reference

    path = Path(db_path)
    catalog = load_catalog()
    data = generate_demo(seed, catalog)
    units = data.units
    geoms = gpd.GeoSeries(list(units["geometry"]), crs="EPSG:4326")
    simple = simplify_topology(geoms)
    obs = data.observations
    scored = _scored_codes(catalog)

    _remove_db(path)
    con = warehouse.connect(path)
    try:
        with warehouse.transaction(con):
            load_reference(con)  # framework, catalog and the catalog's source metadata
            for key, value in (
                ("fictional", "true"),
                ("region_name", REGION_NAME),
                ("built_at", datetime.now(UTC).isoformat(timespec="seconds")),
                ("seed", str(seed)),
                ("demo_version", DEMO_VERSION),
                ("planted_riser_units", ",".join(data.riser_units)),
                ("planted_riser_country", data.riser_country),
                ("planted_riser_indicators", ",".join(RISER_INDICATORS)),
                ("planted_riser_years", f"{RISER_YEARS[0]}-{RISER_YEARS[-1]}"),
                ("planted_governance_country", data.governance_country),
                ("planted_sparse_units", ",".join(data.sparse_units)),
                ("planted_sparse_until", str(SPARSE_UNTIL)),
                ("planted_governance_indicators", ",".join(GOVERNANCE_INDICATORS)),
                ("planted_governance_from", str(GOVERNANCE_FROM)),
                ("missing_share", f"{data.missing_share:.4f}"),
            ):
                warehouse.set_meta(con, key, value)
            con.execute(
                "INSERT OR REPLACE INTO sources (id, title, publisher, url, licence, citation, "
                "retrieved, checksum, version, fictional, visibility) "
                "VALUES (?, ?, ?, NULL, ?, ?, NULL, ?, ?, TRUE, 'public')",
                [
                    SOURCE_ID,
                    "Fictional demo data — invented places and numbers",
                    "atrocity-risk-dashboard project",
                    "CC0 1.0 (invented data)",
                    f"Invented by the demo generator (seed {seed}); not real data.",
                    _checksum(seed),
                    DEMO_VERSION,
                ],
            )
            import_id = con.execute(
                "INSERT INTO imports (file_name, checksum, kind, rows_total, rows_landed, "
                "rows_rejected, imported_by, status) VALUES (?, ?, 'demo', ?, ?, 0, ?, 'landed') "
                "RETURNING import_id",
                [f"demo:seed={seed}", _checksum(seed), len(obs), len(obs), "demo generator"],
            ).fetchone()[0]
            con.register("demo_countries", pa.Table.from_pandas(data.countries, preserve_index=False))
            con.execute(
                "INSERT INTO countries (iso3, name, name_local, fictional) "
                "SELECT iso3, name, name_local, fictional FROM demo_countries"
            )
            unit_table = pa.table(
                {
                    "unit_id": pa.array(units["unit_id"], pa.string()),
                    "name": pa.array(units["name"], pa.string()),
                    "name_local": pa.array(units["name_local"], pa.string()),
                    "alt_names": pa.array(units["alt_names"], pa.list_(pa.string())),
                    "country": pa.array(units["country"], pa.string()),
                    "admin_level": pa.array(units["admin_level"], pa.int32()),
                    "admin_label": pa.array(units["admin_label"], pa.string()),
                    "parent": pa.array(units["parent"], pa.string()),
                    "population": pa.array(units["population"], pa.float64()),
                    "geom": pa.array(shapely.to_wkb(np.asarray(geoms.values)), pa.binary()),
                    "geom_simple": pa.array(shapely.to_wkb(np.asarray(simple.values)), pa.binary()),
                }
            )
            con.register("demo_units", unit_table)
            con.execute(
                "INSERT INTO units (unit_id, name, name_local, alt_names, country, admin_level, "
                "admin_label, parent, population, geom, geom_simple, import_id) "
                "SELECT unit_id, name, name_local, alt_names, country, admin_level, admin_label, "
                "parent, population, geom, geom_simple, ? FROM demo_units",
                [import_id],
            )
            obs_table = pa.table(
                {
                    "unit_id": pa.array(obs["unit_id"], pa.string()),
                    "indicator": pa.array(obs["indicator"], pa.string()),
                    "period": pa.array(obs["period"], pa.int32()),
                    "value": pa.array(obs["value"], pa.float64()),
                }
            )
            con.register("demo_obs", obs_table)
            con.execute(
                "INSERT INTO observations (unit_id, indicator, period, value, source, note, import_id) "
                "SELECT unit_id, indicator, period, value, ?, 'fictional', ? FROM demo_obs "
                "ORDER BY indicator, unit_id, period",
                [SOURCE_ID, import_id],
            )
            from indicators.monitoring.calendar import demo_events, store_events

            votes = obs[obs["indicator"] == "nationalist_vote_share"].merge(
                units[["unit_id", "country"]], on="unit_id")
            years = {c: sorted({int(y) for y in g["period"]}) for c, g in votes.groupby("country")}
            store_events(con, demo_events(list(COUNTRY_CODES), years), import_id)  # invented
            for view in ("demo_countries", "demo_units", "demo_obs"):
                con.unregister(view)
        from indicators.scoring.stored import refresh_stored_results

        refresh_stored_results(con)  # scores, rank intervals, alerts (indicators.scoring.stored)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    present = set(obs["indicator"])
    return DemoSummary(
        db_path=str(path),
        seed=seed,
        countries=len(data.countries),
        units=len(units),
        indicators=len(present),
        scored_indicators=sum(c in present for c in scored),
        risk_factors=len({catalog[c].risk_factor for c in scored if c in present}),
        observations=len(obs),
        missing_share=data.missing_share,
        riser_units=data.riser_units,
        governance_country=data.governance_country,
        seconds=time.perf_counter() - t0,
    )
