"""A worked example of method v1 for one unit and period, for the Methodology page."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from indicators.scoring.engine import ScoreResult


@dataclass
class WorkedExample:
    """Each step of method v1 for one unit and period, as tables and numbers."""

    unit_id: str
    unit_name: str
    period: int
    indicators: pd.DataFrame  # risk_factor, indicator, value, source_period, transformed, score, weight
    risk_factors: pd.DataFrame  # risk_factor, score, weight, formula
    composite: float
    coverage: float
    formula: str


def worked_example(result: ScoreResult, unit_id: str, period: int) -> WorkedExample:
    """Recompute the composite of ``unit_id`` in ``period`` step by step (arithmetic mean view)."""
    ind = result.indicator_frame(unit_id, period)
    weights = dict(zip(result.panel.codes, result.indicator_weights, strict=True))
    ind = ind[~ind["excluded"]].copy()
    ind["weight"] = [weights[c] for c in ind["indicator"]]
    ind = ind.sort_values(["risk_factor", "indicator"])[
        ["risk_factor", "indicator", "value", "source_period", "carried_forward", "transformed",
         "score", "weight"]
    ]
    row = result.frame[(result.frame["unit_id"] == unit_id) & (result.frame["period"] == period)].iloc[0]
    rf_rows = []
    for rf, grp in ind.groupby("risk_factor"):
        terms = " + ".join(f"{w:g}×{s:.2f}" for w, s in zip(grp["weight"], grp["score"], strict=True))
        rf_rows.append({
            "risk_factor": int(rf),
            "score": float(row[f"rf{int(rf):02d}"]),
            "weight": float(result.rf_weights[int(rf) - 1]),
            "formula": f"({terms}) / {grp['weight'].sum():g}",
        })
    rfs = pd.DataFrame(rf_rows, columns=["risk_factor", "score", "weight", "formula"])
    composite = float(row["composite"]) if pd.notna(row["composite"]) else float("nan")
    if len(rfs):
        formula = (" + ".join(f"{w:g}×{s:.2f}" for w, s in zip(rfs["weight"], rfs["score"], strict=True))
                   + f" ) / {rfs['weight'].sum():g}")
        formula = "( " + formula
    else:
        formula = ""
    return WorkedExample(
        unit_id=unit_id, unit_name=str(row["unit_name"]), period=int(period), indicators=ind,
        risk_factors=rfs, composite=composite, coverage=float(row["coverage"]),
        formula=formula if not np.isnan(composite) else "",
    )
