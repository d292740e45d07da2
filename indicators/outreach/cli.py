"""The outreach commands: ``digest``, ``feed`` and ``open-data`` (wired in :mod:`indicators.cli`).

Each returns an exit code: 0 success, 1 environment error (no warehouse, SMTP not configured
or a digest not sent), 2 input rejected.
"""

from __future__ import annotations

import argparse
import sys

from indicators.i18n import t

from .digest_run import digest_main


def digest_cmd(args: argparse.Namespace) -> int:
    """``python -m indicators digest``."""
    return digest_main(args)


def feed_cmd(args: argparse.Namespace) -> int:
    """``python -m indicators feed``: write the Atom feeds and follow this warehouse from now on."""
    import json

    from .feed import MANIFEST, feed_dir, write_feeds
    from .links import feed_url

    try:
        paths = write_feeds(args.db, args.out)
    except FileNotFoundError as exc:
        print(f"feed: {exc}", file=sys.stderr)
        return 1
    folder = paths[0].parent if paths else feed_dir()
    entries = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["entries"]
    print(t("outreach.cli_feeds", n=len(paths), entries=entries, folder=folder, url=feed_url()))
    return 0


def open_data_cmd(args: argparse.Namespace) -> int:
    """``python -m indicators open-data --out DIR|FILE.zip``."""
    from .opendata import build_open_data

    try:
        summary = build_open_data(args.db, args.out)
    except FileNotFoundError as exc:
        print(f"open-data: {exc}", file=sys.stderr)
        return 1
    print(t("outreach.cli_package", version=summary.version, path=summary.path))
    if summary.fictional:
        print("  " + t("outreach.fictional_note"))
    for name, rows in summary.rows.items():
        print(t("outreach.cli_package_row", name=name, rows=rows))
    return 0
