"""`score --all-periods` end to end against a plain pandas pipeline, side by side (issue 15).

Builds the benchmark panel (1,000 units x 60 indicators x 20 years, ~1.2 M observations) in a
warehouse, stores its results as a publish does (``refresh_stored_results``) and, for the
reference, writes the same observations as a CSV file. Then times, each as a fresh process
(imports included), alternating and repeated:

- ``python -m indicators score --all-periods --db W --out scores.csv`` (method v1; it reads
  the stored results, which are current);
- the same with ``--recompute`` (computes from the observations, as without stored results);
- a plain pandas pipeline that reads the CSV, pivots, min-max normalises each indicator
  (pooled), averages indicators per risk factor and risk factors per unit-period, and writes
  the composite as CSV — the simplest hand-written equivalent.

Prints the times, the ratio (target: the command >= 3x faster than the pipeline) and where
the command's time goes, measured in a fresh process that runs the command's own steps one
by one: interpreter start, imports (argument parsing included), check (is the stored
fingerprint current?), copy (the CSV from ``stored_scores``); and for ``--recompute``: imports,
load (``load_panel``), score, write (CSV + sidecar). It also lists which heavy libraries
each imported.

Run: ``.venv/bin/python bench/bench_score_cli.py [--repeat 3] [--keep DIR]``
(``--keep DIR`` keeps the warehouse and CSV files in DIR and reuses them on the next run.)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
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

#: The command's steps, one by one, in a fresh process (same functions as ``run_score``).
BREAKDOWN = r'''
import json, sys, time
t0 = time.perf_counter()
from indicators.cli import build_parser
argv = ["score", "--all-periods", "--db", sys.argv[1], "--out", sys.argv[2]]
try:
    parser = build_parser(only="score")  # what `python -m indicators score` builds
except TypeError:  # the code before issue 15 builds the whole parser
    parser = build_parser()
args = parser.parse_args(argv)
from indicators.scoring import cli as scli
from indicators.scoring.config import load_config
from indicators.scoring.engine import score
t1 = time.perf_counter()
cfg = load_config(None)
new_api = hasattr(scli, "load_for_score")  # False: the code before issue 15 (for "before")
panel, facts = scli.load_for_score(args.db) if new_api else (scli._load(args.db), None)
t2 = time.perf_counter()
periods = [int(p) for p in panel.periods]
result = score(panel, cfg, periods)
t3 = time.perf_counter()
from pathlib import Path
out = Path(args.out)
if new_api:
    scli.write_score_csv(result, out)
    scli._write_sidecar(facts, out, cfg, periods, None, args.seed)
else:
    from indicators.scoring.engine import CSV_COLUMNS
    scli.write_csv(result.frame[list(CSV_COLUMNS)], out)
    scli._write_sidecar(args.db, out, cfg, periods, None, args.seed)
t4 = time.perf_counter()
heavy = ["pandas", "numpy", "pyarrow", "duckdb", "geopandas", "shapely", "pyproj", "plotly",
         "streamlit", "matplotlib", "scipy", "yaml"]
print(json.dumps({"imports": t1 - t0, "load": t2 - t1, "score": t3 - t2, "write": t4 - t3,
                  "modules": len(sys.modules),
                  "heavy": [m for m in heavy if m in sys.modules]}))
'''


#: The stored path's steps, one by one, in a fresh process (same functions as ``stored_score``).
BREAKDOWN_STORED = r'''
import json, sys, time
from pathlib import Path
t0 = time.perf_counter()
from indicators.cli import build_parser
args = build_parser(only="score").parse_args(
    ["score", "--all-periods", "--db", sys.argv[1], "--out", sys.argv[2]])
from indicators.scoring import stored_cli as sc
from indicators.scoring.cli import _sidecar_facts
t1 = time.perf_counter()
con = sc._open(args.db)
assert sc.usable(con), "the stored results are not current"
t2 = time.perf_counter()
periods = sc._periods(con, None, True)
notes, facts = sc._notes(con), _sidecar_facts(con)
sc._copy_scores(con, periods, False, Path(args.out))
con.close()
t3 = time.perf_counter()
heavy = ["pandas", "numpy", "pyarrow", "duckdb", "geopandas", "shapely", "pyproj", "plotly",
         "streamlit", "matplotlib", "scipy", "yaml"]
print(json.dumps({"imports": t1 - t0, "check": t2 - t1, "copy": t3 - t2,
                  "modules": len(sys.modules),
                  "heavy": [m for m in heavy if m in sys.modules]}))
'''

STORE = ("import sys\nfrom indicators.scoring.stored import refresh_stored_results\n"
         "print(refresh_stored_results(sys.argv[1]))\n")

#: The source tree whose ``indicators`` package is measured (``--src``; default: this one).
SRC = ROOT


def _time(cmd: list[str]) -> float:
    return _run_cmd(cmd)[0]


def _run_cmd(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds: user + system of the child) of one fresh process. On a
    machine shared with other jobs the CPU figure is the steadier of the two."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=SRC, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _has_stored_cli() -> bool:
    """True when the measured tree's ``score`` reads stored results (and knows --recompute)."""
    return (SRC / "indicators" / "scoring" / "stored_cli.py").exists()


def _store(db: Path) -> str:
    """Store the results of ``db`` with the measured tree's code, as a publish does."""
    proc = subprocess.run([sys.executable, "-c", STORE, str(db)], cwd=SRC, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(SRC)})
    return proc.stdout.strip() or f"not stored ({proc.stderr.strip().splitlines()[-1:]})"


def _breakdown(db: Path, out: Path, script: Path) -> dict:
    """Where the command's time goes: its steps timed in a fresh process (imports first)."""
    t_start = _time([sys.executable, "-c", "pass"])
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.run([sys.executable, str(script), str(db), str(out)], cwd=SRC,
                          capture_output=True, text=True, env=env)
    if proc.returncode:
        raise SystemExit(f"the breakdown run failed:\n{proc.stderr}")
    parts = json.loads(proc.stdout.strip().splitlines()[-1])
    return {"interpreter start": t_start, **parts}


def _prepare(tmpd: Path) -> tuple[Path, Path, Path, int]:
    """The benchmark warehouse and the pipeline's CSV files in ``tmpd`` (reused when present)."""
    db, csv_obs, csv_ind = tmpd / "bench.duckdb", tmpd / "obs.csv", tmpd / "ind.csv"
    if not (db.exists() and csv_obs.exists() and csv_ind.exists()):
        for p in (db, csv_obs, csv_ind):
            p.unlink(missing_ok=True)
        import pandas as pd
        from bench_scoring import synthetic_frames, write_base_warehouse

        from indicators.warehouse import transaction

        countries, units, indicators, obs, pop = synthetic_frames(1000, 60, 20)
        con = write_base_warehouse(db, countries, units, indicators)
        with transaction(con):
            for frame in (obs, pop):
                con.register("obs_in", frame)
                con.execute("INSERT INTO observations (unit_id, indicator, period, value) "
                            "SELECT unit_id, indicator, period, value FROM obs_in")
                con.unregister("obs_in")
        con.close()
        obs[["unit_id", "indicator", "period", "value"]].to_csv(csv_obs, index=False)
        pd.DataFrame(indicators)[["code", "risk_factor"]].to_csv(csv_ind, index=False)
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    n_obs = con.execute("SELECT count(*) FROM observations").fetchone()[0]
    con.close()
    return db, csv_obs, csv_ind, n_obs


def _run(tmpd: Path, repeat: int) -> None:
    db, csv_obs, csv_ind, n_obs = _prepare(tmpd)
    script = tmpd / "pipeline.py"
    script.write_text(PANDAS_PIPELINE, encoding="utf-8")
    steps = tmpd / "breakdown.py"
    steps.write_text(BREAKDOWN, encoding="utf-8")
    stored = _has_stored_cli()
    if stored:
        print(f"stored results of the benchmark warehouse: {_store(db)}")
    steps_stored = tmpd / "breakdown_stored.py"
    steps_stored.write_text(BREAKDOWN_STORED, encoding="utf-8")

    cli = [sys.executable, "-m", "indicators", "score", "--all-periods", "--db", str(db),
           "--out", str(tmpd / "scores.csv")]
    ref = [sys.executable, str(script), str(csv_obs), str(csv_ind), str(tmpd / "ref.csv")]
    runs = {"command": cli, "pipeline": ref}
    if stored:
        runs["--recompute"] = [*cli[:-1], str(tmpd / "scores_recomputed.csv"), "--recompute"]
    walls: dict[str, list[float]] = {k: [] for k in runs}
    cpus: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(repeat):  # alternate, so all see the same machine load
        for name, cmd in runs.items():
            wall, cpu = _run_cmd(cmd)
            walls[name].append(wall)
            cpus[name].append(cpu)
    wall = {k: statistics.median(v) for k, v in walls.items()}
    cpu = {k: statistics.median(v) for k, v in cpus.items()}
    c, r = wall["command"], wall["pipeline"]
    print(f"panel: {n_obs:,} observations (1,000 units x 60 indicators x 20 years)")
    labels = {"command": "score --all-periods, end to end:", "pipeline":
              "plain pandas pipeline from CSV:", "--recompute": "score --all-periods --recompute:"}
    for name in runs:
        print(f"{labels[name]:<36}{wall[name]:.2f} s wall, {cpu[name]:.2f} s CPU (median of "
              f"{repeat}; wall: {', '.join(f'{x:.2f}' for x in walls[name])})")
    print(f"ratio: the command is {r / c:.1f}x faster (wall), {cpu['pipeline'] / cpu['command']:.1f}x "
          f"(CPU)   (target >= 3x)")
    if stored:
        print(f"  --recompute: {r / wall['--recompute']:.1f}x (wall), "
              f"{cpu['pipeline'] / cpu['--recompute']:.1f}x (CPU); same bytes as the command: "
              f"{(tmpd / 'scores.csv').read_bytes() == (tmpd / 'scores_recomputed.csv').read_bytes()}")
    todo = [("stored results", steps_stored)] if stored else []
    todo.append(("computing (--recompute)" if stored else "computing", steps))
    for what, script_path in todo:
        parts = _breakdown(db, tmpd / "again.csv", script_path)
        heavy = parts.pop("heavy")
        n_mod = parts.pop("modules")
        print(f"where the time goes, {what} (its steps in a fresh process): "
              + ", ".join(f"{k} {v:.2f} s" for k, v in parts.items()))
        print(f"  modules imported: {n_mod}; heavy libraries: {', '.join(heavy)}")


def main() -> None:
    """Build (or reuse) the panel, time both side by side, print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", metavar="DIR",
                        help="keep the warehouse and CSV files in DIR (reused when present)")
    parser.add_argument("--src", metavar="DIR",
                        help="measure the indicators package of another source tree, e.g. a "
                             "patched copy (default: this repository)")
    args = parser.parse_args()
    global SRC
    SRC = Path(args.src).resolve() if args.src else ROOT
    if args.keep:
        keep = Path(args.keep)
        keep.mkdir(parents=True, exist_ok=True)
        _run(keep, args.repeat)
        return
    with tempfile.TemporaryDirectory() as tmp:
        _run(Path(tmp), args.repeat)


if __name__ == "__main__":
    main()
