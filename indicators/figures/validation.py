"""Figures of a backtest (pure plotly): ROC curves, AUCs with intervals, score vs outcome."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from indicators.figures.style import (
    GRID_COLOR,
    MUTED_COLOR,
    OKABE_ITO,
    add_caption,
    axis_style,
    base_layout,
)
from indicators.i18n import t
from indicators.validation.metrics import roc_points


def roc_curves(
    curves: Sequence[tuple[str, np.ndarray, np.ndarray, float]],
    *,
    title: str,
    subtitle: str | None = None,
    footer_lines: Sequence[str] = (),
    fictional: bool = False,
) -> go.Figure:
    """One ROC curve per (label, scores, labels, auc); the diagonal is "no better than chance"."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name=t("val.chance"),
                             line={"color": MUTED_COLOR, "dash": "dot", "width": 1},
                             hoverinfo="skip"))
    for i, (label, scores, labels, auc) in enumerate(curves):
        fpr, tpr = roc_points(scores, labels)
        fig.add_trace(go.Scatter(
            x=fpr.tolist(), y=tpr.tolist(), mode="lines", name=f"{label} (AUC {auc:.2f})",
            line={"color": OKABE_ITO[i % len(OKABE_ITO)], "width": 3 if i == 0 else 2},
            hovertemplate=(f"<b>{label}</b><br>{t('val.fpr')}: %{{x:.2f}}<br>"
                           f"{t('val.tpr')}: %{{y:.2f}}<extra></extra>")))
    base_layout(fig, title=title, height=460, margin={"l": 10, "r": 20, "b": 50})
    fig.update_layout(
        xaxis=axis_style(t("val.fpr"), range=[0, 1], constrain="domain"),
        yaxis=axis_style(t("val.tpr"), range=[0, 1], scaleanchor="x", scaleratio=1),
        legend={"x": 0.99, "xanchor": "right", "y": 0.02, "yanchor": "bottom"},
    )
    return add_caption(fig, subtitle=subtitle, footer_lines=footer_lines, fictional=fictional)


def auc_bars(
    table: pd.DataFrame,
    *,
    title: str,
    subtitle: str | None = None,
    footer_lines: Sequence[str] = (),
    fictional: bool = False,
) -> go.Figure:
    """Horizontal AUC dots with 90 % intervals, one row per predictor (``label, auc, auc_low,
    auc_high, n``); a line at 0.5 marks chance. Missing AUCs are listed as insufficient data."""
    frame = table.copy()
    frame["label"] = [x if len(x) <= 48 else x[:47] + "…" for x in frame["label"].astype(str)]
    ok = frame["auc"].notna()
    shown = frame[ok].sort_values("auc")
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=shown["auc"].tolist(), y=shown["label"].tolist(), mode="markers",
        marker={"size": 11, "color": OKABE_ITO[0]}, name="AUC",
        error_x={"type": "data", "symmetric": False,
                 "array": (shown["auc_high"] - shown["auc"]).fillna(0).tolist(),
                 "arrayminus": (shown["auc"] - shown["auc_low"]).fillna(0).tolist(),
                 "color": OKABE_ITO[0], "thickness": 2},
        customdata=np.column_stack([shown["auc_low"], shown["auc_high"], shown["n"]]).tolist(),
        hovertemplate=("<b>%{y}</b><br>AUC %{x:.3f} [%{customdata[0]:.3f}, "
                       "%{customdata[1]:.3f}]<br>n = %{customdata[2]:.0f}<extra></extra>")))
    fig.add_vline(x=0.5, line={"color": MUTED_COLOR, "dash": "dot", "width": 1})
    base_layout(fig, title=title, height=max(300, 120 + 28 * len(shown)), showlegend=False,
                margin={"l": 10, "r": 20, "b": 50})
    fig.update_layout(xaxis=axis_style(t("val.auc_axis"), range=[0, 1]),
                      yaxis=axis_style(None, showgrid=False, type="category",
                                       categoryorder="array", categoryarray=shown["label"].tolist()))
    missing = frame.loc[~ok, "label"].tolist()
    lines = list(footer_lines)
    if missing:
        lines.insert(0, t("val.insufficient_list", names=", ".join(missing)))
    return add_caption(fig, subtitle=subtitle, footer_lines=lines, fictional=fictional)


def score_outcome_scatter(
    frame: pd.DataFrame,
    *,
    title: str,
    score_label: str,
    outcome_label: str,
    threshold: float,
    log_y: bool = False,
    subtitle: str | None = None,
    footer_lines: Sequence[str] = (),
    fictional: bool = False,
) -> go.Figure:
    """Score (x) against outcome (y), one point per unit with hover names.

    ``frame``: unit_name, score, outcome, positive[, highlight]. Positives (outcome in the top
    quartile) are filled, the others hollow; highlighted units (the demo's planted cluster) are
    drawn as diamonds. A dashed line marks the 75th percentile of the outcome.
    """
    fig = go.Figure()
    hl = frame["highlight"] if "highlight" in frame else pd.Series(False, index=frame.index)
    groups = ((t("val.positive"), frame["positive"] & ~hl, "circle", OKABE_ITO[1]),
              (t("val.negative"), ~frame["positive"] & ~hl, "circle-open", OKABE_ITO[0]),
              (t("val.highlight"), hl, "diamond", OKABE_ITO[3]))
    for name, mask, symbol, color in groups:
        part = frame[mask]
        if not len(part):
            continue
        fig.add_trace(go.Scatter(
            x=part["score"].tolist(), y=part["outcome"].tolist(), mode="markers", name=name,
            text=part["unit_name"].astype(str).tolist(),
            marker={"size": 9, "symbol": symbol, "color": color, "line": {"width": 1.5, "color": color}},
            hovertemplate=(f"<b>%{{text}}</b><br>{score_label}: %{{x:.2f}}<br>"
                           f"{outcome_label}: %{{y:,.1f}}<extra>{name}</extra>")))
    fig.add_hline(y=threshold, line={"color": MUTED_COLOR, "dash": "dash", "width": 1},
                  annotation_text=t("val.threshold_line"), annotation_position="top left",
                  annotation_font={"color": MUTED_COLOR, "size": 10})
    base_layout(fig, title=title, height=460, margin={"l": 10, "r": 20, "b": 50})
    fig.update_layout(
        xaxis=axis_style(score_label),
        yaxis=axis_style(outcome_label, type="log" if log_y else "linear", gridcolor=GRID_COLOR),
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom"},
    )
    return add_caption(fig, subtitle=subtitle, footer_lines=footer_lines, fictional=fictional)
