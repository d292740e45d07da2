"""Statistical coherence checks (JRC/OECD Handbook on Constructing Composite Indicators).

Computed on the normalised indicator scores (direction already applied, so every indicator
points towards higher risk) over all scored (unit, period) rows, pairwise complete:

* Pearson and Spearman correlations between the indicators within each risk factor, and
  between the risk factor scores;
* Cronbach's alpha per risk factor with at least 2 scored indicators (rows where all of them
  are present; sample variances);
* indicators that correlate negatively (Pearson or Spearman < 0) with their own risk factor
  score are flagged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .engine import RF_COLUMNS, ScoreResult

MIN_ROWS = 3


@dataclass
class CoherenceReport:
    """Results of :func:`coherence`."""

    #: risk factor -> {"pearson": DataFrame, "spearman": DataFrame} between its indicators
    indicator_correlations: dict[int, dict[str, pd.DataFrame]]
    #: {"pearson": DataFrame, "spearman": DataFrame} between risk factor scores (rf01..)
    risk_factor_correlations: dict[str, pd.DataFrame]
    #: risk_factor, n_indicators, n_rows, alpha
    cronbach: pd.DataFrame
    #: indicator, risk_factor, pearson, spearman, negative (one row per scored indicator)
    indicator_vs_risk_factor: pd.DataFrame

    @property
    def flagged(self) -> pd.DataFrame:
        """Indicators that correlate negatively with their own risk factor."""
        df = self.indicator_vs_risk_factor
        return df[df["negative"]].reset_index(drop=True)


def cronbach_alpha(items: np.ndarray) -> float:
    """Cronbach's alpha of a (rows, k) matrix, complete rows only; NaN if k < 2 or too few rows."""
    x = np.asarray(items, dtype=float)
    x = x[~np.isnan(x).any(axis=1)]
    k = x.shape[1]
    if k < 2 or x.shape[0] < 2:
        return float("nan")
    item_var = x.var(axis=0, ddof=1).sum()
    total_var = x.sum(axis=1).var(ddof=1)
    if total_var == 0:
        return float("nan")
    return float(k / (k - 1) * (1.0 - item_var / total_var))


def _corr(df: pd.DataFrame, method: str) -> pd.DataFrame:
    return df.corr(method=method, min_periods=MIN_ROWS)


def coherence(result: ScoreResult) -> CoherenceReport:
    """Run the coherence checks on a :class:`ScoreResult` (all its scored periods pooled)."""
    p = result.panel
    n_ind = len(p.indicators)
    scores = result.indicator_scores.reshape(n_ind, -1).T  # rows = (unit, period)
    ind_df = pd.DataFrame(scores, columns=list(p.codes))
    rf_df = pd.DataFrame(result.rf_scores.reshape(len(RF_COLUMNS), -1).T, columns=list(RF_COLUMNS))

    by_rf: dict[int, list[str]] = {}
    for d in p.indicators:
        if d.code not in result.excluded:
            by_rf.setdefault(int(d.risk_factor), []).append(d.code)  # type: ignore[arg-type]

    ind_corr: dict[int, dict[str, pd.DataFrame]] = {}
    alpha_rows = []
    vs_rows = []
    for rf, codes in sorted(by_rf.items()):
        sub = ind_df[codes]
        ind_corr[rf] = {"pearson": _corr(sub, "pearson"), "spearman": _corr(sub, "spearman")}
        if len(codes) >= 2:
            complete = sub.dropna()
            alpha_rows.append(
                {
                    "risk_factor": rf,
                    "n_indicators": len(codes),
                    "n_rows": len(complete),
                    "alpha": cronbach_alpha(complete.to_numpy()),
                }
            )
        rf_col = rf_df[RF_COLUMNS[rf - 1]]
        for code in codes:
            pair = pd.DataFrame({"i": ind_df[code], "r": rf_col}).dropna()
            pear = spear = float("nan")
            if len(pair) >= MIN_ROWS:
                # DataFrame.corr computes Spearman without scipy (Series.corr would need it)
                pear = float(pair.corr(method="pearson").iloc[0, 1])
                spear = float(pair.corr(method="spearman").iloc[0, 1])
            vs_rows.append(
                {
                    "indicator": code,
                    "risk_factor": rf,
                    "pearson": pear,
                    "spearman": spear,
                    "negative": bool((pear < 0) or (spear < 0)),
                }
            )
    rf_cols = [RF_COLUMNS[r - 1] for r in result.risk_factors_with_data]
    rf_sub = rf_df[rf_cols]
    return CoherenceReport(
        indicator_correlations=ind_corr,
        risk_factor_correlations={
            "pearson": _corr(rf_sub, "pearson"),
            "spearman": _corr(rf_sub, "spearman"),
        },
        cronbach=pd.DataFrame(alpha_rows, columns=["risk_factor", "n_indicators", "n_rows", "alpha"]),
        indicator_vs_risk_factor=pd.DataFrame(
            vs_rows, columns=["indicator", "risk_factor", "pearson", "spearman", "negative"]
        ),
    )
