"""Map geometry as a static file the browser fetches once, instead of inside every figure.

The units' GeoJSON is the heavy part of a map (0.6 MB for the 1,009 real units). Put in the
figure, it is deep-copied by plotly on every build, re-serialised on every rerun and re-sent on
every filter change. Written once per warehouse version and set of countries to
``static/geo/<key>.json`` (served by Streamlit's static file serving at ``app/static/…``) and
given to the map as a URL, it costs the server nothing per view and the browser fetches it
once (then revalidates). The figure keeps ids, values and hover text only.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import streamlit as st

from ui import data
from ui.state import warehouse_stamp

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
GEO_DIR = STATIC_DIR / "geo"
URL_PREFIX = "app/static/geo/"  # relative: works behind a proxy with a base path too


def _key(stamp: str, countries: tuple[str, ...]) -> str:
    return hashlib.sha1(f"{stamp}|{','.join(countries)}".encode()).hexdigest()[:20]


def _write_json(name: str, content: dict) -> None:
    path = GEO_DIR / name
    if path.is_file():
        return
    GEO_DIR.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(content, separators=(",", ":")), encoding="utf-8")
    os.replace(tmp, path)  # readers never see a half-written file


@st.cache_resource(show_spinner=False, max_entries=64)
def _write(stamp: str, countries: tuple[str, ...]) -> str:
    name = f"{_key(stamp, countries)}.json"
    if not (GEO_DIR / name).is_file():
        _write_json(name, data.units_geo(countries)[1])
    return URL_PREFIX + name


@st.cache_resource(show_spinner=False, max_entries=64)
def _write_outlines(stamp: str, countries: tuple[str, ...]) -> str:
    name = f"{_key(stamp, countries)}-borders.json"
    if not (GEO_DIR / name).is_file():
        _write_json(name, data.outlines(countries))
    return URL_PREFIX + name


def geojson_url(countries: tuple[str, ...]) -> str:
    """Relative URL of the units' GeoJSON for ``countries`` (written on first use)."""
    return _write(warehouse_stamp(), tuple(sorted(countries)))


def outlines_url(countries: tuple[str, ...]) -> str:
    """Relative URL of the country borders (GeoJSON lines) for ``countries``."""
    return _write_outlines(warehouse_stamp(), tuple(sorted(countries)))
