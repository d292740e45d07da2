"""Uncertainty of the ranks: Monte Carlo over weights, normalisation and aggregation.

Each of N draws (default 1,000; reproducible with ``seed``)

* perturbs the risk factor weights: a Dirichlet draw centred on the chosen weights
  (alpha = 20 x w / sum w over the risk factors with data and a positive weight; the other
  weights stay as chosen, i.e. 0 or irrelevant because those factors have no data),
* picks a normalisation among ``minmax``, ``zscore``, ``rank`` (uniformly), and
* picks an aggregation among ``arithmetic``, ``geometric`` (uniformly).

Indicator weights and ``min_coverage`` stay as configured. The same draws are used for every
period, so the result for a period does not depend on which other periods are scored.

Output per unit and period: median rank, 5th and 95th percentile rank (linear interpolation)
and ``top10_share``: the share of draws in which the unit is in the top 10 % (rank <=
ceil(0.1 x number of ranked units)). Units without a composite get empty values.
Vectorised: one matrix product per (normalisation, aggregation) pair, no loop over units.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .aggregate import (
    N_RISK_FACTORS,
    apply_coverage,
    composite_draws,
    coverage_share,
    risk_factor_scores,
)
from .config import AGGREGATIONS, DEFAULT_DRAWS, DEFAULT_SEED, NORMALISATIONS, ScoringConfig
from .engine import (
    UNCERTAINTY_COLUMNS,
    indicator_weight_vector,
    normalised_scores,
    rf_weight_vector,
)
from .panel import Panel
from .rank import row_min_rank, top_share_cutoff

DIRICHLET_CONCENTRATION = 20.0
TOP_SHARE = 0.10


@dataclass(frozen=True)
class Draws:
    """The random choices of a Monte Carlo run."""

    weights: np.ndarray  #: (D, 14) risk factor weights
    normalisation: np.ndarray  #: (D,) index into NORMALISATIONS
    aggregation: np.ndarray  #: (D,) index into AGGREGATIONS


def make_draws(
    config: ScoringConfig, risk_factors_with_data: Iterable[int], n_draws: int, seed: int
) -> Draws:
    """Draw weights, normalisations and aggregations (deterministic for a given seed)."""
    if n_draws < 1:
        raise ValueError("the number of Monte Carlo draws must be at least 1")
    rng = np.random.default_rng(seed)
    base = rf_weight_vector(config)
    active = np.array(
        [r - 1 for r in sorted(set(risk_factors_with_data)) if base[r - 1] > 0], dtype=int
    )
    weights = np.tile(base, (n_draws, 1))
    if active.size:
        centre = base[active] / base[active].sum()
        weights[:, active] = rng.dirichlet(DIRICHLET_CONCENTRATION * centre, size=n_draws)
    norm = rng.integers(0, len(NORMALISATIONS), size=n_draws)
    agg = rng.integers(0, len(AGGREGATIONS), size=n_draws)
    return Draws(weights=weights, normalisation=norm, aggregation=agg)


def monte_carlo(
    panel: Panel,
    config: ScoringConfig | None = None,
    *,
    n_draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
    periods: Iterable[int] | None = None,
) -> pd.DataFrame:
    """Rank uncertainty per unit and period.

    Returns a frame with columns ``unit_id, period`` + :data:`UNCERTAINTY_COLUMNS`, one row
    per unit and period (panel unit order within each period).
    """
    config = config or ScoringConfig()
    pidx = panel.period_index(periods)
    draws = make_draws(config, panel.risk_factors_with_data, n_draws, seed)
    ind_w = indicator_weight_vector(panel, config)
    rf_of = np.array([d.risk_factor for d in panel.indicators], dtype=np.int64)
    n_units = panel.unit_ids.size

    frames = []
    for tp in pidx:  # loop over periods only; everything inside is vectorised over units/draws
        rf_by_norm = []
        for method in NORMALISATIONS:
            s = normalised_scores(panel, method, np.array([tp]))[:, :, 0]
            rf = (
                risk_factor_scores(s, rf_of, ind_w)
                if rf_of.size
                else np.full((N_RISK_FACTORS, n_units), np.nan)
            )
            rf_by_norm.append(rf)
        coverage = coverage_share(rf_by_norm[0], panel.risk_factors_with_data)
        comp = np.full((n_draws, n_units), np.nan)
        for ni in range(len(NORMALISATIONS)):
            for ai, agg in enumerate(AGGREGATIONS):
                sel = np.nonzero((draws.normalisation == ni) & (draws.aggregation == ai))[0]
                if sel.size:
                    comp[sel] = composite_draws(rf_by_norm[ni], draws.weights[sel], agg)
        comp = apply_coverage(comp, coverage[None, :], config.min_coverage)
        ranks = row_min_rank(comp)
        stats = rank_summary(ranks)
        stats.insert(0, "period", int(panel.periods[tp]))
        stats.insert(0, "unit_id", panel.unit_ids)
        frames.append(stats)
    if not frames:
        return pd.DataFrame(columns=["unit_id", "period", *UNCERTAINTY_COLUMNS])
    return pd.concat(frames, ignore_index=True)


def rank_summary(ranks: np.ndarray) -> pd.DataFrame:
    """(D, U) ranks per draw -> per-unit median, p05, p95 rank and top-10 % share."""
    n_draws, n_units = ranks.shape
    ranked = ~np.isnan(ranks)
    any_rank = ranked.any(axis=0)
    out = np.full((3, n_units), np.nan)
    cols = np.nonzero(any_rank)[0]
    if cols.size:
        sub = ranks[:, cols]
        if np.isnan(sub).any():
            out[:, cols] = np.nanpercentile(sub, [50, 5, 95], axis=0)
        else:
            out[:, cols] = np.percentile(sub, [50, 5, 95], axis=0)
    cutoff = top_share_cutoff(ranked.sum(axis=1), TOP_SHARE)
    in_top = ranked & (np.nan_to_num(ranks, nan=np.inf) <= cutoff[:, None])
    share = np.where(any_rank, in_top.sum(axis=0) / n_draws, np.nan)
    return pd.DataFrame(
        {
            "rank_median": out[0],
            "rank_p05": out[1],
            "rank_p95": out[2],
            "top10_share": share,
        }
    )
