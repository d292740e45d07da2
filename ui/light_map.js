// Light choropleth map (issue 15): an SVG drawn in the page itself, no plotly.js, no WebGL.
// The geometry comes once per set of units from a static GeoJSON file (browser-cached); every
// view sends only colours and hover rows. Paths are built once and re-coloured on each view.
// Hover: a tooltip with the unit's figures; click: opens the unit's profile (trigger value
// "clicked"); wheel or +/- zooms, drag pans, double click or the reset button fits the map.
const GEO = new Map(); // url -> Promise of {features: [{id, d}], box: [x0, y0, x1, y1]}
const STATE = new WeakMap(); // parentElement -> drawn map state

function merc(lon, lat) {
  const phi = (Math.max(Math.min(lat, 85), -85) * Math.PI) / 180;
  return [(lon * 1000) / 360, (-Math.log(Math.tan(Math.PI / 4 + phi / 2)) * 1000) / (2 * Math.PI)];
}

function ringPath(ring, box) {
  let d = "";
  for (let i = 0; i < ring.length; i++) {
    const [x, y] = merc(ring[i][0], ring[i][1]);
    if (x < box[0]) box[0] = x;
    if (y < box[1]) box[1] = y;
    if (x > box[2]) box[2] = x;
    if (y > box[3]) box[3] = y;
    d += (i ? "L" : "M") + x.toFixed(2) + "," + y.toFixed(2);
  }
  return d;
}

function geomPath(geom, box, close) {
  if (!geom) return "";
  const end = close ? "Z" : "";
  const t = geom.type;
  const c = geom.coordinates;
  if (t === "Polygon") return c.map((r) => ringPath(r, box) + end).join("");
  if (t === "MultiPolygon") return c.map((p) => p.map((r) => ringPath(r, box) + end).join("")).join("");
  if (t === "LineString") return ringPath(c, box);
  if (t === "MultiLineString") return c.map((r) => ringPath(r, box)).join("");
  return "";
}

function loadGeo(url) {
  if (!url) return Promise.resolve({ features: [], box: [Infinity, Infinity, -Infinity, -Infinity] });
  if (!GEO.has(url)) {
    const p = fetch(url, { credentials: "same-origin" })
      .then((r) => {
        if (!r.ok) throw new Error("map geometry: HTTP " + r.status + " for " + url);
        return r.json();
      })
      .then((gj) => {
        const box = [Infinity, Infinity, -Infinity, -Infinity];
        const features = (gj.features || []).map((f) => ({
          id: String((f.properties && f.properties.id) || f.id || ""),
          d: geomPath(f.geometry, box, true),
        }));
        return { features, box };
      });
    p.catch(() => GEO.delete(url)); // a failed fetch is retried on the next view
    GEO.set(url, p);
  }
  return GEO.get(url);
}

const SVGNS = "http://www.w3.org/2000/svg";

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = text;
  return e;
}

function build(root, st) {
  // Streamlit puts the component's <style> into the same root: keep it, replace only ours.
  for (const old of root.querySelectorAll(":scope > .rm")) old.remove();
  const wrap = el("div", "rm");
  st.title = el("div", "rm-title");
  st.subtitle = el("div", "rm-subtitle");
  const stage = el("div", "rm-stage");
  st.svg = document.createElementNS(SVGNS, "svg");
  st.svg.setAttribute("role", "img");
  st.svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
  st.units = document.createElementNS(SVGNS, "g");
  st.units.setAttribute("class", "rm-units");
  st.borders = document.createElementNS(SVGNS, "path");
  st.borders.setAttribute("class", "rm-borders");
  st.svg.append(st.units, st.borders);
  st.tip = el("div", "rm-tip");
  st.tip.setAttribute("role", "tooltip");
  st.watermark = el("div", "rm-watermark");
  const tools = el("div", "rm-tools");
  st.zoomIn = el("button", "rm-btn", "+");
  st.zoomOut = el("button", "rm-btn", "\u2212");
  st.reset = el("button", "rm-btn", "\u21ba");
  tools.append(st.zoomIn, st.zoomOut, st.reset);
  st.status = el("div", "rm-status");
  stage.append(st.svg, st.watermark, tools, st.tip, st.status);
  st.legend = el("div", "rm-legend");
  st.footer = el("div", "rm-footer");
  wrap.append(st.title, st.subtitle, stage, st.legend, st.footer);
  root.appendChild(wrap);
  st.stage = stage;
  wire(st);
}

function setView(st, vb) {
  st.vb = vb;
  st.svg.setAttribute("viewBox", vb.map((v) => v.toFixed(2)).join(" "));
}

function zoom(st, factor, cx, cy) {
  const [x, y, w, h] = st.vb;
  const nw = Math.min(Math.max(w / factor, st.home[2] / 40), st.home[2] * 1.5);
  const k = nw / w;
  const px = cx === undefined ? x + w / 2 : cx;
  const py = cy === undefined ? y + h / 2 : cy;
  setView(st, [px - (px - x) * k, py - (py - y) * k, w * k, h * k]);
}

function svgPoint(st, evt) {
  const r = st.svg.getBoundingClientRect();
  const [x, y, w, h] = st.vb;
  const s = Math.max(w / r.width, h / r.height); // "meet": the larger scale applies
  const ox = x + w / 2 - (r.width * s) / 2;
  const oy = y + h / 2 - (r.height * s) / 2;
  return [ox + (evt.clientX - r.left) * s, oy + (evt.clientY - r.top) * s, s];
}

function showTip(st, evt, i) {
  const row = st.data.rows[i];
  if (!row) return;
  const L = st.data.labels;
  const tip = st.tip;
  tip.replaceChildren();
  tip.appendChild(el("b", "", row[0]));
  const lines = [[L[0], row[1]], [L[1], row[2]], [L[2], row[3]], [L[3], row[4]], [L[4], row[5]]];
  for (const [k, v] of lines) tip.appendChild(el("div", "", k + ": " + v));
  if (row[6]) tip.appendChild(el("i", "", row[6]));
  if (st.data.hint) tip.appendChild(el("div", "rm-hint", st.data.hint));
  tip.style.display = "block";
  const r = st.stage.getBoundingClientRect();
  let left = evt.clientX - r.left + 14;
  let top = evt.clientY - r.top + 14;
  if (left + tip.offsetWidth > r.width) left = Math.max(0, evt.clientX - r.left - tip.offsetWidth - 14);
  if (top + tip.offsetHeight > r.height) top = Math.max(0, evt.clientY - r.top - tip.offsetHeight - 14);
  tip.style.left = left + "px";
  tip.style.top = top + "px";
}

function wire(st) {
  let drag = null;
  st.svg.addEventListener("pointermove", (evt) => {
    if (drag) {
      const [, , s] = svgPoint(st, evt);
      const dx = (evt.clientX - drag.x) * s;
      const dy = (evt.clientY - drag.y) * s;
      if (Math.abs(evt.clientX - drag.x) + Math.abs(evt.clientY - drag.y) > 3) drag.moved = true;
      setView(st, [drag.vb[0] - dx, drag.vb[1] - dy, drag.vb[2], drag.vb[3]]);
      st.tip.style.display = "none";
      return;
    }
    const i = evt.target && evt.target.dataset ? evt.target.dataset.i : undefined;
    if (i === undefined) {
      st.tip.style.display = "none";
      if (st.hover) st.hover.classList.remove("rm-hover");
      st.hover = null;
      return;
    }
    if (st.hover !== evt.target) {
      if (st.hover) st.hover.classList.remove("rm-hover");
      st.hover = evt.target;
      st.hover.classList.add("rm-hover");
    }
    showTip(st, evt, Number(i));
  });
  st.svg.addEventListener("pointerleave", () => {
    st.tip.style.display = "none";
    if (st.hover) st.hover.classList.remove("rm-hover");
    st.hover = null;
  });
  st.svg.addEventListener("pointerdown", (evt) => {
    drag = { x: evt.clientX, y: evt.clientY, vb: st.vb.slice(), moved: false, target: evt.target };
    st.svg.setPointerCapture(evt.pointerId); // the drag follows the pointer outside the map
  });
  const release = (evt, click) => {
    const d = drag;
    drag = null;
    if (st.svg.hasPointerCapture(evt.pointerId)) st.svg.releasePointerCapture(evt.pointerId);
    if (!click || !d || d.moved) return;
    const i = d.target && d.target.dataset ? d.target.dataset.i : undefined;
    if (i !== undefined && st.data && st.api) st.api.setTriggerValue("clicked", st.data.ids[Number(i)]);
  };
  st.svg.addEventListener("pointerup", (evt) => release(evt, true));
  st.svg.addEventListener("pointercancel", (evt) => release(evt, false));
  st.svg.addEventListener("wheel", (evt) => {
    evt.preventDefault();
    const [px, py] = svgPoint(st, evt);
    zoom(st, evt.deltaY < 0 ? 1.25 : 0.8, px, py);
  }, { passive: false });
  st.svg.addEventListener("dblclick", () => setView(st, st.home.slice()));
  st.zoomIn.addEventListener("click", () => zoom(st, 1.5));
  st.zoomOut.addEventListener("click", () => zoom(st, 1 / 1.5));
  st.reset.addEventListener("click", () => setView(st, st.home.slice()));
}

function drawShapes(st, geo, outlines) {
  const frag = document.createDocumentFragment();
  st.paths = new Map();
  for (const f of geo.features) {
    const p = document.createElementNS(SVGNS, "path");
    p.setAttribute("d", f.d);
    frag.appendChild(p);
    st.paths.set(f.id, p);
  }
  st.units.replaceChildren(frag);
  st.borders.setAttribute("d", outlines.features.map((f) => f.d).join(""));
  const b = geo.box;
  const pad = Math.max(b[2] - b[0], b[3] - b[1]) * 0.02;
  st.home = [b[0] - pad, b[1] - pad, b[2] - b[0] + 2 * pad, b[3] - b[1] + 2 * pad];
  setView(st, st.home.slice());
}

function paint(st) {
  const d = st.data;
  const seen = new Set();
  d.ids.forEach((id, i) => {
    const p = st.paths.get(id);
    if (!p) return;
    seen.add(id);
    p.setAttribute("fill", d.colors[d.cls[i]]);
    p.dataset.i = String(i);
  });
  for (const [id, p] of st.paths) {
    const on = seen.has(id);
    p.style.display = on ? "" : "none";
  }
  st.svg.setAttribute("aria-label", d.aria || d.title || "");
  st.svg.dataset.units = String(seen.size);
  st.svg.dataset.title = d.title || "";
  st.title.textContent = d.title || "";
  st.subtitle.textContent = d.subtitle || "";
  st.watermark.textContent = d.watermark || "";
  st.watermark.style.display = d.watermark ? "" : "none";
  st.zoomIn.title = d.ui.zoom_in;
  st.zoomOut.title = d.ui.zoom_out;
  st.reset.title = d.ui.reset;
  for (const b of [st.zoomIn, st.zoomOut, st.reset]) b.setAttribute("aria-label", b.title);
  st.legend.replaceChildren(el("span", "rm-legend-title", d.legend.title));
  for (const [color, text] of d.legend.items) {
    const item = el("span", "rm-legend-item");
    const sw = el("span", "rm-swatch");
    sw.style.background = color;
    item.append(sw, document.createTextNode(text));
    st.legend.appendChild(item);
  }
  st.footer.replaceChildren(...d.footer.map((line) => el("div", "", line)));
  st.status.textContent = "";
  st.svg.dataset.drawn = d.key || "1";
}

export default function (component) {
  const { data, parentElement } = component;
  let st = STATE.get(parentElement);
  if (!st) {
    st = { geoUrl: null };
    STATE.set(parentElement, st);
    build(parentElement, st);
  }
  st.api = component;
  st.data = data;
  const key = data.geo + "|" + data.outlines;
  if (st.geoUrl === key && st.paths) {
    paint(st);
  } else {
    st.status.textContent = data.ui.loading;
    Promise.all([loadGeo(data.geo), loadGeo(data.outlines)])
      .then(([geo, outlines]) => {
        if (st.data !== data) return; // a newer view arrived meanwhile; it draws itself
        drawShapes(st, geo, outlines);
        st.geoUrl = key;
        paint(st);
      })
      .catch((err) => {
        st.status.textContent = data.ui.failed + " (" + err.message + ")";
        console.warn(err);
      });
  }
  return () => {
    STATE.delete(parentElement);
  };
}
