"""One digest e-mail: plain-language news for one subscriber, a small chart, links, caveats.

:func:`compose` turns a subscriber, the public :class:`~indicators.outreach.items.Snapshot`
and the items to tell into a MIME message: a plain-text part, an HTML part and the chart as
an inline PNG (the dashboard's "largest changes" bar chart,
:func:`indicators.figures.trends.change_bars`, rendered by the export code). Every text comes
from :func:`indicators.i18n.t` in the subscriber's language (English until catalogs exist).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

import pandas as pd

from indicators.figures.profile import rf_label
from indicators.framework import RISK_FACTORS
from indicators.i18n import t
from indicators.scoring.config import METHOD_VERSION
from indicators.views import COMPOSITE, measure_source_lines

from .items import Item, Snapshot
from .links import overview_url, profile_url, trends_url
from .subscriptions import Subscriber

CHART_WIDTH = 640
CHART_TOP_N = 10
#: Items listed per kind; the rest are counted, with a link to the dashboard.
MAX_LINES = 15


@dataclass
class Digest:
    """A composed digest (the message and what it holds)."""

    message: EmailMessage
    subject: str
    text: str
    html: str
    items: list[Item]
    chart_png: bytes | None
    chart_note: str = ""


def _f(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _cls(key: str, lang: str) -> str:
    return t(f"class.{(key or 'insufficient').replace(' ', '_')}", lang)


def _drivers(text: str) -> str:
    """'RF7 (+0.52), RF9 (+0.30)' with short risk-factor titles."""
    return re.sub(r"RF(\d+)", lambda m: rf_label(int(m.group(1)), RISK_FACTORS[int(m.group(1))].title, 40),
                  text or "")


def scope_units(snap: Snapshot, sub: Subscriber) -> set[str]:
    """Units a subscriber follows: every unit of their countries plus their municipalities."""
    countries = set(sub.countries)
    return {u for u, c in snap.unit_country.items() if c in countries} | set(sub.units)


def area_label(snap: Snapshot, sub: Subscriber) -> str:
    """'Velmorija, Ostrelija; Drenjevica' — the countries and municipalities followed."""
    parts = [snap.countries.get(c, c) for c in sub.countries]
    units = [snap.unit_names.get(u, u) for u in sub.units]
    return "; ".join(p for p in (", ".join(parts), ", ".join(units)) if p)


def item_line(item: Item, snap: Snapshot, lang: str) -> str:
    """One plain-language sentence about an item."""
    f = item.facts
    country = snap.countries.get(item.country, item.country)
    common = {"unit": f.get("unit_name", ""), "country": country, "period": item.period,
              "composite": _f(f.get("composite")), "previous": _f(f.get("previous")),
              "prev_period": f.get("previous_period") or "–", "cls": _cls(f.get("risk_class", ""), lang),
              "prev_cls": _cls(f.get("previous_class", ""), lang), "rank": f.get("rank") or "–",
              "n": f.get("n_ranked") or "–", "drivers": _drivers(f.get("drivers", "")) or "–"}
    flat = (" " + t("outreach.country_level_only", lang, country=country)
            if f.get("country_level_only") else "")
    if item.kind == "sharp_risers":
        return t("outreach.line_riser", lang, change=_f(f.get("change")), **common) + flat
    if item.kind == "newly_high":
        return t("outreach.line_newly_high", lang, **common) + flat
    if item.kind == "consistently_high":
        return t("outreach.line_consistently_high", lang, **common) + flat
    if item.kind == "class_change":
        return t("outreach.line_class_change", lang, **common)
    status = t("outreach.to_verify", lang) if f.get("status") == "to verify" else ""
    days = int(f["days_until"])
    when = t("outreach.today", lang) if days == 0 else t("outreach.in_days", lang, days=days)
    return t("outreach.line_calendar", lang, date=f["date"], when=when, country=country,
             title=f["title"], place=f" ({f['place']})" if f.get("place") else "",
             category=f["category"], source=f.get("source") or t("outreach.no_source", lang),
             status=status).strip()


def item_link(item: Item) -> str | None:
    """The dashboard view of an item (a profile), or the event's source."""
    if item.unit_id:
        return profile_url(item.unit_id, item.period)
    return item.facts.get("source_url") or None


def chart_png(snap: Snapshot, sub: Subscriber, lang: str) -> tuple[bytes | None, str]:
    """The dashboard's change-bar chart for the subscriber's units, as PNG (or a reason why not)."""
    res = snap.result
    if len(res.periods) < 2:
        return None, t("outreach.no_chart_periods", lang)
    from indicators.export.images import ExportError, prepare, render
    from indicators.export.meta import ExportMeta, sources_for_measure
    from indicators.figures.trends import change_bars

    frame = res.frame[res.frame["unit_id"].isin(scope_units(snap, sub))]
    since, until = int(res.periods[-2]), int(res.periods[-1])
    title = t("outreach.chart_title", lang, n=CHART_TOP_N, since=since, until=until)
    fig = change_bars(frame, since, until=until, top_n=CHART_TOP_N, title=title,
                      fictional=snap.fictional)
    meta = ExportMeta(title=title, filters=((t("outreach.area", lang), area_label(snap, sub)),),
                      sources=sources_for_measure(snap.con, COMPOSITE), fictional=snap.fictional)
    try:
        return render(prepare(fig, meta, width=CHART_WIDTH), "png", scale=1.5), ""
    except ExportError as exc:
        return None, t("outreach.no_chart", lang, reason=str(exc))


def _sections(items: list[Item], sub: Subscriber) -> list[tuple[str, list[Item]]]:
    return [(kind, [i for i in items if i.kind == kind]) for kind in sub.kinds]


def compose(snap: Snapshot, sub: Subscriber, items: list[Item], *, sender: str,
            today: dt.date | None = None, since_text: str = "", with_chart: bool = True) -> Digest:
    """Build the digest message for ``sub`` (``items`` are the news to tell, already chosen)."""
    lang = sub.language
    today = today or dt.date.today()
    area = area_label(snap, sub)
    subject = t("outreach.subject", lang, n=len(items), area=area, date=today.isoformat())
    if snap.fictional:
        subject = t("outreach.subject_fictional", lang) + " " + subject
    png, note = chart_png(snap, sub, lang) if with_chart else (None, "")
    countries = sub.scope_countries(snap.unit_country)
    links = [(t("outreach.link_overview", lang), overview_url(countries, snap.period)),
             (t("outreach.link_trends", lang), trends_url(countries, snap.period))]
    sources = measure_source_lines(snap.con, COMPOSITE)
    intro = t("outreach.intro", lang, area=area, period=snap.period or "–",
              since=since_text or t("outreach.since_first", lang))

    text = [intro, ""]
    if snap.fictional:
        text[:0] = [t("outreach.fictional_note", lang), ""]
    parts_html = []
    for kind, kind_items in _sections(items, sub):
        heading, help_text = t(f"outreach.kind.{kind}", lang), t(f"outreach.kind_help.{kind}", lang)
        text += [f"{heading} ({len(kind_items)})", help_text]
        lis = []
        for it in kind_items[:MAX_LINES]:
            line, link = item_line(it, snap, lang), item_link(it)
            text.append(f"- {line}" + (f"\n  {link}" if link else ""))
            a = f' <a href="{html.escape(link)}">{html.escape(t("outreach.open", lang))}</a>' if link else ""
            lis.append(f"<li>{html.escape(line)}{a}</li>")
        if len(kind_items) > MAX_LINES:
            more = t("outreach.more", lang, n=len(kind_items) - MAX_LINES)
            text.append(f"- {more} {links[0][1]}")
            lis.append(f"<li><i>{html.escape(more)}</i> <a href=\"{html.escape(links[0][1])}\">"
                       f"{html.escape(links[0][0])}</a></li>")
        if not kind_items:
            text.append("- " + t("outreach.nothing_new", lang))
            lis.append(f"<li><i>{html.escape(t('outreach.nothing_new', lang))}</i></li>")
        text.append("")
        parts_html.append(f"<h3 style='margin:18px 0 4px'>{html.escape(heading)} ({len(kind_items)})</h3>"
                          f"<p style='margin:0 0 6px;color:#52606d'>{html.escape(help_text)}</p>"
                          f"<ul style='margin:0;padding-left:20px'>{''.join(lis)}</ul>")
    text += [t("outreach.links", lang)] + [f"- {label}: {url}" for label, url in links]
    text += ["", note] if note else []
    text += ["", t("howto.read", lang), "", t("outreach.sources", lang)]
    text += [f"- {s}" for s in sources] + [t("outreach.method", lang, method=METHOD_VERSION)]
    text += ["", t("outreach.why", lang)]
    body_text = "\n".join(text) + "\n"

    e = html.escape
    banner = (f"<p style='background:#fde2e1;padding:8px;border:1px solid #b2182b'>"
              f"<b>{e(t('outreach.fictional_note', lang))}</b></p>") if snap.fictional else ""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    cid = make_msgid("chart", domain=domain)
    chart = (f"<p><img src='cid:{cid[1:-1]}' alt='{e(t('outreach.chart_alt', lang))}' "
             f"width='{CHART_WIDTH}' style='max-width:100%'></p>") if png else (
        f"<p><i>{e(note)}</i></p>" if note else "")
    link_html = " · ".join(f"<a href='{e(url)}'>{e(label)}</a>" for label, url in links)
    body_html = (
        "<html><body style='font-family:Arial,Helvetica,sans-serif;color:#1f2933;max-width:720px'>"
        f"{banner}<h2 style='margin:0 0 8px'>{e(t('outreach.title', lang))}</h2><p>{e(intro)}</p>"
        + "".join(parts_html) + chart
        + f"<p>{e(t('outreach.links', lang))} {link_html}</p>"
        f"<p style='font-size:12px;color:#52606d'>{e(t('howto.read', lang))}</p>"
        f"<p style='font-size:12px;color:#52606d'><b>{e(t('outreach.sources', lang))}</b><br>"
        + "<br>".join(e(s) for s in sources)
        + f"<br>{e(t('outreach.method', lang, method=METHOD_VERSION))}</p>"
        f"<p style='font-size:12px;color:#52606d'>{e(t('outreach.why', lang))}</p></body></html>"
    )

    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = sub.email
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid("digest", domain=domain)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(body_text)
    msg.add_alternative(body_html, subtype="html")
    if png:
        msg.get_payload()[1].add_related(png, "image", "png", cid=cid, filename="chart.png")
    msg["Content-Language"] = lang  # after set_content, which drops Content-* headers
    return Digest(msg, subject, body_text, body_html, items, png, note)


def items_table(items: list[Item]) -> pd.DataFrame:
    """The items of a digest as a table (for logs and tests)."""
    return pd.DataFrame([{"key": i.key, "kind": i.kind, "country": i.country, "unit_id": i.unit_id,
                          "first_seen": i.first_seen} for i in items])
