"""World Bank Worldwide Governance Indicators (WGI): country-year governance estimates.

Online the four estimates come from the World Bank's public indicator API (source 3, the WGI
database; CC BY 4.0), one JSON answer per indicator for the six countries. A mirror may hold
the same answers under ``worldbank/wgi/<code>.json``; the ``shared/data`` mirror holds only
**Voice and Accountability**, as ``democracyData_xmarquez/wgi.csv`` (the xmarquez/
democracyData package's copy of WGI), which is used when the API answer for that indicator
is not available. The other three are then skipped and reported.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from indicators.sources.download import Resource

SOURCE_ID = "wb_wgi"
API_URL = ("https://api.worldbank.org/v2/country/{countries}/indicator/{code}"
           "?source=3&format=json&per_page=1000&date=1996:2030")
#: World Bank API code -> catalog indicator.
CODES: dict[str, str] = {
    "GOV_WGI_PV.EST": "wgi_political_stability",
    "GOV_WGI_RL.EST": "wgi_rule_of_law",
    "GOV_WGI_VA.EST": "wgi_voice_accountability",
    "GOV_WGI_GE.EST": "wgi_government_effectiveness",
}
#: Country codes used by the World Bank (and democracyData) -> ISO3 of the warehouse.
WB_TO_ISO: dict[str, str] = {"KSV": "XKX", "XKX": "XKX", "XK": "XKX"}
DEMOCRACYDATA_VA = Resource(
    key="democracydata/wgi.csv",
    mirror="democracyData_xmarquez/wgi.csv",
    sha256="03b0767c1e319efc561c48acf90d185bb70967f02a131a23256a0fdd4d4ae3b1",
    title="WGI Voice and Accountability (xmarquez/democracyData copy)",
)


def api_resource(code: str, countries: list[str]) -> Resource:
    """The API answer for one WGI indicator and the given countries."""
    return Resource(
        key=f"worldbank/wgi/{code}.json",
        url=API_URL.format(countries=";".join(countries), code=code),
        mirror=f"worldbank/wgi/{code}.json",
        title=f"World Bank API, WGI {code}",
    )


def _iso(code: str) -> str:
    code = str(code).strip().upper()
    return WB_TO_ISO.get(code, code)


def read_api(path: Path, code: str) -> pd.DataFrame:
    """unit_id (ISO3), indicator, period, value from a World Bank API JSON answer."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, list) or len(data) < 2 or not isinstance(data[1], list):
        message = data[0].get("message") if isinstance(data, list) and data and isinstance(
            data[0], dict) else None
        raise ValueError(f"{path.name}: not an indicator answer of the World Bank API"
                         + (f" ({message})" if message else ""))
    rows = []
    for rec in data[1]:
        if rec.get("value") is None:
            continue
        iso = rec.get("countryiso3code") or (rec.get("country") or {}).get("id", "")
        rows.append((_iso(iso), CODES[code], int(rec["date"]), float(rec["value"])))
    return pd.DataFrame(rows, columns=["unit_id", "indicator", "period", "value"])


def read_democracydata(path: Path) -> pd.DataFrame:
    """Voice and Accountability estimates from democracyData's ``wgi`` table."""
    raw = pd.read_csv(path, usecols=["wb_code", "year", "Estimate"])
    raw = raw.dropna(subset=["Estimate", "year"])
    return pd.DataFrame({
        "unit_id": [_iso(c) for c in raw["wb_code"]],
        "indicator": "wgi_voice_accountability",
        "period": raw["year"].astype(float).astype(int),
        "value": raw["Estimate"].astype(float),
    })
