"""Values of one *measure* (the composite, a risk factor ``rfNN`` or an indicator code) taken
from a scoring result, shaped for maps, trends and tables. Pure pandas/numpy; no streamlit."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from indicators.scoring.engine import INSUFFICIENT_DATA, ScoreResult
from indicators.views import COMPOSITE, measure_kind

MAP_COLUMNS = (
    "unit_id", "value", "score", "risk_class", "coverage", "rank", "rank_in_country",
    "carried_forward",
)


def _indicator_pos(result: ScoreResult, code: str) -> int:
    try:
        return result.panel.codes.index(code)
    except ValueError:
        raise KeyError(f"indicator {code!r} is not scored in this warehouse") from None


def measure_values(result: ScoreResult, measure: str, period: int) -> pd.DataFrame:
    """One row per unit for ``period``: value (as observed), score 0–10, class, coverage, ranks.

    ``risk_class`` is "insufficient data" wherever the score is missing.
    """
    frame = result.frame[result.frame["period"] == int(period)].set_index("unit_id")
    unit_ids = result.panel.unit_ids
    frame = frame.reindex(unit_ids)
    out = pd.DataFrame({"unit_id": unit_ids})
    kind = measure_kind(measure)
    carried = np.zeros(unit_ids.size, dtype=bool)
    if kind == "composite":
        value = score = frame["composite"].to_numpy(dtype=float)
    elif kind == "risk_factor":
        value = score = frame[measure].to_numpy(dtype=float)
    else:
        i = _indicator_pos(result, measure)
        t = int(np.nonzero(result.periods == int(period))[0][0])
        tp = result.period_index[t]
        value = result.panel.original[i, :, tp]
        score = result.indicator_scores[i, :, t]
        carried = result.panel.carried[i, :, tp]
    out["value"] = value
    out["score"] = score
    classes = pd.cut(
        pd.Series(score), bins=[-np.inf, 2, 4, 6, 8, np.inf], right=False,
        labels=["very low", "low", "medium", "high", "very high"],
    ).astype(object)
    out["risk_class"] = classes.where(~np.isnan(score), INSUFFICIENT_DATA).to_numpy()
    out["coverage"] = frame["coverage"].to_numpy(dtype=float)
    out["rank"] = frame["rank"].to_numpy() if kind == "composite" else pd.NA
    out["rank_in_country"] = frame["rank_in_country"].to_numpy() if kind == "composite" else pd.NA
    out["carried_forward"] = carried
    out["unit_name"] = result.panel.unit_names
    out["country"] = result.panel.unit_country
    out["note"] = unit_notes(result, measure, period)
    return out


def unit_notes(result: ScoreResult, measure: str, period: int) -> np.ndarray:
    """Per unit, why its value of ``measure`` in ``period`` must be read with care (or None).

    ``no_population``: a per-capita value exists but cannot be scored, the unit has no
    population (for an indicator: that indicator; for the composite or a risk factor: any of
    its indicators). ``country_level_only``: the score rests on country-level values alone.
    """
    p = result.panel
    hits = np.nonzero(p.periods == int(period))[0]
    notes = np.full(p.unit_ids.size, None, dtype=object)
    if hits.size == 0:
        return notes
    tp = hits[0]
    no_pop = p.no_population()[:, :, tp]
    kind = measure_kind(measure)
    if kind == "indicator":
        try:
            rows = no_pop[_indicator_pos(result, measure)][None, :]
        except KeyError:
            return notes
    elif kind == "risk_factor":
        rf = int(measure[2:])
        sel = np.array([d.risk_factor == rf for d in p.indicators], dtype=bool)
        rows = no_pop[sel]
    else:
        rows = no_pop
    unit_level = np.array([d.level == "unit" for d in p.indicators], dtype=bool)
    only_country = (np.isnan(p.values[:, :, tp][unit_level]).all(axis=0) if unit_level.any()
                    else np.ones(p.unit_ids.size, dtype=bool))
    has_value = ~np.isnan(p.values[:, :, tp]).all(axis=0)
    if kind != "indicator":
        notes[only_country & has_value] = "country_level_only"
    if rows.size:
        notes[rows.any(axis=0)] = "no_population"
    return notes


def population_gaps(result: ScoreResult) -> pd.DataFrame:
    """Per-capita indicators that have values but no population for some units.

    One row per indicator: units with a value, units not scored for lack of a population,
    and whether it scores for nobody at all.
    """
    p = result.panel
    no_pop = p.no_population()
    rows = []
    for i, d in enumerate(p.indicators):
        if not (d.per_capita and d.level != "country"):
            continue
        missing = no_pop[i].any(axis=1)
        with_value = missing | ~np.isnan(p.original[i]).all(axis=1)
        if not missing.any():
            continue
        scored = ~np.isnan(p.values[i]).all(axis=1)
        rows.append({"indicator": d.code, "units_with_values": int(with_value.sum()),
                     "units_without_population": int(missing.sum()),
                     "countries": ", ".join(sorted(set(p.unit_country[missing].astype(str)))),
                     "scores_for_nobody": bool(not scored.any())})
    return pd.DataFrame(rows, columns=["indicator", "units_with_values", "units_without_population",
                                       "countries", "scores_for_nobody"])


def measure_series(
    result: ScoreResult, measure: str, unit_ids: Iterable[str] | None = None
) -> pd.DataFrame:
    """Long table unit_id, unit_name, country, period, value of a measure over all scored periods.

    For an indicator the value is the effective (observed or carried-forward) value; for the
    composite and risk factors the 0–10 score.
    """
    kind = measure_kind(measure)
    p = result.panel
    if kind in ("composite", "risk_factor"):
        col = COMPOSITE if kind == "composite" else measure
        df = result.frame[["unit_id", "unit_name", "country", "period", col]].rename(
            columns={col: "value"})
    else:
        i = _indicator_pos(result, measure)
        vals = p.original[i][:, result.period_index]  # (U, T)
        df = pd.DataFrame({
            "unit_id": np.repeat(p.unit_ids, result.periods.size),
            "unit_name": np.repeat(p.unit_names, result.periods.size),
            "country": np.repeat(p.unit_country, result.periods.size),
            "period": np.tile(result.periods, p.unit_ids.size).astype(int),
            "value": vals.ravel(),
        })
    if unit_ids is not None:
        df = df[df["unit_id"].isin(list(unit_ids))]
    return df.reset_index(drop=True)


def distribution_band(series: pd.DataFrame, countries: Iterable[str] | None = None) -> pd.DataFrame:
    """Per period: 10th percentile, median, 90th percentile and units with data."""
    df = series if countries is None else series[series["country"].isin(list(countries))]
    g = df.dropna(subset=["value"]).groupby("period")["value"]
    return pd.DataFrame({
        "p10": g.quantile(0.10), "median": g.median(), "p90": g.quantile(0.90), "n": g.size(),
    }).reset_index()


def country_averages(series: pd.DataFrame) -> pd.DataFrame:
    """Mean of the measure per country and period (units with data only), with unit counts."""
    g = series.dropna(subset=["value"]).groupby(["country", "period"])["value"]
    return g.agg(value="mean", n="size").reset_index()


def change_since(series: pd.DataFrame, since: int, period: int) -> pd.DataFrame:
    """Change of the measure per unit between ``since`` and ``period`` (units with both)."""
    a = series[series["period"] == int(since)].set_index("unit_id")["value"]
    b = series[series["period"] == int(period)].set_index("unit_id")
    out = b[["unit_name", "country"]].copy()
    out["from"] = a.reindex(out.index)
    out["to"] = b["value"]
    out["change"] = out["to"] - out["from"]
    return out.dropna(subset=["change"]).reset_index().sort_values("change", ascending=False)


def medians_by_risk_factor(result: ScoreResult, period: int, country: str | None = None) -> dict[int, float]:
    """Median of each risk factor score across units (optionally of one country)."""
    df = result.frame[result.frame["period"] == int(period)]
    if country is not None:
        df = df[df["country"] == country]
    out: dict[int, float] = {}
    for r in range(1, 15):
        col = f"rf{r:02d}"
        vals = df[col].dropna()
        out[r] = float(vals.median()) if len(vals) else float("nan")
    return out


def country_level_only(result: ScoreResult, period: int) -> list[str]:
    """Countries none of whose units has a unit-level indicator value in ``period``: their units
    are scored from country-level indicators alone and all share one value."""
    p = result.panel
    unit_level = np.array([d.level == "unit" for d in p.indicators], dtype=bool)
    hits = np.nonzero(p.periods == int(period))[0]
    if not unit_level.any() or hits.size == 0:
        return sorted(set(p.unit_country.astype(str)))
    has_unit_data = ~np.isnan(p.values[:, :, hits[0]][unit_level]).all(axis=0)
    countries = p.unit_country.astype(str)
    return [c for c in sorted(set(countries)) if not has_unit_data[countries == c].any()]
