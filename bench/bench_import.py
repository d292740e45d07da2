"""Benchmark of the user-facing import path (`python -m indicators import`) at scale.

Writes the synthetic 1,000 units x 60 indicators x 20 years panel of bench_scoring.py
(1.2 M observations) as one long-form Parquet file and imports it with
``indicators.ingest.import_file`` into a warehouse that holds the units and the catalog:
reading, validation of every row, the copy-on-write transaction. Prints time and peak RSS.

Run: ``.venv/bin/python bench/bench_import.py [--units 1000] [--indicators 60] [--years 20]``
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    """Import the synthetic panel through the CLI import function and print the figures."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=1000)
    ap.add_argument("--indicators", type=int, default=60)
    ap.add_argument("--years", type=int, default=20)
    args = ap.parse_args()

    from bench_scoring import synthetic_frames, write_base_warehouse

    from indicators.ingest import import_file

    countries, units, indicators, obs, _pop = synthetic_frames(args.units, args.indicators, args.years)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        write_base_warehouse(db, countries, units, indicators).close()
        f = Path(tmp) / "observations.parquet"
        obs.to_parquet(f, index=False)
        t0 = time.perf_counter()
        report = import_file(db, f)
        seconds = time.perf_counter() - t0
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"import_file, {len(obs):,} observations (Parquet, long): {seconds:.1f} s "
              f"({len(obs) / seconds:,.0f} rows/s), status {report.status}, peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    main()
