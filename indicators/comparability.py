"""Which countries have which risk factors: the honest limits of a cross-country comparison.

When a scored indicator covers only some countries (UCDP GED from the mirror covers BiH only),
the composite of a unit elsewhere averages fewer risk factors, so ranks across countries
compare unlike things. These functions say so, per period: which risk factors each country has
(unit-level or country-level data), which it lacks that others have, and which units rest on
country-level values alone. Pure numpy/pandas; no streamlit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from indicators.scoring.engine import ScoreResult


@dataclass(frozen=True)
class Comparability:
    """Risk-factor coverage of the shown countries in one period."""

    period: int
    #: per country: risk factor -> 'unit' | 'country' | None (no data)
    coverage: dict[str, dict[int, str | None]]
    #: risk factors some shown countries have and others lack: rf -> countries lacking it
    gaps: dict[int, list[str]] = field(default_factory=dict)

    @property
    def affected(self) -> bool:
        """True when ranks across countries compare different sets of risk factors."""
        return bool(self.gaps)

    def table(self) -> pd.DataFrame:
        """Country × risk factor: 'unit', 'country' or '' (the coverage table)."""
        frame = pd.DataFrame({c: {f"RF{rf}": (v or "") for rf, v in rfs.items()}
                              for c, rfs in self.coverage.items()}).T
        frame.index.name = "country"
        return frame


def risk_factor_coverage(result: ScoreResult, period: int,
                         countries: Iterable[str] | None = None) -> Comparability:
    """Risk-factor coverage per country in ``period`` and the gaps between countries."""
    p = result.panel
    hits = np.nonzero(p.periods == int(period))[0]
    shown = sorted(set(countries) if countries is not None else set(p.unit_country.astype(str)))
    rfs = sorted({d.risk_factor for d in p.indicators if d.risk_factor is not None})
    cover: dict[str, dict[int, str | None]] = {c: dict.fromkeys(rfs) for c in shown}
    if hits.size:
        tp = hits[0]
        unit_country = p.unit_country.astype(str)
        for i, d in enumerate(p.indicators):
            if d.risk_factor is None:
                continue
            has = ~np.isnan(p.values[i, :, tp])
            for c in shown:
                if not has[unit_country == c].any():
                    continue
                level = "country" if d.level == "country" else "unit"
                if cover[c][d.risk_factor] != "unit":
                    cover[c][d.risk_factor] = level
    gaps: dict[int, list[str]] = {}
    for rf in rfs:
        having = [c for c in shown if cover[c][rf]]
        lacking = [c for c in shown if not cover[c][rf]]
        if having and lacking:
            gaps[rf] = lacking
    return Comparability(int(period), cover, gaps)


def gap_lines(comp: Comparability, rf_titles: dict[int, str],
              country_names: dict[str, str] | None = None) -> list[str]:
    """One plain line per risk factor that only some countries have."""
    names = country_names or {}
    lines = []
    for rf, lacking in sorted(comp.gaps.items()):
        having = [c for c, v in comp.coverage.items() if v.get(rf)]
        lines.append(f"RF{rf} {rf_titles.get(rf, '')}: "
                     f"{', '.join(names.get(c, c) for c in having)} — "
                     f"{', '.join(names.get(c, c) for c in lacking)}")
    return lines
