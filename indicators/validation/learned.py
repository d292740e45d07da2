"""Weights learned from the case, judged only out of sample (leave-one-out over units).

This answers "would weights fitted to this history rank it better than the theory-driven
default?" without fooling ourselves: for each unit, weights are chosen on the *other* units
(the grid point with the highest AUC), and that unit is scored with them. The AUC of these
left-out scores, with its bootstrap interval, is the only performance figure reported. The
weights fitted on all units are shown for transparency, never with an in-sample AUC.

Components: the scored indicators when there are at most :data:`MAX_COMPONENTS`, else the
risk factors with data when there are at most that many; otherwise no weights are learned (a
grid over more components on ~100 units would mostly fit noise). Weights are non-negative,
sum to 1, on a grid of step :data:`GRID_STEP`; ties prefer the weights closest to equal.
Only units with every component are used (a weighted mean over a varying set of components
would not be comparable).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from . import metrics
from .backtest import BacktestResult

MAX_COMPONENTS = 5
GRID_STEP = 0.1


@dataclass
class Learned:
    """Out-of-sample performance of learned weights next to the default composite."""

    level: str  #: "indicator", "risk_factor" or "" when not offered
    components: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    weights_all_units: dict[str, float] = field(default_factory=dict)
    n: int = 0
    loo_auc: float = float("nan")
    loo_low: float = float("nan")
    loo_high: float = float("nan")
    default_auc: float = float("nan")  #: the composite's AUC on the same units
    default_low: float = float("nan")
    default_high: float = float("nan")
    note: str = ""


def simplex_grid(k: int, step: float = GRID_STEP) -> np.ndarray:
    """(G, k) non-negative weights summing to 1 on a grid of ``step``."""
    m = int(round(1 / step))
    rows = [c for c in itertools.product(range(m + 1), repeat=k - 1) if sum(c) <= m]
    grid = np.array([[*c, m - sum(c)] for c in rows], dtype=float) / m
    return grid


def _loo_choice(scores: np.ndarray, labels: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Index of the best grid point for each left-out unit (AUC on the other units)."""
    s = scores @ grid.T  # (n, G)
    pos, neg = np.flatnonzero(labels), np.flatnonzero(~labels)
    sp, sn = s[pos][:, None, :], s[neg][None, :, :]
    cmp = (sp > sn) + 0.5 * (sp == sn)  # (P, N, G)
    total = cmp.sum(axis=(0, 1))  # (G,)
    contrib = np.zeros_like(s)
    contrib[pos] = cmp.sum(axis=1)
    contrib[neg] = cmp.sum(axis=0)
    n1 = labels.sum() - labels.astype(float)
    n0 = (~labels).sum() - (~labels).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        auc = (total[None, :] - contrib) / (n1 * n0)[:, None]
    equal = np.abs(grid - 1.0 / grid.shape[1]).sum(axis=1)
    # best AUC, ties -> closest to equal weights
    order = np.lexsort((np.broadcast_to(equal, auc.shape), -np.nan_to_num(auc, nan=-1.0)), axis=1)
    return order[:, 0]


def learn(result: BacktestResult) -> Learned:
    """Leave-one-out learned weights for the case of ``result`` (see module doc)."""
    table = result.table
    inds = table.loc[table["kind"] == "indicator", "predictor"].tolist()
    rfs = table.loc[table["kind"] == "risk_factor", "predictor"].tolist()
    if 2 <= len(inds) <= MAX_COMPONENTS:
        level, comps = "indicator", inds
    elif 2 <= len(rfs) <= MAX_COMPONENTS:
        level, comps = "risk_factor", rfs
    else:
        return Learned("", note=(f"not offered: {len(inds)} indicators and {len(rfs)} risk factors "
                                 f"with data; a search over more than {MAX_COMPONENTS} weights on "
                                 f"{len(result.units)} units would mostly fit noise"))
    frame = result.units.merge(result.scores[["unit_id", "composite", *comps]], on="unit_id")
    frame = frame.dropna(subset=["composite", *comps])
    labels = frame["positive"].to_numpy(bool)
    out = Learned(level, tuple(comps), tuple(result.labels[c] for c in comps), n=len(frame))
    if len(frame) < metrics.MIN_UNITS or labels.all() or not labels.any():
        out.note = "insufficient data"
        return out
    x = frame[comps].to_numpy(float)
    grid = simplex_grid(len(comps))
    choice = _loo_choice(x, labels, grid)
    loo_scores = np.einsum("ij,ij->i", x, grid[choice])
    ci = metrics.bootstrap_interval(loo_scores, labels, result.spec.resamples, result.spec.seed)
    out.loo_auc, out.loo_low, out.loo_high = metrics.auc(loo_scores, labels), ci.low, ci.high
    comp = frame["composite"].to_numpy(float)
    ci = metrics.bootstrap_interval(comp, labels, result.spec.resamples, result.spec.seed)
    out.default_auc, out.default_low, out.default_high = metrics.auc(comp, labels), ci.low, ci.high
    full = x @ grid.T
    aucs = np.array([metrics.auc(full[:, g], labels) for g in range(grid.shape[0])])
    equal = np.abs(grid - 1.0 / len(comps)).sum(axis=1)
    best = int(np.lexsort((equal, -aucs))[0])
    out.weights_all_units = {c: float(w) for c, w in zip(comps, grid[best], strict=True)}
    chosen = {tuple(grid[i]) for i in choice}
    out.note = (f"leave-one-out over {len(frame)} units, weight grid step {GRID_STEP:g} "
                f"({grid.shape[0]} candidates); {len(chosen)} different weight sets chosen "
                "across the left-out units")
    return out
