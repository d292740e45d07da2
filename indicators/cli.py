"""The command line: ``python -m indicators {build,import,info,score,alerts,templates,…}``.

Every command takes ``--db PATH`` (default: ``$RISK_WAREHOUSE`` or ``data/warehouse.duckdb``).
Exit codes: 0 success, 1 usage or environment error, 2 input rejected.

Imports are lazy: this module imports only the standard library, and a command imports its
own module when it runs (``score`` never loads plotly, geopandas or streamlit). The options of
``validate``, ``export``, ``digest`` and ``check``/``backup``/``restore`` live in their modules;
:func:`main` adds them only for the command being run (every command's help and usage are the
same as with the complete parser: tests/test_cli_lazy.py).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn


def resolve_db_path(db: str | None = None) -> Path:
    """:func:`indicators.warehouse.resolve_db_path`, imported on use (it pulls in DuckDB)."""
    from indicators.warehouse import resolve_db_path as resolve

    return resolve(db)


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


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors exit with 1 (2 means "input rejected" in this CLI)."""

    def error(self, message: str) -> NoReturn:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(1, f"{self.prog}: error: {message}\n")


#: Commands registered by :mod:`indicators.ops.commands`.
_OPS = ("check", "backup", "restore")


def _command_in(argv: Sequence[str] | None) -> str:
    """The command named first on the command line; "" when it starts with an option (only
    ``-h``/``--help`` exist before a command: that help needs the complete parser)."""
    words = list(sys.argv[1:] if argv is None else argv)
    return words[0] if words and not words[0].startswith("-") else ""


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argparse parser of the whole CLI.

    ``only``: the command being run; the options that live in other modules (``validate``,
    ``export``, ``digest``, ``check``/``backup``/``restore``) are then added for that command
    only, so running one command does not import the others' modules. ``None`` (default) or
    a word that is no command: the complete parser (top-level help, "invalid choice").
    """
    full = only is None or only not in COMMANDS

    def wanted(command: str) -> bool:
        return full or only == command

    parser = _Parser(
        prog="python -m indicators",
        description="Atrocity-risk warehouse: build, import, inspect and score (UN FoA, method v1).",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("build", help="(re)build a warehouse")
    _add_db(p)
    p.add_argument("--demo", action="store_true", help="the fictional demo region (invented data)")
    p.add_argument("--seed", type=int, default=None, help="demo generator seed")
    p.add_argument("--force", action="store_true",
                   help="replace a warehouse even if it holds imports made by people")
    p.add_argument("--pack", metavar="NAME",
                   help="real open data: 'western-balkans' (geoBoundaries, UCDP GED, WGI, V-Dem), or "
                        "'bih-1991' (the pre-war validation case, default --db data/bih-1991.duckdb)")
    p.add_argument("--mirror", metavar="DIR",
                   help="read the pack's files from a folder laid out like shared/data (no download)")
    p.add_argument("--swap", metavar="ISO3=FILE", action="append", default=[],
                   help="use FILE as the boundary layer of a country (repeatable)")
    p.add_argument("--composition", metavar="[ISO3=]FILE", action="append", default=[],
                   help="population composition table unit,period,group,count (repeatable)")
    p.add_argument("--observations", metavar="FILE", action="append", default=[],
                   help="observation file to import into the pack, e.g. census population (repeatable)")
    p.add_argument("--census", metavar="DIR", action="append", default=[],
                   help="folder with census tables matched by the census recipes (repeatable; "
                        "the mirror is searched too)")
    p.add_argument("--cache", metavar="DIR", help="download cache (default data/cache)")
    p.add_argument("--no-progress", action="store_true", help="no download progress bars")

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
    p.add_argument("--composition", action="store_true",
                   help="the file is a population composition table: long (unit, period, group, "
                   "count) or wide (a unit column and one column per group)")
    p.add_argument("--dimension", choices=("ethnicity", "religion"),
                   help="with --composition: what the groups are, for rows that do not say")
    p.add_argument("--period", type=int, metavar="YEAR",
                   help="with --composition: the census year, for a table without a year column")
    p.add_argument("--census-recipe", metavar="RECIPE.yaml",
                   help="import a census table as described by a recipe (see README, "
                   "'Census tables by recipe')")

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
    p.add_argument("--recompute", action="store_true",
                   help="compute, even when the warehouse holds current stored results")

    p = sub.add_parser("refresh", help="recompute the stored scores, rank intervals and alerts "
                       "(e.g. after upgrading the scoring code) and publish them")
    _add_db(p)

    p = sub.add_parser("undo", help="undo an observations import (restores overwritten values)")
    _add_db(p)
    p.add_argument("import_id", type=int, help="import number (see `info`)")

    p = sub.add_parser("hash-password", help="make an editor account line for secrets.toml")
    p.add_argument("--user", metavar="NAME",
                   help="the editor's account name (letters, digits, _ and -; one per person)")
    p.add_argument("--password", help="the password (default: asked interactively)")

    p = sub.add_parser("templates", help="monitoring templates (CSV/XLSX per theme, incident log, "
                       "calendar) made from the warehouse's units and indicator codes")
    _add_db(p)
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write the templates to")
    p.add_argument("--theme", action="append", metavar="ID",
                   help="only this theme (repeatable; default: all themes)")

    p = sub.add_parser("alerts", help="early-warning lists for a period")
    _add_db(p)
    p.add_argument("--period", type=int, help="year (default: the latest)")
    p.add_argument("--recompute", action="store_true",
                   help="compute, even when the warehouse holds current stored results")

    p = sub.add_parser("validate", help="backtest: did the scores at T rank the units where an "
                       "outcome was worst in a later window first? (AUC, Spearman, precision at k)")
    _add_db(p)
    if wanted("validate"):
        from indicators.validation.cli import add_arguments as add_validate_arguments

        add_validate_arguments(p)

    if any(wanted(name) for name in _OPS):
        from indicators.ops.commands import add_parsers as add_ops_parsers

        add_ops_parsers(sub, _add_db)
    else:  # their names only (the usage line lists every command); help and options on use
        for name in _OPS:
            sub.add_parser(name)

    p = sub.add_parser("export", help="chart images (png/svg/pdf), data (csv/xlsx) or a PDF brief")
    _add_db(p)
    if wanted("export"):
        from indicators.export.cli import add_export_arguments

        add_export_arguments(p)

    p = sub.add_parser("digest", help="e-mail each subscriber the alerts they have not been sent yet")
    _add_db(p)
    if wanted("digest"):
        from indicators.outreach.digest_run import add_digest_arguments

        add_digest_arguments(p)

    p = sub.add_parser("feed", help="(re)write the Atom feeds of the public alerts")
    _add_db(p)
    p.add_argument("--out", metavar="DIR", help="feed folder (default: $RISK_FEED_DIR or static/feeds)")

    p = sub.add_parser("open-data", help="Frictionless Data Package of the public data (folder or .zip)")
    _add_db(p)
    p.add_argument("--out", required=True, metavar="DIR|FILE.zip", help="folder or .zip to write")
    return parser


def cli_account() -> str:
    """Who runs a command line write: ``cli:<OS user>`` (recorded in the import history)."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name for this uid (containers)
        import os

        return f"cli:uid{os.getuid()}"


def _user_data_in(path: Path) -> str | None:
    """Why rebuilding ``path`` would destroy user data (imports by people), or None."""
    if not path.exists():
        return None
    import duckdb

    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        return f"{path} cannot be read ({exc}); move it away first"
    try:
        tables = {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables").fetchall()}
        if "imports" not in tables:
            return None
        n = con.execute(
            "SELECT count(*) FROM imports WHERE kind <> 'demo' AND status <> 'undone' "
            "AND coalesce(imported_by, '') NOT LIKE 'pack %'"
        ).fetchone()[0]
    finally:
        con.close()
    return f"{path} holds {n} import(s) made by people" if n else None


def _cmd_build(args: argparse.Namespace) -> int:
    if args.pack == "bih-1991" and not args.demo:  # the historical validation case
        from indicators.sources.packs.bih_1991_build import run_cli

        return run_cli(args)
    reason = _user_data_in(resolve_db_path(args.db))
    if reason and not args.force:
        print(f"build: refusing to replace the warehouse: {reason}. Choose another --db, or add "
              "--force to replace it (its data will be lost).", file=sys.stderr)
        return 1
    if args.pack:
        if args.demo:
            print("build: choose --demo or --pack, not both.", file=sys.stderr)
            return 1
        from indicators.sources.pack import run_pack_cli

        return run_pack_cli(args)
    if not args.demo:
        print("build: choose what to build: --demo (fictional demo region) or "
              "--pack western-balkans (real open data).", file=sys.stderr)
        return 1
    from indicators.demo import build_demo

    path = resolve_db_path(args.db)
    t0 = time.perf_counter()
    summary = build_demo(path) if args.seed is None else build_demo(path, seed=args.seed)
    print(f"Built the FICTIONAL demo region into {path} in {time.perf_counter() - t0:.1f} s")
    print(summary)
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    if args.composition or args.census_recipe:
        from indicators.sources.composition import run_import_cli

        return run_import_cli(args)
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
        imported_by=cli_account(),
    )
    print(report.to_text())
    rejected = report.rejected_frame()
    if len(rejected) and (args.rejects_out or not args.dry_run):
        out = Path(args.rejects_out) if args.rejects_out else Path(args.file).with_suffix(".rejected.csv")
        try:
            rejected.to_csv(out, index=False, encoding="utf-8-sig")
            print(f"Rejected rows with reasons written to {out}")
        except OSError as exc:
            print(f"The rejected rows could not be written to {out} ({exc.strerror or exc}).")
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


def _cmd_refresh(args: argparse.Namespace) -> int:
    """Republish the warehouse, which recomputes its stored results when they are stale."""
    import duckdb

    from indicators.publish import copy_on_write
    from indicators.warehouse import resolve_db_path

    path = resolve_db_path(args.db)
    if not path.exists():
        print(f"{path}: no such warehouse", file=sys.stderr)
        return 1
    with copy_on_write(path):
        pass  # publishing computes the stored results into the new version (or keeps them)
    con = duckdb.connect(str(path), read_only=True)
    try:
        row = con.execute("SELECT computed_at, seconds FROM stored_results").fetchone()
    except duckdb.Error:
        row = None
    finally:
        con.close()
    if row is None:
        print(f"{path}: no stored results (precompute off or failed; see the log): "
              "readers compute fresh", file=sys.stderr)
        return 1
    print(f"{path}: stored results current (computed {str(row[0])[:19]}, {row[1]:.1f} s)")
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
        recompute=args.recompute,
    )


def _cmd_alerts(args: argparse.Namespace) -> int:
    from indicators.scoring.cli import run_alerts

    return run_alerts(db=args.db, period=args.period, recompute=args.recompute)


def _cmd_export(args: argparse.Namespace) -> int:
    from indicators.export.cli import run_export

    return run_export(args)


def _cmd_undo(args: argparse.Namespace) -> int:
    from indicators.ingest.undo import UndoError, undo_import
    from indicators.publish import WarehouseBusy, WriteFailed

    try:
        print(undo_import(args.db, args.import_id, undone_by=cli_account()).to_text())
    except (UndoError, WriteFailed, WarehouseBusy) as exc:
        print(exc, file=sys.stderr)
        return 2
    return 0


def _cmd_hash_password(args: argparse.Namespace) -> int:
    import getpass

    from indicators.auth import hash_password
    from indicators.signin import ACCOUNT_RE

    if args.user is not None and not ACCOUNT_RE.match(args.user):
        print("hash-password: --user must be 1-40 letters, digits, '_' or '-' (e.g. ana or "
              "marko_p).", file=sys.stderr)
        return 1
    password = args.password or getpass.getpass("Editor password: ")
    if not password:
        print("The password must not be empty.", file=sys.stderr)
        return 1
    if args.user is None:
        print("hash-password: without --user this makes the old shared password; prefer one "
              "account per editor (--user NAME).", file=sys.stderr)
        print("[editor]")
        print(f'password_hash = "{hash_password(password)}"')
        return 0
    print("# put this line under [editor.accounts] in .streamlit/secrets.toml (one per editor)",
          file=sys.stderr)
    print(f'{args.user.lower()} = "{hash_password(password)}"')
    return 0


def _cmd_templates(args: argparse.Namespace) -> int:
    from indicators.monitoring.templates import TemplateError, write_templates
    from indicators.warehouse import connect

    try:
        con = connect(args.db, read_only=True)
    except FileNotFoundError as exc:
        print(exc, file=sys.stderr)
        return 1
    try:
        paths = write_templates(con, args.out, args.theme)
    except TemplateError as exc:
        print(f"templates: {exc}", file=sys.stderr)
        return 1
    finally:
        con.close()
    print(f"Wrote {len(paths)} template(s) to {args.out}:")
    for path in paths:
        print(f"  {path.name}")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from indicators.validation.cli import run_validate

    return run_validate(args)


def _after_build(args: argparse.Namespace, code: int) -> int:
    """A rebuilt warehouse is a new published version: refresh its Atom feeds (if it has any)."""
    if code == 0:
        from indicators.publish import after_publish

        after_publish(resolve_db_path(args.db))
    return code


def _outreach():
    """The outreach commands (digest, feed, open-data); imported on use."""
    from indicators.outreach import cli

    return cli


def _cmd_ops(args: argparse.Namespace) -> int:
    from indicators.ops import commands

    return {"check": commands.run_check, "backup": commands.run_backup,
            "restore": commands.run_restore}[args.command](args)


COMMANDS = {
    "check": _cmd_ops,
    "backup": _cmd_ops,
    "restore": _cmd_ops,
    "validate": _cmd_validate,
    "build": lambda args: _after_build(args, _cmd_build(args)),
    "import": _cmd_import,
    "info": _cmd_info,
    "score": _cmd_score,
    "refresh": _cmd_refresh,
    "alerts": _cmd_alerts,
    "templates": _cmd_templates,
    "export": _cmd_export,
    "undo": _cmd_undo,
    "hash-password": _cmd_hash_password,
    "digest": lambda args: _outreach().digest_cmd(args),
    "feed": lambda args: _outreach().feed_cmd(args),
    "open-data": lambda args: _outreach().open_data_cmd(args),
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    args = build_parser(only=_command_in(argv)).parse_args(argv)
    return COMMANDS[args.command](args)
