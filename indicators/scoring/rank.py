"""Step 7 of method v1: ranks (1 = highest composite; ties share the lowest rank: 1, 2, 2, 4).

Units without a composite (NaN) get no rank. Both functions are vectorised: one sort, no
Python loop over units or groups.
"""

from __future__ import annotations

import math

import numpy as np


def grouped_min_rank(values: np.ndarray, groups: np.ndarray | None = None) -> np.ndarray:
    """Descending "min" rank of ``values`` within each group (1-D); NaN stays NaN.

    ``groups`` is any 1-D array of group keys (e.g. period, or period x country codes).
    """
    v = np.asarray(values, dtype=float)
    out = np.full(v.shape, np.nan)
    ok = np.nonzero(~np.isnan(v))[0]
    if ok.size == 0:
        return out
    g = np.zeros(v.size, dtype=np.int64) if groups is None else np.asarray(groups)
    if g.dtype.kind not in "iub":
        g = np.unique(g, return_inverse=True)[1]
    gv, vv = g[ok], v[ok]
    order = np.lexsort((-vv, gv))
    sg, sv = gv[order], vv[order]
    n = order.size
    pos = np.arange(n)
    new_group = np.ones(n, dtype=bool)
    new_group[1:] = sg[1:] != sg[:-1]
    new_block = new_group.copy()
    new_block[1:] |= sv[1:] != sv[:-1]
    group_start = np.maximum.accumulate(np.where(new_group, pos, 0))
    block_start = np.maximum.accumulate(np.where(new_block, pos, 0))
    out[ok[order]] = block_start - group_start + 1
    return out


def row_min_rank(values: np.ndarray) -> np.ndarray:
    """Descending "min" rank within each row of a 2-D array (e.g. draws x units); NaN stays NaN."""
    v = np.asarray(values, dtype=float)
    rows, cols = v.shape
    key = np.where(np.isnan(v), np.inf, -v)
    order = np.argsort(key, axis=1, kind="stable")
    sk = np.take_along_axis(key, order, axis=1)
    new_block = np.ones((rows, cols), dtype=bool)
    new_block[:, 1:] = sk[:, 1:] != sk[:, :-1]
    pos = np.broadcast_to(np.arange(cols), (rows, cols))
    block_start = np.maximum.accumulate(np.where(new_block, pos, 0), axis=1)
    ranks_sorted = (block_start + 1).astype(float)
    ranks_sorted[np.isinf(sk)] = np.nan
    out = np.empty_like(ranks_sorted)
    np.put_along_axis(out, order, ranks_sorted, axis=1)
    return out


def top_share_cutoff(n_ranked: np.ndarray | int, share: float = 0.10) -> np.ndarray:
    """Largest rank inside the top ``share`` of ``n_ranked`` units: ceil(share x n), at least 1."""
    n = np.asarray(n_ranked)
    return np.where(n > 0, np.maximum(1, np.ceil(share * n - 1e-9)), 0).astype(np.int64)


def ceil_share(n: int, share: float) -> int:
    """ceil(share x n) with a guard against floating-point noise (0.1 x 30 = 3.0000000000000004)."""
    return max(1, math.ceil(share * n - 1e-9)) if n > 0 else 0
