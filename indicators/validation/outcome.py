"""The outcome of a backtest: one indicator, summed or averaged over a window of years.

* Only observations in the window count (nothing is carried forward into or across it).
* A per-capita indicator (catalog ``per_capita``) is divided by the unit's population at the
  observation's year (latest ``population`` observation at or before it, within the population's
  ``max_age``; else the unit's population attribute) and multiplied by 100,000, as the scoring
  does. A country-level indicator applies to every unit of its country.
* The *expected years* are the years of the window in which the indicator has any observation
  in the warehouse (a war total stored once, at the end of the war, has one expected year).
  ``sum`` needs every expected year for a unit; ``mean`` needs at least one. A unit that
  misses them is left out with the reason: never read as zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from indicators.i18n.names import indicator_title

AGGREGATES: tuple[str, ...] = ("sum", "mean")
PER_CAPITA_SCALE = 100_000.0


class BacktestError(ValueError):
    """A backtest that cannot run; the message says why and what to do."""


@dataclass
class Outcome:
    """Outcome per unit and the units without one (unit id -> reason)."""

    code: str
    title: str
    unit: str
    window: tuple[int, int]
    how: str
    values: pd.Series  #: unit_id -> outcome value
    years: tuple[int, ...]  #: expected years (with any observation in the window)
    left_out: dict[str, str] = field(default_factory=dict)
    per_capita: bool = False
    sources: tuple[str, ...] = ()


def parse_window(text: str) -> tuple[int, int]:
    """``"1992-1995"`` (or ``1992–1995``, or one year) -> (1992, 1995)."""
    raw = str(text).strip().replace("–", "-").replace("..", "-")
    parts = [p.strip() for p in raw.split("-") if p.strip()]
    try:
        years = [int(p) for p in parts]
    except ValueError:
        years = []
    if len(years) == 1:
        years = years * 2
    if len(years) != 2 or years[0] > years[1]:
        raise BacktestError(f"--window {text!r}: expected FIRST-LAST years, e.g. 1992-1995.")
    return years[0], years[1]


def load_outcome(con: Any, code: str, window: tuple[int, int], how: str = "sum") -> Outcome:
    """Read outcome ``code`` over ``window`` from the warehouse ``con`` (see module doc)."""
    if how not in AGGREGATES:
        raise BacktestError(f"outcome aggregate must be one of {', '.join(AGGREGATES)}, got {how!r}.")
    row = con.execute(
        "SELECT code, title, unit, per_capita, level FROM indicators WHERE code = ?", [code]
    ).fetchone()
    if row is None:
        have = [r[0] for r in con.execute(
            "SELECT DISTINCT indicator FROM observations ORDER BY 1").fetchall()]
        raise BacktestError(f"--outcome {code!r} is not an indicator of this warehouse; "
                            f"indicators with observations: {', '.join(have) or 'none'}.")
    _, title, unit, per_capita, level = row
    a, b = window
    obs = con.execute(
        "SELECT unit_id, period, value, source FROM observations "
        "WHERE indicator = ? AND period BETWEEN ? AND ? AND value IS NOT NULL", [code, a, b]
    ).df()
    if not len(obs):
        span = con.execute("SELECT min(period), max(period) FROM observations WHERE indicator = ?",
                           [code]).fetchone()
        have = f"{span[0]}–{span[1]}" if span[0] is not None else "none"
        raise BacktestError(f"--outcome {code}: no observations in {a}–{b} (it has {have}).")
    units = con.execute("SELECT unit_id, country, population FROM units").df()
    if level == "country":
        obs = units[["unit_id", "country"]].merge(
            obs.rename(columns={"unit_id": "country"}), on="country")[
            ["unit_id", "period", "value", "source"]]
    obs = obs[np.isfinite(obs["value"].astype(float))]
    if per_capita:
        obs = _per_capita(con, obs, units)
    years = tuple(sorted(int(y) for y in obs["period"].unique()))
    left_out: dict[str, str] = {}
    have_years = obs.groupby("unit_id")["period"].nunique()
    for u in units["unit_id"]:
        if u not in have_years.index:
            left_out[u] = f"no {code} observation in {a}–{b}"
            if per_capita:
                left_out[u] += " (or no population for the per-capita rate)"
    grouped = obs.groupby("unit_id")["value"]
    if how == "sum":
        values = grouped.sum()
        partial = have_years[have_years < len(years)]
        for u in partial.index:
            got = set(obs.loc[obs["unit_id"] == u, "period"].astype(int))
            missing = ", ".join(str(y) for y in years if y not in got)
            left_out[u] = f"{code} missing for {missing} (a sum would understate it)"
        values = values.drop(partial.index)
    else:
        values = grouped.mean()
    values = values[values.index.isin(units["unit_id"])].astype(float).sort_index()
    return Outcome(code=code, title=indicator_title(code, str(title)), unit=str(unit or ""), window=window, how=how,
                   values=values, years=years, left_out=left_out, per_capita=bool(per_capita),
                   sources=tuple(sorted(obs["source"].dropna().astype(str).unique())))


def _per_capita(con: Any, obs: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Divide by population at the observation's year (carried within its max_age) x 100,000."""
    max_age = con.execute("SELECT max_age FROM indicators WHERE code = 'population'").fetchone()
    age = int(max_age[0]) if max_age and max_age[0] is not None else 10
    pop = con.execute("SELECT unit_id, period AS pop_period, value AS pop FROM observations "
                      "WHERE indicator = 'population' AND value > 0").df()
    left = obs.sort_values("period").reset_index(drop=True)
    left["period"] = left["period"].astype(np.int64)
    if len(pop):
        pop["pop_period"] = pop["pop_period"].astype(np.int64)
        left = pd.merge_asof(left, pop.sort_values("pop_period"), left_on="period",
                             right_on="pop_period", by="unit_id", direction="backward")
        stale = (left["period"] - left["pop_period"]) > age
        left.loc[stale, "pop"] = np.nan
    else:
        left["pop"] = np.nan
    attr = units.set_index("unit_id")["population"].astype(float)
    left["pop"] = left["pop"].fillna(left["unit_id"].map(attr))
    left = left[left["pop"] > 0]
    left["value"] = left["value"].astype(float) / left["pop"] * PER_CAPITA_SCALE
    return left[["unit_id", "period", "value", "source"]]
