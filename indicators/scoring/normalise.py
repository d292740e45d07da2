"""Step 3 of method v1: pooled normalisation onto 0-10.

Every indicator is normalised against its *pooled panel*: every transformed observation in the
warehouse once (all units, all periods; carried-forward copies are not added; a country-level
observation counts once, not once per unit). The statistics are computed once per indicator
(:class:`PooledStats`) from the sorted values, so they do not depend on the order of units.

* ``minmax``: (x - min) / (max - min) * 10
* ``zscore``: z = (x - mean) / std (population std), clipped to [-3, 3], mapped (z + 3) / 6 * 10
* ``rank``: average rank r of x among the n pooled values (smallest r = 1), (r - 1) / (n - 1) * 10

A mitigating indicator (direction -1) scores 10 - score. An indicator whose pooled values are
all equal (max = min) or absent is excluded, whatever the method.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import NORMALISATIONS


@dataclass(frozen=True)
class PooledStats:
    """Pooled statistics of one indicator's transformed observations."""

    n: int
    min: float
    max: float
    mean: float
    std: float
    sorted_values: np.ndarray
    #: mean and std of (x - min) / (max - min): the z-score is computed on this scale, which
    #: is mathematically identical and cannot underflow for tiny or huge values
    scaled_mean: float = float("nan")
    scaled_std: float = float("nan")

    @property
    def excluded_reason(self) -> str | None:
        """Why the indicator cannot be normalised, or ``None`` when it can."""
        if self.n == 0:
            return "no usable observations"
        if self.max == self.min:
            return f"constant: every transformed observation equals {self.min:g} (max = min)"
        return None


def pooled_stats(values: np.ndarray) -> PooledStats:
    """Statistics of the finite entries of ``values`` (any shape)."""
    flat = np.asarray(values, dtype=float).ravel()
    data = np.sort(flat[np.isfinite(flat)])
    n = int(data.size)
    if n == 0:
        return PooledStats(0, np.nan, np.nan, np.nan, np.nan, data)
    mean = float(data.sum() / n)
    std = float(np.sqrt(np.sum((data - mean) ** 2) / n))
    lo, hi = float(data[0]), float(data[-1])
    scaled_mean = scaled_std = float("nan")
    if hi > lo:
        y = (data - lo) / (hi - lo)
        scaled_mean = float(y.sum() / n)
        scaled_std = float(np.sqrt(np.sum((y - scaled_mean) ** 2) / n))
    return PooledStats(n, lo, hi, mean, std, data, scaled_mean, scaled_std)


def normalise(values: np.ndarray, stats: PooledStats, direction: int, method: str) -> np.ndarray:
    """Normalise ``values`` (NaN = missing) with the pooled ``stats`` onto 0-10.

    ``values`` must be members of the pooled panel (or carried-forward copies of members) for
    the ``rank`` method. Returns all-NaN for an excluded indicator.
    """
    if method not in NORMALISATIONS:
        raise ValueError(f"unknown normalisation {method!r}; use one of {', '.join(NORMALISATIONS)}")
    x = np.asarray(values, dtype=float)
    if stats.excluded_reason is not None:
        return np.full(x.shape, np.nan)
    if method == "minmax":
        score = (x - stats.min) / (stats.max - stats.min) * 10.0
    elif method == "zscore":
        y = (x - stats.min) / (stats.max - stats.min)
        z = np.clip((y - stats.scaled_mean) / stats.scaled_std, -3.0, 3.0)
        score = (z + 3.0) / 6.0 * 10.0
    else:
        score = np.full(x.shape, np.nan)
        ok = np.isfinite(x)
        v = x[ok]
        lo = np.searchsorted(stats.sorted_values, v, side="left")
        hi = np.searchsorted(stats.sorted_values, v, side="right")
        avg_rank = (lo + 1 + hi) / 2.0  # mean of ranks lo+1 .. hi
        score[ok] = (avg_rank - 1.0) / (stats.n - 1) * 10.0
    score = np.clip(score, 0.0, 10.0)
    if direction == -1:
        score = 10.0 - score
    return score
