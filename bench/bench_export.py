"""Benchmark of the downloads on the demo region: static images, data tables and the brief.

Prints: the cold export (first image: starts the persistent Chromium), warm exports of the
map / trend / profile charts in PNG (2x), SVG and PDF (median over repeats), CSV and XLSX of
the map data, and the one-page brief (cold figures gathered, warm Chromium).
Targets on the 2-core reference machine: warm chart <= 0.5 s, brief <= 5 s.

Run: ``.venv/bin/python bench/bench_export.py [--repeats 5]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGETS = {"warm_chart": 0.5, "brief": 5.0}


def _timed(fn, *args, **kwargs) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t0, out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    from indicators.demo import build_demo
    from indicators.export import images, tables
    from indicators.export.brief import build_brief
    from indicators.export.charts import Selection, build_chart, open_context
    from indicators.warehouse import connect

    if not images.chromium_available():
        print("bench_export: no Chromium on this machine; image and brief timings skipped.")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "demo.duckdb"
        build_demo(db)
        con = connect(db, read_only=True)
        ctx = open_context(con)
        unit = "QZA-004"
        charts = {kind: build_chart(ctx, kind, Selection(unit=unit)) for kind in ("map", "trend", "profile")}

        images.stop()
        cold, _ = _timed(images.export_figure, charts["profile"].figure, charts["profile"].meta, "svg")
        print(f"cold export (starts Chromium), profile SVG: {cold:6.2f} s")

        worst_warm = 0.0
        print(f"warm exports, median of {args.repeats} (target <= {TARGETS['warm_chart']} s):")
        for kind, chart in charts.items():
            cells = []
            for fmt in ("png", "svg", "pdf"):
                times = [_timed(images.export_figure, chart.figure, chart.meta, fmt)[0]
                         for _ in range(args.repeats)]
                med = statistics.median(times)
                worst_warm = max(worst_warm, med)
                cells.append(f"{fmt} {med:5.2f} s")
            print(f"  {kind:8s} " + "   ".join(cells))
        tab = charts["map"]
        csv_t = statistics.median(_timed(tables.to_csv, tab.data)[0] for _ in range(args.repeats))
        xlsx_t = statistics.median(_timed(tables.to_xlsx, tab.data, tab.meta)[0] for _ in range(args.repeats))
        print(f"  map data ({len(tab.data)} rows): csv {csv_t:5.3f} s   xlsx {xlsx_t:5.3f} s")

        brief_times = [_timed(build_brief, con, unit=unit, context=ctx)[0] for _ in range(args.repeats)]
        first = brief_times[0]
        brief_med = statistics.median(brief_times)
        print(f"brief (A4 PDF, unit {unit}): first {first:5.2f} s, median {brief_med:5.2f} s "
              f"(target <= {TARGETS['brief']} s)")
        t_ctx, ctx2 = _timed(open_context, con)
        t_all, _ = _timed(build_brief, con, unit=unit, context=ctx2)
        print(f"brief from scratch (score + Monte Carlo + figures + PDF): {t_ctx + t_all:5.2f} s")
        con.close()
        images.stop()

    ok_chart = worst_warm <= TARGETS["warm_chart"]
    ok_brief = brief_med <= TARGETS["brief"]
    print(f"targets: warm chart {'OK' if ok_chart else 'MISSED'} ({worst_warm:.2f} s, worst "
          f"chart and format), brief {'OK' if ok_brief else 'MISSED'} ({brief_med:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
