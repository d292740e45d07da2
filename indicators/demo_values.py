"""The fictional demo region's numbers: regions grown on the map, a latent risk surface, the
planted cluster of rising incidents, unit and country series with their gaps. Pure functions
of the random streams and the geography; assembled by :mod:`indicators.demo`."""

from __future__ import annotations

from collections import deque

import numpy as np

from indicators.demo_geography import _CENTER, COUNTRY_CODES, DemoError

YEARS: tuple[int, ...] = tuple(range(2010, 2026))
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
