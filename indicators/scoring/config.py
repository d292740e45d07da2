"""Scoring options: the :class:`ScoringConfig` dataclass and its YAML loader.

A config file is a YAML mapping with any of these keys (all optional)::

    normalisation: minmax        # minmax | zscore | rank
    aggregation: arithmetic      # arithmetic | geometric
    min_coverage: 0.5            # share of the risk factors with data, 0..1
    risk_factor_weights:         # risk factor number (1-14) -> weight >= 0; default 1
      7: 2
      9: 1.5
    indicator_weights:           # indicator code -> weight >= 0; replaces the catalog weight
      hate_crimes: 2

The defaults reproduce "method v1" exactly.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Cited by the methodology page and every export.
METHOD_VERSION = "method v1"
NORMALISATIONS: tuple[str, ...] = ("minmax", "zscore", "rank")
AGGREGATIONS: tuple[str, ...] = ("arithmetic", "geometric")
CONFIG_KEYS: tuple[str, ...] = (
    "normalisation",
    "aggregation",
    "min_coverage",
    "risk_factor_weights",
    "indicator_weights",
)
RISK_FACTOR_IDS: tuple[int, ...] = tuple(range(1, 15))
DEFAULT_MIN_COVERAGE = 0.5
DEFAULT_DRAWS = 1000
DEFAULT_SEED = 42
_RF_KEY = re.compile(r"^(?:rf)?0*([0-9]{1,2})$", re.IGNORECASE)


class ConfigError(ValueError):
    """A scoring config that does not validate; the message says what and how to fix it."""


def _weight(value: Any, where: str) -> float:
    if isinstance(value, bool):
        raise ConfigError(f"{where}: weight must be a number >= 0, got {value!r}.")
    try:
        weight = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: weight must be a number >= 0, got {value!r}.") from None
    if not math.isfinite(weight) or weight < 0:
        raise ConfigError(f"{where}: weight must be a finite number >= 0, got {value!r}.")
    return weight


def _rf_key(key: Any, where: str) -> int:
    if isinstance(key, bool):
        raise ConfigError(f"{where}: risk factor {key!r} is not a number 1-14.")
    if isinstance(key, int):
        number = key
    else:
        match = _RF_KEY.match(str(key).strip())
        if not match:
            raise ConfigError(f"{where}: risk factor {key!r} is not a number 1-14 (e.g. 7 or rf07).")
        number = int(match.group(1))
    if number not in RISK_FACTOR_IDS:
        raise ConfigError(f"{where}: risk factor {key!r} is outside 1-14.")
    return number


@dataclass(frozen=True)
class ScoringConfig:
    """Options of the scoring engine; the defaults are method v1.

    ``risk_factor_weights`` maps 1-14 to a weight (missing factors weigh 1);
    ``indicator_weights`` maps an indicator code to a weight that replaces its catalog weight.
    """

    normalisation: str = "minmax"
    aggregation: str = "arithmetic"
    min_coverage: float = DEFAULT_MIN_COVERAGE
    risk_factor_weights: Mapping[int, float] = field(default_factory=dict)
    indicator_weights: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.normalisation not in NORMALISATIONS:
            raise ConfigError(
                f"normalisation must be one of {', '.join(NORMALISATIONS)}, got {self.normalisation!r}."
            )
        if self.aggregation not in AGGREGATIONS:
            raise ConfigError(
                f"aggregation must be one of {', '.join(AGGREGATIONS)}, got {self.aggregation!r}."
            )
        if isinstance(self.min_coverage, bool):
            raise ConfigError(f"min_coverage must be a number between 0 and 1, got {self.min_coverage!r}.")
        try:
            cov = float(self.min_coverage)
        except (TypeError, ValueError):
            raise ConfigError(
                f"min_coverage must be a number between 0 and 1, got {self.min_coverage!r}."
            ) from None
        if not 0.0 <= cov <= 1.0:
            raise ConfigError(f"min_coverage must be between 0 and 1, got {self.min_coverage!r}.")
        object.__setattr__(self, "min_coverage", cov)
        rfw = {
            _rf_key(k, "risk_factor_weights"): _weight(v, f"risk_factor_weights[{k}]")
            for k, v in dict(self.risk_factor_weights or {}).items()
        }
        object.__setattr__(self, "risk_factor_weights", rfw)
        indw = {
            str(k).strip(): _weight(v, f"indicator_weights[{k}]")
            for k, v in dict(self.indicator_weights or {}).items()
        }
        object.__setattr__(self, "indicator_weights", indw)

    def __hash__(self) -> int:  # the weight maps are dicts: hash their sorted items
        return hash(
            (
                self.normalisation,
                self.aggregation,
                self.min_coverage,
                tuple(sorted(self.risk_factor_weights.items())),
                tuple(sorted(self.indicator_weights.items())),
            )
        )

    def rf_weight(self, rf: int) -> float:
        """Weight of risk factor ``rf`` (1 unless the config says otherwise)."""
        return float(self.risk_factor_weights.get(rf, 1.0))

    def describe(self) -> str:
        """One line for logs and export footers."""
        text = (
            f"{METHOD_VERSION}: normalisation={self.normalisation}, aggregation={self.aggregation}, "
            f"min_coverage={self.min_coverage:g}"
        )
        if self.risk_factor_weights:
            text += ", risk factor weights " + ", ".join(
                f"RF{k}={v:g}" for k, v in sorted(self.risk_factor_weights.items())
            )
        if self.indicator_weights:
            text += ", indicator weights " + ", ".join(
                f"{k}={v:g}" for k, v in sorted(self.indicator_weights.items())
            )
        return text


def config_from_mapping(data: Mapping[str, Any] | None, where: str = "config") -> ScoringConfig:
    """Validate a mapping (e.g. parsed YAML) and return a :class:`ScoringConfig`."""
    if data is None:
        return ScoringConfig()
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: expected a mapping of key: value, got {type(data).__name__}.")
    unknown = sorted(str(k) for k in data if k not in CONFIG_KEYS)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key(s) {', '.join(unknown)}. Allowed keys: {', '.join(CONFIG_KEYS)}."
        )
    kwargs: dict[str, Any] = {}
    for key in ("normalisation", "aggregation"):
        if data.get(key) is not None:
            kwargs[key] = str(data[key]).strip().lower()
    if data.get("min_coverage") is not None:
        kwargs["min_coverage"] = data["min_coverage"]
    for key in ("risk_factor_weights", "indicator_weights"):
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, Mapping):
            raise ConfigError(
                f"{where}: {key} must be a mapping (one 'key: weight' per line), "
                f"got {type(value).__name__}."
            )
        kwargs[key] = dict(value)
    try:
        return ScoringConfig(**kwargs)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def load_config(path: str | Path | None) -> ScoringConfig:
    """Read and validate a YAML config file; ``None`` gives the method v1 defaults."""
    if path is None:
        return ScoringConfig()
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"Config file {p} does not exist.")
    import yaml  # only for a config file: the defaults need no YAML parser

    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{p.name}: not valid YAML ({exc}).") from None
    return config_from_mapping(data, where=p.name)
