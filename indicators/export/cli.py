"""``python -m indicators export {map,trend,profile,brief} [--db PATH] --format FMT
[--country ISO3] [--unit ID] [--period YEAR] [--measure composite|rfNN|INDICATOR] [--lang LANG]
--out FILE``.

Images (png, svg, pdf) and data (csv, xlsx) of the map, trend and profile charts; the brief
is a PDF of one municipality (``--unit``) or one country (``--country``). Exit codes: 0 written,
1 usage or environment error (unknown unit, no Chromium, missing fonts…).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

KINDS = ("map", "trend", "profile", "brief")
IMAGE_FORMATS = ("png", "svg", "pdf")
TABLE_FORMATS = ("csv", "xlsx")


def add_export_arguments(p: argparse.ArgumentParser) -> None:
    """The documented options of ``export`` (``--db`` is added by the caller)."""
    p.add_argument("what", choices=KINDS, help="the chart (map, trend, profile) or the one-page brief")
    p.add_argument("--format", required=True, choices=IMAGE_FORMATS + TABLE_FORMATS,
                   help="png (2x), svg, pdf for images; csv (UTF-8 with BOM), xlsx for data; brief: pdf")
    p.add_argument("--country", metavar="ISO3", help="restrict to one country (brief: the country)")
    p.add_argument("--unit", metavar="ID", help="a municipality (profile, brief; trend: its line)")
    p.add_argument("--period", type=int, metavar="YEAR", help="year (default: the latest)")
    p.add_argument("--measure", default="composite", metavar="composite|rfNN|INDICATOR",
                   help="what the map or trend shows (default: composite)")
    p.add_argument("--out", required=True, metavar="FILE", help="output file")
    p.add_argument("--lang", default="en", metavar="LANG",
                   help="language of the texts, numbers and dates: en, bs, hr, sr-Latn, sr-Cyrl, "
                        "mk, sq (default: en); column codes in data files stay the same")


def _err(message: str) -> int:
    print(f"export: {message}", file=sys.stderr)
    return 1


def run_export(args: argparse.Namespace) -> int:
    """Write the requested file in ``--lang``; print what was written; return an exit code."""
    from indicators.i18n import available_languages, normalise, use_language

    lang = normalise(getattr(args, "lang", None) or "en")
    if lang not in available_languages():
        return _err(f"unknown language {args.lang!r}: use one of {', '.join(available_languages())}")
    with use_language(lang):
        return _run_export(args)


def _run_export(args: argparse.Namespace) -> int:
    from indicators.export import images, tables
    from indicators.export.charts import Selection, SelectionError, build_chart, open_context
    from indicators.warehouse import connect

    if args.what == "brief" and args.format != "pdf":
        return _err("a brief is a PDF: use --format pdf")
    if args.what == "brief" and bool(args.unit) == bool(args.country):
        return _err("a brief is about one municipality (--unit ID) or one country (--country ISO3)")
    try:
        con = connect(args.db, read_only=True)
    except FileNotFoundError as exc:
        return _err(str(exc))
    out = Path(args.out)
    t0 = time.perf_counter()
    try:
        ctx = open_context(con)
        if args.what == "brief":
            from indicators.export.brief import BriefError, build_brief

            try:
                payload = build_brief(con, unit=args.unit, country=args.country,
                                      period=args.period, context=ctx)
            except BriefError as exc:
                return _err(str(exc))
        else:
            sel = Selection(
                countries=(args.country,) if args.country else (), unit=args.unit,
                period=args.period, measure=args.measure,
            )
            chart = build_chart(ctx, args.what, sel)
            if args.format in TABLE_FORMATS:
                payload = tables.table_bytes(chart.data, chart.meta, args.format)
            else:
                payload = images.export_figure(chart.figure, chart.meta, args.format)
    except SelectionError as exc:
        return _err(str(exc))
    except images.ExportError as exc:
        return _err(str(exc))
    finally:
        con.close()  # the export browser stops at interpreter exit (kaleido's atexit hook)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(payload)
    print(f"Wrote {out} ({len(payload):,} bytes, {args.format}) in {time.perf_counter() - t0:.1f} s")
    return 0
