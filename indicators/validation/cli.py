"""``python -m indicators validate``: the backtest from the command line."""

from __future__ import annotations

import argparse
import sys

from indicators.scoring.config import ConfigError, load_config

from .backtest import BacktestSpec, backtest
from .learned import learn
from .metrics import DEFAULT_RESAMPLES, DEFAULT_SEED
from .outcome import AGGREGATES, BacktestError, parse_window
from .report import case_meta, learned_text, to_text, write


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``validate`` (``--db`` is added by the caller)."""
    p.add_argument("--period", type=int, required=True, metavar="T",
                   help="year whose scores are tested (e.g. 1991)")
    p.add_argument("--outcome", required=True, metavar="CODE",
                   help="indicator code of the outcome (e.g. war_deaths_rdc_per_1000)")
    p.add_argument("--window", required=True, metavar="A-B",
                   help="outcome years, after T (e.g. 1992-1995)")
    p.add_argument("--aggregate", choices=AGGREGATES, default="sum",
                   help="sum (default) or mean of the outcome over the window")
    p.add_argument("--config", metavar="FILE", help="YAML scoring options (default: method v1)")
    p.add_argument("--resamples", type=int, default=DEFAULT_RESAMPLES,
                   help=f"bootstrap resamples (default {DEFAULT_RESAMPLES})")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="bootstrap seed")
    p.add_argument("--learn", action="store_true",
                   help="also learn weights from the case, reported out of sample only "
                        "(leave-one-out over units)")
    p.add_argument("--out", metavar="FILE.csv|.json", help="also write the table (CSV) or everything (JSON)")


def run_validate(args: argparse.Namespace) -> int:
    """Run the backtest, print the table, write ``--out``; returns the exit code."""
    from indicators.warehouse import connect

    if args.out and not args.out.lower().endswith((".csv", ".json")):
        print(f"validate: --out {args.out}: use a .csv or .json file name.", file=sys.stderr)
        return 1
    if args.resamples < 1:
        print("validate: --resamples must be at least 1.", file=sys.stderr)
        return 1
    try:
        config = load_config(args.config)
        window = parse_window(args.window)
        con = connect(args.db, read_only=True)
    except (ConfigError, BacktestError, FileNotFoundError) as exc:
        print(f"validate: {exc}", file=sys.stderr)
        return 1
    try:
        spec = BacktestSpec(period=args.period, outcome=args.outcome, window=window,
                            how=args.aggregate, config=config, resamples=args.resamples,
                            seed=args.seed)
        result = backtest(con, spec)
        learned = learn(result) if args.learn else None
        print(to_text(result, case_meta(con)))
        if learned is not None:
            print("\n" + learned_text(learned))
        if args.out:
            path = write(result, args.out, con, learned)
            print(f"\nWritten to {path}")
    except BacktestError as exc:
        print(f"validate: {exc}", file=sys.stderr)
        return 1
    finally:
        con.close()
    return 0
