"""Data coverage (indicator × period), indicator correlations, and rank shifts between scenarios."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from indicators.figures.style import (
    DIVERGING,
    FONT_FAMILY,
    GRID_COLOR,
    OKABE_ITO,
    SEQUENTIAL_BLUES,
    add_caption,
    axis_style,
    base_layout,
    font,
    unique_labels,
)
from indicators.i18n import t
from indicators.i18n.names import localise_names

_ANNOTATE_MAX_CELLS = 400


def _even_scale(colors: Sequence[str]) -> list[list]:
    step = 1 / (len(colors) - 1)
    return [[round(i * step, 6), c] for i, c in enumerate(colors)]


def _nan_to_none(values: np.ndarray) -> list[list[float | None]]:
    return [[None if pd.isna(v) else float(v) for v in row] for row in values]


def coverage_matrix(df: pd.DataFrame, value_col: str = "share") -> pd.DataFrame:
    """A wide indicator × period matrix from a long (``indicator, period, share``) frame.

    A frame that is already wide (index = indicators, columns = periods) is returned as is.
    """
    if {"indicator", "period", value_col}.issubset(df.columns):
        wide = df.pivot_table(
            index="indicator", columns="period", values=value_col, aggfunc="mean", sort=False
        )
        return wide.reindex(columns=sorted(wide.columns))  # periods in time order
    return df


def coverage_heatmap(
    df: pd.DataFrame,
    *,
    title: str | None = None,
    value_col: str = "share",
    subtitle: str | None = None,
    footer_lines: Sequence[str] = (),
    fictional: bool = False,
) -> go.Figure:
    """Heatmap of the share of units with data (0–1) per indicator (rows) and period (columns).

    ``df`` is wide (index indicators, columns periods) or long (``indicator, period, share``).
    Cells are annotated with percentages when the grid is small enough to read.
    """
    matrix = coverage_matrix(df, value_col)
    z = _nan_to_none(matrix.to_numpy(dtype=float))
    x = [str(c) for c in matrix.columns]
    y = [str(i) for i in matrix.index]
    annotate = matrix.size <= _ANNOTATE_MAX_CELLS
    trace = go.Heatmap(
        z=z,
        x=x,
        y=y,
        zmin=0,
        zmax=1,
        colorscale=_even_scale(SEQUENTIAL_BLUES),
        xgap=1,
        ygap=1,
        hoverongaps=False,
        colorbar={
            "title": {"text": t("label.share_units"), "font": font(11), "side": "right"},
            "tickformat": ".0%",
            "tickfont": font(11),
            "outlinewidth": 0,
            "thickness": 14,
        },
        texttemplate="%{z:.0%}" if annotate else None,
        textfont={"family": FONT_FAMILY, "size": 9},
        hovertemplate=(
            t("label.indicator")
            + ": %{y}<br>"
            + t("label.period")
            + ": %{x}<br>"
            + t("label.share_units")
            + ": %{z:.0%}<extra></extra>"
        ),
    )
    fig = go.Figure(trace)
    base_layout(
        fig,
        title=title or t("fig.coverage_title"),
        height=max(320, 110 + 22 * len(y)),
        margin={"l": 10, "r": 10, "b": 50},
        showlegend=False,
    )
    fig.update_layout(
        plot_bgcolor=GRID_COLOR,
        xaxis=axis_style(t("label.period"), showgrid=False, type="category", showline=False),
        yaxis=axis_style(
            None, showgrid=False, type="category", autorange="reversed", showline=False
        ),
    )
    return add_caption(fig, subtitle=subtitle, footer_lines=footer_lines, fictional=fictional)


def correlation_heatmap(
    corr: pd.DataFrame,
    title: str,
    *,
    subtitle: str | None = None,
    footer_lines: Sequence[str] = (),
    fictional: bool = False,
) -> go.Figure:
    """Correlation matrix on a diverging, colour-blind-safe scale (RdBu, −1…1), values annotated."""
    z = _nan_to_none(corr.to_numpy(dtype=float))
    labels_x = [str(c) for c in corr.columns]
    labels_y = [str(i) for i in corr.index]
    trace = go.Heatmap(
        z=z,
        x=labels_x,
        y=labels_y,
        zmin=-1,
        zmax=1,
        zmid=0,
        colorscale=_even_scale(DIVERGING),
        xgap=1,
        ygap=1,
        hoverongaps=False,
        texttemplate="%{z:.2f}" if corr.size <= _ANNOTATE_MAX_CELLS else None,
        textfont={"family": FONT_FAMILY, "size": 10},
        colorbar={
            "title": {"text": t("fig.correlation"), "font": font(11), "side": "right"},
            "tickvals": [-1, -0.5, 0, 0.5, 1],
            "tickfont": font(11),
            "outlinewidth": 0,
            "thickness": 14,
        },
        hovertemplate="%{y} × %{x}<br>" + t("fig.correlation") + ": %{z:.2f}<extra></extra>",
    )
    fig = go.Figure(trace)
    size = max(360, 140 + 28 * len(labels_y))
    base_layout(fig, title=title, height=size, margin={"l": 10, "r": 10, "b": 50}, showlegend=False)
    fig.update_layout(
        plot_bgcolor="#ffffff",
        xaxis=axis_style(None, showgrid=False, type="category", tickangle=-45, showline=False),
        yaxis=axis_style(
            None, showgrid=False, type="category", autorange="reversed", showline=False
        ),
    )
    return add_caption(fig, subtitle=subtitle, footer_lines=footer_lines, fictional=fictional)


def rank_shift(
    df: pd.DataFrame,
    *,
    top_k: int = 15,
    title: str,
    label_a: str | None = None,
    label_b: str | None = None,
    subtitle: str | None = None,
    footer_lines: Sequence[str] = (),
    fictional: bool = False,
) -> go.Figure:
    """Dumbbells for the ``top_k`` units whose rank moves most between scenario A and B.

    ``df`` holds ``unit_name, rank_a, rank_b`` (optionally ``country``). The biggest mover is
    at the top; a connector joins each unit's two ranks.
    """
    label_a = label_a or t("fig.scenario_a")
    label_b = label_b or t("fig.scenario_b")
    frame = df.dropna(subset=["rank_a", "rank_b"]).copy()
    frame["shift"] = frame["rank_b"].astype(float) - frame["rank_a"].astype(float)
    frame = frame.reindex(frame["shift"].abs().sort_values(ascending=False, kind="stable").index)
    frame = frame.head(top_k)
    names = unique_labels(
        localise_names(frame)["unit_name"].tolist(),
        frame["country"].astype(str).tolist() if "country" in frame else None,
    )
    connector_x: list[float | None] = []
    connector_y: list[str | None] = []
    for name, a, b in zip(names, frame["rank_a"], frame["rank_b"], strict=True):
        connector_x += [float(a), float(b), None]
        connector_y += [name, name, None]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=connector_x,
            y=connector_y,
            mode="lines",
            line={"color": "#9e9e9e", "width": 2},
            hoverinfo="skip",
            showlegend=False,
            name="connector",
        )
    )
    for label, col, color in ((label_a, "rank_a", OKABE_ITO[0]), (label_b, "rank_b", OKABE_ITO[1])):
        fig.add_trace(
            go.Scatter(
                x=frame[col].astype(float).tolist(),
                y=names,
                mode="markers",
                name=label,
                marker={"size": 10, "color": color, "line": {"width": 1, "color": "#ffffff"}},
                customdata=frame["shift"].tolist(),
                hovertemplate=(
                    "<b>%{y}</b><br>"
                    + label
                    + " — "
                    + t("label.rank")
                    + ": %{x:.0f}<br>"
                    + t("fig.rank_shift")
                    + ": %{customdata:+.0f}<extra></extra>"
                ),
            )
        )
    base_layout(
        fig, title=title, height=max(320, 110 + 26 * len(names)), margin={"l": 10, "r": 20, "b": 50}
    )
    fig.update_layout(
        xaxis=axis_style(t("label.rank"), rangemode="tozero"),
        yaxis=axis_style(
            None,
            showgrid=False,
            type="category",
            categoryorder="array",
            categoryarray=names,
            autorange="reversed",
        ),
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom"},
    )
    return add_caption(fig, subtitle=subtitle, footer_lines=footer_lines, fictional=fictional)
