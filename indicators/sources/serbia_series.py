"""Land the Serbian municipal series in a pack warehouse (SORS via didex_wb; Popović 2021).

:func:`land_serbia_series` is called by the western-balkans pack after the boundaries are in
the warehouse. It reads the RGZ layer's attributes for the name → ``SRB-<code>`` map (never
the warehouse's names), reads ``gva.csv``/``im.csv`` (:mod:`.sors`) and Popović's 1991-frame
panel (:mod:`.popovic`), and writes the observations of the units the warehouse has. What
matched, what did not and why, goes into the build summary.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from indicators import warehouse
from indicators.sources import popovic, sors
from indicators.sources.download import DownloadError, Fetched, Fetcher
from indicators.sources.pack_writes import import_row, set_source, write_obs


def _get(fetcher: Fetcher, res: Any, summary: Any, what: str) -> Fetched | None:
    try:
        return fetcher.get(res)
    except DownloadError as exc:
        summary.skipped.append(f"{what}: {exc}")
        return None


def _land(con: Any, parts: list[tuple[Fetched, pd.DataFrame]], source_id: str,
          present: set[str]) -> tuple[int, int]:
    """Write each file's observations of units present in the warehouse, one import row per
    file; returns (written, not written because the unit is absent)."""
    written = absent = 0
    with warehouse.transaction(con):
        for fetched, obs in parts:
            keep = obs[obs["unit_id"].isin(present)]
            iid = import_row(con, fetched.resource.name, fetched.sha256, "observations", len(keep))
            written += write_obs(con, keep, source_id, iid)
            absent += len(obs) - len(keep)
    return written, absent


def land_serbia_series(con: Any, fetcher: Fetcher, summary: Any,
                       used: dict[str, list[Fetched]]) -> dict[str, int]:
    """Read the Serbian series, write them to ``con``, report into ``summary``.

    ``summary`` needs list attributes ``details``, ``skipped`` and ``warnings``; ``used`` maps a
    source id to the files used; the retrieval date and checksums of the two sources are
    recorded here too, so the call may come before or after the pack's own loop. Returns the number of
    observations written per source id. Missing files are reported in ``summary.skipped``;
    nothing is written for units the warehouse does not have (e.g. when Serbia's layer is not
    the RGZ one), and that is a warning.
    """
    written: dict[str, int] = {}
    layer = _get(fetcher, sors.RGZ_LAYER, summary,
                 "Serbian municipal series (SORS, Popović)")
    if layer is None:
        summary.skipped[-1] += " — the RGZ layer gives the names and codes the series join on"
        return written
    try:
        rgz = sors.read_rgz_units(layer.path)
    except ValueError as exc:
        summary.skipped.append(f"Serbian municipal series: {exc}")
        return written
    present = set(con.execute("SELECT unit_id FROM units WHERE country = 'SRB'").df()["unit_id"])
    if not present & set(rgz.frame["unit_id"]):
        summary.warnings.append(
            "Serbian municipal series not landed: the warehouse's Serbian units are not the RGZ "
            "municipal layer (ids SRB-<register code>); build with the RGZ layer (--swap SRB=… "
            "or the mirror's serbia_municipalities_rgz_didex/Opstina_l.geojson)")
        return written
    gva = _get(fetcher, sors.GVA, summary, "SORS series gva.csv")
    im = _get(fetcher, sors.IM, summary, "SORS series im.csv")
    files = [f for f in (gva, im) if f is not None]
    if files:
        try:
            res = sors.read_series(gva.path if gva else None, im.path if im else None, rgz)
        except (ValueError, OSError) as exc:
            summary.skipped.append(f"SORS series: {exc}")
        else:
            by_file = {s.indicator: s.file for s in sors.SERIES}
            obs = res.observations
            parts = [(f, obs[obs["indicator"].map(by_file) == f.resource.name]) for f in files]
            n, absent = _land(con, parts, sors.SOURCE_ID, present)
            written[sors.SOURCE_ID] = n
            used.setdefault(sors.SOURCE_ID, []).extend(files)
            with warehouse.transaction(con):
                set_source(con, sors.SOURCE_ID, used[sors.SOURCE_ID])
            summary.details += res.report + (
                [f"  {absent} values for units not in the warehouse were not written"]
                if absent else [])
            if res.unmatched:
                summary.warnings.append(f"SORS series: {len(res.unmatched)} names match no "
                                        f"Serbian unit: {', '.join(res.unmatched)}")
    panel = _get(fetcher, popovic.PANEL, summary, "Popović (2021) 1991-frame panel")
    if panel is not None:
        try:
            res = popovic.read_popovic(panel.path, rgz)
        except (ValueError, OSError) as exc:
            summary.skipped.append(f"Popović (2021) panel: {exc}")
        else:
            n, absent = _land(con, [(panel, res.observations)], popovic.SOURCE_ID, present)
            written[popovic.SOURCE_ID] = n
            used.setdefault(popovic.SOURCE_ID, []).append(panel)
            with warehouse.transaction(con):
                set_source(con, popovic.SOURCE_ID, used[popovic.SOURCE_ID])
            summary.details += res.report + (
                [f"  {absent} values for units not in the warehouse were not written"]
                if absent else [])
            if res.unmatched:
                summary.warnings.append(f"Popović (2021): {len(res.unmatched)} 1991-frame "
                                        f"municipalities match no unit: "
                                        f"{', '.join(res.unmatched)}")
    return written
