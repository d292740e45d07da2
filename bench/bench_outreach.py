"""Timings of the outreach jobs on one warehouse: open-data package, Atom feeds, digest (dry run).

Usage: ``python bench/bench_outreach.py --db data/warehouse.duckdb`` (prints figures; writes only
to a temporary folder and a temporary outreach store).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    """Run each job once and print wall time, output size and peak memory."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-outreach-") as tmp:
        os.environ["RISK_OUTREACH_DB"] = str(Path(tmp) / "outreach.sqlite")
        from indicators.outreach.digest_run import run_digest
        from indicators.outreach.feed import write_feeds
        from indicators.outreach.opendata import build_open_data
        from indicators.outreach.store import connect_store
        from indicators.outreach.subscriptions import KINDS, Subscriber, add_subscriber
        from indicators.warehouse import connect

        t0 = time.perf_counter()
        summary = build_open_data(args.db, Path(tmp) / "pkg.zip")
        size = (Path(tmp) / "pkg.zip").stat().st_size / 1e6
        print(f"open-data: {time.perf_counter() - t0:.1f} s, zip {size:.1f} MB, rows {summary.rows}")

        t0 = time.perf_counter()
        paths = write_feeds(args.db, Path(tmp) / "feeds")
        print(f"feeds: {time.perf_counter() - t0:.1f} s, {len(paths)} files, "
              f"{sum(p.stat().st_size for p in paths) / 1e3:.0f} kB")

        con = connect(args.db, read_only=True)
        countries = [r[0] for r in con.execute("SELECT iso3 FROM countries ORDER BY iso3").fetchall()]
        units = [r[0] for r in con.execute("SELECT unit_id FROM units ORDER BY unit_id LIMIT 2").fetchall()]
        store = connect_store(args.db)
        for i, c in enumerate(countries):
            add_subscriber(store, Subscriber(f"bench{i}@example.org", countries=(c,), units=tuple(units),
                                             kinds=KINDS), con)
        con.close()
        for chart in (False, True):
            t0 = time.perf_counter()
            out = run_digest(args.db, dry_run=True, out=Path(tmp) / "eml", with_chart=chart,
                             today=dt.date.today())
            print(f"digest dry run, {len(out)} subscribers, chart={chart}: {time.perf_counter() - t0:.1f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:.0f} MB")


if __name__ == "__main__":
    main()
