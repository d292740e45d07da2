"""Uncertainty, early warning, coherence checks and the score/alerts CLI functions."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest

from indicators.scoring import (
    CSV_COLUMNS,
    UNCERTAINTY_COLUMNS,
    ScoringConfig,
    build_panel,
    coherence,
    compute_alerts,
    cronbach_alpha,
    load_panel,
    monte_carlo,
    score,
)
from indicators.scoring.cli import run_alerts, run_score
from indicators.scoring.testing import write_tiny
from indicators.scoring.uncertainty import make_draws
from indicators.warehouse import connect


@pytest.fixture(scope="module")
def tiny_db(tmp_path_factory):
    # the tiny panel plus a unit without any observation
    return write_tiny(
        tmp_path_factory.mktemp("x") / "tiny.duckdb", units=[("u4", "Unit Four", "BBB", 100.0)]
    )


@pytest.fixture(scope="module")
def tiny(tiny_db):
    con = connect(tiny_db, read_only=True)
    try:
        return load_panel(con)
    finally:
        con.close()


# --- uncertainty -------------------------------------------------------------------------------


def test_monte_carlo_is_deterministic_and_shaped(tiny):
    a = monte_carlo(tiny, n_draws=300, seed=11)
    b = monte_carlo(tiny, n_draws=300, seed=11)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert list(a.columns) == ["unit_id", "period", *UNCERTAINTY_COLUMNS]
    assert len(a) == 4 * 3
    assert not np.array_equal(
        make_draws(ScoringConfig(), [1, 2], 300, 11).weights,
        make_draws(ScoringConfig(), [1, 2], 300, 12).weights,
    )
    # one period alone gives the same numbers as within all periods (same draws)
    one = monte_carlo(tiny, n_draws=300, seed=11, periods=[2021]).reset_index(drop=True)
    pd.testing.assert_frame_equal(one, a[a["period"] == 2021].reset_index(drop=True))


def test_monte_carlo_dominance_and_missing(tiny):
    # 2020: u1 is highest in both risk factors, u3 lowest: fixed ranks in every draw
    mc = monte_carlo(tiny, n_draws=500, seed=3, periods=[2020]).set_index("unit_id")
    assert mc.loc["u1", ["rank_median", "rank_p05", "rank_p95"]].tolist() == [1, 1, 1]
    assert mc.loc["u1", "top10_share"] == 1.0  # ceil(10 % of 3) = 1
    assert mc.loc["u2", "rank_median"] == 2 and mc.loc["u2", "top10_share"] == 0.0
    assert mc.loc["u3", ["rank_p05", "rank_p95"]].tolist() == [3, 3]
    # no composite -> no interval
    assert mc.loc["u4"].drop("period").isna().all()


def test_monte_carlo_intervals_move_when_units_are_close(tiny):
    # 2021: u1 8.33 vs u3 7.22 under method v1, but u3 leads RF1 -> ranks vary across draws
    mc = monte_carlo(tiny, n_draws=1000, seed=5, periods=[2021]).set_index("unit_id")
    assert mc.loc["u1", "rank_p05"] == 1
    assert 0 < mc.loc["u3", "top10_share"] < 1
    assert mc.loc["u1", "top10_share"] + mc.loc["u3", "top10_share"] == pytest.approx(1.0)


def test_draws_are_dirichlet_centred_on_the_weights():
    cfg = ScoringConfig(risk_factor_weights={1: 3, 2: 1, 3: 0})
    d = make_draws(cfg, [1, 2, 3], n_draws=4000, seed=1)
    assert d.weights.shape == (4000, 14)
    assert np.allclose(d.weights[:, [0, 1]].sum(axis=1), 1.0)
    assert (d.weights[:, 2] == 0).all()  # weight 0 stays 0
    assert d.weights[:, 0].mean() == pytest.approx(0.75, abs=0.01)
    # concentration 20: var = m (1 - m) / 21
    assert d.weights[:, 0].var() == pytest.approx(0.75 * 0.25 / 21, rel=0.1)
    assert set(np.unique(d.normalisation)) == {0, 1, 2}
    assert set(np.unique(d.aggregation)) == {0, 1}
    e = make_draws(cfg, [1, 2, 3], n_draws=4000, seed=1)
    assert np.array_equal(d.weights, e.weights)


# --- early warning -----------------------------------------------------------------------------


def _ladder_panel(riser_a: float, riser_b: float, dip: bool = False):
    """20 units with a = b = k every year; u00 jumps to (riser_a, riser_b) in 2021.

    With ``dip``, u19 (otherwise always first) drops to a = b = 0 in 2020.
    """
    units = pd.DataFrame(
        {
            "unit_id": [f"u{k:02d}" for k in range(20)],
            "name": [f"Unit {k}" for k in range(20)],
            "country": "AAA",
            "population": 1000.0,
        }
    )
    inds = pd.DataFrame(
        [
            {"code": "a", "title": "A", "risk_factor": 1, "direction": 1, "level": "unit"},
            {"code": "b", "title": "B", "risk_factor": 2, "direction": 1, "level": "unit"},
        ]
    )
    rows = []
    for k in range(20):
        for year in (2019, 2020, 2021):
            va, vb = k, k
            if k == 0 and year == 2021:
                va, vb = riser_a, riser_b
            if dip and k == 19 and year == 2020:
                va, vb = 0, 0
            rows += [(f"u{k:02d}", "a", year, float(va)), (f"u{k:02d}", "b", year, float(vb))]
    obs = pd.DataFrame(rows, columns=["unit_id", "indicator", "period", "value"])
    return build_panel(units, inds, obs)


def test_alerts_on_a_planted_riser():
    # pooled: a in 0..20 (max from u00 2021), b in 0..19
    result = score(_ladder_panel(20.0, 10.0, dip=True))
    alerts = compute_alerts(result)
    assert alerts.period == 2021 and alerts.previous_period == 2020
    # u19: 0 (2020) -> (9.5 + 10) / 2 = 9.75; u00: 0 -> (10 + 10/19 * 10) / 2 = 7.63
    risers = alerts.sharp_risers
    assert risers["unit_id"].tolist() == ["u19", "u00"]
    assert risers.iloc[0]["change"] == pytest.approx(9.75)
    assert risers.iloc[1]["change"] == pytest.approx((10 + 100 / 19) / 2)
    assert risers.iloc[1]["drivers"] == "RF1 (+5.00), RF2 (+2.63)"
    assert risers.iloc[0]["drivers"] == "RF2 (+5.00), RF1 (+4.75)"
    assert alerts.newly_high["unit_id"].tolist() == ["u19", "u00"]
    assert alerts.newly_high.iloc[1]["risk_class"] == "high"
    assert alerts.newly_high.iloc[1]["previous_class"] == "very low"
    # top decile of 20 units = ranks 1-2 in 2019, 2020 and 2021:
    # u19 is 1, -, 1 (dip in 2020); u18 is 2, 1, 2; u17 is 3, 2, 3
    assert alerts.consistently_high["unit_id"].tolist() == ["u18"]
    assert alerts.consistently_high.iloc[0]["drivers"].startswith("RF2 (4.74), RF1 (4.50)")
    text = alerts.format()
    assert "Sharp risers: 2" in text and "u00" in text and "Newly high" in text


def test_small_rise_is_listed_when_among_top_five_percent():
    result = score(_ladder_panel(1.0, 0.0))  # u00 +0.26 only, the one increase
    alerts = compute_alerts(result)
    assert alerts.sharp_risers["unit_id"].tolist() == ["u00"]
    assert alerts.sharp_risers.iloc[0]["change"] < 1.0
    assert alerts.newly_high.empty
    # first period: no previous period, nothing to compare
    first = compute_alerts(result, 2019)
    assert first.sharp_risers.empty and first.newly_high.empty and first.consistently_high.empty
    with pytest.raises(ValueError, match="not scored"):
        compute_alerts(result, 2000)


# --- coherence ---------------------------------------------------------------------------------


def test_cronbach_alpha_known_case():
    # items (1, 2, 3) and (1, 3, 2): item variances 1 + 1, total (2, 5, 5) variance 3
    assert cronbach_alpha(np.array([[1, 1], [2, 3], [3, 2]], dtype=float)) == pytest.approx(2 / 3)
    assert np.isnan(cronbach_alpha(np.array([[1.0], [2.0]])))


def test_coherence_report():
    units = pd.DataFrame(
        {"unit_id": [f"u{k}" for k in range(20)], "name": "x", "country": "AAA", "population": 1.0}
    )
    inds = pd.DataFrame(
        [
            {"code": c, "title": c, "risk_factor": rf, "direction": 1, "level": "unit"}
            for c, rf in (("a", 1), ("b", 1), ("c", 1), ("d", 2), ("e", 2))
        ]
    )
    rows = []
    for k in range(20):
        for code, v in (("a", k), ("b", k), ("c", 19 - k), ("d", k), ("e", k)):
            rows.append((f"u{k}", code, 2020, float(v)))
    panel = build_panel(units, inds, pd.DataFrame(rows, columns=["unit_id", "indicator", "period", "value"]))
    rep = coherence(score(panel))
    alpha = rep.cronbach.set_index("risk_factor")["alpha"]
    # RF1: a = b = x, c = 10 - x, equal variances V; total x + 10 has variance V:
    # alpha = 3/2 (1 - 3V / V) = -3.  RF2: d = e: alpha = 2 (1 - 2V / 4V) = 1
    assert alpha[1] == pytest.approx(-3.0)
    assert alpha[2] == pytest.approx(1.0)
    assert rep.flagged["indicator"].tolist() == ["c"]
    assert rep.indicator_correlations[1]["pearson"].loc["a", "c"] == pytest.approx(-1.0)
    assert rep.indicator_correlations[1]["spearman"].loc["a", "b"] == pytest.approx(1.0)
    assert rep.risk_factor_correlations["pearson"].loc["rf01", "rf02"] == pytest.approx(1.0)


# --- CLI functions -----------------------------------------------------------------------------


def _read(path):
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return reader.fieldnames, list(reader)


def test_run_score_writes_every_unit_and_period(tiny_db, tmp_path, capsys):
    out = tmp_path / "scores.csv"
    assert run_score(str(tiny_db), None, True, None, None, 0, str(out)) == 0
    header, rows = _read(out)
    assert header == list(CSV_COLUMNS)
    assert {(r["unit_id"], r["period"]) for r in rows} == {
        (u, p) for u in ("u1", "u2", "u3", "u4") for p in ("2018", "2020", "2021")
    }
    u4 = [r for r in rows if r["unit_id"] == "u4"]
    assert all(r["composite"] == "" and r["rank"] == "" and r["risk_class"] == "" for r in u4)
    assert all(float(r["coverage"]) == 0.0 for r in u4)
    u1 = next(r for r in rows if r["unit_id"] == "u1" and r["period"] == "2020")
    assert float(u1["composite"]) == pytest.approx(25 / 3)
    assert u1["rank"] == "1" and u1["rank_in_country"] == "1" and u1["rf03"] == ""
    assert "method v1" in capsys.readouterr().out


def test_run_score_latest_period_config_and_uncertainty(tiny_db, tmp_path):
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text("min_coverage: 0.75\n", encoding="utf-8")
    out = tmp_path / "one.csv"
    assert run_score(str(tiny_db), 2018, False, str(cfg), 200, 7, str(out)) == 0
    header, rows = _read(out)
    assert header == list(CSV_COLUMNS) + list(UNCERTAINTY_COLUMNS)
    assert {r["period"] for r in rows} == {"2018"} and len(rows) == 4
    u3 = next(r for r in rows if r["unit_id"] == "u3")
    assert u3["composite"] == "" and u3["rf02"] == "0.0" and u3["coverage"] == "0.5"
    assert u3["rank_median"] == ""
    assert float(next(r for r in rows if r["unit_id"] == "u2")["rank_median"]) >= 1
    out2 = tmp_path / "latest.csv"
    assert run_score(str(tiny_db), None, False, None, None, 0, str(out2)) == 0
    assert {r["period"] for r in _read(out2)[1]} == {"2021"}
    # same seed, same file
    out3 = tmp_path / "again.csv"
    assert run_score(str(tiny_db), 2018, False, str(cfg), 200, 7, str(out3)) == 0
    assert out.read_text() == out3.read_text()


def test_run_score_errors(tiny_db, tmp_path, capsys):
    out = str(tmp_path / "x.csv")
    assert run_score(str(tmp_path / "missing.duckdb"), None, False, None, None, 0, out) == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("aggregation: median\n", encoding="utf-8")
    assert run_score(str(tiny_db), None, False, str(bad), None, 0, out) == 2
    assert run_score(str(tiny_db), 1999, False, None, None, 0, out) == 2
    err = capsys.readouterr().err
    assert "aggregation must be one of" in err and "1999" in err and "does not exist" in err


def test_run_alerts_prints_three_lists(tiny_db, capsys):
    assert run_alerts(str(tiny_db), None) == 0
    out = capsys.readouterr().out
    assert "Sharp risers" in out and "Consistently high" in out and "Newly high" in out
    # u3: 1.67 (2020) -> 7.22 (2021): a riser and newly high
    assert "u3" in out
    assert run_alerts(str(tiny_db), 1999) == 2
