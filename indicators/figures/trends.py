"""Change over time: lines per unit (or country average) with a distribution band and events,
and bars of the change since a chosen year."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from indicators.figures.style import (
    AXIS_COLOR,
    BAND_FILL,
    DECREASE_COLOR,
    INCREASE_COLOR,
    MUTED_COLOR,
    OKABE_ITO,
    add_caption,
    axis_style,
    base_layout,
    font,
    unique_labels,
)
from indicators.i18n import t
from indicators.i18n.names import localise_names

_DASHES = ("solid", "dash", "dot", "dashdot")


def band_from_scores(scores_df: pd.DataFrame, value_col: str = "composite") -> pd.DataFrame:
    """Distribution across units per period: columns ``period, p10, p90, median``."""
    values = scores_df[["period", value_col]].dropna()
    grouped = values.groupby("period")[value_col]
    return pd.DataFrame(
        {
            "p10": grouped.quantile(0.10),
            "p90": grouped.quantile(0.90),
            "median": grouped.median(),
        }
    ).reset_index()


def country_averages(scores_df: pd.DataFrame, value_col: str = "composite") -> pd.DataFrame:
    """Mean per country and period, labelled ``t("label.country_average")``.

    Returns columns ``unit_name, period, <value_col>`` ready for :func:`trend`.
    """
    means = scores_df.groupby(["country", "period"], as_index=False)[value_col].mean()
    means["unit_name"] = [t("label.country_average", country=c) for c in means["country"]]
    return means[["unit_name", "period", value_col]]


def _to_period_x(value: object) -> float | None:
    """An event date as a fractional year (periods are years); an int is taken as a year."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        return None
    if pd.isna(stamp):
        return None
    days = 366 if stamp.is_leap_year else 365
    return stamp.year + (stamp.dayofyear - 1) / days


def _add_events(fig: go.Figure, events: pd.DataFrame) -> None:
    """A dotted line per event date and a small marker at the top whose hover (and the
    exported figure's alt text) names the events; labels are not printed, so many events
    never pile up into unreadable text."""
    by_x: dict[float, list[str]] = {}
    for _, row in events.iterrows():
        x = _to_period_x(row.get("date"))
        if x is not None:
            by_x.setdefault(round(x, 4), []).append(str(row.get("label", "")))
    for x, labels in sorted(by_x.items()):
        fig.add_shape(
            name="event", type="line", x0=x, x1=x, xref="x", yref="paper", y0=0, y1=1,
            line={"color": MUTED_COLOR, "width": 1, "dash": "dot"},
        )
        fig.add_annotation(
            name="event", text="▼", hovertext="<br>".join(labels), x=x, xref="x", y=1,
            yref="paper", yanchor="bottom", showarrow=False, font=font(9, MUTED_COLOR),
        )


def trend(
    series_df: pd.DataFrame,
    *,
    band_df: pd.DataFrame | None = None,
    title: str,
    y_label: str | None = None,
    events: pd.DataFrame | None = None,
    value_col: str = "composite",
    group_col: str = "unit_name",
    y_range: tuple[float, float] | None = (0.0, 10.0),
    subtitle: str | None = None,
    footer_lines: Sequence[str] = (),
    fictional: bool = False,
    band_label: str | None = None,
    show_median: bool = True,
) -> go.Figure:
    """Lines of ``value_col`` over ``period``, one per ``group_col`` value (unit or country average).

    ``band_df`` (``period, p10, p90, median``) adds a shaded band (by default the distribution
    across units, labelled ``band_label`` otherwise) and a dashed median (``show_median``). Missing periods stay gaps (never drawn as zero). ``events``
    (``date, label``; a date or a year) adds dotted vertical markers with labels.
    """
    fig = go.Figure()
    if band_df is not None and not band_df.empty:
        band = band_df.sort_values("period")
        fig.add_trace(
            go.Scatter(
                x=band["period"].tolist(),
                y=band["p10"].tolist(),
                mode="lines",
                line={"width": 0, "color": BAND_FILL},
                hoverinfo="skip",
                showlegend=False,
                name="band_low",
                legendgroup="band",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=band["period"].tolist(),
                y=band["p90"].tolist(),
                mode="lines",
                fill="tonexty",
                fillcolor=BAND_FILL,
                line={"width": 0, "color": BAND_FILL},
                name=band_label or t("label.band"),
                legendgroup="band",
                hoverinfo="skip",
            )
        )
        if "median" in band.columns and show_median:
            fig.add_trace(
                go.Scatter(
                    x=band["period"].tolist(),
                    y=band["median"].tolist(),
                    mode="lines",
                    line={"width": 1.5, "color": MUTED_COLOR, "dash": "dash"},
                    name=t("label.median"),
                    hovertemplate=t("label.median") + " %{x}: %{y:.1f}<extra></extra>",
                )
            )
    frame = localise_names(series_df, group_col).sort_values([group_col, "period"])
    for i, (name, rows) in enumerate(frame.groupby(group_col, sort=False)):
        periods = rows["period"].tolist()
        fig.add_trace(
            go.Scatter(
                x=periods,
                y=pd.to_numeric(rows[value_col], errors="coerce").tolist(),
                mode="lines+markers",
                connectgaps=False,
                name=str(name),
                line={
                    "width": 2,
                    "color": OKABE_ITO[i % len(OKABE_ITO)],
                    "dash": _DASHES[(i // len(OKABE_ITO)) % len(_DASHES)],
                },
                marker={"size": 5},
                hovertemplate="<b>" + str(name) + "</b><br>%{x}: %{y:.1f}<extra></extra>",
            )
        )
    base_layout(fig, title=title, height=460, margin={"l": 10, "r": 10, "b": 60})
    fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0,
                              "xanchor": "left"})
    fig.update_layout(
        xaxis=axis_style(t("label.period"), tickformat="d", dtick=1 if _few(frame) else None),
        yaxis=axis_style(y_label or t("label.score"), range=list(y_range) if y_range else None),
        hovermode="closest",
    )
    if events is not None and not events.empty:
        _add_events(fig, events)
    return add_caption(fig, subtitle=subtitle, footer_lines=footer_lines, fictional=fictional)


def _few(frame: pd.DataFrame) -> bool:
    return frame["period"].nunique() <= 15 if "period" in frame else True


def change_bars(
    scores_df: pd.DataFrame,
    since: int,
    *,
    until: int | None = None,
    value_col: str = "composite",
    top_n: int | None = 20,
    title: str,
    subtitle: str | None = None,
    footer_lines: Sequence[str] = (),
    fictional: bool = False,
) -> go.Figure:
    """Horizontal bars of the change of ``value_col`` from ``since`` to ``until`` (default latest).

    Units without a value in either year are left out. With ``top_n``, the units with the
    largest absolute change are shown; the largest increase is at the top. Increases are red,
    decreases blue (ColorBrewer RdBu ends).
    """
    until = int(scores_df["period"].max()) if until is None else until
    cols = ["unit_id", value_col]
    start = scores_df.loc[scores_df["period"] == since, cols].rename(columns={value_col: "a"})
    end = scores_df.loc[scores_df["period"] == until]
    keep = [c for c in ("unit_id", "unit_name", "country", value_col) if c in end.columns]
    end = end[keep].rename(columns={value_col: "b"})
    merged = end.merge(start, on="unit_id", how="inner").dropna(subset=["a", "b"])
    merged["change"] = merged["b"] - merged["a"]
    if top_n is not None:
        merged = merged.reindex(merged["change"].abs().sort_values(ascending=False).index)
        merged = merged.head(top_n)
    merged = merged.sort_values("change", ascending=False, kind="stable")
    names = unique_labels(
        localise_names(merged)["unit_name"].tolist() if "unit_name" in merged
        else merged["unit_id"].tolist(),
        merged["country"].astype(str).tolist() if "country" in merged else None,
    )
    change = merged["change"].astype(float)
    fig = go.Figure(
        go.Bar(
            x=change.tolist(),
            y=names,
            orientation="h",
            marker={
                "color": [INCREASE_COLOR if v > 0 else DECREASE_COLOR for v in change],
                "line": {"width": 0},
            },
            text=[f"{v:+.1f}" for v in change],
            textposition="outside",
            textfont=font(11),
            cliponaxis=False,
            customdata=merged[["a", "b"]].to_numpy(),
            hovertemplate=(
                "<b>%{y}</b><br>"
                + str(since)
                + ": %{customdata[0]:.1f}<br>"
                + str(until)
                + ": %{customdata[1]:.1f}<br>"
                + t("fig.change_short")
                + ": %{x:+.1f}<extra></extra>"
            ),
            name=t("fig.change", since=since, until=until),
        )
    )
    base_layout(
        fig,
        title=title,
        height=max(320, 90 + 24 * len(merged)),
        margin={"l": 10, "r": 30, "b": 50},
        showlegend=False,
    )
    fig.update_layout(
        xaxis=axis_style(
            t("fig.change", since=since, until=until),
            zeroline=True,
            zerolinecolor=AXIS_COLOR,
            zerolinewidth=1,
        ),
        yaxis=axis_style(
            None,
            showgrid=False,
            type="category",
            categoryorder="array",
            categoryarray=names,
            autorange="reversed",
        ),
        bargap=0.3,
    )
    return add_caption(fig, subtitle=subtitle, footer_lines=footer_lines, fictional=fictional)
