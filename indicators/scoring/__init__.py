"""Scoring engine (method v1): pure Python/numpy, no streamlit.

Typical use::

    from indicators.warehouse import connect
    from indicators.scoring import load_panel, score, ScoringConfig

    panel = load_panel(connect(db, read_only=True))
    result = score(panel, ScoringConfig())     # result.frame has the CSV columns

See :mod:`indicators.scoring.engine` for the method in plain language.
"""

from .alerts import Alerts, compute_alerts
from .coherence import CoherenceReport, coherence, cronbach_alpha
from .config import (
    AGGREGATIONS,
    METHOD_VERSION,
    NORMALISATIONS,
    ConfigError,
    ScoringConfig,
    config_from_mapping,
    load_config,
)
from .engine import (
    CSV_COLUMNS,
    INSUFFICIENT_DATA,
    RF_COLUMNS,
    UNCERTAINTY_COLUMNS,
    ScoreResult,
    score,
)
from .panel import Panel, build_panel, load_panel
from .uncertainty import monte_carlo

__all__ = [
    "AGGREGATIONS",
    "Alerts",
    "CSV_COLUMNS",
    "CoherenceReport",
    "ConfigError",
    "INSUFFICIENT_DATA",
    "METHOD_VERSION",
    "NORMALISATIONS",
    "Panel",
    "RF_COLUMNS",
    "ScoreResult",
    "ScoringConfig",
    "UNCERTAINTY_COLUMNS",
    "build_panel",
    "coherence",
    "compute_alerts",
    "config_from_mapping",
    "cronbach_alpha",
    "load_config",
    "load_panel",
    "monte_carlo",
    "score",
]
