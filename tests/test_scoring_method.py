"""Method v1, step by step, against values computed by hand on a tiny panel.

The panel (``indicators.scoring.testing.TINY``): units u1, u2 (country AAA) and u3 (BBB) with
population attributes 1000, 2000, 4000; periods 2018, 2020, 2021; indicators

* ``events`` RF1, per capita, max_age 3 (population indicator: u1 2018 = 2000,
  u2 2020 = 4000, u3 2021 = 5000),
* ``deaths`` RF2, log1p, weight 2, max_age 1,
* ``civic``  RF2, direction -1, max_age 3.

Hand computation (c = carried forward):

events per 100k      2018              2020                    2021
  u1                 10/2000  = 500    30/2000 = 1500           1500 c (from 2020)
  u2                 20/2000  = 1000   1000 c (pop 4000 ignored) 1000 c (age 3 = max_age)
  u3                 -                 40/4000 = 1000           100/5000 = 2000
  pooled {500, 1000, 1500, 1000, 2000}: min 500, max 2000 -> 0, 10/3, 20/3, 10/3, 10

deaths log1p         2018              2020                    2021
  u1                 ln 2              - (age 2 > max_age 1)    ln 8 = 3 ln 2
  u2                 0                 ln 4 = 2 ln 2            2 ln 2 c
  u3                 -                 -                        2 ln 2
  pooled {ln2, 3ln2, 0, 2ln2, 2ln2}: min 0, max 3 ln 2 -> 10/3, 10, 0, 20/3, 20/3

civic (direction -1) u1 5, 5, 5; u2 10, 10 c, 15; u3 25, 25 c, 25 c
  pooled {5, 5, 5, 10, 15, 25}: 10 - (v - 5) / 20 * 10 -> 5: 10, 10: 7.5, 15: 5, 25: 0

RF2 = (2 deaths + civic) / 3 over the available ones.
"""

from __future__ import annotations

import math
import statistics

import numpy as np
import pandas as pd
import pytest

from indicators.scoring import (
    CSV_COLUMNS,
    ConfigError,
    ScoringConfig,
    config_from_mapping,
    load_config,
    load_panel,
    score,
)
from indicators.scoring.aggregate import risk_class
from indicators.scoring.normalise import normalise, pooled_stats
from indicators.scoring.rank import grouped_min_rank, row_min_rank
from indicators.scoring.testing import write_tiny
from indicators.warehouse import connect

NAN = float("nan")
LN2 = math.log(2)
YEARS = (2018, 2020, 2021)

# minmax indicator scores, [unit][period]
EVENTS = {"u1": (0, 20 / 3, 20 / 3), "u2": (10 / 3, 10 / 3, 10 / 3), "u3": (NAN, 10 / 3, 10)}
DEATHS = {"u1": (10 / 3, NAN, 10), "u2": (0, 20 / 3, 20 / 3), "u3": (NAN, NAN, 20 / 3)}
CIVIC = {"u1": (10, 10, 10), "u2": (7.5, 7.5, 5), "u3": (0, 0, 0)}
RF1 = EVENTS
RF2 = {
    "u1": ((2 * 10 / 3 + 10) / 3, 10, (2 * 10 + 10) / 3),  # 50/9, 10, 10
    "u2": ((0 + 7.5) / 3, (2 * 20 / 3 + 7.5) / 3, (2 * 20 / 3 + 5) / 3),  # 2.5, 125/18, 55/9
    "u3": (0, 0, (2 * 20 / 3 + 0) / 3),  # 0, 0, 40/9
}
COMPOSITE = {
    "u1": (25 / 9, 25 / 3, 25 / 3),
    "u2": (35 / 12, 185 / 36, 85 / 18),
    "u3": (0.0, 5 / 3, 65 / 9),  # 2018: only RF2 available, coverage 1/2 = min_coverage
}


def _panel(tmp_path, **extra):
    path = write_tiny(tmp_path / "tiny.duckdb", **extra)
    con = connect(path, read_only=True)
    try:
        return load_panel(con)
    finally:
        con.close()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return _panel(tmp_path_factory.mktemp("tiny"))


def _cell(frame: pd.DataFrame, unit: str, period: int, col: str):
    row = frame[(frame["unit_id"] == unit) & (frame["period"] == period)]
    assert len(row) == 1
    return row.iloc[0][col]


def _approx(value, expected):
    if isinstance(expected, float) and math.isnan(expected):
        return pd.isna(value)
    return value == pytest.approx(expected, abs=1e-9)


# --- step 1-2: effective values, transforms, carry-forward ----------------------------------


def test_panel_shape_periods_and_auxiliary(tiny):
    assert list(tiny.periods) == [2018, 2020, 2021]
    assert tiny.codes == ("civic", "deaths", "events")  # population is auxiliary: not scored
    assert tiny.risk_factors_with_data == (1, 2)
    assert tiny.excluded == {}
    assert tiny.dropped == {}


def _value(panel, code, unit, period, array="values"):
    i = panel.codes.index(code)
    u = list(panel.unit_ids).index(unit)
    t = list(panel.periods).index(period)
    return getattr(panel, array)[i, u, t]


def test_per_capita_uses_population_at_the_observation_period(tiny):
    assert _value(tiny, "events", "u1", 2018) == pytest.approx(500)  # population indicator 2000
    assert _value(tiny, "events", "u1", 2020) == pytest.approx(1500)  # 2018 population carried
    assert _value(tiny, "events", "u3", 2020) == pytest.approx(1000)  # no population yet: attribute
    assert _value(tiny, "events", "u3", 2021) == pytest.approx(2000)  # population indicator 5000


def test_carried_value_keeps_the_transform_of_its_own_period(tiny):
    # u2's 2018 observation (20 / attribute 2000) is carried; the 2020 population of 4000 is not used
    assert _value(tiny, "events", "u2", 2020) == pytest.approx(1000)
    assert _value(tiny, "events", "u2", 2021) == pytest.approx(1000)
    assert _value(tiny, "events", "u2", 2021, "original") == 20.0
    assert _value(tiny, "events", "u2", 2021, "source_period") == 2018


def test_log1p(tiny):
    assert _value(tiny, "deaths", "u1", 2018) == pytest.approx(LN2)
    assert _value(tiny, "deaths", "u1", 2021) == pytest.approx(3 * LN2)
    assert _value(tiny, "deaths", "u2", 2018) == 0.0


def test_carry_forward_limits_and_flags(tiny):
    carried = tiny.carried
    i_ev, i_de = tiny.codes.index("events"), tiny.codes.index("deaths")
    # events max_age 3: u2 2018 -> 2021 is exactly 3 years: kept and flagged
    assert carried[i_ev, 1].tolist() == [False, True, True]
    assert carried[i_ev, 0].tolist() == [False, False, True]
    # deaths max_age 1: u1 2018 -> 2020 is 2 years: missing; u2 2020 -> 2021: carried
    assert math.isnan(_value(tiny, "deaths", "u1", 2020))
    assert _value(tiny, "deaths", "u1", 2020, "source_period") == -1
    assert _value(tiny, "deaths", "u2", 2021) == pytest.approx(2 * LN2)
    assert carried[i_de, 1].tolist() == [False, False, True]
    # nothing before the first observation
    assert math.isnan(_value(tiny, "events", "u3", 2018))


def test_pooled_panel_counts_each_observation_once(tiny):
    stats = dict(zip(tiny.codes, tiny.pooled, strict=True))
    assert stats["events"].n == 5  # not the 8 effective values
    assert stats["events"].min == 500 and stats["events"].max == 2000
    assert stats["civic"].n == 6
    assert sorted(stats["civic"].sorted_values) == [5, 5, 5, 10, 15, 25]


# --- steps 3-7 with the defaults ---------------------------------------------------------------


@pytest.fixture(scope="module")
def default_result(tiny):
    return score(tiny)


def test_frame_columns_and_rows(default_result):
    frame = default_result.frame
    assert list(frame.columns) == list(CSV_COLUMNS)
    assert len(frame) == 9
    assert list(frame["unit_id"][:3]) == ["u1", "u2", "u3"]
    assert _cell(frame, "u3", 2018, "country") == "BBB"
    assert _cell(frame, "u1", 2018, "unit_name") == "Unit One"


@pytest.mark.parametrize("code,expected", [("events", EVENTS), ("deaths", DEATHS), ("civic", CIVIC)])
def test_minmax_indicator_scores_and_direction(default_result, tiny, code, expected):
    i = tiny.codes.index(code)
    for u, unit in enumerate(tiny.unit_ids):
        for t in range(3):
            assert _approx(default_result.indicator_scores[i, u, t], expected[unit][t])


def test_risk_factor_scores(default_result):
    frame = default_result.frame
    for unit in ("u1", "u2", "u3"):
        for t, year in enumerate(YEARS):
            assert _approx(_cell(frame, unit, year, "rf01"), RF1[unit][t])
            assert _approx(_cell(frame, unit, year, "rf02"), RF2[unit][t])
            assert pd.isna(_cell(frame, unit, year, "rf03"))


def test_composite_coverage_and_class(default_result):
    frame = default_result.frame
    for unit in ("u1", "u2", "u3"):
        for t, year in enumerate(YEARS):
            assert _approx(_cell(frame, unit, year, "composite"), COMPOSITE[unit][t])
    assert _cell(frame, "u3", 2018, "coverage") == 0.5
    assert _cell(frame, "u1", 2018, "coverage") == 1.0
    classes = {(r.unit_id, r.period): r.risk_class for r in frame.itertuples()}
    assert classes[("u1", 2018)] == "low"  # 2.78
    assert classes[("u1", 2020)] == "very high"  # 8.33
    assert classes[("u2", 2020)] == "medium"  # 5.14
    assert classes[("u3", 2018)] == "very low"  # 0
    assert classes[("u3", 2021)] == "high"  # 7.22


def test_ranks(default_result):
    frame = default_result.frame
    ranks = {(r.unit_id, r.period): (r.rank, r.rank_in_country) for r in frame.itertuples()}
    # 2018: u2 2.92 > u1 2.78 > u3 0
    assert ranks[("u2", 2018)] == (1, 1)
    assert ranks[("u1", 2018)] == (2, 2)
    assert ranks[("u3", 2018)] == (3, 1)
    # 2021: u1 8.33 > u3 7.22 > u2 4.72
    assert ranks[("u1", 2021)] == (1, 1)
    assert ranks[("u3", 2021)] == (2, 1)
    assert ranks[("u2", 2021)] == (3, 2)


def test_ties_share_the_lowest_rank(tiny):
    # risk factor 2 weighted 0: composite = RF1 = events; 2020: u1 20/3, u2 10/3, u3 10/3
    res = score(tiny, ScoringConfig(risk_factor_weights={2: 0}))
    f = res.frame
    assert _approx(_cell(f, "u2", 2020, "composite"), 10 / 3)
    assert _approx(_cell(f, "u3", 2020, "composite"), 10 / 3)
    assert [_cell(f, u, 2020, "rank") for u in ("u1", "u2", "u3")] == [1, 2, 2]
    assert [_cell(f, u, 2020, "rank_in_country") for u in ("u1", "u2", "u3")] == [1, 2, 1]
    # u3 2018: RF2 available (coverage 0.5) but it weighs 0 -> no composite, no rank
    assert pd.isna(_cell(f, "u3", 2018, "composite"))
    assert pd.isna(_cell(f, "u3", 2018, "rank"))
    assert _cell(f, "u3", 2018, "coverage") == 0.5


def test_rank_functions_ties_and_missing():
    v = np.array([5.0, 7.0, 7.0, 3.0, NAN, 7.0, 1.0])
    assert grouped_min_rank(v).tolist()[:4] == [4.0, 1.0, 1.0, 5.0]
    r = grouped_min_rank(np.array([9.0, 8.0, 8.0, 2.0]))
    assert r.tolist() == [1.0, 2.0, 2.0, 4.0]
    g = grouped_min_rank(np.array([1.0, 2.0, 2.0, 5.0]), np.array([0, 0, 1, 1]))
    assert g.tolist() == [2.0, 1.0, 2.0, 1.0]
    rows = row_min_rank(np.array([[9.0, 8.0, 8.0, 2.0], [NAN, 1.0, 3.0, 3.0]]))
    assert rows[0].tolist() == [1.0, 2.0, 2.0, 4.0]
    assert math.isnan(rows[1, 0]) and rows[1, 1:].tolist() == [3.0, 1.0, 1.0]


def test_risk_class_bounds():
    c = np.array([0.0, 1.999, 2.0, 3.99, 4.0, 6.0, 7.99, 8.0, 10.0, NAN])
    assert risk_class(c).tolist() == [
        "very low", "very low", "low", "low", "medium", "high", "high", "very high", "very high", "",
    ]


# --- coverage threshold ------------------------------------------------------------------------


def test_min_coverage_suppresses_composite_but_keeps_rf(tiny):
    res = score(tiny, ScoringConfig(min_coverage=0.75))
    f = res.frame
    assert pd.isna(_cell(f, "u3", 2018, "composite"))
    assert _cell(f, "u3", 2018, "risk_class") == ""
    assert pd.isna(_cell(f, "u3", 2018, "rank"))
    assert pd.isna(_cell(f, "u3", 2018, "rank_in_country"))
    assert _cell(f, "u3", 2018, "coverage") == 0.5
    assert _cell(f, "u3", 2018, "rf02") == 0.0  # still filled
    assert [_cell(f, u, 2018, "rank") for u in ("u1", "u2")] == [2, 1]
    # everything else unchanged
    assert _approx(_cell(f, "u3", 2021, "composite"), 65 / 9)


def test_unit_without_data_gets_coverage_zero(tmp_path):
    panel = _panel(tmp_path, units=[("u4", "Unit Four", "BBB", 100.0)])
    f = score(panel).frame
    assert len(f) == 12
    rows = f[f["unit_id"] == "u4"]
    assert rows["coverage"].tolist() == [0.0, 0.0, 0.0]
    assert rows["composite"].isna().all() and rows["rank"].isna().all()
    assert (rows["risk_class"] == "").all()
    # the other units' scores do not change
    assert _approx(_cell(f, "u2", 2020, "composite"), 185 / 36)


# --- aggregation and normalisation options -----------------------------------------------------


def _geo(*scores):
    return math.exp(sum(math.log(s + 0.1) for s in scores) / len(scores)) - 0.1


def test_geometric_aggregation(tiny):
    f = score(tiny, ScoringConfig(aggregation="geometric")).frame
    for unit in ("u1", "u2", "u3"):
        for t, year in enumerate(YEARS):
            parts = [s for s in (RF1[unit][t], RF2[unit][t]) if not math.isnan(s)]
            assert _approx(_cell(f, unit, year, "composite"), _geo(*parts))
            # risk factor scores stay arithmetic means of their indicators
            assert _approx(_cell(f, unit, year, "rf02"), RF2[unit][t])
    assert _cell(f, "u3", 2018, "composite") == pytest.approx(0.0, abs=1e-12)


def test_weighted_geometric_aggregation(tiny):
    f = score(tiny, ScoringConfig(aggregation="geometric", risk_factor_weights={1: 3})).frame
    a, b = RF1["u2"][1], RF2["u2"][1]
    expected = math.exp((3 * math.log(a + 0.1) + math.log(b + 0.1)) / 4) - 0.1
    assert _approx(_cell(f, "u2", 2020, "composite"), expected)


def test_zscore_normalisation(tiny):
    res = score(tiny, ScoringConfig(normalisation="zscore"))

    def z_score(v, pool, direction=1):
        z = (v - statistics.fmean(pool)) / statistics.pstdev(pool)
        s = (max(-3.0, min(3.0, z)) + 3) / 6 * 10
        return 10 - s if direction == -1 else s

    events_pool = [500, 1500, 1000, 1000, 2000]
    deaths_pool = [LN2, 3 * LN2, 0, 2 * LN2, 2 * LN2]
    civic_pool = [5, 5, 5, 10, 15, 25]
    i_ev, i_de, i_ci = (res.panel.codes.index(c) for c in ("events", "deaths", "civic"))
    s = res.indicator_scores
    assert s[i_ev, 0, 0] == pytest.approx(z_score(500, events_pool))
    assert s[i_ev, 2, 2] == pytest.approx(z_score(2000, events_pool))
    assert s[i_de, 0, 2] == pytest.approx(z_score(3 * LN2, deaths_pool))
    assert s[i_ci, 2, 0] == pytest.approx(z_score(25, civic_pool, -1))
    assert s[i_ci, 1, 2] == pytest.approx(z_score(15, civic_pool, -1))
    rf2 = (2 * z_score(2 * LN2, deaths_pool) + z_score(10, civic_pool, -1)) / 3
    comp = (z_score(1000, events_pool) + rf2) / 2
    assert _cell(res.frame, "u2", 2020, "composite") == pytest.approx(comp)


def test_zscore_clips_at_three_sd():
    values = np.array([0.0] * 19 + [100.0])
    stats = pooled_stats(values)
    z_outlier = (100 - 5) / stats.std  # > 3
    assert z_outlier > 3
    scores = normalise(values, stats, 1, "zscore")
    assert scores[-1] == 10.0
    assert scores[0] == pytest.approx((-5 / stats.std + 3) / 6 * 10)
    assert normalise(values, stats, -1, "zscore")[-1] == 0.0


def test_rank_normalisation(tiny):
    res = score(tiny, ScoringConfig(normalisation="rank"))
    # events sorted 500,1000,1000,1500,2000 -> average ranks 1, 2.5, 2.5, 4, 5; n = 5
    # deaths 0, ln2, 2ln2, 2ln2, 3ln2 -> 1, 2, 3.5, 3.5, 5
    # civic 5,5,5,10,15,25 -> 2, 2, 2, 4, 5, 6; n = 6, then 10 - score
    ev = {500: 0.0, 1000: 1.5 / 4 * 10, 1500: 3 / 4 * 10, 2000: 10.0}
    de = {0: 0.0, 1: 2.5, 2: 2.5 / 4 * 10, 3: 10.0}
    ci = {5: 10 - 2.0, 10: 10 - 6.0, 15: 10 - 8.0, 25: 10 - 10.0}
    s = res.indicator_scores
    i_ev, i_de, i_ci = (res.panel.codes.index(c) for c in ("events", "deaths", "civic"))
    assert s[i_ev, 1, 1] == pytest.approx(ev[1000])
    assert s[i_ev, 0, 1] == pytest.approx(ev[1500])
    assert s[i_de, 1, 1] == pytest.approx(de[2])
    assert s[i_de, 0, 0] == pytest.approx(de[1])
    assert s[i_ci, 0, 0] == pytest.approx(ci[5])
    assert s[i_ci, 1, 2] == pytest.approx(ci[15])
    # u1 2018: RF1 = 0, RF2 = (2 * 2.5 + 8) / 3 = 13/3 -> composite 13/6
    assert _cell(res.frame, "u1", 2018, "composite") == pytest.approx(13 / 6)
    # u2 2020: RF1 = 3.75, RF2 = (2 * 6.25 + 4) / 3 = 5.5 -> 4.625
    assert _cell(res.frame, "u2", 2020, "composite") == pytest.approx(4.625)


def test_indicator_weights_from_config_replace_catalog(tiny):
    # deaths weight 2 (catalog) -> 1 (config): u1 2018 RF2 = (10/3 + 10) / 2 = 20/3
    res = score(tiny, ScoringConfig(indicator_weights={"deaths": 1}))
    assert _cell(res.frame, "u1", 2018, "rf02") == pytest.approx(20 / 3)
    assert _cell(res.frame, "u1", 2018, "composite") == pytest.approx((0 + 20 / 3) / 2)
    assert res.warnings == []
    res = score(tiny, ScoringConfig(indicator_weights={"nonexistent": 2}))
    assert "nonexistent" in res.warnings[0]


# --- exclusions, country level ------------------------------------------------------------------


FLAT = {"code": "flat", "title": "Flat", "risk_factor": 1, "direction": 1, "level": "unit"}


def test_constant_indicator_is_excluded_whatever_the_normalisation(tmp_path):
    panel = _panel(
        tmp_path,
        indicators=[FLAT],
        observations=[("u1", "flat", 2018, 7.0), ("u2", "flat", 2020, 7.0), ("u3", "flat", 2021, 7.0)],
    )
    assert "flat" in panel.excluded and "constant" in panel.excluded["flat"]
    for method in ("minmax", "zscore", "rank"):
        res = score(panel, ScoringConfig(normalisation=method))
        assert "flat" in res.excluded
        i = panel.codes.index("flat")
        assert np.isnan(res.indicator_scores[i]).all()
    # minmax scores identical to the panel without it
    f = score(panel).frame
    for unit in ("u1", "u2", "u3"):
        for t, year in enumerate(YEARS):
            assert _approx(_cell(f, unit, year, "composite"), COMPOSITE[unit][t])


def test_constant_indicator_alone_in_its_risk_factor_still_counts_for_coverage(tmp_path):
    # Literal method v1: RF3 "has an observation in the warehouse", so it is in the coverage
    # denominator although its only indicator is excluded (constant).
    panel = _panel(
        tmp_path,
        indicators=[{**FLAT, "risk_factor": 3}],
        observations=[("u1", "flat", 2018, 7.0)],
    )
    assert panel.risk_factors_with_data == (1, 2, 3)
    f = score(panel).frame
    assert _cell(f, "u1", 2018, "coverage") == pytest.approx(2 / 3)
    assert _cell(f, "u3", 2018, "coverage") == pytest.approx(1 / 3)
    assert pd.isna(_cell(f, "u3", 2018, "composite"))  # 1/3 < 0.5


def test_indicator_without_observations_is_reported(tmp_path):
    panel = _panel(tmp_path, indicators=[{**FLAT, "code": "empty", "risk_factor": 4}])
    assert panel.excluded == {"empty": "no observations"}
    assert panel.risk_factors_with_data == (1, 2)


def test_country_level_indicator_broadcast_and_pooled_once(tmp_path):
    gov = {"code": "gov", "title": "Gov", "risk_factor": 3, "direction": -1, "level": "country"}
    panel = _panel(
        tmp_path,
        indicators=[gov],
        observations=[("AAA", "gov", 2018, 1.0), ("BBB", "gov", 2018, 0.0), ("AAA", "gov", 2021, 0.5)],
    )
    i = panel.codes.index("gov")
    assert panel.pooled[i].n == 3  # three country observations, not five unit copies
    res = score(panel)
    # minmax over {1, 0, 0.5}, direction -1: 1 -> 0, 0 -> 10, 0.5 -> 5
    assert res.indicator_scores[i, 0].tolist() == pytest.approx([0, 0, 5])
    assert res.indicator_scores[i, 1].tolist() == pytest.approx([0, 0, 5])
    assert res.indicator_scores[i, 2].tolist() == pytest.approx([10, 10, 10])  # age 3: carried
    assert panel.carried[i, 2].tolist() == [False, True, True]
    # zscore pools the three country values once: mean 0.5, std sqrt(1/6)
    z = score(panel, ScoringConfig(normalisation="zscore")).indicator_scores[i]
    expected_aaa_2018 = 10 - ((0.5 / math.sqrt(1 / 6)) + 3) / 6 * 10
    assert z[0, 0] == pytest.approx(expected_aaa_2018)
    # composite now averages three risk factors
    f = res.frame
    assert _cell(f, "u3", 2021, "composite") == pytest.approx((10 + 40 / 9 + 10) / 3)
    assert _cell(f, "u3", 2018, "coverage") == pytest.approx(2 / 3)


def test_orphan_observations_are_reported_not_scored(tmp_path):
    panel = _panel(tmp_path, observations=[("zz9", "events", 2018, 5.0)])
    assert panel.dropped == {"unit or country not in the warehouse": 1}
    assert panel.pooled[panel.codes.index("events")].n == 5


def test_single_period_equals_slice_of_all_periods(tiny):
    all_f = score(tiny).frame
    one = score(tiny, periods=[2020]).frame
    pd.testing.assert_frame_equal(
        one, all_f[all_f["period"] == 2020].reset_index(drop=True), check_dtype=True
    )
    with pytest.raises(ValueError, match="2019"):
        score(tiny, periods=[2019])


# --- config ---------------------------------------------------------------------------------


def test_load_config(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(
        "normalisation: rank\naggregation: geometric\nmin_coverage: 0.6\n"
        "risk_factor_weights:\n  7: 2\n  rf09: 1.5\nindicator_weights:\n  hate_crimes: 3\n",
        encoding="utf-8",
    )
    cfg = load_config(path)
    assert cfg.normalisation == "rank" and cfg.aggregation == "geometric"
    assert cfg.min_coverage == 0.6
    assert cfg.risk_factor_weights == {7: 2.0, 9: 1.5}
    assert cfg.indicator_weights == {"hate_crimes": 3.0}
    assert load_config(None) == ScoringConfig()
    assert hash(cfg) == hash(load_config(path)) and cfg == load_config(path)
    with pytest.raises(AttributeError):
        cfg.normalisation = "minmax"  # frozen


@pytest.mark.parametrize(
    "data,message",
    [
        ({"normalization": "rank"}, "unknown key"),
        ({"normalisation": "maxmin"}, "normalisation must be one of"),
        ({"aggregation": "median"}, "aggregation must be one of"),
        ({"min_coverage": 1.5}, "between 0 and 1"),
        ({"min_coverage": "half"}, "between 0 and 1"),
        ({"risk_factor_weights": {15: 1}}, "outside 1-14"),
        ({"risk_factor_weights": {"x": 1}}, "not a number 1-14"),
        ({"risk_factor_weights": {1: -1}}, ">= 0"),
        ({"risk_factor_weights": [1, 2]}, "must be a mapping"),
        ({"indicator_weights": {"a": "heavy"}}, "weight must be"),
    ],
)
def test_config_errors_are_clear(data, message):
    with pytest.raises(ConfigError, match=message):
        config_from_mapping(data)


def test_config_file_errors(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("normalisation: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)
    lst = tmp_path / "list.yaml"
    lst.write_text("- 1\n- 2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="expected a mapping"):
        load_config(lst)
