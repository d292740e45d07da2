"""Rank uncertainty: the top-N units as dots (median or rank) with 5–95 % interval bars."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from indicators.figures.style import (
    AXIS_COLOR,
    add_caption,
    axis_style,
    base_layout,
    class_color,
    class_label,
    class_of,
    unique_labels,
)
from indicators.i18n import t
from indicators.i18n.formatting import format_decimal
from indicators.i18n.names import localise_names

_INTERVAL_COLS = ("rank_p05", "rank_p95")


def _latest(scores_df: pd.DataFrame, period: int | None) -> pd.DataFrame:
    if "period" not in scores_df.columns or scores_df.empty:
        return scores_df
    chosen = period if period is not None else scores_df["period"].max()
    return scores_df.loc[scores_df["period"] == chosen]


def rank_intervals(
    scores_df: pd.DataFrame,
    *,
    top_n: int = 20,
    title: str,
    period: int | None = None,
    subtitle: str | None = None,
    footer_lines: Sequence[str] = (),
    fictional: bool = False,
) -> go.Figure:
    """Horizontal dot chart of the ``top_n`` best-ranked units (rank 1 = highest risk) at the top.

    The dot is the unit's ``rank`` (method v1; ``rank_median`` only when there is no ``rank``
    column), so chart, list and download agree; error bars span ``rank_p05`` to
    ``rank_p95`` when both columns exist (otherwise dots only). Dots are filled with the
    unit's risk-class colour. Uses ``period`` (default: the latest) when there is a period column.
    """
    frame = _latest(scores_df, period)
    point_col = "rank" if "rank" in frame.columns else "rank_median"
    frame = frame.loc[pd.to_numeric(frame[point_col], errors="coerce").notna()]
    sort_cols = [point_col, "rank"] if point_col != "rank" and "rank" in frame else [point_col]
    frame = frame.sort_values(sort_cols, kind="stable").head(top_n)
    names = unique_labels(
        localise_names(frame)["unit_name"].tolist(),
        frame["country"].astype(str).tolist() if "country" in frame else None,
    )
    points = frame[point_col].astype(float)
    has_interval = all(c in frame.columns for c in _INTERVAL_COLS)
    composite = frame["composite"] if "composite" in frame else pd.Series(float("nan"), frame.index)
    classes = [class_of(v) for v in composite]
    trace = go.Scatter(
        x=points.tolist(),
        y=names,
        mode="markers",
        name=t("label.rank"),
        marker={
            "size": 10,
            "color": [class_color(c) for c in classes],
            "line": {"width": 1.2, "color": AXIS_COLOR},
        },
        customdata=[
            [
                format_decimal(v, 1) if pd.notna(v) else class_label("insufficient"),
                class_label(c),
                f"{lo:.0f}–{hi:.0f}" if has_interval and pd.notna(lo) and pd.notna(hi) else "—",
            ]
            for v, c, lo, hi in zip(
                composite,
                classes,
                frame["rank_p05"] if has_interval else [None] * len(frame),
                frame["rank_p95"] if has_interval else [None] * len(frame),
                strict=True,
            )
        ],
        hovertemplate=(
            "<b>%{y}</b><br>"
            + t("label.rank")
            + ": %{x:.0f}<br>"
            + t("label.rank_interval")
            + ": %{customdata[2]}<br>"
            + t("measure.composite")
            + ": %{customdata[0]}<br>"
            + t("label.class")
            + ": %{customdata[1]}<extra></extra>"
        ),
    )
    if has_interval:
        upper = (frame["rank_p95"].astype(float) - points).clip(lower=0)
        lower = (points - frame["rank_p05"].astype(float)).clip(lower=0)
        trace.error_x = {
            "type": "data",
            "symmetric": False,
            "array": upper.fillna(0).tolist(),
            "arrayminus": lower.fillna(0).tolist(),
            "color": "#777777",
            "thickness": 1.5,
            "width": 4,
        }
    fig = go.Figure(trace)
    base_layout(
        fig,
        title=title,
        height=max(320, 90 + 24 * len(frame)),
        margin={"l": 10, "r": 20, "b": 50},
        showlegend=False,
    )
    fig.update_layout(
        xaxis=axis_style(
            t("label.rank_interval") if has_interval else t("label.rank"), rangemode="tozero"
        ),
        yaxis=axis_style(
            None,
            showgrid=False,
            type="category",
            categoryorder="array",
            categoryarray=names,
            autorange="reversed",
        ),
    )
    return add_caption(fig, subtitle=subtitle, footer_lines=footer_lines, fictional=fictional)
