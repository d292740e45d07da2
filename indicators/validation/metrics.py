"""Metrics of a backtest: does a score rank the units where the outcome was worst first?

All functions take a 1-D array of scores (higher = more risk) and work on units with a
finite score; the caller drops missing values and reports them.

* :func:`top_quartile_labels`: positive = outcome >= its 75th percentile, linear
  interpolation (``numpy.percentile``'s default).
* :func:`auc`: rank-based ROC AUC (Mann–Whitney): the probability that a random positive
  unit scores higher than a random negative one, ties counting ½. Never flipped: an AUC
  below 0.5 means the score ranks the outcome the wrong way round, and it is shown as such.
* :func:`spearman`: Spearman rank correlation with the continuous outcome (average ranks).
* :func:`precision_at_k`: share of positives among the k highest scores, k = number of
  positives; a tie straddling the cut counts its positives pro rata (the expected value
  under a random tie-break).
* :func:`bootstrap_auc`: 1,000 resamples of units (with replacement, fixed seed), labels
  kept from the full sample, the AUC of each resample at once (vectorised over resamples);
  the 90 % interval is the 5th-95th percentile of the resampled AUCs.

Fewer than :data:`MIN_UNITS` units, or no positive or no negative unit, gives NaN
("insufficient data"), never a number.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Fewer units than this: no metric ("insufficient data").
MIN_UNITS = 4
QUANTILE = 75.0
DEFAULT_RESAMPLES = 1000
DEFAULT_SEED = 20251
INTERVAL = (5.0, 95.0)  #: percentiles of the bootstrap distribution (90 % interval)


def rankdata(values: np.ndarray) -> np.ndarray:
    """Average ranks (1 = smallest; tied values share the mean of their ranks)."""
    v = np.asarray(values, dtype=float)
    order = np.argsort(v, kind="stable")
    sv = v[order]
    starts = np.flatnonzero(np.r_[True, sv[1:] != sv[:-1]]) if sv.size else np.zeros(0, int)
    ends = np.r_[starts[1:], sv.size]
    avg = (starts + 1 + ends) / 2.0  # mean of ranks start+1 .. end
    out = np.empty(v.size)
    out[order] = np.repeat(avg, ends - starts)
    return out


def top_quartile_labels(outcome: np.ndarray) -> np.ndarray:
    """True where ``outcome`` >= its 75th percentile (linear interpolation)."""
    y = np.asarray(outcome, dtype=float)
    if y.size == 0:
        return np.zeros(0, dtype=bool)
    return y >= np.percentile(y, QUANTILE)


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Rank-based ROC AUC with ties ½; NaN with < 4 units or without both classes."""
    s = np.asarray(scores, dtype=float)
    lab = np.asarray(labels, dtype=bool)
    n_pos = int(lab.sum())
    n_neg = int(lab.size - n_pos)
    if lab.size < MIN_UNITS or n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(s)
    return float((ranks[lab].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def spearman(scores: np.ndarray, outcome: np.ndarray) -> float:
    """Spearman's rho (Pearson correlation of average ranks); NaN if either is constant."""
    s = np.asarray(scores, dtype=float)
    y = np.asarray(outcome, dtype=float)
    if s.size < MIN_UNITS:
        return float("nan")
    rs = rankdata(s) - (s.size + 1) / 2.0
    ry = rankdata(y) - (y.size + 1) / 2.0
    den = float(np.sqrt((rs * rs).sum() * (ry * ry).sum()))
    return float((rs * ry).sum() / den) if den > 0 else float("nan")


def precision_at_k(scores: np.ndarray, labels: np.ndarray) -> float:
    """Share of positives among the top-k scores, k = number of positives (ties pro rata)."""
    s = np.asarray(scores, dtype=float)
    lab = np.asarray(labels, dtype=bool)
    k = int(lab.sum())
    if s.size < MIN_UNITS or k == 0 or k == s.size:
        return float("nan")
    cut = np.sort(s)[::-1][k - 1]  # the k-th highest score
    above = s > cut
    tied = s == cut
    slots = k - int(above.sum())
    hits = lab[above].sum() + slots * lab[tied].sum() / tied.sum()
    return float(hits / k)


def bootstrap_auc_draws(
    scores: np.ndarray,
    labels: np.ndarray,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> np.ndarray:
    """AUC of ``n_resamples`` resamples of units (labels fixed); NaN where a class is absent.

    Vectorised: units are sorted by score once and grouped into tie blocks; each resample is a
    row of unit multiplicities, and its AUC is Σ_blocks pos_b · (neg below b + ½ neg_b),
    divided by (Σ pos)(Σ neg).
    """
    s = np.asarray(scores, dtype=float)
    lab = np.asarray(labels, dtype=bool)
    n = s.size
    if n < MIN_UNITS or lab.all() or not lab.any():
        return np.full(n_resamples, np.nan)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(n_resamples, n))
    counts = np.zeros((n_resamples, n), dtype=np.float64)
    np.add.at(counts, (np.repeat(np.arange(n_resamples), n), idx.ravel()), 1.0)
    order = np.argsort(s, kind="stable")
    ss, ll = s[order], lab[order]
    c = counts[:, order]
    starts = np.flatnonzero(np.r_[True, ss[1:] != ss[:-1]])
    pos = np.add.reduceat(c * ll, starts, axis=1)
    neg = np.add.reduceat(c * ~ll, starts, axis=1)
    neg_below = np.cumsum(neg, axis=1) - neg
    num = (pos * (neg_below + 0.5 * neg)).sum(axis=1)
    den = pos.sum(axis=1) * neg.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


@dataclass(frozen=True)
class Interval:
    """A bootstrap interval and how many resamples it rests on."""

    low: float
    high: float
    resamples: int  #: resamples with both classes present (the others are dropped)


def bootstrap_interval(
    scores: np.ndarray,
    labels: np.ndarray,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> Interval:
    """90 % percentile interval of the resampled AUCs (NaN when there is no valid resample)."""
    draws = bootstrap_auc_draws(scores, labels, n_resamples, seed)
    ok = draws[np.isfinite(draws)]
    if ok.size == 0:
        return Interval(float("nan"), float("nan"), 0)
    lo, hi = np.percentile(ok, INTERVAL)
    return Interval(float(lo), float(hi), int(ok.size))


def roc_points(scores: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(false-positive rate, true-positive rate) of the ROC curve, one point per distinct score.

    Tied scores form one step (a diagonal segment), so the trapezoid area equals :func:`auc`.
    """
    s = np.asarray(scores, dtype=float)
    lab = np.asarray(labels, dtype=bool)
    n_pos, n_neg = int(lab.sum()), int((~lab).sum())
    if n_pos == 0 or n_neg == 0:
        return np.array([0.0, 1.0]), np.array([0.0, 1.0])
    order = np.argsort(-s, kind="stable")
    ss, ll = s[order], lab[order]
    ends = np.r_[np.flatnonzero(ss[1:] != ss[:-1]), ss.size - 1]
    tp = np.cumsum(ll)[ends]
    fp = np.cumsum(~ll)[ends]
    return np.r_[0.0, fp / n_neg], np.r_[0.0, tp / n_pos]
