"""Scoring engine (method v1): pure Python/numpy, no streamlit.

Typical use::

    from indicators.warehouse import connect
    from indicators.scoring import load_panel, score, ScoringConfig

    panel = load_panel(connect(db, read_only=True))
    result = score(panel, ScoringConfig())     # result.frame has the CSV columns

See :mod:`indicators.scoring.engine` for the method in plain language.
"""

import importlib

#: exported name -> submodule, imported on first use (PEP 562): importing one
#: submodule (e.g. ``indicators.scoring.panel`` for ``score``) does not load pandas.
_EXPORTS = {
    "Alerts": "alerts",
    "compute_alerts": "alerts",
    "CoherenceReport": "coherence",
    "coherence": "coherence",
    "cronbach_alpha": "coherence",
    "AGGREGATIONS": "config",
    "METHOD_VERSION": "config",
    "NORMALISATIONS": "config",
    "ConfigError": "config",
    "ScoringConfig": "config",
    "config_from_mapping": "config",
    "load_config": "config",
    "CSV_COLUMNS": "engine",
    "INSUFFICIENT_DATA": "engine",
    "RF_COLUMNS": "engine",
    "UNCERTAINTY_COLUMNS": "engine",
    "ScoreResult": "engine",
    "score": "engine",
    "Panel": "panel",
    "build_panel": "panel",
    "load_panel": "panel",
    "monte_carlo": "uncertainty",
}


def __getattr__(name: str):  # noqa: ANN202 - PEP 562
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


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
