"""The light on-screen map: an SVG drawn by a small script in the page (no plotly.js, no
WebGL), fed by :func:`indicators.figures.light_map.map_payload` (issue 15).

The geometry is a static file the browser fetches once per set of units
(:mod:`ui.geo_static`); each view sends only colours and hover rows, and the script re-colours
the paths it already drew. Hover shows the same fields as the plotly map; a click opens the
unit's profile; wheel, drag, +/- and reset zoom and pan. Downloads (PNG/SVG/PDF) still use the
plotly figure, built only when asked for.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

_HERE = Path(__file__).resolve().parent
_COMPONENT = st.components.v2.component(
    "risk_light_map",
    js=(_HERE / "light_map.js").read_text(encoding="utf-8"),
    css=(_HERE / "light_map.css").read_text(encoding="utf-8"),
)


def _ignore() -> None:
    """The click is handled after the mount (the trigger value); nothing to do in a callback."""


def light_map(payload: dict, *, key: str = "map") -> None:
    """Draw the map of ``payload``; a click on a unit opens its profile page."""
    result = _COMPONENT(key=key, data=payload, on_clicked_change=_ignore)
    clicked = getattr(result, "clicked", None)
    if clicked and clicked in payload.get("ids", ()):  # a unit of this map (only on a click)
        st.switch_page("pages/profile.py", query_params={"unit": str(clicked)})
