"""Validation against history: backtests of the scores (no streamlit).

* :mod:`.metrics` — ROC AUC (top quartile), Spearman, precision at k, bootstrap interval
* :mod:`.outcome` — the outcome indicator over a window
* :mod:`.backtest` — predictors at period t vs the outcome
* :mod:`.cases` — the historical cases the dashboard offers (BiH 1991, the demo)
* :mod:`.report` — tables, JSON and text of a backtest (CLI ``validate``)
"""

from .backtest import BacktestResult, BacktestSpec, backtest, backtest_panel
from .metrics import auc, bootstrap_interval, precision_at_k, spearman, top_quartile_labels
from .outcome import BacktestError, Outcome, load_outcome, parse_window

__all__ = [
    "BacktestError",
    "BacktestResult",
    "BacktestSpec",
    "Outcome",
    "auc",
    "backtest",
    "backtest_panel",
    "bootstrap_interval",
    "load_outcome",
    "parse_window",
    "precision_at_k",
    "spearman",
    "top_quartile_labels",
]
