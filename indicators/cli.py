"""The command line: ``python -m indicators {build,import,info,score,alerts}``.

Every command takes ``--db PATH`` (default: ``$RISK_WAREHOUSE`` or ``data/warehouse.duckdb``).
Exit codes: 0 success, 1 usage or environment error, 2 input rejected.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from indicators.warehouse import resolve_db_path


def _add_db(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db",
        metavar="PATH",
        default=None,
        help="warehouse file (default: $RISK_WAREHOUSE or data/warehouse.duckdb)",
    )


def _parse_map(text: str | None) -> dict[str, str] | None:
    if not text:
        return None
    mapping: dict[str, str] = {}
    for part in text.split(","):
        if "=" not in part:
            raise SystemExit(
                f"--map: expected target=source pairs like unit_id=shapeID,name=shapeName; got {part!r}"
            )
        target, source = (x.strip() for x in part.split("=", 1))
        mapping[target] = source
    return mapping


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of the whole CLI."""
    parser = argparse.ArgumentParser(
        prog="python -m indicators",
        description="Atrocity-risk warehouse: build, import, inspect and score (UN FoA, method v1).",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("build", help="(re)build a warehouse")
    _add_db(p)
    p.add_argument("--demo", action="store_true", help="the fictional demo region (invented data)")
    p.add_argument("--seed", type=int, default=None, help="demo generator seed")

    p = sub.add_parser("import", help="import observations, boundaries or indicator definitions")
    _add_db(p)
    p.add_argument("file", help="CSV/XLSX/Parquet observations or definitions; GeoJSON/GPKG/zip boundaries")
    p.add_argument("--definitions", metavar="FILE", help="indicator definitions (CSV or YAML) to add first")
    p.add_argument("--dry-run", action="store_true", help="validate and report, change nothing")
    p.add_argument("--allow-partial", action="store_true",
                   help="land the valid rows and keep the rest as rejected rows")
    p.add_argument("--map", metavar="A=B,...", help="field mapping, e.g. unit_id=shapeID,name=shapeName")
    p.add_argument("--country", metavar="ISO3", help="country code for features/rows that lack one")
    p.add_argument("--rejects-out", metavar="FILE",
                   help="where to write rejected rows as CSV (default: <file>.rejected.csv when any)")

    p = sub.add_parser("info", help="what the warehouse holds")
    _add_db(p)

    p = sub.add_parser("score", help="composite FoA risk score per unit and period (method v1)")
    _add_db(p)
    g = p.add_mutually_exclusive_group()
    g.add_argument("--period", type=int, help="year to score (default: the latest)")
    g.add_argument("--all-periods", action="store_true", help="score every period")
    p.add_argument("--config", metavar="FILE", help="YAML scoring options")
    p.add_argument("--uncertainty", type=int, metavar="N", help="Monte Carlo draws for rank intervals")
    p.add_argument("--seed", type=int, default=42, help="Monte Carlo seed")
    p.add_argument("--out", required=True, metavar="FILE.csv", help="output CSV")

    p = sub.add_parser("alerts", help="early-warning lists for a period")
    _add_db(p)
    p.add_argument("--period", type=int, help="year (default: the latest)")
    return parser


def _cmd_build(args: argparse.Namespace) -> int:
    if not args.demo:
        print("build: choose what to build: --demo (fictional demo region).", file=sys.stderr)
        return 1
    from indicators.demo import build_demo

    path = resolve_db_path(args.db)
    t0 = time.perf_counter()
    summary = build_demo(path) if args.seed is None else build_demo(path, seed=args.seed)
    print(f"Built the FICTIONAL demo region into {path} in {time.perf_counter() - t0:.1f} s")
    print(summary)
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from indicators.ingest import import_file

    report = import_file(
        resolve_db_path(args.db),
        Path(args.file),
        definitions=Path(args.definitions) if args.definitions else None,
        dry_run=args.dry_run,
        allow_partial=args.allow_partial,
        mapping=_parse_map(args.map),
        country=args.country,
    )
    print(report.to_text())
    rejected = report.rejected_frame()
    if len(rejected):
        out = Path(args.rejects_out) if args.rejects_out else Path(args.file).with_suffix(".rejected.csv")
        rejected.to_csv(out, index=False, encoding="utf-8-sig")
        print(f"Rejected rows with reasons written to {out}")
    return 0 if report.status in ("imported", "dry-run", "already imported") else 2


def _cmd_info(args: argparse.Namespace) -> int:
    from indicators.info import format_info, warehouse_info
    from indicators.warehouse import connect

    try:
        con = connect(args.db, read_only=True)
    except FileNotFoundError as exc:
        print(exc, file=sys.stderr)
        return 1
    try:
        print(format_info(warehouse_info(con)))
    finally:
        con.close()
    return 0


def _cmd_score(args: argparse.Namespace) -> int:
    from indicators.scoring.cli import run_score

    return run_score(
        db=args.db,
        period=args.period,
        all_periods=args.all_periods,
        config=args.config,
        uncertainty=args.uncertainty,
        seed=args.seed,
        out=args.out,
    )


def _cmd_alerts(args: argparse.Namespace) -> int:
    from indicators.scoring.cli import run_alerts

    return run_alerts(db=args.db, period=args.period)


COMMANDS = {
    "build": _cmd_build,
    "import": _cmd_import,
    "info": _cmd_info,
    "score": _cmd_score,
    "alerts": _cmd_alerts,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    args = build_parser().parse_args(argv)
    return COMMANDS[args.command](args)
