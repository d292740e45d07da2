"""Benchmark of the backtest: `validate` with 1,000 bootstrap resamples for every predictor of the
bih-1991 case (target <= 5 s), plus the demo warehouse. Prints figures.

    .venv/bin/python bench/bench_validation.py [--mirror ../shared/data]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from indicators.cli import main  # noqa: E402
from indicators.validation import BacktestSpec, backtest  # noqa: E402
from indicators.warehouse import connect  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _time(label: str, fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    print(f"{label:<62} {best:7.2f} s (best of {repeat})")
    return best


def run(mirror: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-validation-") as tmp:
        out = Path(tmp)
        if (mirror / "bih_voting_tdballesteros").is_dir():
            from indicators.sources.packs.bih_1991_build import build_bih_1991

            db = out / "bih-1991.duckdb"
            _time("build --pack bih-1991 (109 units, UCDP point in polygon)",
                  lambda: build_bih_1991(db, mirror), repeat=1)
            for code in ("war_deaths_rdc_per_1000", "war_deaths_ucdp_per_100k"):
                args = ["validate", "--db", str(db), "--period", "1991", "--outcome", code,
                        "--window", "1992-1995", "--out", str(out / f"{code}.json")]
                secs = _time(f"validate CLI, {code}, 1,000 resamples, all predictors",
                             lambda a=args: _quiet(a))
                print(f"{'':<62} target <= 5 s: {'OK' if secs <= 5 else 'MISSED'}")
        else:
            print(f"mirror {mirror} has no bih_voting_tdballesteros: bih-1991 figures skipped")
        from indicators.demo import build_demo

        demo = out / "demo.duckdb"
        build_demo(demo)
        con = connect(demo, read_only=True)
        try:
            res = backtest(con, BacktestSpec(2022, "hate_speech_incidents", (2023, 2025)))
            n_pred = len(res.table)
            _time(f"demo backtest, {n_pred} predictors x 1,000 resamples (in-process)",
                  lambda: backtest(con, BacktestSpec(2022, "hate_speech_incidents", (2023, 2025))))
        finally:
            con.close()


def _quiet(args: list[str]) -> int:
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        return main(args)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mirror", default=str(ROOT.parent / "shared" / "data"))
    run(Path(parser.parse_args().mirror))
