"""The inputs of :func:`~indicators.scoring.panel.build_panel` as arrays: the warehouse
tables read through DuckDB (no pandas), or pandas frames handed over by a caller.

The observations become :class:`CodedObservations` (integer codes for indicator, unit and
period): DuckDB numbers the distinct values and returns numpy arrays, with no Python string
and no pandas frame per row (1.2 M rows). pandas is imported only for frames.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..catalog import DEFAULT_MAX_AGE, Indicator

if TYPE_CHECKING:
    import pandas as pd

#: Columns given as plain sequences (what :func:`load_panel` reads), instead of a frame.
Columns = Mapping[str, Sequence]


def _is_frame(obj: object) -> bool:
    """True for a pandas DataFrame (never imports pandas: a frame means it is imported)."""
    pd_mod = sys.modules.get("pandas")
    return pd_mod is not None and isinstance(obj, pd_mod.DataFrame)


def _missing(v: object) -> bool:
    """None, NaN or pandas' NA/NaT (like ``pd.isna`` of a scalar)."""
    if v is None:
        return True
    if np.ndim(v) != 0:
        return False
    pd_mod = sys.modules.get("pandas")
    if pd_mod is not None:
        return bool(pd_mod.isna(v))
    return isinstance(v, float) and v != v


def _indicator_from_row(row: dict) -> Indicator:
    def _clean(v, default):
        if _missing(v):
            return default
        return v

    foa = _clean(row.get("foa_indicators"), ())
    rf = _clean(row.get("risk_factor"), None)
    return Indicator(
        code=str(row["code"]),
        title=str(_clean(row.get("title"), row["code"])),
        description=str(_clean(row.get("description"), "")),
        risk_factor=None if rf is None else int(rf),
        foa_indicators=tuple(str(x) for x in foa),
        direction=int(_clean(row.get("direction"), 1)),
        level=str(_clean(row.get("level"), "unit")),
        transform=str(_clean(row.get("transform"), "none")),
        per_capita=bool(_clean(row.get("per_capita"), False)),
        weight=float(_clean(row.get("weight"), 1.0)),
        unit=str(_clean(row.get("unit"), "")),
        source=str(_clean(row.get("source"), "")),
        max_age=int(_clean(row.get("max_age"), DEFAULT_MAX_AGE)),
    )


@dataclass(frozen=True)
class CodedObservations:
    """The observations table as integer codes: all :func:`build_panel` needs of it.

    Row order is irrelevant (a unit, indicator and period occur at most once), and so is the
    order of the code lists: the codes are only looked up, never compared.
    """

    indicator_codes: list[str]  #: distinct indicator codes
    indicator: np.ndarray  #: (N,) int64 position of each row's indicator in indicator_codes
    entity_codes: list[str]  #: distinct unit ids / ISO3 codes
    entity: np.ndarray  #: (N,) int64 position of each row's unit_id in entity_codes
    periods: np.ndarray  #: (T,) int64 distinct periods, ascending
    period: np.ndarray  #: (N,) int64 position of each row's period in periods
    value: np.ndarray  #: (N,) float64 values (NaN where not a number)


def code_observations(observations: pd.DataFrame) -> CodedObservations:
    """:class:`CodedObservations` of a frame with columns unit_id, indicator, period, value."""
    import pandas as pd

    ind_codes, ind_inv = _factorize(observations["indicator"])
    ent_codes, ent_inv = _factorize(observations["unit_id"])
    obs_period = observations["period"].to_numpy()
    periods = np.sort(pd.unique(obs_period)).astype(np.int64)
    return CodedObservations(
        indicator_codes=ind_codes,
        indicator=ind_inv,
        entity_codes=ent_codes,
        entity=ent_inv,
        periods=periods,
        period=np.searchsorted(periods, obs_period).astype(np.int64),
        value=pd.to_numeric(observations["value"], errors="coerce").to_numpy(dtype=float),
    )


def _unit_arrays(units: pd.DataFrame | Columns) -> tuple[np.ndarray, ...]:
    """(unit ids, names, countries, population attribute) of the units table, in its order."""
    if _is_frame(units):
        import pandas as pd

        unit_ids = units["unit_id"].astype(str).to_numpy(dtype=object)
        names = units["name"] if "name" in units else units["unit_id"]
        unit_names = names.astype(str).to_numpy(dtype=object)
        unit_country = units["country"].astype(str).to_numpy(dtype=object)
        pop_attr = (
            pd.to_numeric(units["population"], errors="coerce").to_numpy(dtype=float)
            if "population" in units
            else np.full(len(units), np.nan)
        )
        return unit_ids, unit_names, unit_country, pop_attr

    def strings(values: Sequence) -> np.ndarray:
        out = np.empty(len(values), dtype=object)
        out[:] = [str(v) for v in values]
        return out

    unit_ids = strings(units["unit_id"])
    unit_names = strings(units["name"] if "name" in units else units["unit_id"])
    pop = units["population"] if "population" in units else [None] * len(unit_ids)
    pop_attr = np.array([np.nan if v is None else v for v in pop], dtype=float)
    return unit_ids, unit_names, strings(units["country"]), pop_attr


def _positions(labels: Sequence, what: str) -> dict:
    """label -> position; the labels must be unique (like a pandas Index used for lookups)."""
    pos = {label: i for i, label in enumerate(labels)}
    if len(pos) != len(labels):
        raise ValueError(f"duplicate {what}s: each must occur once")
    return pos


def _lookup(positions: dict, labels: Iterable) -> np.ndarray:
    """Positions of ``labels`` (-1 where absent), like ``Index.get_indexer``."""
    return np.fromiter((positions.get(label, -1) for label in labels), dtype=np.int64)


def _factorize(column: pd.Series) -> tuple[list[str], np.ndarray]:
    """Integer codes and unique labels of a string or categorical column."""
    import pandas as pd

    if isinstance(column.dtype, pd.CategoricalDtype):
        cats = [str(c) for c in column.cat.categories]
        return cats, column.cat.codes.to_numpy(dtype=np.int64)
    codes, uniques = pd.factorize(column.astype(str), sort=False)
    return [str(u) for u in uniques], np.asarray(codes, dtype=np.int64)


#: The observations as integer codes, computed by DuckDB: no Python string per row, and no
#: pandas frame of 1.2 M rows (the codes number the distinct values in sorted order).
_CODED_SQL = """
WITH ind AS (SELECT indicator, row_number() OVER (ORDER BY indicator) - 1 AS k
             FROM (SELECT DISTINCT indicator FROM observations)),
     ent AS (SELECT unit_id, row_number() OVER (ORDER BY unit_id) - 1 AS k
             FROM (SELECT DISTINCT unit_id FROM observations)),
     per AS (SELECT period, row_number() OVER (ORDER BY period) - 1 AS k
             FROM (SELECT DISTINCT period FROM observations))
SELECT ind.k AS indicator, ent.k AS entity, per.k AS period, o.value
FROM observations o
JOIN ind ON ind.indicator = o.indicator
JOIN ent ON ent.unit_id = o.unit_id
JOIN per ON per.period = o.period
"""


def _coded_observations(con) -> CodedObservations:
    """The ``observations`` table of ``con`` as :class:`CodedObservations` (DuckDB does the
    factorising; numpy arrays come back directly)."""
    ind_codes = [r[0] for r in con.execute(
        "SELECT DISTINCT indicator FROM observations ORDER BY indicator").fetchall()]
    ent_codes = [r[0] for r in con.execute(
        "SELECT DISTINCT unit_id FROM observations ORDER BY unit_id").fetchall()]
    periods = np.array([r[0] for r in con.execute(
        "SELECT DISTINCT period FROM observations ORDER BY period").fetchall()], dtype=np.int64)
    cols = con.execute(_CODED_SQL).fetchnumpy()
    return CodedObservations(
        indicator_codes=[str(c) for c in ind_codes],
        indicator=np.asarray(cols["indicator"], dtype=np.int64),
        entity_codes=[str(c) for c in ent_codes],
        entity=np.asarray(cols["entity"], dtype=np.int64),
        periods=periods,
        period=np.asarray(cols["period"], dtype=np.int64),
        value=np.asarray(cols["value"], dtype=float),
    )


def _columns(con, sql: str) -> dict[str, list]:  # noqa: ANN001 - a DuckDB connection
    """A small query's result as column name -> list of values (no pandas)."""
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()
    return {name: [r[i] for r in rows] for i, name in enumerate(names)}
