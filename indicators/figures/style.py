"""Shared look of every figure: palettes, risk classes, base layout, captions and watermark.

Figures carry their own colours, fonts and white background (no plotly/Streamlit theme), so a
chart looks the same on screen (``st.plotly_chart(fig, theme=None)``) and in PNG/SVG/PDF exports.
All colour scales are colour-blind safe (ColorBrewer, Okabe–Ito).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from datetime import date

import plotly.graph_objects as go

from indicators.i18n import t
from indicators.i18n.formatting import format_date, separators

FONT_FAMILY = "DejaVu Sans, Arial, sans-serif"
FONT_SIZE = 12
TITLE_SIZE = 16
SUBTITLE_SIZE = 12
FOOTER_SIZE = 10
TEXT_COLOR = "#222222"
MUTED_COLOR = "#555555"
GRID_COLOR = "#e5e5e5"
AXIS_COLOR = "#444444"
BACKGROUND = "#ffffff"

#: ColorBrewer YlOrRd, 5 classes (very low → very high), and grey for insufficient data.
CLASS_COLORS: tuple[str, ...] = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
NO_DATA_COLOR = "#bdbdbd"
#: Lower bounds of the classes on the 0–10 scale; a class is [lower, next lower), the last [8, 10].
CLASS_BREAKS: tuple[float, ...] = (0.0, 2.0, 4.0, 6.0, 8.0, 10.0)
CLASS_KEYS: tuple[str, ...] = ("very_low", "low", "medium", "high", "very_high")
#: Class names as used in the scores frame (``risk_class`` column).
CLASS_NAMES: tuple[str, ...] = ("very low", "low", "medium", "high", "very high")
INSUFFICIENT = "insufficient"

#: Okabe–Ito qualitative palette, ordered for legibility on white (yellow last).
OKABE_ITO: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow
)
#: ColorBrewer RdBu (7), blue = negative, red = positive; diverging and colour-blind safe.
DIVERGING: tuple[str, ...] = (
    "#2166ac",
    "#67a9cf",
    "#d1e5f0",
    "#f7f7f7",
    "#fddbc7",
    "#ef8a62",
    "#b2182b",
)
#: ColorBrewer Blues (5) for shares 0–1 (coverage).
SEQUENTIAL_BLUES: tuple[str, ...] = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
INCREASE_COLOR = DIVERGING[-1]
DECREASE_COLOR = DIVERGING[0]
BAND_FILL = "rgba(120, 120, 120, 0.18)"
WATERMARK_COLOR = "rgba(120, 120, 120, 0.18)"

_PADDING_TOP = 50
_SUBTITLE_EXTRA = 22
_FOOTER_LINE_PX = 14
#: Footer lines longer than this many characters wrap (long source lists stay readable).
FOOTER_WRAP = 150


def class_of(score: float | None) -> str:
    """Risk-class key for a 0–10 score: ``very_low`` … ``very_high``, or ``insufficient``.

    Classes are [0,2), [2,4), [4,6), [6,8), [8,10]; values outside 0–10 are clamped.
    """
    if score is None or (isinstance(score, float) and math.isnan(score)):
        return INSUFFICIENT
    try:
        value = float(score)
    except (TypeError, ValueError):
        return INSUFFICIENT
    if math.isnan(value):
        return INSUFFICIENT
    for key, upper in zip(CLASS_KEYS, CLASS_BREAKS[1:], strict=True):
        if value < upper:
            return key
    return CLASS_KEYS[-1]


def class_label(key: str) -> str:
    """Translated name of a class key (``class_of`` output)."""
    return t(f"class.{key}")


def class_color(key: str) -> str:
    """Fill colour of a class key (``class_of`` output)."""
    if key == INSUFFICIENT or key not in CLASS_KEYS:
        return NO_DATA_COLOR
    return CLASS_COLORS[CLASS_KEYS.index(key)]


def font(size: int = FONT_SIZE, color: str = TEXT_COLOR) -> dict:
    """A font dict with the house family."""
    return {"family": FONT_FAMILY, "size": size, "color": color}


def axis_style(title: str | None = None, **extra: object) -> dict:
    """Explicit axis styling (no template): light grid, dark line, house font."""
    style = {
        "title": {"text": title, "font": font()} if title else None,
        "showgrid": True,
        "gridcolor": GRID_COLOR,
        "zeroline": False,
        "showline": True,
        "linecolor": AXIS_COLOR,
        "ticks": "outside",
        "tickcolor": AXIS_COLOR,
        "tickfont": font(11),
        "automargin": True,
    }
    style.update(extra)
    return {k: v for k, v in style.items() if v is not None}


def base_layout(
    fig: go.Figure,
    *,
    title: str,
    height: int = 500,
    margin: dict | None = None,
    showlegend: bool = True,
) -> go.Figure:
    """Apply the explicit house layout: empty template, white background, fonts, title, margins.

    ``margin`` overrides the default margins (l, r, t, b in px). Returns the same figure.
    """
    margins = {"l": 10, "r": 10, "t": _PADDING_TOP + (10 if title else 0), "b": 40}
    if margin:
        margins.update(margin)
    fig.update_layout(
        template="none",
        paper_bgcolor=BACKGROUND,
        plot_bgcolor=BACKGROUND,
        font=font(),
        title={
            "text": title,
            "x": 0.0,
            "xref": "paper",
            "xanchor": "left",
            "y": 1.0,
            "yref": "container",
            "yanchor": "top",
            "pad": {"t": 12},
            "font": font(TITLE_SIZE),
        },
        height=height,
        margin=margins,
        showlegend=showlegend,
        legend={
            "font": font(11),
            "bgcolor": "rgba(255,255,255,0.85)",
            "bordercolor": GRID_COLOR,
            "borderwidth": 0,
        },
        hoverlabel={"bgcolor": BACKGROUND, "bordercolor": AXIS_COLOR, "font": font(12)},
        colorway=list(OKABE_ITO),
        separators=separators(),  # decimal comma / thousands dot in BCMS, mk, sq (hover, ticks)
    )
    return fig


def add_caption(
    fig: go.Figure,
    *,
    subtitle: str | None = None,
    footer_lines: Sequence[str] = (),
    fictional: bool = False,
) -> go.Figure:
    """Add a subtitle under the title, footer lines below the plot and, if ``fictional``, a watermark.

    The footer (sources and licences, method version, generation date, coverage) is one
    annotation named ``"footer"`` placed in the bottom margin, which grows to fit it. The
    watermark is a large, semi-transparent diagonal annotation named ``"watermark"``.
    Returns the same figure.
    """
    margin_t = fig.layout.margin.t if fig.layout.margin.t is not None else _PADDING_TOP
    margin_b = fig.layout.margin.b if fig.layout.margin.b is not None else 40
    if subtitle:
        fig.update_layout(
            title_subtitle={"text": subtitle, "font": font(SUBTITLE_SIZE, MUTED_COLOR)},
            margin_t=margin_t + _SUBTITLE_EXTRA,
        )
    lines = [part for line in footer_lines if line
             for part in textwrap.wrap(line, FOOTER_WRAP, break_long_words=False) or [line]]
    if lines:
        fig.add_annotation(
            name="footer",
            text="<br>".join(lines),
            xref="paper",
            yref="paper",
            x=0.0,
            y=0.0,
            xanchor="left",
            yanchor="top",
            yshift=-margin_b,
            align="left",
            showarrow=False,
            font=font(FOOTER_SIZE, MUTED_COLOR),
        )
        fig.update_layout(margin_b=margin_b + _FOOTER_LINE_PX * len(lines) + 8)
        if fig.layout.height:
            fig.update_layout(height=fig.layout.height + _FOOTER_LINE_PX * len(lines))
    if fictional:
        fig.add_annotation(
            name="watermark",
            text=t("demo.watermark"),
            xref="paper",
            yref="paper",
            x=0.5,
            y=0.5,
            xanchor="center",
            yanchor="middle",
            textangle=-25,
            showarrow=False,
            font={"family": FONT_FAMILY, "size": 44, "color": WATERMARK_COLOR},
        )
    return fig


def standard_footer(
    sources: Sequence[str] = (),
    *,
    generated: date | None = None,
    coverage: str | None = None,
    method: str | None = None,
) -> list[str]:
    """Footer lines in the house order: sources (with licences), method and date, coverage."""
    lines: list[str] = []
    if sources:
        lines.append(t("footer.sources", sources="; ".join(sources)))
    lines.append(
        t(
            "footer.method",
            method=method or t("method.version"),
            date=format_date(generated or date.today(), "long"),
        )
    )
    if coverage:
        lines.append(t("footer.coverage", coverage=coverage))
    lines.append(t("footer.howto"))
    return lines


def unique_labels(names: Sequence[str], countries: Sequence[str] | None) -> list[str]:
    """Unit names for a categorical axis; a name used twice gets its country appended."""
    names = [str(n) for n in names]
    if countries is None:
        return names
    counts: dict[str, int] = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    return [
        f"{name} ({country})" if counts[name] > 1 else name
        for name, country in zip(names, countries, strict=True)
    ]
