"""A backtest as text (the CLI table), CSV and JSON, with its sources and caveats.

The JSON holds every figure with its interval and n, the units left out with the reason,
the outcome per unit, the scoring config, and the sources and licences of what was used.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from indicators.scoring.config import METHOD_VERSION

from .backtest import BacktestResult
from .learned import Learned

CAVEAT = (
    "One historical case, structural factors only, small n. An AUC says how well a score "
    "ranked the units where the outcome was worst (top quartile) above the others: 0.5 = no "
    "better than chance, 1 = perfectly. It is not a prediction, and not evidence that any "
    "place will see violence. Relative structural risk, not an accusation."
)


def _num(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):
        return _num(value.item())
    return value


def sources_used(con: Any, result: BacktestResult) -> list[dict[str, Any]]:
    """Source rows (id, title, licence, citation, url) behind the outcome and the predictors."""
    spec = result.spec
    ids = con.execute(
        "SELECT DISTINCT source FROM observations WHERE source IS NOT NULL AND ("
        "(indicator = ? AND period BETWEEN ? AND ?) OR "
        "(indicator IN (SELECT code FROM indicators WHERE risk_factor IS NOT NULL) "
        "AND period <= ?) OR indicator = 'population')",
        [spec.outcome, spec.window[0], spec.window[1], spec.period]).fetchall()
    wanted = sorted({r[0] for r in ids})
    if not wanted:
        return []
    marks = ", ".join("?" for _ in wanted)
    frame = con.execute(f"SELECT id, title, licence, citation, url FROM sources WHERE id IN ({marks}) "
                        "ORDER BY id", wanted).df()
    return [{k: _num(v) for k, v in r.items()} for r in frame.to_dict("records")]


def case_meta(con: Any) -> dict[str, str]:
    """Warehouse facts for the export header (pack, region, fictional)."""
    rows = dict(con.execute("SELECT key, value FROM meta").fetchall())
    return {k: rows.get(k, "") for k in ("region_name", "pack", "frame", "fictional", "built_at")}


def learned_dict(learned: Learned) -> dict[str, Any]:
    """Learned weights as JSON: only out-of-sample figures, next to the default composite."""
    return {
        "level": learned.level or None, "components": list(learned.components),
        "weights_fitted_on_all_units": learned.weights_all_units,
        "out_of_sample": {"method": "leave-one-out over units", "n": learned.n,
                          "auc": _num(learned.loo_auc),
                          "interval_90": [_num(learned.loo_low), _num(learned.loo_high)]},
        "default_composite_same_units": {"auc": _num(learned.default_auc),
                                         "interval_90": [_num(learned.default_low),
                                                         _num(learned.default_high)]},
        "note": learned.note,
    }


def learned_text(learned: Learned) -> str:
    """Printed lines for learned weights (out of sample only)."""
    if not learned.level:
        return f"Learned weights: {learned.note}."
    weights = ", ".join(f"{c} {w:.1f}" for c, w in learned.weights_all_units.items())
    return (f"Learned weights ({learned.level}s; {learned.note}):\n"
            f"  out of sample (leave-one-out) AUC {_fmt(learned.loo_auc)} "
            f"[{_fmt(learned.loo_low)}, {_fmt(learned.loo_high)}], n = {learned.n}\n"
            f"  default composite on the same units AUC {_fmt(learned.default_auc)} "
            f"[{_fmt(learned.default_low)}, {_fmt(learned.default_high)}]\n"
            f"  weights fitted on all units (no in-sample figure is reported): {weights}\n"
            "  Method v1 is unchanged: weights learned from one case are a proposal to discuss, "
            "not a default.")


def to_json_dict(result: BacktestResult, con: Any | None = None,
                 learned: Learned | None = None) -> dict[str, Any]:
    """Everything of a backtest as plain JSON types."""
    spec, out = result.spec, result.outcome
    predictors = []
    for r in result.table.to_dict("records"):
        predictors.append({
            "predictor": r["predictor"], "kind": r["kind"], "label": r["label"], "n": r["n"],
            "positives": r["positives"],
            "auc": {"value": _num(r["auc"]), "interval_90": [_num(r["auc_low"]), _num(r["auc_high"])],
                    "bootstrap_resamples_used": r["resamples"], "n": r["n"]},
            "spearman": {"value": _num(r["spearman"]), "n": r["n"]},
            "precision_at_k": {"value": _num(r["precision_at_k"]), "k": r["k"], "n": r["n"]},
            "left_out": [{"unit_id": x.unit_id, "unit_name": x.unit_name, "reason": x.reason}
                         for x in result.left_out[result.left_out["predictor"] == r["predictor"]]
                         .itertuples(index=False)],
        })
    data: dict[str, Any] = {
        "method": METHOD_VERSION,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "period": spec.period,
        "outcome": {"code": out.code, "title": out.title, "unit": out.unit,
                    "window": list(out.window), "aggregate": out.how,
                    "years_observed": list(out.years), "per_capita": out.per_capita,
                    "threshold_p75": _num(result.threshold),
                    "definition": "positive = outcome >= its 75th percentile (linear interpolation) "
                                  "over every unit with an outcome"},
        "scoring_config": spec.config.describe(),
        "bootstrap": {"resamples": spec.resamples, "seed": spec.seed, "interval": "90 % percentile",
                      "labels": "fixed from the full sample"},
        "n_units_with_outcome": len(result.units),
        "units_without_outcome": [{"unit_id": u, "reason": why}
                                  for u, why in sorted(out.left_out.items())],
        "predictors": predictors,
        "units": [{k: _num(v) for k, v in r.items()} for r in result.units.to_dict("records")],
        "warnings": list(result.warnings),
        "caveat": CAVEAT,
    }
    if learned is not None:
        data["learned_weights"] = learned_dict(learned)
    if con is not None:
        data["case"] = case_meta(con)
        data["sources"] = sources_used(con, result)
    return data


def export_table(result: BacktestResult) -> pd.DataFrame:
    """The metrics table as written to CSV (one row per predictor, with the context columns)."""
    spec = result.spec
    table = result.table.copy()
    table.insert(0, "period", spec.period)
    table.insert(1, "outcome", spec.outcome)
    table.insert(2, "window", f"{spec.window[0]}-{spec.window[1]}")
    table.insert(3, "aggregate", spec.how)
    table["config"] = spec.config.describe()
    return table


def write(result: BacktestResult, path: str | Path, con: Any | None = None,
          learned: Learned | None = None) -> Path:
    """Write ``.csv`` (metrics table) or ``.json`` (everything); the suffix decides."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in (".csv", ".json"):
        raise ValueError(f"--out {p}: use a .csv or .json file name")
    p.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        export_table(result).to_csv(p, index=False, encoding="utf-8")
    else:
        p.write_text(json.dumps(to_json_dict(result, con, learned), ensure_ascii=False, indent=2),
                     encoding="utf-8")
    return p


def _fmt(v: float, digits: int = 3) -> str:
    return "–" if v is None or (isinstance(v, float) and not math.isfinite(v)) else f"{v:.{digits}f}"


def to_text(result: BacktestResult, meta: dict[str, str] | None = None) -> str:
    """The printed table: one row per predictor, with header lines and the caveat."""
    spec, out = result.spec, result.outcome
    lines = []
    if meta:
        fict = " (FICTIONAL demo data)" if meta.get("fictional") == "true" else ""
        lines.append(f"Case: {meta.get('region_name') or 'warehouse'}{fict}")
    lines += [
        f"Scores at {spec.period} ({spec.config.describe()})",
        f"Outcome: {out.code} — {out.title} — {out.how} over {out.window[0]}–{out.window[1]} "
        f"(years with data: {', '.join(map(str, out.years))})",
        f"Positives: outcome >= {_fmt(result.threshold, 2)} (75th percentile) — "
        f"{int(result.units['positive'].sum())} of {len(result.units)} units with an outcome",
        f"Bootstrap: {spec.resamples} resamples of units, seed {spec.seed}, 90 % interval",
        "",
        f"{'predictor':<30} {'n':>4} {'pos':>4} {'AUC':>6} {'90% interval':>15} "
        f"{'Spearman':>9} {'prec@k':>7} {'left out':>8}",
    ]
    for r in result.table.itertuples(index=False):
        ci = f"[{_fmt(r.auc_low)}, {_fmt(r.auc_high)}]"
        lines.append(f"{r.predictor:<30} {r.n:>4} {r.positives:>4} {_fmt(r.auc):>6} {ci:>15} "
                     f"{_fmt(r.spearman):>9} {_fmt(r.precision_at_k):>7} {r.left_out:>8}")
    if out.left_out:
        lines.append(f"\n{len(out.left_out)} units have no outcome and are left out, e.g. "
                     + "; ".join(f"{u}: {w}" for u, w in list(sorted(out.left_out.items()))[:3]))
    lines += [f"WARNING: {w}" for w in result.warnings]
    lines += ["", CAVEAT]
    return "\n".join(lines)
