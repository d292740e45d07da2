"""The operations commands of the CLI: ``check``, ``backup``, ``restore``.

Exit codes as everywhere in the CLI: 0 success, 1 usage or environment error, 2 the warehouse
(or the backup) failed verification.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from indicators.warehouse import resolve_db_path


def add_parsers(sub: argparse._SubParsersAction, add_db) -> None:  # type: ignore[type-arg]
    """Register ``check``, ``backup`` and ``restore`` on the CLI's subparsers."""
    p = sub.add_parser("check", help="verify a warehouse: schema, integrity, foreign keys, "
                       "geometry, orphan versions, stale locks (exit 2 on a problem)")
    add_db(p)
    p = sub.add_parser("backup", help="write a verifiable snapshot: warehouse + original import "
                       "files + checksums + manifest")
    add_db(p)
    p.add_argument("--out", required=True, metavar="DIR",
                   help="folder to put the backup in (a new timestamped folder is made inside)")
    p = sub.add_parser("restore", help="verify a backup's checksums and make it the warehouse")
    add_db(p)
    p.add_argument("backup_dir", metavar="DIR",
                   help="a backup folder (or a folder of backups: the newest is used)")
    p.add_argument("--force", action="store_true",
                   help="replace an existing warehouse (it is kept beside as .before-restore-…)")


def run_check(args: argparse.Namespace) -> int:
    """``python -m indicators check``."""
    from indicators.ops.check import check_warehouse

    path = resolve_db_path(args.db)
    if not path.exists():
        print(f"check: warehouse {path} does not exist; check --db", file=sys.stderr)
        return 1
    report = check_warehouse(path)
    print(report.to_text())
    return 0 if report.ok else 2


def run_backup(args: argparse.Namespace) -> int:
    """``python -m indicators backup --out DIR``."""
    from indicators.ops.backup import BackupError, backup
    from indicators.publish import WarehouseBusy

    try:
        print(backup(resolve_db_path(args.db), Path(args.out)).to_text())
    except (BackupError, WarehouseBusy) as exc:
        print(f"backup: {exc}", file=sys.stderr)
        return 1
    return 0


def run_restore(args: argparse.Namespace) -> int:
    """``python -m indicators restore DIR [--db PATH] [--force]``."""
    from indicators.ops.backup import BackupError, restore
    from indicators.publish import WarehouseBusy

    try:
        print(restore(Path(args.backup_dir), resolve_db_path(args.db), force=args.force)
              .to_text())
    except (BackupError, WarehouseBusy) as exc:
        print(f"restore: {exc}", file=sys.stderr)
        return 2 if "does not verify" in str(exc) or "integrity" in str(exc) else 1
    return 0
