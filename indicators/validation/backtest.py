"""The backtest: would the scores at period *t* have ranked first the units where the outcome
was worst in *t+1 … t+k*?

Predictors (all at period *t*, under a scoring config: method v1 by default, or the user's
weights): the composite, every risk factor with data, and every scored indicator (its
normalised 0-10 score, catalog direction applied; carried-forward values as the method
uses them). Each is compared with the outcome (:mod:`.outcome`) on the units that have both;
a unit without one is left out with the reason.

Labels (positive = outcome in its top quartile) are fixed once, on every unit with an
outcome, so all predictors are judged against the same set of places. Metrics: see
:mod:`.metrics`. Nothing here learns weights from the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from indicators.framework import RISK_FACTORS
from indicators.i18n import t
from indicators.i18n.names import indicator_title, rf_title
from indicators.scoring.config import ScoringConfig
from indicators.scoring.engine import score
from indicators.scoring.panel import Panel, load_panel

from . import metrics
from .outcome import BacktestError, Outcome, load_outcome

COMPOSITE = "composite"
TABLE_COLUMNS: tuple[str, ...] = (
    "predictor", "kind", "label", "n", "positives", "auc", "auc_low", "auc_high",
    "resamples", "spearman", "precision_at_k", "k", "left_out",
)


@dataclass(frozen=True)
class BacktestSpec:
    """What to test: period scored, outcome code, window, aggregate, scoring config, bootstrap."""

    period: int
    outcome: str
    window: tuple[int, int]
    how: str = "sum"
    config: ScoringConfig = field(default_factory=ScoringConfig)
    resamples: int = metrics.DEFAULT_RESAMPLES
    seed: int = metrics.DEFAULT_SEED

    def describe(self) -> str:
        """One line for logs and export footers."""
        a, b = self.window
        return (f"scores at {self.period} vs {self.outcome} ({self.how} over {a}–{b}); "
                f"{self.config.describe()}; bootstrap {self.resamples} resamples, seed {self.seed}")


@dataclass
class BacktestResult:
    """Everything a backtest produced."""

    spec: BacktestSpec
    outcome: Outcome
    threshold: float  #: 75th percentile of the outcome (positive = at or above it)
    units: pd.DataFrame  #: unit_id, unit_name, country, outcome, positive (units with an outcome)
    scores: pd.DataFrame  #: unit_id x predictor (NaN = no value), all units of the warehouse
    table: pd.DataFrame  #: one row per predictor, :data:`TABLE_COLUMNS`
    left_out: pd.DataFrame  #: predictor, unit_id, unit_name, reason
    labels: dict[str, str]  #: predictor -> label
    warnings: list[str] = field(default_factory=list)

    def row(self, predictor: str) -> dict[str, Any]:
        """The metrics of one predictor as a dict."""
        hit = self.table[self.table["predictor"] == predictor]
        if not len(hit):
            raise KeyError(predictor)
        return hit.iloc[0].to_dict()

    def pairs(self, predictor: str) -> pd.DataFrame:
        """Units with both a score and an outcome: unit_id, unit_name, score, outcome, positive."""
        scores = self.scores.set_index("unit_id")[predictor]
        frame = self.units.assign(score=self.units["unit_id"].map(scores))
        return frame.dropna(subset=["score"])[["unit_id", "unit_name", "country", "score",
                                               "outcome", "positive"]].reset_index(drop=True)

    def curve(self, predictor: str) -> tuple[np.ndarray, np.ndarray]:
        """(scores, positive labels) of the units with both, for a ROC curve."""
        frame = self.pairs(predictor)
        return frame["score"].to_numpy(float), frame["positive"].to_numpy(bool)

    def strongest(self, n: int = 3, kind: str = "indicator") -> list[str]:
        """The ``n`` predictors of ``kind`` with the highest AUC (NaN last)."""
        part = self.table[self.table["kind"] == kind].sort_values("auc", ascending=False,
                                                                  na_position="last")
        return part["predictor"].head(n).tolist()


def predictors(panel: Panel, config: ScoringConfig, period: int) -> tuple[
        pd.DataFrame, dict[str, str], dict[str, str], dict[str, str]]:
    """Scores at ``period``: (unit x predictor frame, labels, kinds, reason a value is missing)."""
    res = score(panel, config, periods=[period])
    data: dict[str, np.ndarray] = {COMPOSITE: res.composite[:, 0]}
    labels = {COMPOSITE: f"{t('measure.composite')} ({config.describe().split(':')[0]})"}
    kinds = {COMPOSITE: "composite"}
    why = {COMPOSITE: (f"insufficient data at {period} (coverage below "
                       f"{config.min_coverage:g} of the risk factors with data)")}
    for rf in res.risk_factors_with_data:
        key = f"rf{rf:02d}"
        data[key] = res.rf_scores[rf - 1, :, 0]
        labels[key] = t("measure.rf", n=rf, title=rf_title(rf, RISK_FACTORS[rf].title))
        kinds[key] = "risk_factor"
        why[key] = f"no indicator of RF{rf} has a value at {period}"
    for i, ind in enumerate(panel.indicators):
        if ind.code in res.excluded:
            continue
        data[ind.code] = res.indicator_scores[i, :, 0]
        labels[ind.code] = indicator_title(ind.code, ind.title)
        kinds[ind.code] = "indicator"
        why[ind.code] = f"no value at {period} (or older than {ind.max_age} years)"
    frame = pd.DataFrame(data, index=pd.Index(panel.unit_ids, name="unit_id"))
    return frame, labels, kinds, why


def evaluate(scores: np.ndarray, outcome: np.ndarray, labels: np.ndarray, resamples: int,
             seed: int) -> dict[str, float]:
    """Every metric of one predictor on units that have both values (arrays aligned)."""
    ci = metrics.bootstrap_interval(scores, labels, resamples, seed)
    return {
        "n": int(scores.size),
        "positives": int(labels.sum()),
        "auc": metrics.auc(scores, labels),
        "auc_low": ci.low,
        "auc_high": ci.high,
        "resamples": ci.resamples,
        "spearman": metrics.spearman(scores, outcome),
        "precision_at_k": metrics.precision_at_k(scores, labels),
        "k": int(labels.sum()),
    }


def backtest_panel(panel: Panel, outcome: Outcome, spec: BacktestSpec) -> BacktestResult:
    """Run the backtest on a loaded panel and outcome (no database access)."""
    if spec.window[0] <= spec.period:
        raise BacktestError(
            f"the outcome window {spec.window[0]}–{spec.window[1]} must start after the period "
            f"scored ({spec.period}): t+1 … t+k, so that no outcome year informs the score.")
    if spec.period not in set(int(p) for p in panel.periods):
        have = ", ".join(str(int(p)) for p in panel.periods)
        raise BacktestError(f"--period {spec.period}: no observations in that year; "
                            f"available: {have}.")
    frame, labels, kinds, why = predictors(panel, spec.config, spec.period)
    names = pd.Series(panel.unit_names, index=panel.unit_ids)
    countries = pd.Series(panel.unit_country, index=panel.unit_ids)
    y = outcome.values.reindex(frame.index)
    has_y = y.notna().to_numpy()
    warnings: list[str] = []
    if has_y.sum() < metrics.MIN_UNITS:
        warnings.append(f"only {int(has_y.sum())} units have an outcome: insufficient data")
    y_all = y.to_numpy(dtype=float)
    threshold = float(np.percentile(y_all[has_y], metrics.QUANTILE)) if has_y.any() else np.nan
    positive = np.where(has_y, y_all >= threshold, False)
    rows, gone = [], []
    for key in frame.columns:
        s = frame[key].to_numpy(dtype=float)
        ok = has_y & np.isfinite(s)
        m = evaluate(s[ok], y_all[ok], positive[ok], spec.resamples, spec.seed)
        for u in frame.index[~ok]:
            reason = outcome.left_out.get(u) if u not in outcome.values.index else why[key]
            gone.append((key, u, names[u], reason or "no outcome"))
        rows.append({"predictor": key, "kind": kinds[key], "label": labels[key], **m,
                     "left_out": int((~ok).sum())})
    table = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    units = pd.DataFrame({"unit_id": frame.index[has_y], "unit_name": names[frame.index[has_y]].values,
                          "country": countries[frame.index[has_y]].values,
                          "outcome": y_all[has_y], "positive": positive[has_y]})
    return BacktestResult(
        spec=spec, outcome=outcome, threshold=threshold, units=units,
        scores=frame.reset_index(), table=table,
        left_out=pd.DataFrame(gone, columns=["predictor", "unit_id", "unit_name", "reason"]),
        labels=labels, warnings=warnings)


def backtest(con: Any, spec: BacktestSpec, panel: Panel | None = None) -> BacktestResult:
    """Load panel (unless given) and outcome from the warehouse ``con`` and run the backtest."""
    outcome = load_outcome(con, spec.outcome, spec.window, spec.how)
    return backtest_panel(panel if panel is not None else load_panel(con), outcome, spec)
