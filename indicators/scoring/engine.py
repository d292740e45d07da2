"""The scoring engine: method v1 of the atrocity-risk composite.

Method v1 in plain language
---------------------------
For every municipality (unit), indicator and year (period):

1. **Effective value.** We use the latest observation of that indicator for that unit at or
   before the year, provided it is at most ``max_age`` years old (a catalog field, 3 years by
   default); older or absent values count as missing. Country-level indicators (e.g. the
   World Bank governance indicators) apply to every unit of that country. Values carried
   forward from an earlier year are flagged as such.
2. **Transform.** Per-capita indicators are divided by the unit's population in the year of
   the observation (the ``population`` indicator, carried forward the same way, or else the
   unit's population attribute) and multiplied by 100,000; then ``log1p`` is applied where
   the catalog says so. A carried-forward value keeps the transformed value (and score) of
   the observation it came from.
3. **Normalise.** Each indicator is rescaled to 0-10 by min-max over its *pooled panel*: all
   of its observations in the warehouse, every unit and every year, each counted once
   (country-level observations once per country, carried-forward copies not at all). Scores
   are therefore comparable across years and do not change when the view is filtered.
   Mitigating indicators (direction -1) are reversed (10 - score). An indicator whose values
   are all equal cannot be rescaled; it is excluded and reported.
4. **Risk factor score** = weighted mean of the available indicator scores of that risk
   factor (indicator weights from the catalog, default 1).
5. **Composite** = weighted mean of the available risk factor scores (risk factor weights,
   default 1). It is shown only when at least half (``min_coverage``) of the risk factors that
   have any data in the warehouse are available for that unit and year; otherwise the unit is
   shown as "insufficient data". ``coverage`` is that share.
6. **Risk class** of the composite: very low [0,2), low [2,4), medium [4,6), high [6,8),
   very high [8,10]; none when the composite is missing.
7. **Ranks** per year, 1 = highest composite, over all units and within each country; equal
   composites share the lowest rank (1, 2, 2, 4); units without a composite are not ranked.

Options: normalisation ``minmax`` (default), ``zscore`` (pooled mean and population standard
deviation, z clipped to [-3, 3] and mapped linearly onto 0-10) or ``rank`` (pooled average
rank r among n values, (r - 1) / (n - 1) x 10); aggregation of risk factors ``arithmetic``
(default) or ``geometric`` (exp(sum w ln(s + 0.1) / sum w) - 0.1); user weights for risk
factors and indicators (an indicator weight replaces the catalog weight); ``min_coverage``.
See :mod:`indicators.scoring.config` for the YAML file.

Everything is vectorised over units and periods; the pooled statistics are computed once
when the panel is loaded (:func:`indicators.scoring.panel.load_panel`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

from .aggregate import (
    N_RISK_FACTORS,
    apply_coverage,
    composite_scores,
    coverage_share,
    risk_class,
    risk_factor_scores,
)
from .config import METHOD_VERSION, NORMALISATIONS, ScoringConfig
from .normalise import normalise
from .panel import Panel
from .rank import grouped_min_rank

RF_COLUMNS: tuple[str, ...] = tuple(f"rf{i:02d}" for i in range(1, N_RISK_FACTORS + 1))
CSV_COLUMNS: tuple[str, ...] = (
    "unit_id",
    "unit_name",
    "country",
    "period",
    "composite",
    "risk_class",
    "coverage",
    "rank",
    "rank_in_country",
    *RF_COLUMNS,
)
UNCERTAINTY_COLUMNS: tuple[str, ...] = ("rank_median", "rank_p05", "rank_p95", "top10_share")
INSUFFICIENT_DATA = "insufficient data"


@dataclass
class ScoreResult:
    """Everything one scoring run produced.

    ``frame`` has exactly :data:`CSV_COLUMNS`, one row per unit and scored period, sorted by
    period, country and unit id. The arrays are indexed ``[.., unit, period]`` in panel unit
    order and :attr:`periods` order.
    """

    config: ScoringConfig
    panel: Panel
    periods: np.ndarray  #: (T,) scored periods
    period_index: np.ndarray  #: (T,) positions of the scored periods in panel.periods
    indicator_scores: np.ndarray  #: (I, U, T) normalised indicator scores (NaN = missing/excluded)
    indicator_weights: np.ndarray  #: (I,) weights used
    rf_scores: np.ndarray  #: (14, U, T) risk factor scores
    rf_weights: np.ndarray  #: (14,) weights used
    composite: np.ndarray  #: (U, T) composite after the coverage rule
    coverage: np.ndarray  #: (U, T)
    excluded: dict[str, str]  #: indicator code -> reason
    risk_factors_with_data: tuple[int, ...]
    warnings: list[str] = field(default_factory=list)
    method: str = METHOD_VERSION

    @cached_property
    def frame(self) -> pd.DataFrame:
        """The result table (:data:`CSV_COLUMNS`), built on first use (it needs pandas)."""
        return _frame(self.panel, self.periods, self.composite, self.coverage, self.rf_scores)

    def indicator_frame(
        self, unit_id: str | None = None, period: int | None = None
    ) -> pd.DataFrame:
        """Long table of indicator values and scores (for the unit profile page).

        Columns: unit_id, period, indicator, risk_factor, value (as observed), transformed,
        score (0-10, direction applied), carried_forward, source_period, excluded,
        no_population (a per-capita value that cannot be scored: the unit has no population).
        Rows only where the unit has an effective value (or such an unscorable one).
        """
        import pandas as pd

        p = self.panel
        units = np.arange(p.unit_ids.size)
        if unit_id is not None:
            units = np.nonzero(p.unit_ids == unit_id)[0]
        tpos = np.arange(self.periods.size)
        if period is not None:
            tpos = np.nonzero(self.periods == int(period))[0]
        pidx = self.period_index[tpos]
        vals = p.values[:, units][:, :, pidx]
        no_pop = p.no_population()[:, units][:, :, pidx]
        ii, uu, tt = np.nonzero(~np.isnan(vals) | no_pop)
        src = p.source_period[:, units][:, :, pidx][ii, uu, tt]
        codes = np.array(p.codes, dtype=object)
        rfs = np.array([d.risk_factor for d in p.indicators], dtype=np.int64)
        periods = self.periods[tpos][tt]
        return pd.DataFrame(
            {
                "unit_id": p.unit_ids[units][uu],
                "period": periods,
                "indicator": codes[ii],
                "risk_factor": rfs[ii],
                "value": p.original[:, units][:, :, pidx][ii, uu, tt],
                "transformed": vals[ii, uu, tt],
                "score": self.indicator_scores[:, units][:, :, tpos][ii, uu, tt],
                "carried_forward": src != periods,
                "source_period": src,
                "excluded": np.array([c in self.excluded for c in codes], dtype=bool)[ii],
                "no_population": no_pop[ii, uu, tt],
            }
        )


def indicator_weight_vector(panel: Panel, config: ScoringConfig) -> np.ndarray:
    """Catalog weights, replaced by the config's ``indicator_weights`` where given."""
    return np.array(
        [float(config.indicator_weights.get(d.code, d.weight)) for d in panel.indicators],
        dtype=float,
    )


def rf_weight_vector(config: ScoringConfig) -> np.ndarray:
    """(14,) risk factor weights (1 unless configured)."""
    return np.array([config.rf_weight(r) for r in range(1, N_RISK_FACTORS + 1)], dtype=float)


def normalised_scores(
    panel: Panel, method: str, period_index: np.ndarray | None = None
) -> np.ndarray:
    """(I, U, T) normalised scores of ``panel`` for the given period positions (all if None)."""
    if method not in NORMALISATIONS:
        raise ValueError(f"unknown normalisation {method!r}")
    values = panel.values if period_index is None else panel.values[:, :, period_index]
    out = np.full(values.shape, np.nan)
    for i, (ind, stats) in enumerate(zip(panel.indicators, panel.pooled, strict=True)):
        out[i] = normalise(values[i], stats, ind.direction, method)
    return out


def config_warnings(panel: Panel, config: ScoringConfig) -> list[str]:
    """Messages about config entries that do not apply to this warehouse."""
    known = set(panel.codes)
    out = []
    for code in sorted(config.indicator_weights):
        if code not in known:
            out.append(
                f"indicator_weights: {code!r} is not a scored indicator in this warehouse (ignored)."
            )
    return out


def score(
    panel: Panel, config: ScoringConfig | None = None, periods: Iterable[int] | None = None
) -> ScoreResult:
    """Score ``panel`` with method v1 (options from ``config``) for ``periods`` (all if None)."""
    config = config or ScoringConfig()
    pidx = panel.period_index(periods)
    scored_periods = panel.periods[pidx]
    ind_w = indicator_weight_vector(panel, config)
    rf_w = rf_weight_vector(config)

    ind_scores = normalised_scores(panel, config.normalisation, pidx)
    rf_of = np.array([d.risk_factor for d in panel.indicators], dtype=np.int64)
    if rf_of.size:
        rf_scores = risk_factor_scores(ind_scores, rf_of, ind_w)
    else:
        rf_scores = np.full((N_RISK_FACTORS, panel.unit_ids.size, pidx.size), np.nan)
    coverage = coverage_share(rf_scores, panel.risk_factors_with_data)
    comp = apply_coverage(
        composite_scores(rf_scores, rf_w, config.aggregation), coverage, config.min_coverage
    )
    return ScoreResult(
        config=config,
        panel=panel,
        periods=scored_periods,
        period_index=pidx,
        indicator_scores=ind_scores,
        indicator_weights=ind_w,
        rf_scores=rf_scores,
        rf_weights=rf_w,
        composite=comp,
        coverage=coverage,
        excluded=panel.excluded,
        risk_factors_with_data=panel.risk_factors_with_data,
        warnings=config_warnings(panel, config),
    )


def score_columns(
    panel: Panel,
    periods: np.ndarray,
    comp: np.ndarray,
    coverage: np.ndarray,
    rf_scores: np.ndarray,
) -> dict[str, np.ndarray]:
    """The score table (:data:`CSV_COLUMNS`) as numpy arrays, rows in (period, unit) array
    order, ranks as floats (NaN = not ranked): the one definition of that table, shared by
    ``ScoreResult.frame`` and the pandas-free CSV writer of the ``score`` command."""
    n_units, n_periods = comp.shape
    t_idx = np.repeat(np.arange(n_periods), n_units)
    u_idx = np.tile(np.arange(n_units), n_periods)
    c = comp.T.ravel()
    country_codes, country_idx = np.unique(panel.unit_country.astype(str), return_inverse=True)
    data = {
        "unit_id": panel.unit_ids[u_idx],
        "unit_name": panel.unit_names[u_idx],
        "country": panel.unit_country[u_idx],
        "period": periods[t_idx].astype(np.int64),
        "composite": c,
        "risk_class": risk_class(c),
        "coverage": coverage.T.ravel(),
        "rank": grouped_min_rank(c, t_idx),
        "rank_in_country": grouped_min_rank(
            c, t_idx * max(len(country_codes), 1) + country_idx[u_idx]),
    }
    for r, col in enumerate(RF_COLUMNS):
        data[col] = rf_scores[r].T.ravel()
    return data


def _frame(
    panel: Panel,
    periods: np.ndarray,
    comp: np.ndarray,
    coverage: np.ndarray,
    rf_scores: np.ndarray,
) -> pd.DataFrame:
    import pandas as pd

    data: dict[str, object] = dict(score_columns(panel, periods, comp, coverage, rf_scores))
    for col in ("rank", "rank_in_country"):
        rank = data[col]
        data[col] = pd.array(np.where(np.isnan(rank), pd.NA, rank), dtype="Int64")
    frame = pd.DataFrame(data, columns=list(CSV_COLUMNS))
    frame = frame.sort_values(["period", "country", "unit_id"], kind="stable").reset_index(drop=True)
    return frame
