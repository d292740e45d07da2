"""Steps 1-2 of method v1: the dense indicator panel with transforms and carry-forward.

:func:`load_panel` reads the warehouse tables ``units``, ``indicators``, ``observations`` and
``countries`` and calls :func:`build_panel`, which turns them into dense numpy arrays
``[indicator x unit x period]`` (scored indicators sorted by code, periods ascending):

* **Periods** are the distinct periods (years) among the usable observations.
* **Transforms** apply to each observation at its own period: ``per_capita`` divides by the
  population of the unit at that period (auxiliary indicator ``population``, carried forward
  with its own ``max_age``; when missing, the unit's ``population`` attribute) and multiplies
  by 100,000; then ``log1p`` if the catalog says so.
* **Carry-forward**: the effective value of (unit, indicator) at period t is the latest
  observation at or before t that is at most ``max_age`` years old. A carried value keeps the
  transformed value of the observation it came from and is flagged (``carried``).
* **Country-level** indicators are stored per country (observations keyed by ISO3) and applied
  to every unit of that country.
* **Auxiliary** indicators (no risk factor) are never scored.
* The pooled statistics used by every normalisation are computed here once per indicator from
  the transformed observations (each observation once, no carried copies, a country-level
  observation once).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..catalog import Indicator
from .normalise import PooledStats, pooled_stats
from .panel_input import (
    CodedObservations,
    Columns,
    _coded_observations,
    _columns,
    _indicator_from_row,
    _is_frame,
    _lookup,
    _positions,
    _unit_arrays,
    code_observations,
)

if TYPE_CHECKING:
    import pandas as pd

# pandas is imported only where a caller hands over pandas frames: the warehouse path
# (load_panel, used by ``python -m indicators score``) needs numpy and DuckDB only.

__all__ = ["CodedObservations", "Panel", "build_panel", "code_observations", "load_panel"]

POPULATION = "population"
PER_CAPITA_SCALE = 100_000.0


@dataclass
class Panel:
    """Dense, transformed and carried-forward indicator panel (read-only after building).

    Arrays are indexed ``[indicator, unit, period]`` with indicators in ``codes`` order, units
    in ``unit_ids`` order and periods in ``periods`` order (ascending years).
    """

    unit_ids: np.ndarray  #: (U,) unit ids
    unit_names: np.ndarray  #: (U,) display names
    unit_country: np.ndarray  #: (U,) ISO3 of each unit
    unit_population: np.ndarray  #: (U,) population attribute (NaN when unknown)
    country_names: dict[str, str]  #: ISO3 -> name
    periods: np.ndarray  #: (T,) ascending int years
    indicators: tuple[Indicator, ...]  #: scored indicators, sorted by code
    values: np.ndarray  #: (I, U, T) effective transformed values, NaN = missing
    original: np.ndarray  #: (I, U, T) effective value before transforms (as observed)
    source_period: np.ndarray  #: (I, U, T) period of the observation used, -1 = missing
    pooled: tuple[PooledStats, ...]  #: (I,) pooled statistics of the transformed observations
    observation_counts: np.ndarray  #: (I,) usable observations per indicator (pooled panel size)
    risk_factors_with_data: tuple[int, ...]  #: risk factors with any observation at all
    dropped: dict[str, int] = field(default_factory=dict)  #: reason -> observations not used
    #: (U, T) population used as the per-capita denominator (NaN = none: not computable)
    population: np.ndarray | None = None
    #: (I, U, T) a per-capita value exists but has no population (see :meth:`no_population`)
    unscorable: np.ndarray | None = None

    @property
    def codes(self) -> tuple[str, ...]:
        """Scored indicator codes in array order."""
        return tuple(ind.code for ind in self.indicators)

    def no_population(self) -> np.ndarray:
        """(I, U, T) True where a per-capita value exists (observed or carried forward) but
        cannot be scored: the unit has no population at the observation's period."""
        if self.unscorable is None:
            return np.zeros(self.values.shape, dtype=bool)
        return self.unscorable

    @property
    def carried(self) -> np.ndarray:
        """(I, U, T) True where the effective value was carried forward from an earlier period."""
        return (self.source_period >= 0) & (self.source_period != self.periods[None, None, :])

    @property
    def excluded(self) -> dict[str, str]:
        """Indicators that cannot be scored, with the reason (constant or no observations)."""
        out: dict[str, str] = {}
        for ind, stats, count in zip(self.indicators, self.pooled, self.observation_counts, strict=True):
            if count == 0 and stats.n == 0:
                out[ind.code] = "no observations"
            elif stats.excluded_reason is not None:
                out[ind.code] = stats.excluded_reason
        return out

    @property
    def shape(self) -> tuple[int, int, int]:
        """(indicators, units, periods)."""
        return self.values.shape  # type: ignore[return-value]

    def period_index(self, periods: Iterable[int] | None) -> np.ndarray:
        """Positions of ``periods`` in :attr:`periods` (all when ``None``); ValueError if unknown."""
        if periods is None:
            return np.arange(self.periods.size)
        wanted = [int(p) for p in periods]
        pos = {int(p): i for i, p in enumerate(self.periods)}
        missing = [p for p in wanted if p not in pos]
        if missing:
            have = ", ".join(str(int(p)) for p in self.periods) or "none"
            raise ValueError(
                f"period(s) {', '.join(map(str, missing))} have no observations; available: {have}."
            )
        return np.array([pos[p] for p in wanted], dtype=int)


def _carry_forward(
    raw: np.ndarray, periods: np.ndarray, max_age: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Carry ``raw`` (K, N, T) forward along T; return (index of source period or -1, valid)."""
    t = periods.size
    observed = ~np.isnan(raw)
    idx = np.where(observed, np.arange(t)[None, None, :], -1)
    last = np.maximum.accumulate(idx, axis=-1) if t else idx
    age = periods[None, None, :] - periods[np.clip(last, 0, None)]
    valid = (last >= 0) & (age <= max_age[:, None, None])
    return np.where(valid, last, -1), valid


def _take(raw: np.ndarray, src: np.ndarray) -> np.ndarray:
    out = np.take_along_axis(raw, np.clip(src, 0, None), axis=-1)
    out[src < 0] = np.nan
    return out


def build_panel(
    units: pd.DataFrame | Columns,
    indicators: pd.DataFrame | Iterable[Indicator],
    observations: pd.DataFrame | CodedObservations,
    countries: pd.DataFrame | Columns | None = None,
) -> Panel:
    """Build a :class:`Panel` from frames shaped like the warehouse tables.

    ``units``: unit_id, name, country, population. ``indicators``: the ``indicators`` table
    columns (or :class:`~indicators.catalog.Indicator` objects). ``observations``: unit_id,
    indicator, period, value (or the same as :class:`CodedObservations`). ``countries``: iso3,
    name (optional). ``units`` and ``countries`` may also be mappings of column name to a
    sequence (no pandas needed). Unit order is kept as given.
    """
    coded = (observations if isinstance(observations, CodedObservations)
             else code_observations(observations))
    # --- indicators -------------------------------------------------------------------------
    if _is_frame(indicators):
        defs = [_indicator_from_row(r) for r in indicators.to_dict("records")]
    else:
        defs = list(indicators)
    by_code = {d.code: d for d in defs}
    scored = tuple(sorted((d for d in defs if d.risk_factor is not None), key=lambda d: d.code))
    pop_def = by_code.get(POPULATION)

    # --- units and countries ----------------------------------------------------------------
    unit_ids, unit_names, unit_country, pop_attr = _unit_arrays(units)
    country_names: dict[str, str] = {}
    if countries is not None and _is_frame(countries) and len(countries):
        country_names = dict(
            zip(countries["iso3"].astype(str), countries["name"].astype(str), strict=True)
        )
    elif countries is not None and not _is_frame(countries):
        country_names = dict(zip((str(c) for c in countries["iso3"]),
                                 (str(n) for n in countries["name"]), strict=True))
    country_codes = sorted(set(country_names) | set(unit_country.tolist()))
    for code in country_codes:
        country_names.setdefault(code, code)
    n_units, n_countries = unit_ids.size, len(country_codes)
    unit_pos = _positions(unit_ids, "unit id")
    country_pos = _positions(country_codes, "country code")
    unit_country_idx = _lookup(country_pos, unit_country)

    # --- observations -> (indicator, entity, period) indices ---------------------------------
    dropped: dict[str, int] = {}
    ind_codes, ind_inv = coded.indicator_codes, coded.indicator
    # position among scored indicators; population = -2; unknown/auxiliary = -1
    scored_pos = {d.code: i for i, d in enumerate(scored)}
    ind_map = np.array(
        [scored_pos.get(c, -2 if c == POPULATION and pop_def is not None else -1) for c in ind_codes],
        dtype=np.int64,
    )
    ind_idx = ind_map[ind_inv] if ind_inv.size else np.zeros(0, dtype=np.int64)
    known_def = np.array([c in by_code for c in ind_codes], dtype=bool)
    unknown_ind = ~known_def[ind_inv] if ind_inv.size else np.zeros(0, dtype=bool)
    if unknown_ind.any():
        dropped["indicator not defined"] = int(unknown_ind.sum())

    ent_codes, ent_inv = coded.entity_codes, coded.entity
    ent_unit = _lookup(unit_pos, ent_codes)
    ent_country = _lookup(country_pos, ent_codes)

    # padded with one False so the lookup below also works when no indicator is scored
    level_country = np.array([d.level == "country" for d in scored] + [False], dtype=bool)
    pop_is_country = pop_def is not None and pop_def.level == "country"
    is_country = np.where(
        ind_idx >= 0, level_country[np.clip(ind_idx, 0, None)], (ind_idx == -2) & pop_is_country
    )
    entity = np.where(is_country, ent_country[ent_inv], ent_unit[ent_inv]) if ent_inv.size else ent_inv
    wanted = (ind_idx >= 0) | (ind_idx == -2)
    orphan = wanted & (entity < 0)
    if orphan.any():
        dropped["unit or country not in the warehouse"] = int(orphan.sum())
    keep = wanted & (entity >= 0)
    values = coded.value
    nonfinite = keep & ~np.isfinite(values)
    if nonfinite.any():
        dropped["value not a finite number"] = int(nonfinite.sum())
        keep &= np.isfinite(values)

    # the periods are the distinct periods among the observations (all rows)
    periods = coded.periods
    n_periods = periods.size
    period_idx = coded.period

    # --- raw arrays ---------------------------------------------------------------------------
    n_ind = len(scored)
    raw_unit = np.full((n_ind, n_units, n_periods), np.nan)
    raw_country = np.full((n_ind, n_countries, n_periods), np.nan)
    sel = keep & (ind_idx >= 0) & ~is_country
    raw_unit[ind_idx[sel], entity[sel], period_idx[sel]] = values[sel]
    sel = keep & (ind_idx >= 0) & is_country
    raw_country[ind_idx[sel], entity[sel], period_idx[sel]] = values[sel]
    obs_counts = np.zeros(n_ind, dtype=np.int64)
    np.add.at(obs_counts, ind_idx[keep & (ind_idx >= 0)], 1)

    # --- population denominator at each period ------------------------------------------------
    pop_eff = np.full((n_units, n_periods), np.nan)
    if pop_def is not None:
        n_ent = n_countries if pop_is_country else n_units
        pop_raw = np.full((1, n_ent, n_periods), np.nan)
        sel = keep & (ind_idx == -2)
        pop_raw[0, entity[sel], period_idx[sel]] = values[sel]
        src, _ = _carry_forward(pop_raw, periods, np.array([pop_def.max_age]))
        carried_pop = _take(pop_raw, src)[0]
        pop_eff = carried_pop[unit_country_idx] if pop_is_country else carried_pop
    pop_eff = np.where(np.isfinite(pop_eff) & (pop_eff > 0), pop_eff, np.nan)
    attr = np.where(np.isfinite(pop_attr) & (pop_attr > 0), pop_attr, np.nan)
    pop_eff = np.where(np.isnan(pop_eff), attr[:, None], pop_eff)

    # --- transforms at the observation's own period -------------------------------------------
    trans_unit = raw_unit.copy()
    trans_country = raw_country.copy()
    for i, d in enumerate(scored):
        arr = trans_country if d.level == "country" else trans_unit
        if d.per_capita and d.level != "country":
            observed = ~np.isnan(arr[i])
            arr[i] = arr[i] / pop_eff * PER_CAPITA_SCALE
            lost = int((observed & np.isnan(arr[i])).sum())
            if lost:
                key = "per-capita value without a population"
                dropped[key] = dropped.get(key, 0) + lost
        if d.transform == "log1p":
            with np.errstate(invalid="ignore", divide="ignore"):
                bad = arr[i] <= -1
                if bad.any():
                    key = "log1p of a value <= -1"
                    dropped[key] = dropped.get(key, 0) + int(bad.sum())
                arr[i] = np.where(bad, np.nan, np.log1p(np.where(bad, 0.0, arr[i])))

    for arr in (trans_unit, trans_country):
        bad = ~np.isnan(arr) & ~np.isfinite(arr)
        if bad.any():
            key = "transformed value not finite"
            dropped[key] = dropped.get(key, 0) + int(bad.sum())
            arr[bad] = np.nan

    # --- pooled statistics (each observation once) --------------------------------------------
    pooled = tuple(
        pooled_stats(trans_country[i] if d.level == "country" else trans_unit[i])
        for i, d in enumerate(scored)
    )

    # --- carry forward, then broadcast country-level indicators to units ----------------------
    max_age = np.array([d.max_age for d in scored], dtype=np.int64)
    src_u, _ = _carry_forward(trans_unit, periods, max_age)
    src_c, _ = _carry_forward(trans_country, periods, max_age)
    eff_u, orig_u = _take(trans_unit, src_u), _take(raw_unit, src_u)
    eff_c, orig_c = _take(trans_country, src_c), _take(raw_country, src_c)
    is_c = np.array([d.level == "country" for d in scored], dtype=bool)
    if is_c.any():
        ci = np.nonzero(is_c)[0]
        eff_u[ci] = eff_c[ci][:, unit_country_idx, :]
        orig_u[ci] = orig_c[ci][:, unit_country_idx, :]
        src_u[ci] = src_c[ci][:, unit_country_idx, :]
    # per-capita values that exist but could not be divided by a population
    percap = np.array([d.per_capita and d.level != "country" for d in scored], dtype=bool)
    unscorable = np.zeros(eff_u.shape, dtype=bool)
    if percap.any():
        pi = np.nonzero(percap)[0]
        lost = ~np.isnan(raw_unit[pi]) & np.isnan(trans_unit[pi]) & np.isnan(pop_eff)[None]
        lost_src, _ = _carry_forward(np.where(lost, 1.0, np.nan), periods, max_age[pi])
        unscorable[pi] = (lost_src >= 0) & np.isnan(eff_u[pi])
    source_period = np.where(src_u >= 0, periods[np.clip(src_u, 0, None)] if n_periods else -1, -1)

    rf_with_data = tuple(
        sorted({d.risk_factor for d, c in zip(scored, obs_counts, strict=True) if c > 0})  # type: ignore[misc]
    )
    return Panel(
        unit_ids=unit_ids,
        unit_names=unit_names,
        unit_country=unit_country,
        unit_population=pop_attr,
        country_names=country_names,
        periods=periods,
        indicators=scored,
        values=eff_u,
        original=orig_u,
        source_period=source_period.astype(np.int64),
        pooled=pooled,
        observation_counts=obs_counts,
        risk_factors_with_data=rf_with_data,
        dropped=dropped,
        population=pop_eff,
        unscorable=unscorable,
    )


def load_panel(con) -> Panel:
    """Read the warehouse (a DuckDB connection) into a :class:`Panel` (numpy and DuckDB only)."""
    units = _columns(
        con, "SELECT unit_id, name, country, population FROM units ORDER BY country, unit_id")
    cur = con.execute(
        "SELECT code, title, description, risk_factor, foa_indicators, direction, level, "
        "transform, per_capita, weight, unit, source, max_age FROM indicators ORDER BY code"
    )
    names = [d[0] for d in cur.description]
    indicators = [_indicator_from_row(dict(zip(names, row, strict=True))) for row in cur.fetchall()]
    countries = _columns(con, "SELECT iso3, name FROM countries ORDER BY iso3")
    return build_panel(units, indicators, _coded_observations(con), countries)
