"""V-Dem country-year indices (CC BY-SA 4.0): the liberal democracy index per country and year.

Online: the V-Dem Country-Year Core CSV (version pinned, :data:`CORE`). Mirror: the same
columns in ``democracyData_xmarquez/vdem_simple.csv`` (xmarquez/democracyData's V-Dem v14
extract, converted to CSV). Both have ``country_text_id``, ``year`` and ``v2x_libdem``.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd

from indicators.sources.download import Resource

SOURCE_ID = "vdem"
VERSION = "v14"
#: V-Dem variable -> catalog indicator.
VARIABLES: dict[str, str] = {"v2x_libdem": "vdem_liberal_democracy"}
CORE = Resource(
    key="vdem/V-Dem-CY-Core-v14_csv.zip",
    url="https://v-dem.net/media/datasets/V-Dem-CY-Core-v14_csv.zip",
    mirror="vdem/V-Dem-CY-Core-v14_csv.zip",
    title="V-Dem Country-Year Core v14 (CSV)",
)
DEMOCRACYDATA = Resource(
    key="democracydata/vdem_simple.csv",
    mirror="democracyData_xmarquez/vdem_simple.csv",
    sha256="299c66cf4fe8c1dab1b1578da0e582cbfb4711025c86aa8177c03db6e35bd725",
    title="V-Dem v14 main indices (xmarquez/democracyData vdem_simple)",
)


def read_vdem(path: Path, countries: list[str], first_year: int) -> pd.DataFrame:
    """unit_id (ISO3), indicator, period, value for ``countries`` from ``first_year`` on."""
    cols = ["country_text_id", "year", *VARIABLES]
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as zf:
            member = next((m for m in zf.namelist() if m.lower().endswith(".csv")), None)
            if member is None:
                raise ValueError(f"{path.name}: the zip holds no CSV file")
            with zf.open(member) as fh:
                raw = pd.read_csv(fh, usecols=cols, low_memory=False)
    else:
        raw = pd.read_csv(path, usecols=cols, low_memory=False)
    raw = raw[raw["country_text_id"].isin(countries)]
    raw = raw[raw["year"].astype(float) >= first_year]
    frames = []
    for var, code in VARIABLES.items():
        part = raw.dropna(subset=[var])
        frames.append(pd.DataFrame({
            "unit_id": part["country_text_id"].astype(str),
            "indicator": code,
            "period": part["year"].astype(float).astype(int),
            "value": part[var].astype(float),
        }))
    return pd.concat(frames, ignore_index=True)
