"""The cases the Validation page offers, and their default settings.

* ``bih-1991``: the historical case (a warehouse built with ``build --pack bih-1991``), found at
  ``$RISK_VALIDATION_DB`` or ``data/bih-1991.duckdb``. Scores at 1991, outcomes
  ``war_deaths_rdc_per_1000`` and ``war_deaths_ucdp_per_100k`` summed over 1992-1995 (read from
  the warehouse's ``validation_*`` meta keys).
* ``current``: the warehouse the dashboard shows. For the fictional demo region the defaults
  point at its planted cluster: scores at the year before the planted rise, outcome the first
  planted indicator over the rise years. Other warehouses: the latest period with a later
  year to compare, outcome chosen by the user.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENV_VAR = "RISK_VALIDATION_DB"
DEFAULT_CASE_DB = Path("data") / "bih-1991.duckdb"


@dataclass(frozen=True)
class CaseDefaults:
    """What the page preselects for a case."""

    period: int | None
    outcomes: tuple[str, ...]
    window: tuple[int, int] | None
    how: str = "sum"
    highlight: tuple[str, ...] = ()  #: unit ids to mark (the demo's planted cluster)
    historical: bool = False  #: the warehouse is a historical validation case


def case_db_path() -> Path:
    """Where the bih-1991 case warehouse is expected."""
    return Path(os.environ.get(ENV_VAR) or DEFAULT_CASE_DB)


def defaults(con: Any) -> CaseDefaults:
    """Defaults for the warehouse behind ``con`` (from its meta keys; see module doc)."""
    meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
    if meta.get("validation_period"):
        a, b = (int(x) for x in meta["validation_window"].split("-"))
        return CaseDefaults(int(meta["validation_period"]),
                            tuple(meta.get("validation_outcomes", "").split(",")), (a, b),
                            historical=True)
    if meta.get("planted_riser_years"):
        a, b = (int(x) for x in meta["planted_riser_years"].split("-"))
        outcomes = tuple(meta.get("planted_riser_indicators", "").split(","))
        units = tuple(meta.get("planted_riser_units", "").split(","))
        return CaseDefaults(a - 1, outcomes, (a, b), "sum", units)
    periods = [int(r[0]) for r in con.execute(
        "SELECT DISTINCT period FROM observations ORDER BY 1").fetchall()]
    if len(periods) < 2:
        return CaseDefaults(None, (), None)
    return CaseDefaults(periods[-2], (), (periods[-1], periods[-1]))


def outcome_choices(con: Any) -> dict[str, str]:
    """Indicator codes with observations -> title (every indicator can be an outcome)."""
    rows = con.execute(
        "SELECT i.code, i.title FROM indicators i WHERE i.code IN "
        "(SELECT DISTINCT indicator FROM observations) AND i.code <> 'population' ORDER BY 1"
    ).fetchall()
    return {c: t for c, t in rows}


def periods(con: Any) -> list[int]:
    """Every period with observations, ascending."""
    return [int(r[0]) for r in con.execute(
        "SELECT DISTINCT period FROM observations ORDER BY 1").fetchall()]
