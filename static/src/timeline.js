// The timeline: one lane per process from its start to its exit, a tick on
// the lane for each output, and a time axis in milliseconds.
import { tr } from "./strings.js";

const NS = "http://www.w3.org/2000/svg";
const label = 78;   // px for the pid column
const axis = 22;    // px for the time axis
const lane = 22;    // px per process
const pad = 10;     // px right of the last ms

function svg(tag, attrs, text) {
  const e = document.createElementNS(NS, tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  return e;
}

// niceStep picks 1, 2 or 5 times a power of ten so the axis has ~6 marks.
function niceStep(span, marks) {
  const raw = span / marks;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

export function drawTimeline(container, procs, now, duration) {
  const width = Math.max(280, container.clientWidth - 24);
  const end = Math.max(1, duration ?? now * 1.15 + 50);
  const span = niceStep(end, 6);
  const tmax = duration != null ? end : Math.ceil(end / span) * span;
  const plot = width - label - pad;
  const x = (t) => label + (Math.min(Math.max(t, 0), tmax) / tmax) * plot;
  const height = axis + procs.length * lane + 6;

  const root = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-label": `${procs.length} processes, ${Math.round(tmax)} ${tr("ms")}` });
  const ax = svg("g", { class: "axis" });
  const step = niceStep(tmax, Math.max(2, Math.floor(plot / 90)));
  for (let t = 0; t <= tmax + 1e-9; t += step) {
    const xx = x(t);
    ax.append(svg("line", { x1: xx, x2: xx, y1: axis - 4, y2: height }));
    ax.append(svg("text", { x: xx, y: 12, "text-anchor": t === 0 ? "start" : "middle" }, `${Math.round(t)}${t === 0 ? " " + tr("ms") : ""}`));
  }
  root.append(ax);

  procs.forEach((p, i) => {
    const y = axis + i * lane;
    const g = svg("g", { class: p.colour, "data-testid": "lane", "data-pid": p.pid });
    g.append(svg("rect", { class: "lane-bg", x: label, y: y + 3, width: plot, height: lane - 6, rx: 4 }));
    g.append(svg("title", {}, `${p.pid} ${p.name}`));
    g.append(svg("text", { class: "lane-label", x: 4, y: y + lane / 2 + 4 }, String(p.pid)));
    const x0 = x(p.start), x1 = Math.max(x0 + 2, x(p.end ?? now));
    g.append(svg("rect", { class: "bar", x: x0, y: y + 3, width: x1 - x0, height: lane - 6, rx: 4 }));
    g.append(svg("rect", { class: "bar-edge", x: x0, y: y + 3, width: 3, height: lane - 6, rx: 1.5 }));
    // One tick per pixel column is enough; stderr wins a shared column.
    const cols = new Map();
    for (const [t, err] of p.ticks) {
      const c = Math.round(x(t));
      cols.set(c, cols.get(c) || err);
    }
    for (const [c, err] of cols) {
      g.append(svg("line", { class: err ? "tick err" : "tick", x1: c, x2: c, y1: y + 6, y2: y + lane - 6 }));
    }
    if (p.end != null) {
      const cls = p.state === "ok" ? "end-ok" : p.state === "killed" ? "end-killed" : "end-failed";
      const title = svg("title", {}, p.signal ? p.signal : `exit ${p.code}`);
      const dot = svg("circle", { class: cls, cx: x1, cy: y + lane / 2, r: 4 });
      dot.append(title);
      g.append(dot);
    }
    root.append(g);
  });
  container.replaceChildren(root);
}
