"""Benchmark of the scoring engine on a synthetic panel.

1,000 units x 60 scored indicators x 20 years = 1.2 M observations (plus a population
indicator every 5 years), written to a real DuckDB file in a temporary folder.

Prints: import time (bulk insert of the observations + ``load_panel``), score time for all
periods, Monte Carlo time for N = 1,000 draws for one period, and peak memory (RSS).
Targets on the 2-core reference machine: score <= 1 s, Monte Carlo <= 3 s, peak RSS <= 1 GB.

Run: ``.venv/bin/python bench/bench_scoring.py [--units 1000] [--indicators 60] [--years 20]``
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TARGETS = {"score": 1.0, "monte_carlo": 3.0, "rss_mb": 1024.0}


def _peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def synthetic_frames(n_units: int, n_ind: int, n_years: int, seed: int = 7):
    """Countries, units, indicator definitions and observations of the synthetic panel."""
    rng = np.random.default_rng(seed)
    countries = [(f"C{c:02d}", f"Country {c}") for c in range(5)]
    unit_ids = np.array([f"U{u:05d}" for u in range(n_units)], dtype=object)
    units = pd.DataFrame(
        {
            "unit_id": unit_ids,
            "name": [f"Municipality {u}" for u in range(n_units)],
            "country": [countries[u % len(countries)][0] for u in range(n_units)],
            "population": rng.integers(2_000, 500_000, n_units).astype(float),
        }
    )
    indicators = [
        {"code": "population", "title": "Population", "direction": 1, "level": "unit"}
    ]
    for k in range(n_ind):
        indicators.append(
            {
                "code": f"ind_{k:02d}",
                "title": f"Synthetic indicator {k}",
                "risk_factor": k % 14 + 1,
                "direction": -1 if k % 7 == 3 else 1,
                "level": "unit",
                "transform": "log1p" if k % 3 == 0 else "none",
                "per_capita": k % 5 == 0,
                "weight": 1.0 + (k % 2),
                "max_age": 3,
            }
        )
    years = np.arange(2005, 2005 + n_years)
    codes = np.array([d["code"] for d in indicators[1:]], dtype=object)
    n = n_ind * n_units * n_years
    obs = pd.DataFrame(
        {
            "unit_id": np.tile(np.repeat(unit_ids, n_years), n_ind),
            "indicator": np.repeat(codes, n_units * n_years),
            "period": np.tile(years, n_ind * n_units).astype(np.int32),
            "value": rng.gamma(2.0, 10.0, n),
        }
    )
    census = years[::5]
    pop = pd.DataFrame(
        {
            "unit_id": np.repeat(unit_ids, census.size),
            "indicator": "population",
            "period": np.tile(census, n_units).astype(np.int32),
            "value": rng.integers(2_000, 500_000, n_units * census.size).astype(float),
        }
    )
    return countries, units, indicators, obs, pop


def write_base_warehouse(db: Path, countries, units: pd.DataFrame, indicators: list[dict]):
    """A warehouse with the synthetic countries, units and catalog (no observations yet);
    returns the open read-write connection."""
    from indicators.catalog import store_catalog, validate_record
    from indicators.warehouse import connect, transaction

    con = connect(db)
    with transaction(con):
        for iso3, name in countries:
            con.execute("INSERT INTO countries (iso3, name) VALUES (?, ?)", [iso3, name])
        con.register("units_in", units)
        con.execute(
            "INSERT INTO units (unit_id, name, country, population) "
            "SELECT unit_id, name, country, population FROM units_in"
        )
        store_catalog(con, [validate_record(d) for d in indicators])
    return con


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=1000)
    ap.add_argument("--indicators", type=int, default=60)
    ap.add_argument("--years", type=int, default=20)
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3, help="timed repetitions (best and first shown)")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    from indicators.scoring import load_panel, monte_carlo, score
    from indicators.warehouse import connect, transaction

    module_import = time.perf_counter() - t0

    countries, units, indicators, obs, pop = synthetic_frames(args.units, args.indicators, args.years)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        con = write_base_warehouse(db, countries, units, indicators)
        t0 = time.perf_counter()
        with transaction(con):
            for frame in (obs, pop):
                con.register("obs_in", frame)
                con.execute(
                    "INSERT INTO observations (unit_id, indicator, period, value) "
                    "SELECT unit_id, indicator, period, value FROM obs_in"
                )
                con.unregister("obs_in")
        insert_s = time.perf_counter() - t0
        n_obs = con.execute("SELECT count(*) FROM observations").fetchone()[0]
        con.close()
        del obs, pop

        con = connect(db, read_only=True)
        t0 = time.perf_counter()
        panel = load_panel(con)
        load_s = time.perf_counter() - t0
        con.close()

        score_times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            result = score(panel)
            score_times.append(time.perf_counter() - t0)
        latest = [int(panel.periods[-1])]
        mc_times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            mc = monte_carlo(panel, n_draws=args.draws, seed=1, periods=latest)
            mc_times.append(time.perf_counter() - t0)

    rss = _peak_rss_mb()
    rss_now = psutil.Process().memory_info().rss / 2**20
    i, u, t = panel.shape
    print(f"Synthetic panel: {u} units x {i} indicators x {t} years; "
          f"{n_obs:,} observations in the warehouse ({i * u * t:,} scored + population).")
    print(f"module import (indicators.scoring)  {module_import:6.3f} s")
    print(f"import: bulk insert              {insert_s:6.3f} s")
    print(f"import: load_panel               {load_s:6.3f} s")
    print(f"import: total                    {insert_s + load_s:6.3f} s")
    print(f"score, all {t} periods           {min(score_times):6.3f} s best, "
          f"{score_times[0]:.3f} s first  (target <= {TARGETS['score']:.0f} s; "
          f"{len(result.frame):,} rows)")
    print(f"Monte Carlo N={args.draws}, 1 period   {min(mc_times):6.3f} s best, "
          f"{mc_times[0]:.3f} s first  (target <= {TARGETS['monte_carlo']:.0f} s; {len(mc):,} rows)")
    print(f"peak RSS                         {rss:6.0f} MB  (target <= {TARGETS['rss_mb']:.0f} MB; "
          f"now {rss_now:.0f} MB)")
    ok = (
        min(score_times) <= TARGETS["score"]
        and min(mc_times) <= TARGETS["monte_carlo"]
        and rss <= TARGETS["rss_mb"]
    )
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
