"""Benchmark of the stored results (issue 15): what precomputing costs a publish, what it saves
a reader.

On a copy of the warehouse (``--db``; default: the demo region built into a temporary folder)
it prints, in CPU seconds of this process (``os.times``; the machine is shared, wall time is
noisy):
- the precompute (scores, Monte Carlo of every period, alerts, write) and the fingerprint check;
- reading one period's rank intervals and alerts from storage vs computing them;
- with ``--app``: the cold first view of the overview and of a unit profile, each in a fresh
  process (``AppTest`` of dashboard.py), with and without the stored rows.

Run: ``.venv/bin/python bench/bench_stored.py [--db WAREHOUSE] [--app]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COLD = """
import os, sys
sys.path.insert(0, {root!r})
from streamlit.testing.v1 import AppTest
at = AppTest.from_file({dash!r}, default_timeout=600)
page = {page!r}
if page != "overview":
    at.run()
t0 = os.times()
if page != "overview":
    at.switch_page(f"pages/{{page}}.py")
at.run()
t1 = os.times()
assert not at.exception, at.exception
print(t1.user + t1.system - t0.user - t0.system)
"""


def _cpu() -> float:
    return time.process_time()  # finer than os.times (10 ms ticks)


def _cold(db: Path, page: str) -> float:
    code = COLD.format(root=str(ROOT), dash=str(ROOT / "dashboard.py"), page=page)
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, "RISK_WAREHOUSE": str(db)},
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, help="warehouse to measure (copied; default: the demo)")
    ap.add_argument("--app", action="store_true", help="also measure cold first views")
    args = ap.parse_args()

    import duckdb

    from indicators.scoring import stored, stored_read
    from indicators.scoring.alerts import compute_alerts
    from indicators.scoring.engine import score
    from indicators.scoring.panel import load_panel
    from indicators.scoring.uncertainty import monte_carlo

    with tempfile.TemporaryDirectory(prefix="bench-stored-") as tmp:
        db = Path(tmp) / "wh.duckdb"
        if args.db:
            shutil.copy(args.db, db)
        else:
            from indicators.demo import build_demo

            build_demo(db)
        con = duckdb.connect(str(db))
        stored.clear_results(con)
        c = _cpu()
        status = stored.store_results(con)
        precompute = _cpu() - c
        c = _cpu()
        current = stored.is_current(con)
        check = _cpu() - c
        n_units, n_periods = con.execute(
            "SELECT count(DISTINCT unit_id), count(DISTINCT period) FROM stored_scores").fetchone()
        print(f"warehouse: {args.db or 'demo (built)'}: {n_units:,} units, {n_periods} periods")
        print(f"precompute ({status}): {precompute:.2f} CPU-s   (target: <= 10 s per publish)")
        print(f"fingerprint check: {check:.4f} CPU-s (current={current})")

        panel = load_panel(con)
        result = score(panel)
        period = int(result.periods[-1])
        c = _cpu()
        monte_carlo(panel, n_draws=stored.DRAWS, seed=stored.SEED, periods=[period])
        compute_alerts(result, period)
        fresh = _cpu() - c
        c = _cpu()
        stored_read.read_ranks(con, period)
        stored_read.read_alerts(con, period)
        read = _cpu() - c
        print(f"one period's rank intervals + alerts: computed {fresh:.4f} CPU-s, "
              f"read {read:.4f} CPU-s")
        con.close()

        if args.app:
            bare = Path(tmp) / "bare.duckdb"
            shutil.copy(db, bare)
            with duckdb.connect(str(bare)) as c2:
                stored.clear_results(c2)
            for page in ("overview", "profile"):
                with_rows, without = _cold(db, page), _cold(bare, page)
                print(f"cold first view of {page}: {with_rows:.2f} CPU-s with stored results, "
                      f"{without:.2f} without")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
