"""Read the results stored by :mod:`indicators.scoring.stored` back in the shapes the scoring
functions return (``ScoreResult.frame``, :func:`monte_carlo`, :func:`compute_alerts`).

These readers do not check validity: call :func:`indicators.scoring.stored.is_current` on the
same connection first (the dashboard does, once per warehouse version) and compute fresh when
it is False.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from .alerts import ALERT_COLUMNS, Alerts
from .engine import CSV_COLUMNS, UNCERTAINTY_COLUMNS
from .stored import ALERT_LISTS

_STR = ("unit_id", "unit_name", "country", "risk_class")


def _where(period: int | None) -> tuple[str, list]:
    return ("", []) if period is None else (" WHERE period = ?", [int(period)])


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    """The dtypes the scoring functions produce (str, int64 period, Int64 ranks, float64)."""
    for col in df.columns:
        if col in _STR:
            df[col] = df[col].astype("str")
        elif col == "period":
            df[col] = df[col].astype(np.int64)
        elif col in ("rank", "rank_in_country"):
            df[col] = df[col].astype("Int64")
        else:
            df[col] = df[col].astype(float)
    return df


def read_periods(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Every scored period, ascending."""
    return [int(r[0]) for r in con.execute("SELECT period FROM stored_periods ORDER BY period").fetchall()]


def read_scores(con: duckdb.DuckDBPyConnection, period: int | None = None) -> pd.DataFrame:
    """The stored score frame (all periods, or one): equal to ``score(...).frame`` (its rows)."""
    where, params = _where(period)
    df = con.execute(f"SELECT {', '.join(CSV_COLUMNS)} FROM stored_scores{where} ORDER BY ord",
                     params).df()
    return _typed(df)[list(CSV_COLUMNS)]


def read_ranks(con: duckdb.DuckDBPyConnection, period: int | None = None) -> pd.DataFrame:
    """Stored rank intervals (all periods, or one): equal to ``monte_carlo(..., periods=[p])``."""
    where, params = _where(period)
    cols = ["unit_id", "period", *UNCERTAINTY_COLUMNS]
    df = con.execute(f"SELECT {', '.join(cols)} FROM stored_ranks{where} ORDER BY ord", params).df()
    return _typed(df).reset_index(drop=True)


def read_alerts(con: duckdb.DuckDBPyConnection, period: int) -> Alerts:
    """The stored alerts of ``period``: equal to ``compute_alerts(result, period)``."""
    row = con.execute("SELECT previous_period FROM stored_periods WHERE period = ?",
                      [int(period)]).fetchone()
    if row is None:
        raise ValueError(f"period {period} was not scored; available: "
                         f"{', '.join(map(str, read_periods(con)))}.")
    rows = con.execute(
        "SELECT list, " + ", ".join(ALERT_COLUMNS) + " FROM stored_alerts WHERE period = ? "
        "ORDER BY list, position", [int(period)]).fetchall()
    lists: dict[str, list[dict]] = {name: [] for name in ALERT_LISTS}
    for name, *values in rows:
        record = dict(zip(ALERT_COLUMNS, values, strict=True))
        record["rank"] = None if record["rank"] is None else int(record["rank"])
        for key in ("composite", "previous", "change"):  # NULL -> NaN, as computed
            record[key] = np.nan if record[key] is None else float(record[key])
        lists[name].append(record)
    frames = {name: pd.DataFrame(recs, columns=list(ALERT_COLUMNS)) for name, recs in lists.items()}
    return Alerts(period=int(period), previous_period=None if row[0] is None else int(row[0]),
                  **frames)


__all__ = ["read_alerts", "read_periods", "read_ranks", "read_scores"]
