"""Steps 4-6 of method v1: risk factor scores, composite, coverage and risk class.

* Risk factor score: weighted mean (indicator weights) of the available normalised indicators
  of that risk factor (always arithmetic).
* Composite: weighted mean (risk factor weights) of the available risk factor scores:
  ``arithmetic`` sum(w s) / sum(w) or ``geometric`` exp(sum(w ln(s + 0.1)) / sum(w)) - 0.1.
  It is reported only when ``coverage`` (available risk factors / risk factors with any
  observation in the warehouse) is at least ``min_coverage``.
* Risk class: very low [0,2), low [2,4), medium [4,6), high [6,8), very high [8,10].

A score is "available" when it is not NaN and the weights of what it averages sum to more
than zero. All functions are vectorised over units and periods.
"""

from __future__ import annotations

import numpy as np

from .config import AGGREGATIONS

N_RISK_FACTORS = 14
RISK_CLASSES: tuple[str, ...] = ("very low", "low", "medium", "high", "very high")
CLASS_BOUNDS: tuple[float, ...] = (2.0, 4.0, 6.0, 8.0)
GEOMETRIC_OFFSET = 0.1


def _weighted_mean(
    scores: np.ndarray, weights: np.ndarray, geometric: bool = False
) -> np.ndarray:
    """Weighted mean over axis 0 of the non-NaN entries; NaN where their weights sum to 0.

    ``weights`` has shape (K,) or (K, ...) broadcastable against ``scores[k]``. The loop runs
    over the small axis K only (indicators or risk factors) and accumulates in a fixed order,
    so every unit's result is computed identically whatever the order of units.
    """
    shape = np.broadcast_shapes(scores.shape[1:], np.shape(weights)[1:])
    num = np.zeros(shape)
    den = np.zeros(shape)
    for k in range(scores.shape[0]):
        s = scores[k]
        avail = ~np.isnan(s)
        w = np.where(avail, weights[k], 0.0)
        if geometric:
            term = np.log(np.where(avail, s, 0.0) + GEOMETRIC_OFFSET)
        else:
            term = np.where(avail, s, 0.0)
        num += w * term
        den += w
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = num / den
    if geometric:
        mean = np.exp(mean) - GEOMETRIC_OFFSET
    return np.where(den > 0, np.clip(mean, 0.0, 10.0), np.nan)


def risk_factor_scores(
    indicator_scores: np.ndarray, indicator_rf: np.ndarray, indicator_weights: np.ndarray
) -> np.ndarray:
    """(I, ...) normalised scores -> (14, ...) risk factor scores (index 0 = RF1), NaN = missing."""
    s = np.asarray(indicator_scores, dtype=float)
    w = np.asarray(indicator_weights, dtype=float)
    rf = np.asarray(indicator_rf, dtype=int)
    out = np.full((N_RISK_FACTORS, *s.shape[1:]), np.nan)
    for r in range(1, N_RISK_FACTORS + 1):
        members = np.nonzero(rf == r)[0]
        if members.size:
            out[r - 1] = _weighted_mean(s[members], w[members])
    return out


def composite_scores(
    rf_scores: np.ndarray,
    rf_weights: np.ndarray,
    aggregation: str = "arithmetic",
) -> np.ndarray:
    """(14, ...) risk factor scores -> (...) composite before the coverage rule, NaN = none."""
    if aggregation not in AGGREGATIONS:
        raise ValueError(f"unknown aggregation {aggregation!r}; use one of {', '.join(AGGREGATIONS)}")
    s = np.asarray(rf_scores, dtype=float)
    return _weighted_mean(s, np.asarray(rf_weights, dtype=float), aggregation == "geometric")


def coverage_share(rf_scores: np.ndarray, risk_factors_with_data: tuple[int, ...] | list[int]) -> np.ndarray:
    """(14, ...) -> (...) share of the risk factors with data that are available (0 if none)."""
    s = np.asarray(rf_scores, dtype=float)
    idx = np.array(sorted(risk_factors_with_data), dtype=int) - 1
    if idx.size == 0:
        return np.zeros(s.shape[1:])
    return (~np.isnan(s[idx])).sum(axis=0) / idx.size


def apply_coverage(composite: np.ndarray, coverage: np.ndarray, min_coverage: float) -> np.ndarray:
    """Suppress the composite where coverage < ``min_coverage`` (or there is no data at all)."""
    ok = (coverage >= min_coverage) & (coverage > 0)
    return np.where(ok, composite, np.nan)


def risk_class(composite: np.ndarray) -> np.ndarray:
    """Class label per composite; empty string where the composite is missing."""
    c = np.asarray(composite, dtype=float)
    labels = np.array(RISK_CLASSES, dtype=object)
    idx = np.searchsorted(np.array(CLASS_BOUNDS), np.nan_to_num(c, nan=0.0), side="right")
    out = labels[np.clip(idx, 0, len(RISK_CLASSES) - 1)]
    return np.where(np.isnan(c), "", out).astype(object)


def composite_draws(
    rf_scores: np.ndarray, weights: np.ndarray, aggregation: str
) -> np.ndarray:
    """Composite for many weight vectors at once: (14, U) scores, (D, 14) weights -> (D, U)."""
    s = np.asarray(rf_scores, dtype=float)[:, None, :]  # (14, 1, U)
    w = np.asarray(weights, dtype=float).T[:, :, None]  # (14, D, 1)
    return _weighted_mean(s, w, aggregation == "geometric")
