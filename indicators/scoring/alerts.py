"""Early warning lists for one period.

* **Sharp risers**: composite up by at least 1.0 point on the previous scored period, or among
  the top 5 % of increases (the ceil(5 % x n) largest positive changes among the n units with
  a composite in both periods; ties at the cut included). Both composites must exist, i.e.
  coverage is sufficient in both periods.
* **Consistently high**: in the top decile (rank <= ceil(10 % x ranked units)) in each of the
  last 3 scored periods (this one and the two before it).
* **Newly high**: class ``high`` or ``very high`` this period but not in the previous scored
  period (lower class, or no composite then).

Each entry names the risk factors that drove it: the largest contributions. The contribution
of risk factor r is its share of the composite, w_r s_r / sum w (arithmetic aggregation) or
w_r ln(s_r + 0.1) / sum w (geometric aggregation, on the log scale); for a change it is the
difference of contributions between the two periods (an unavailable factor contributes 0).
For arithmetic aggregation the change contributions add up to the composite change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .aggregate import GEOMETRIC_OFFSET, risk_class
from .engine import ScoreResult
from .rank import ceil_share, grouped_min_rank

RISER_POINTS = 1.0
RISER_TOP_SHARE = 0.05
HIGH_TOP_SHARE = 0.10
HIGH_PERIODS = 3
HIGH_CLASSES = ("high", "very high")
N_DRIVERS = 3
ALERT_COLUMNS = (
    "unit_id",
    "unit_name",
    "country",
    "period",
    "composite",
    "previous",
    "change",
    "risk_class",
    "previous_class",
    "rank",
    "drivers",
)


@dataclass
class Alerts:
    """The three early-warning lists of one period (DataFrames with :data:`ALERT_COLUMNS`)."""

    period: int
    previous_period: int | None
    sharp_risers: pd.DataFrame
    consistently_high: pd.DataFrame
    newly_high: pd.DataFrame

    def format(self) -> str:
        """Readable plain-text report."""
        lines = [f"Early warning for {self.period}"
                 + (f" (compared with {self.previous_period})" if self.previous_period else "")]
        sections = (
            ("Sharp risers", self.sharp_risers, True),
            (f"Consistently high (top decile in each of the last {HIGH_PERIODS} periods)",
             self.consistently_high, False),
            ("Newly high (entered class high / very high)", self.newly_high, True),
        )
        for title, df, show_change in sections:
            lines.append("")
            lines.append(f"{title}: {len(df)}")
            for row in df.itertuples(index=False):
                change = ""
                if show_change and pd.notna(row.change):
                    change = f", {row.change:+.2f} since {self.previous_period}"
                lines.append(
                    f"  {row.unit_name} ({row.unit_id}, {row.country}): composite "
                    f"{row.composite:.2f} [{row.risk_class}]{change}; rank {row.rank}; "
                    f"drivers: {row.drivers or 'n/a'}"
                )
        return "\n".join(lines)


def contributions(result: ScoreResult) -> np.ndarray:
    """(14, U, T) contribution of each risk factor to the composite (0 where unavailable)."""
    s = result.rf_scores
    avail = ~np.isnan(s)
    w = result.rf_weights[:, None, None] * avail
    den = w.sum(axis=0)
    if result.config.aggregation == "geometric":
        term = np.log(np.where(avail, s, 0.0) + GEOMETRIC_OFFSET)
    else:
        term = np.where(avail, s, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(den > 0, w * term / den, 0.0)
    return np.where(avail, out, 0.0)


def _drivers(contrib: np.ndarray, is_change: bool) -> str:
    """Top contributions as text: positive changes, or the largest shares of the level."""
    order = np.argsort(-contrib, kind="stable")
    parts = []
    for r in order[:N_DRIVERS]:
        if is_change and contrib[r] <= 0:
            break
        if not is_change and contrib[r] == 0:
            break
        sign = "+" if is_change else ""
        parts.append(f"RF{r + 1} ({sign}{contrib[r]:.2f})")
    return ", ".join(parts)


def compute_alerts(result: ScoreResult, period: int | None = None) -> Alerts:
    """The three lists for ``period`` (default: the latest scored period)."""
    periods = [int(p) for p in result.periods]
    if not periods:
        raise ValueError("no scored periods")
    period = periods[-1] if period is None else int(period)
    if period not in periods:
        raise ValueError(
            f"period {period} was not scored; available: {', '.join(map(str, periods))}."
        )
    return _alerts(result, periods.index(period), contributions(result), _ranks(result))


def alerts_all_periods(result: ScoreResult) -> list[Alerts]:
    """:func:`compute_alerts` for every scored period (the shared arrays computed once)."""
    contrib, ranks = contributions(result), _ranks(result)
    return [_alerts(result, t, contrib, ranks) for t in range(len(result.periods))]


def _ranks(result: ScoreResult) -> np.ndarray:
    """(U, T) rank of each unit's composite within its period."""
    n_units, n_periods = result.composite.shape
    return grouped_min_rank(
        result.composite.T.ravel(), np.repeat(np.arange(n_periods), n_units)
    ).reshape(n_periods, n_units).T


def _alerts(result: ScoreResult, t: int, contrib: np.ndarray, ranks: np.ndarray) -> Alerts:
    """The three lists for the period at position ``t`` of ``result.periods``."""
    periods = [int(p) for p in result.periods]
    period = periods[t]
    prev = t - 1 if t > 0 else None
    p = result.panel
    comp = result.composite
    n_units = comp.shape[0]

    now = comp[:, t]
    before = comp[:, prev] if prev is not None else np.full(n_units, np.nan)
    change = now - before

    def _rows(idx: np.ndarray, use_change: bool) -> pd.DataFrame:
        """One row per listed unit (the lists are short: a loop here is fine)."""
        records = []
        cls_now, cls_before = risk_class(now[idx]), risk_class(before[idx])  # one call each
        for k, u in enumerate(idx):
            as_change = use_change and prev is not None and not np.isnan(before[u])
            c = contrib[:, u, t] - contrib[:, u, prev] if as_change else contrib[:, u, t]
            records.append(
                {
                    "unit_id": p.unit_ids[u],
                    "unit_name": p.unit_names[u],
                    "country": p.unit_country[u],
                    "period": period,
                    "composite": now[u],
                    "previous": before[u],
                    "change": change[u],
                    "risk_class": cls_now[k],
                    "previous_class": cls_before[k] if prev is not None else "",
                    "rank": int(ranks[u, t]) if not np.isnan(ranks[u, t]) else None,
                    "drivers": _drivers(c, as_change),
                }
            )
        return pd.DataFrame(records, columns=list(ALERT_COLUMNS))

    # sharp risers
    risers = np.zeros(n_units, dtype=bool)
    if prev is not None:
        both = ~np.isnan(change)
        n = int(both.sum())
        if n:
            risers |= both & (change >= RISER_POINTS - 1e-9)
            k = ceil_share(n, RISER_TOP_SHARE)
            ordered = np.sort(change[both])[::-1]
            cut = ordered[min(k, ordered.size) - 1]
            risers |= both & (change > 0) & (change >= cut)
    riser_idx = np.nonzero(risers)[0]
    riser_idx = riser_idx[np.lexsort((p.unit_ids[riser_idx].astype(str), -change[riser_idx]))]

    # consistently high
    high = np.zeros(n_units, dtype=bool)
    if t + 1 >= HIGH_PERIODS:
        high[:] = True
        for tt in range(t - HIGH_PERIODS + 1, t + 1):
            n_ranked = int((~np.isnan(ranks[:, tt])).sum())
            cutoff = ceil_share(n_ranked, HIGH_TOP_SHARE)
            high &= ~np.isnan(ranks[:, tt]) & (np.nan_to_num(ranks[:, tt], nan=np.inf) <= cutoff)
    high_idx = np.nonzero(high)[0]
    high_idx = high_idx[np.lexsort((p.unit_ids[high_idx].astype(str), -now[high_idx]))]

    # newly high
    newly = np.zeros(n_units, dtype=bool)
    if prev is not None:
        cls_now = risk_class(now)
        cls_before = risk_class(before)
        newly = np.isin(cls_now, HIGH_CLASSES) & ~np.isin(cls_before, HIGH_CLASSES)
    newly_idx = np.nonzero(newly)[0]
    newly_idx = newly_idx[np.lexsort((p.unit_ids[newly_idx].astype(str), -now[newly_idx]))]

    return Alerts(
        period=period,
        previous_period=periods[prev] if prev is not None else None,
        sharp_risers=_rows(riser_idx, True),
        consistently_high=_rows(high_idx, False),
        newly_high=_rows(newly_idx, True),
    )
