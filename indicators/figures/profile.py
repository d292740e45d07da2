"""A unit's profile over the 14 risk factors, against the country and regional medians."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from indicators.figures.style import (
    MUTED_COLOR,
    OKABE_ITO,
    add_caption,
    axis_style,
    base_layout,
    font,
)
from indicators.i18n import t

RISK_FACTOR_IDS: tuple[int, ...] = tuple(range(1, 15))
_SHORT_TITLE = 28
#: Unit, country median, regional median.
SERIES_COLORS: tuple[str, str, str] = (OKABE_ITO[0], OKABE_ITO[4], "#7f7f7f")


def _value(values: Mapping[int, float | None], rf: int) -> float | None:
    value = values.get(rf)
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def rf_label(rf: int, title: str | None = None, short: int = _SHORT_TITLE) -> str:
    """Short axis label "RF1 Situations of armed co…" (the full title is in the hover)."""
    if not title:
        return f"RF{rf}"
    text = title if len(title) <= short else title[: short - 1].rstrip() + "…"
    return f"RF{rf} {text}"


def _series(
    unit_scores: Mapping[int, float | None],
    country_median: Mapping[int, float | None],
    region_median: Mapping[int, float | None],
    unit_label: str | None,
) -> list[tuple[str, Mapping[int, float | None], str]]:
    return [
        (unit_label or t("label.unit"), unit_scores, SERIES_COLORS[0]),
        (t("label.country_median"), country_median, SERIES_COLORS[1]),
        (t("label.region_median"), region_median, SERIES_COLORS[2]),
    ]


def risk_factor_bars(
    unit_scores: Mapping[int, float | None],
    country_median: Mapping[int, float | None],
    region_median: Mapping[int, float | None],
    titles: Mapping[int, str],
    *,
    title: str,
    unit_label: str | None = None,
    subtitle: str | None = None,
    footer_lines: Sequence[str] = (),
    fictional: bool = False,
) -> go.Figure:
    """Grouped horizontal bars for RF1–RF14 (RF1 at the top): unit vs country vs regional median.

    A missing value draws no bar (never a zero bar) and a "no data" text in its slot.
    """
    labels = [rf_label(rf, titles.get(rf)) for rf in RISK_FACTOR_IDS]
    full = [t("measure.rf", n=rf, title=titles.get(rf, "")) for rf in RISK_FACTOR_IDS]
    fig = go.Figure()
    no_data = t("fig.no_data")
    for i, (name, values, color) in enumerate(
        _series(unit_scores, country_median, region_median, unit_label)
    ):
        xs = [_value(values, rf) for rf in RISK_FACTOR_IDS]
        group = f"s{i}"
        fig.add_trace(
            go.Bar(
                x=xs,
                y=labels,
                orientation="h",
                name=name,
                offsetgroup=group,
                alignmentgroup="rf",
                marker={"color": color, "line": {"width": 0}},
                customdata=full,
                hovertemplate="<b>%{customdata}</b><br>" + name + ": %{x:.1f}<extra></extra>",
            )
        )
        missing = [lab for lab, x in zip(labels, xs, strict=True) if x is None]
        if missing:
            fig.add_trace(
                go.Scatter(
                    x=[0.05] * len(missing),
                    y=missing,
                    mode="text",
                    text=[no_data] * len(missing),
                    textposition="middle right",
                    textfont=font(9, MUTED_COLOR),
                    orientation="h",
                    offsetgroup=group,
                    alignmentgroup="rf",
                    showlegend=False,
                    hoverinfo="skip",
                    name=f"{name} — {no_data}",
                )
            )
    base_layout(fig, title=title, height=640, margin={"l": 10, "r": 20, "b": 60})
    fig.update_layout(
        barmode="group",
        scattermode="group",
        bargap=0.25,
        bargroupgap=0.05,
        xaxis=axis_style(t("label.score"), range=[0, 10], dtick=2),
        yaxis=axis_style(
            None,
            showgrid=False,
            type="category",
            categoryorder="array",
            categoryarray=labels,
            autorange="reversed",
        ),
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom"},
    )
    return add_caption(fig, subtitle=subtitle, footer_lines=footer_lines, fictional=fictional)


def risk_factor_radar(
    unit_scores: Mapping[int, float | None],
    country_median: Mapping[int, float | None],
    region_median: Mapping[int, float | None],
    titles: Mapping[int, str],
    *,
    title: str,
    unit_label: str | None = None,
    subtitle: str | None = None,
    footer_lines: Sequence[str] = (),
    fictional: bool = False,
) -> go.Figure:
    """Radar of the same three series on a 0–10 radial axis; missing factors are gaps."""
    thetas = [f"RF{rf}" for rf in RISK_FACTOR_IDS]
    full = [t("measure.rf", n=rf, title=titles.get(rf, "")) for rf in RISK_FACTOR_IDS]
    fig = go.Figure()
    for name, values, color in _series(unit_scores, country_median, region_median, unit_label):
        rs = [_value(values, rf) for rf in RISK_FACTOR_IDS]
        fig.add_trace(
            go.Scatterpolar(
                r=[*rs, rs[0]],
                theta=[*thetas, thetas[0]],
                mode="lines+markers",
                connectgaps=False,
                name=name,
                line={"color": color, "width": 2},
                marker={"size": 5},
                customdata=[*full, full[0]],
                hovertemplate="<b>%{customdata}</b><br>" + name + ": %{r:.1f}<extra></extra>",
            )
        )
    base_layout(fig, title=title, height=560, margin={"l": 40, "r": 40, "b": 40})
    fig.update_layout(
        polar={
            "bgcolor": "#ffffff",
            "radialaxis": {
                "range": [0, 10],
                "gridcolor": "#e5e5e5",
                "linecolor": "#444444",
                "tickfont": font(10),
            },
            "angularaxis": {
                "gridcolor": "#e5e5e5",
                "linecolor": "#444444",
                "tickfont": font(11),
                "direction": "clockwise",
                "rotation": 90,
            },
        },
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": -0.05, "yanchor": "top"},
    )
    return add_caption(fig, subtitle=subtitle, footer_lines=footer_lines, fictional=fictional)
