"""`score --all-periods` end to end against a plain pandas pipeline, side by side (issue 15).

Builds the benchmark panel (1,000 units x 60 indicators x 20 years, ~1.2 M observations) in a
warehouse and, for the reference, the same observations as a CSV file. Then times, each as a
fresh process (imports included), alternating and repeated:

- ``python -m indicators score --all-periods --db W --out scores.csv`` (method v1);
- a plain pandas pipeline that reads the CSV, pivots, min-max normalises each indicator
  (pooled), averages indicators per risk factor and risk factors per unit-period, and writes
  the composite as CSV — the simplest hand-written equivalent.

Prints both times, the ratio (target: the command >= 3x faster than the pipeline) and where
the command's time goes (imports, load, score, write).

Run: ``.venv/bin/python bench/bench_score_cli.py [--repeat 3]``
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

PANDAS_PIPELINE = r'''
import sys
import pandas as pd
obs = pd.read_csv(sys.argv[1])
ind = pd.read_csv(sys.argv[2])
wide = obs.pivot_table(index=["unit_id", "period"], columns="indicator", values="value")
lo, hi = wide.min(), wide.max()
norm = (wide - lo) / (hi - lo).replace(0, float("nan")) * 10
rf = ind.set_index("code")["risk_factor"]
by_rf = norm.T.groupby(rf.reindex(norm.columns).values).mean().T
out = by_rf.mean(axis=1).rename("composite").reset_index()
out.to_csv(sys.argv[3], index=False)
'''


def _time(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def _breakdown(db: Path, out: Path) -> dict[str, float]:
    """Where the command's time goes, in this process (imports first)."""
    t0 = time.perf_counter()
    from indicators.scoring.engine import score
    from indicators.scoring.panel import load_panel
    from indicators.warehouse import connect
    t1 = time.perf_counter()
    con = connect(db, read_only=True)
    panel = load_panel(con)
    con.close()
    t2 = time.perf_counter()
    result = score(panel)
    t3 = time.perf_counter()
    result.frame.to_csv(out, index=False)
    t4 = time.perf_counter()
    return {"imports": t1 - t0, "load": t2 - t1, "score": t3 - t2, "write": t4 - t3}


def main() -> None:
    """Build the panel, time both side by side, print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from bench_scoring import synthetic_frames, write_base_warehouse

    from indicators.warehouse import transaction

    countries, units, indicators, obs, pop = synthetic_frames(1000, 60, 20)
    with tempfile.TemporaryDirectory() as tmp:
        tmpd = Path(tmp)
        db = tmpd / "bench.duckdb"
        con = write_base_warehouse(db, countries, units, indicators)
        with transaction(con):
            for frame in (obs, pop):
                con.register("obs_in", frame)
                con.execute("INSERT INTO observations (unit_id, indicator, period, value) "
                            "SELECT unit_id, indicator, period, value FROM obs_in")
                con.unregister("obs_in")
        n_obs = con.execute("SELECT count(*) FROM observations").fetchone()[0]
        con.close()
        csv_obs, csv_ind = tmpd / "obs.csv", tmpd / "ind.csv"
        obs[["unit_id", "indicator", "period", "value"]].to_csv(csv_obs, index=False)
        import pandas as pd

        pd.DataFrame(indicators)[["code", "risk_factor"]].to_csv(csv_ind, index=False)
        script = tmpd / "pipeline.py"
        script.write_text(PANDAS_PIPELINE, encoding="utf-8")

        cli = [sys.executable, "-m", "indicators", "score", "--all-periods", "--db", str(db),
               "--out", str(tmpd / "scores.csv")]
        ref = [sys.executable, str(script), str(csv_obs), str(csv_ind), str(tmpd / "ref.csv")]
        t_cli, t_ref = [], []
        for _ in range(args.repeat):  # alternate, so both see the same machine load
            t_cli.append(_time(cli))
            t_ref.append(_time(ref))
        parts = _breakdown(db, tmpd / "again.csv")
    c, r = statistics.median(t_cli), statistics.median(t_ref)
    print(f"panel: {n_obs:,} observations (1,000 units x 60 indicators x 20 years)")
    print(f"score --all-periods, end to end:  {c:.2f} s (median of {args.repeat})")
    print(f"plain pandas pipeline from CSV:   {r:.2f} s (median of {args.repeat})")
    print(f"ratio: the command is {r / c:.1f}x faster   (target >= 3x)")
    print("where the command's time goes (in-process): "
          + ", ".join(f"{k} {v:.2f} s" for k, v in parts.items()))


if __name__ == "__main__":
    main()
