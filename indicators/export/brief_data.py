"""Everything a one-page brief states, gathered from the warehouse (no rendering here).

:func:`brief_data` reads the scores, rank intervals, early-warning lists, indicators and
sources of one municipality (``unit``) or one country and returns a :class:`BriefData`
with its three compact figures (map with the unit or country outlined, the 14 risk factors,
the composite over time). :mod:`indicators.export.brief` lays it out on an A4 page.
The gathering runs where the database cursor lives; the rendering may run in another thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import shapely

from indicators import views
from indicators.comparability import risk_factor_coverage
from indicators.export.charts import Context, Selection, SelectionError, open_context, resolve
from indicators.export.meta import SourceRef, sources_by_id
from indicators.figures.maps import choropleth_geo, units_geojson
from indicators.figures.profile import risk_factor_bars
from indicators.figures.style import class_label, class_of, font
from indicators.figures.trends import trend
from indicators.framework import RISK_FACTORS
from indicators.i18n import t
from indicators.i18n.formatting import format_date, format_number, format_signed, format_significant
from indicators.i18n.names import indicator_title, measure_unit, rf_title, unit_name
from indicators.measures import measure_series, measure_values
from indicators.monitoring.calendar import upcoming_events
from indicators.scoring.alerts import compute_alerts
from indicators.scoring.engine import ScoreResult
from indicators.views import COMPOSITE

N_TOP_INDICATORS = 5
#: Sizes (CSS px) the figures are drawn at; the brief places them at 0.75 pt per px.
MAP_SIZE = (333, 220)
RF_SIZE = (400, 262)
TREND_SIZE = (296, 262)
HIGHLIGHT_COLOR = "#111111"


@dataclass
class BriefData:
    """The content of one brief (see the module docstring)."""

    kind: str  # "unit" | "country"
    name: str
    name_local: str | None
    country: str
    country_name: str
    period: int
    fictional: bool
    composite: float | None
    risk_class: str  # class key of style.class_of (very_low … very_high, insufficient)
    coverage: float | None
    key_lines: list[tuple[str, str]]  # (label, value) under the composite
    alert_lines: list[tuple[str, str]]
    top_indicators: pd.DataFrame  # title, rf, value, score, observed, source
    sources: tuple[SourceRef, ...]
    coverage_note: str
    map_fig: go.Figure
    rf_fig: go.Figure
    trend_fig: go.Figure
    generated: date = field(default_factory=date.today)
    triggers: list[tuple[str, str]] = field(default_factory=list)  # (date, text), next 90 days
    #: cross-country comparability and country-level-only caveats ('' when none apply)
    comparability_note: str = ""

    @property
    def title(self) -> str:
        return t("brief.title", name=self.name)


def _compact(fig: go.Figure, size: tuple[int, int], *, legend_top: bool = True) -> go.Figure:
    """Strip page captions: no title, tight margins, small fonts, fixed size."""
    fig.update_layout(
        title_text="", width=size[0], height=size[1], font=font(10),
        margin={"l": 4, "r": 12, "t": 24 if legend_top else 4, "b": 4},
    )
    if legend_top:
        fig.update_layout(legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.0,
                                  "yanchor": "bottom", "font": font(8)})
    return fig


def _map_figure(gdf: gpd.GeoDataFrame, values: pd.DataFrame, highlight: list[str]) -> go.Figure:
    fig = choropleth_geo(gdf, values, value_col="score", label=t("brief.map_label"), title="",
                         geojson=units_geojson(gdf))
    fig.update_traces(showscale=False, selector={"type": "choropleth"})  # legend drawn by the brief
    chosen = gdf[gdf["unit_id"].isin(highlight)]
    if len(chosen):
        outline = shapely.union_all(np.asarray(chosen.geometry.values, dtype=object))
        feature = {"type": "FeatureCollection", "features": [
            {"type": "Feature", "id": "highlight", "properties": {"id": "highlight"},
             "geometry": shapely.geometry.mapping(outline)}]}
        fig.add_trace(go.Choropleth(
            geojson=feature, featureidkey="properties.id", locations=["highlight"], z=[1],
            colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]], showscale=False,
            marker={"line": {"width": 2.4, "color": HIGHLIGHT_COLOR}}, hoverinfo="skip",
            name="highlight",
        ))
    fig.layout.annotations = ()
    return _compact(fig, MAP_SIZE, legend_top=False)


def _merge_no_data(fig: go.Figure) -> None:
    """One centred "no data" label for a risk factor row where every series is missing.

    At brief size the grouped labels of three missing series would overlap; rows where only
    some series are missing keep their labels in their own slots.
    """
    texts = [tr for tr in fig.data if tr.type == "scatter" and tr.mode == "text"]
    n_series = sum(1 for tr in fig.data if tr.type == "bar")
    if not texts or n_series == 0:
        return
    counts: dict[str, int] = {}
    for tr in texts:
        for y in tr.y:
            counts[y] = counts.get(y, 0) + 1
    empty = [y for y, n in counts.items() if n >= n_series]
    if not empty:
        return
    label, textfont = texts[0].text[0], texts[0].textfont
    for tr in texts:
        keep = [i for i, y in enumerate(tr.y) if y not in empty]
        tr.update(x=[tr.x[i] for i in keep], y=[tr.y[i] for i in keep],
                  text=[tr.text[i] for i in keep])
    fig.add_trace(go.Scatter(
        x=[0.05] * len(empty), y=empty, mode="text", text=[label] * len(empty),
        textposition="middle right", textfont=textfont, showlegend=False, hoverinfo="skip",
        name=label,
    ))


def _contributions(result: ScoreResult, unit_pos: np.ndarray, period: int) -> pd.DataFrame:
    """Mean indicator score and contribution to the composite over the given units."""
    p = result.panel
    t_pos = int(np.nonzero(result.periods == period)[0][0])
    scores = result.indicator_scores[:, unit_pos, t_pos]  # (I, n)
    rf_of = np.array([d.risk_factor for d in p.indicators], dtype=np.int64)
    w = result.indicator_weights[:, None] * ~np.isnan(scores)
    contrib = np.zeros_like(scores)
    rf_avail = np.zeros((14, scores.shape[1]), dtype=bool)
    for r in range(1, 15):
        rows = rf_of == r
        if not rows.any():
            continue
        denom = w[rows].sum(axis=0)
        ok = denom > 0
        rf_avail[r - 1] = ok
        share = np.divide(w[rows], denom, out=np.zeros_like(w[rows]), where=ok)
        contrib[rows] = share * np.nan_to_num(scores[rows])
    rf_w = result.rf_weights[:, None] * rf_avail
    total = rf_w.sum(axis=0)
    for r in range(1, 15):
        rows = rf_of == r
        factor = np.divide(rf_w[r - 1], total, out=np.zeros_like(total), where=total > 0)
        contrib[rows] *= factor
    counts = (~np.isnan(scores)).sum(axis=1)
    sums = np.nansum(scores, axis=1)
    mean_score = np.divide(sums, counts, out=np.full(sums.shape, np.nan), where=counts > 0)
    return pd.DataFrame({
        "indicator": list(p.codes), "risk_factor": rf_of,
        "score": mean_score, "contribution": contrib.mean(axis=1),
    })


def _top_indicators(ctx: Context, unit_ids: list[str], period: int, single: bool) -> pd.DataFrame:
    p = ctx.result.panel
    pos = np.nonzero(np.isin(p.unit_ids, unit_ids))[0]
    frame = _contributions(ctx.result, pos, period)
    frame = frame.dropna(subset=["score"]).sort_values("contribution", ascending=False)
    frame = frame[frame["contribution"] > 0].head(N_TOP_INDICATORS)
    meta = ctx.con.execute("SELECT code, title, coalesce(unit, '') FROM indicators").fetchall()
    titles = {c: (indicator_title(c, ti), measure_unit(u)) for c, ti, u in meta}
    if single:
        detail = ctx.result.indicator_frame(unit_ids[0], period).set_index("indicator")
        src = views.unit_observation_sources(ctx.con, unit_ids[0])
        src = src.drop_duplicates(["indicator", "source_period"]).set_index(["indicator", "source_period"])
    rows = []
    for rec in frame.itertuples(index=False):
        title, unit = titles.get(rec.indicator, (rec.indicator, ""))
        value = observed = source_id = ""
        if single and rec.indicator in detail.index:
            d = detail.loc[rec.indicator]
            value = format_significant(float(d["value"])) + (f" {unit}" if unit else "")
            observed = str(int(d["source_period"])) + (" *" if bool(d["carried_forward"]) else "")
            key = (rec.indicator, int(d["source_period"]))
            if key in src.index:
                source_id = str(src.loc[key, "source"])
        else:
            observed = str(period)
            i = p.codes.index(rec.indicator)
            t_pos = int(np.nonzero(ctx.result.periods == period)[0][0])
            vals = p.original[i, pos, ctx.result.period_index[t_pos]]
            vals = vals[~np.isnan(vals)]
            if vals.size:
                value = t("brief.median_value", value=format_significant(float(np.median(vals))),
                          unit=unit).strip()
            found = ctx.con.execute(
                "SELECT o.source, count(*) FROM observations o WHERE o.indicator = ? AND o.period <= ? "
                "AND (o.unit_id IN (SELECT unnest(?::VARCHAR[])) OR o.unit_id = ?) "
                "GROUP BY 1 ORDER BY 2 DESC LIMIT 1",
                [rec.indicator, period, unit_ids, str(p.unit_country[pos[0]])],
            ).fetchone()
            source_id = str(found[0]) if found else ""
        rows.append({
            "indicator": rec.indicator, "title": title, "risk_factor": int(rec.risk_factor),
            "value": value, "score": float(rec.score), "contribution": float(rec.contribution),
            "observed": observed, "source_id": source_id,
        })
    return pd.DataFrame(rows, columns=["indicator", "title", "risk_factor", "value", "score",
                                       "contribution", "observed", "source_id"])


def _alert_lines_unit(ctx: Context, unit: str, period: int) -> list[tuple[str, str]]:
    frame = ctx.result.frame
    now = frame[(frame["unit_id"] == unit) & (frame["period"] == period)]
    if now.empty or now["composite"].isna().all():  # no composite: no early-warning verdict
        return [(t(f"brief.alert_{key}"), t("brief.alert_insufficient"))
                for key in ("sharp_risers", "consistently_high", "newly_high")]
    alerts = compute_alerts(ctx.result, period)
    out = []
    for key, frame in (("sharp_risers", alerts.sharp_risers),
                       ("consistently_high", alerts.consistently_high),
                       ("newly_high", alerts.newly_high)):
        hit = frame[frame["unit_id"] == unit]
        if hit.empty:
            out.append((t(f"brief.alert_{key}"), t("brief.alert_no")))
            continue
        row = hit.iloc[0]
        detail = t("brief.alert_yes")
        if key == "sharp_risers" and pd.notna(row["change"]):
            detail += " " + t("brief.alert_change", change=format_signed(row["change"]),
                              since=alerts.previous_period)
        if row.get("drivers"):
            detail += " " + t("brief.alert_drivers", drivers=row["drivers"])
        out.append((t(f"brief.alert_{key}"), detail))
    return out


def _alert_lines_country(ctx: Context, country: str, period: int) -> list[tuple[str, str]]:
    alerts = compute_alerts(ctx.result, period)
    out = []
    for key, frame in (("sharp_risers", alerts.sharp_risers),
                       ("consistently_high", alerts.consistently_high),
                       ("newly_high", alerts.newly_high)):
        hits = frame[frame["country"] == country]
        names = ", ".join(hits["unit_name"].astype(str).head(4))
        more = f" +{len(hits) - 4}" if len(hits) > 4 else ""
        value = str(len(hits)) + (f" — {names}{more}" if len(hits) else "")
        out.append((t(f"brief.alert_{key}"), value))
    return out


def _fmt_rank(value: object) -> str:
    return "—" if value is None or pd.isna(value) else str(int(round(float(value))))


def brief_data(
    con: duckdb.DuckDBPyConnection,
    *,
    unit: str | None = None,
    country: str | None = None,
    period: int | None = None,
    result: ScoreResult | None = None,
    ranks: pd.DataFrame | None = None,
    context: Context | None = None,
) -> BriefData:
    """Gather the brief of a municipality (``unit``) or a ``country`` for ``period`` (latest).

    ``result`` / ``ranks`` (Monte Carlo rank intervals of that period) reuse scores the caller
    already has. Raises :class:`~indicators.export.charts.SelectionError` for unknown ids.
    """
    if (unit is None) == (country is None):
        raise SelectionError(t("export.err_brief_target"))
    ctx = context or open_context(con, result)
    if unit is not None:
        sel = resolve(ctx, Selection(unit=unit, period=period))
        country = str(ctx.result.panel.unit_country[list(ctx.result.panel.unit_ids).index(unit)])
    else:
        sel = resolve(ctx, Selection(countries=(country,), period=period))
    period = int(sel.period)
    if ranks is not None:
        ctx._ranks = {**(ctx._ranks or {}), period: ranks}
    ranks = ctx.ranks(period)
    frame = ctx.result.frame
    now = frame[frame["period"] == period]
    n_ranked = int(now["rank"].notna().sum())
    country_name = ctx.options.countries.get(country, country)
    titles = {i: rf_title(i, rf.title) for i, rf in RISK_FACTORS.items()}
    region_med = {r: float(now[f"rf{r:02d}"].median()) for r in range(1, 15)}
    in_country = now[now["country"] == country]
    country_med = {r: float(in_country[f"rf{r:02d}"].median()) for r in range(1, 15)}
    series = measure_series(ctx.result, COMPOSITE)
    peers = series[(series["country"] == country) & (series["period"] <= period)]
    band = peers.groupby("period")["value"].quantile([0.1, 0.5, 0.9]).unstack()
    band = band.rename(columns={0.1: "p10", 0.5: "median", 0.9: "p90"}).reset_index()

    if unit is not None:
        row = now[now["unit_id"] == unit].iloc[0]
        local = ctx.con.execute("SELECT name_local FROM units WHERE unit_id = ?", [unit]).fetchone()
        name, name_local = str(row["unit_name"]), (local[0] if local and local[0] else None)
        shown = unit_name(name, name_local)  # the language's script; the other spelling after it
        name, name_local = shown, (name if shown != name else name_local)
        composite = None if pd.isna(row["composite"]) else float(row["composite"])
        coverage = float(row["coverage"]) if pd.notna(row["coverage"]) else None
        r = ranks[ranks["unit_id"] == unit]
        p05 = r["rank_p05"].iloc[0] if len(r) else None
        p95 = r["rank_p95"].iloc[0] if len(r) else None
        key_lines = [
            (t("label.rank"), t("brief.rank_value", rank=_fmt_rank(row["rank"]), n=n_ranked)
             if composite is not None else t("brief.not_ranked")),
            (t("label.rank_interval"), f"{_fmt_rank(p05)}–{_fmt_rank(p95)}"
             if composite is not None and p05 is not None else "—"),
            (t("profile.rank_in_country"), t("brief.rank_value", rank=_fmt_rank(row["rank_in_country"]),
                                             n=int(in_country["rank"].notna().sum()))
             if composite is not None else "—"),
            (t("label.coverage"), t("brief.coverage_value", share=format_number((coverage or 0) * 100))),
        ]
        alert_lines = _alert_lines_unit(ctx, unit, period)
        unit_rf = {r_: row[f"rf{r_:02d}"] for r_ in range(1, 15)}
        rf_fig = risk_factor_bars(unit_rf, country_med, region_med, titles, title="", unit_label=name)
        lines = series[(series["unit_id"] == unit) & (series["period"] <= period)].assign(label=name)
        gdf = views.units_geo(ctx.con, (country,))
        highlight = [unit]
        top = _top_indicators(ctx, [unit], period, single=True)
        coverage_note = t("brief.coverage_unit", share=format_number((coverage or 0) * 100), period=period)
    else:
        name, name_local = country_name, ctx.con.execute(
            "SELECT name_local FROM countries WHERE iso3 = ?", [country]).fetchone()[0]
        scored = in_country["composite"].dropna()
        composite = float(scored.mean()) if len(scored) else None
        coverage = float(len(scored) / len(in_country)) if len(in_country) else None
        high = int(in_country["risk_class"].isin(["high", "very high"]).sum())
        key_lines = [
            (t("brief.units"), t("brief.units_value", n=len(in_country), scored=len(scored))),
            (t("brief.high_units"), str(high)),
            (t("brief.rank_range"), t("brief.rank_range_value",
                                      best=_fmt_rank(in_country["rank"].min()),
                                      median=_fmt_rank(in_country["rank"].median()), n=n_ranked)
             if len(scored) else "—"),
            (t("brief.insufficient_units"), str(int(len(in_country) - len(scored)))),
        ]
        alert_lines = _alert_lines_country(ctx, country, period)
        mean_rf = {r_: float(in_country[f"rf{r_:02d}"].mean()) for r_ in range(1, 15)}
        rf_fig = risk_factor_bars(mean_rf, country_med, region_med, titles, title="",
                                  unit_label=t("label.country_average", country=country_name))
        lines = peers.groupby("period", as_index=False)["value"].mean()
        lines["label"] = t("label.country_average", country=country_name)
        gdf = views.units_geo(ctx.con, tuple(ctx.options.countries))
        highlight = list(in_country["unit_id"])
        top = _top_indicators(ctx, list(in_country["unit_id"]), period, single=False)
        coverage_note = t("brief.coverage_country", scored=len(scored), total=len(in_country),
                          period=period)

    _merge_no_data(rf_fig)
    values = measure_values(ctx.result, COMPOSITE, period)
    map_fig = _map_figure(gdf, values, highlight)
    _compact(rf_fig, RF_SIZE)
    rf_fig.update_yaxes(tickfont=font(8))
    rf_fig.update_xaxes(title_text="", tickfont=font(8))
    trend_fig = _compact(trend(lines, band_df=band, title="", value_col="value", group_col="label",
                               y_label=t("label.score")), TREND_SIZE)
    trend_fig.update_xaxes(title_text="", tickfont=font(8), dtick=3)
    trend_fig.update_traces(selector={"name": t("label.band")},
                            name=t("brief.band", country=country_name))
    trend_fig.update_yaxes(tickfont=font(8), title_font=font(9))

    comparability_note = _comparability_note(ctx, country, period, values,
                                             unit if unit is not None else None)
    source_ids = set(top["source_id"]) | set(_composite_source_ids(ctx.con, country))
    triggers = _triggers(ctx.con, country)
    return BriefData(
        kind="unit" if unit is not None else "country", name=name, name_local=name_local,
        country=country, country_name=country_name, period=period, fictional=ctx.fictional,
        composite=composite, risk_class=class_of(composite), coverage=coverage,
        key_lines=key_lines, alert_lines=alert_lines, top_indicators=top,
        sources=sources_by_id(ctx.con, source_ids), coverage_note=coverage_note,
        map_fig=map_fig, rf_fig=rf_fig, trend_fig=trend_fig, triggers=triggers,
        comparability_note=comparability_note,
    )


def _comparability_note(ctx: Context, country: str, period: int, values: pd.DataFrame,
                        unit: str | None) -> str:
    """Which risk factors this country lacks (or alone has), and country-level-only scores."""
    comp = risk_factor_coverage(ctx.result, period, tuple(ctx.options.countries))
    parts = []
    lacking = [f"RF{rf}" for rf, countries in sorted(comp.gaps.items()) if country in countries]
    only_here = [f"RF{rf}" for rf, countries in sorted(comp.gaps.items())
                 if country not in countries]
    if lacking or only_here:
        parts.append(t("brief.comparability"))
    if lacking:
        parts.append(t("brief.comparability_lacking", rfs=", ".join(lacking)))
    if only_here:
        parts.append(t("brief.comparability_only_here", rfs=", ".join(only_here)))
    notes = values.set_index("unit_id")["note"] if "note" in values else pd.Series(dtype=object)
    chosen = [unit] if unit is not None else list(values.loc[values["country"] == country,
                                                             "unit_id"])
    kinds = {notes.get(u) for u in chosen} - {None}
    for kind in sorted(k for k in kinds if isinstance(k, str)):
        parts.append(t(f"unit_note.{kind}"))
    return " ".join(parts)


def _triggers(con: duckdb.DuckDBPyConnection, country: str, days: int = 90,
              limit: int = 6, today: date | None = None) -> list[tuple[str, str]]:
    """Dates of heightened sensitivity of ``country`` in the next ``days`` days (calendar of
    FoA risk factor 8) for the brief; an event not checked against a source says "(to verify)"."""
    upcoming = upcoming_events(con, today or date.today(), days, [country]).head(limit)
    out = []
    for row in upcoming.itertuples(index=False):
        text = str(row.title)
        if str(row.status) == "to verify":
            text += f" ({t('calendar.status_to_verify')})"
        out.append((format_date(row.date, "medium"), text))
    return out


def _composite_source_ids(con: duckdb.DuckDBPyConnection, country: str) -> list[str]:
    """Sources of the scored values of ``country`` (its units' and its own country-level ones):
    a brief names what its numbers rest on, not every census of the region."""
    rows = con.execute(
        "SELECT DISTINCT o.source FROM observations o JOIN indicators i ON i.code = o.indicator "
        "WHERE i.risk_factor IS NOT NULL AND o.source IS NOT NULL AND (o.unit_id = ? OR "
        "o.unit_id IN (SELECT unit_id FROM units WHERE country = ?))", [country, country]
    ).fetchall()
    return [r[0] for r in rows]


def class_text(data: BriefData) -> str:
    """The class of the composite in words (``insufficient data`` when missing)."""
    return class_label(data.risk_class)
