// The timeline: one lane per process from its start to its exit, a tick on
// the lane for each output, and a time axis in milliseconds. With the IPC
// events of a run (ipc.js) it also shows what flows between the processes:
// each queue and pipe is a rail between the lanes with an arrow per message
// from its put (send) to its get (recv), pool tasks are bars on the lanes of
// their workers with a mark where they were submitted, lock holding is shaded
// on the holder's lane after a hatched wait, and each shared value has a row
// of its writes. Only the first maxDrawn items of each kind are drawn one by
// one; past that, bands drawn as single paths show all of them.
import { tr } from "./strings.js";
import { layoutRows, fmtMS, binCounts, mergeIntervals, ipcWindow, label as objectLabel } from "./ipc.js";

const NS = "http://www.w3.org/2000/svg";
const label = 78;     // px for the pid column
const axis = 22;      // px for the time axis
const lane = 22;      // px per process
const laneIPC = 30;   // px per process when there are IPC events (room for task bars)
const railH = 20;     // px per queue or pipe
const valueH = 26;    // px per shared value
const pad = 10;       // px right of the last ms
const labelChars = 11; // characters of an object id in the label column
export const maxDrawn = 400; // messages, tasks, lock spans and writes drawn one by one

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

function short(s, n) { return s.length > n ? s.slice(0, n - 1) + "…" : s; }
const r1 = (v) => Math.round(v * 10) / 10;

// drawTimeline draws the lanes (and, given ipc = {model, highlight, zoom},
// what flows between them) into container; with zoom, the time axis covers
// only the stretch in which things flowed. It returns the items a learner
// can point at or step through, in order of time, and the rows' positions.
export function drawTimeline(container, procs, now, duration, ipc = null, waits = null) {
  const model = ipc && !ipc.model.empty ? ipc.model : null;
  const width = Math.max(280, container.clientWidth - 24);
  const end = Math.max(1, duration ?? now * 1.15 + 50);
  const span = niceStep(end, 6);
  const tmax = duration != null ? end : Math.ceil(end / span) * span;
  let from = 0, to = tmax;
  if (model && ipc.zoom) {
    const w = ipcWindow(model, tmax);
    from = Math.min(w[0], tmax);
    to = Math.max(from + 0.5, Math.min(w[1], tmax));
  }
  const plot = width - label - pad;
  const x = (t) => label + ((Math.min(Math.max(t, from), to) - from) / (to - from)) * plot;
  const seen = (a, b) => b >= from && a <= to; // does [a, b] show?

  const laneH = model ? laneIPC : lane;
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const rows = model ? layoutRows(procs.map((p) => p.pid), model) : procs.map((p) => ({ kind: "lane", pid: p.pid }));
  const at = new Map(); // "pid" or object id -> {y, h}
  let y = axis;
  for (const r of rows) {
    const h = r.kind === "lane" ? laneH : r.kind === "rail" ? railH : valueH;
    at.set(r.kind === "lane" ? r.pid : r.obj.id, { y, h });
    y += h;
  }
  const height = y + 6;

  let aria = `${procs.length} processes, ${Math.round(tmax)} ${tr("ms")}`;
  if (model) aria += `; ${tr("ipc.summary", { m: model.messages.length, k: model.tasks.length, s: model.spans.length, w: model.writes.length })}`;
  const root = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "group", "aria-label": aria });
  if (model && ipc.highlight) root.classList.add("dim");

  const ax = svg("g", { class: "axis", "aria-hidden": "true" });
  const step = niceStep(to - from, Math.max(2, Math.floor(plot / 90)));
  const decimals = Math.max(0, Math.min(3, -Math.floor(Math.log10(step) + 1e-9)));
  const first = Math.ceil(from / step - 1e-9);
  for (let k = first; k * step <= to + 1e-9; k++) {
    const t = k * step, xx = x(t);
    const at0 = k === first && xx - label < 30;
    const atEnd = !at0 && width - xx < 24; // a label centred there would be cut by the edge
    ax.append(svg("line", { x1: xx, x2: xx, y1: axis - 4, y2: height }));
    ax.append(svg("text", { x: xx, y: 12, "text-anchor": at0 ? "start" : atEnd ? "end" : "middle" }, `${t.toFixed(decimals)}${k === first ? " " + tr("ms") : ""}`));
  }
  root.append(ax);
  if (model) root.append(defs());

  // Process lanes.
  const lanes = svg("g", { class: "lanes" });
  for (const p of procs) {
    const { y } = at.get(p.pid);
    const g = svg("g", { class: p.colour, "data-testid": "lane", "data-pid": p.pid });
    g.append(svg("rect", { class: "lane-bg", x: label, y: y + 3, width: plot, height: laneH - 6, rx: 4 }));
    g.append(svg("title", {}, `${p.pid} ${p.name}`));
    g.append(svg("text", { class: "lane-label", x: 4, y: y + laneH / 2 + 4 }, String(p.pid)));
    const x0 = x(p.start), x1 = Math.max(x0 + 2, x(p.end ?? now));
    const shown = seen(p.start, p.end ?? now);
    if (shown) g.append(svg("rect", { class: "bar", x: x0, y: y + 3, width: x1 - x0, height: laneH - 6, rx: 4 }));
    if (p.start >= from && p.start <= to) g.append(svg("rect", { class: "bar-edge", x: x0, y: y + 3, width: 3, height: laneH - 6, rx: 1.5 }));
    // One tick per pixel column is enough; stderr wins a shared column.
    const cols = new Map();
    for (const [t, err] of p.ticks) {
      if (t < from || t > to) continue;
      const c = Math.round(x(t));
      cols.set(c, cols.get(c) || err);
    }
    for (const [c, err] of cols) {
      g.append(svg("line", { class: err ? "tick err" : "tick", x1: c, x2: c, y1: y + 6, y2: y + laneH - 6 }));
    }
    if (p.end != null && p.end <= to) {
      const cls = p.state === "ok" ? "end-ok" : p.state === "killed" ? "end-killed" : "end-failed";
      const title = svg("title", {}, p.signal ? p.signal : `exit ${p.code}`);
      const dot = svg("circle", { class: cls, cx: x1, cy: y + laneH / 2, r: 4 });
      dot.append(title);
      g.append(dot);
    }
    lanes.append(g);
  }
  root.append(lanes);
  if (waits && waits.stretches.length) root.append(drawWaits(waits, { x, seen, at, laneH, now, ipc: model }));

  const hits = [];
  if (model) {
    const ctx = { model, x, seen, at, laneH, now, plot, byPid, hl: ipc.highlight || "", hits };
    root.append(drawLocks(ctx), drawTasks(ctx), drawRails(ctx), drawMessages(ctx), drawValues(ctx));
    hits.sort((a, b) => a.t - b.t || a.order - b.order);
  }
  container.replaceChildren(root);
  // x and its inverse place a moment on the drawing (the time cursor).
  return { hits, at, x, time: (px) => from + ((px - label) / plot) * (to - from), height };
}

function defs() {
  const d = svg("defs");
  const hatch = svg("pattern", { id: "ipc-hatch", width: 5, height: 5, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" });
  hatch.append(svg("rect", { class: "hatch-bg", width: 5, height: 5 }), svg("line", { class: "hatch-line", x1: 0, y1: 0, x2: 0, y2: 5 }));
  d.append(hatch);
  return d;
}

// item makes the element of one thing a learner can point at.
function item(ctx, cls, obj, testid, hit) {
  const g = svg("g", { class: "ipc-item " + cls, "data-obj": obj, "data-testid": testid, "data-i": ctx.hits.length, tabindex: -1 });
  if (ctx.hl && obj === ctx.hl) g.classList.add("hl");
  hit.el = g;
  hit.order = ctx.hits.length;
  ctx.hits.push(hit);
  return g;
}

function drawRails(ctx) {
  const { model, at, plot, hl } = ctx;
  const g = svg("g", { class: "rails" });
  for (const o of model.objects.values()) {
    if (o.kind !== "queue" && o.kind !== "pipe") continue;
    const r = at.get(o.id);
    if (!r) continue;
    const yc = r.y + r.h / 2;
    const rg = svg("g", { class: `rail kind-${o.kind}`, "data-testid": "ipc-rail", "data-obj": o.id });
    if (hl && o.id === hl) rg.classList.add("hl");
    rg.append(svg("title", {}, `${objectLabel(o)} ${o.type || o.kind}`));
    rg.append(svg("rect", { class: "rail-body", x: label, y: yc - 3.5, width: plot, height: 7, rx: 3.5 }));
    rg.append(svg("text", { class: "rail-label", x: 4, y: yc + 3.5 }, short(o.name || o.id, labelChars)));
    g.append(rg);
  }
  return g;
}

// messages: an arrow from the put (send) on the sender's lane through the
// rail of its queue (pipe) to the get (recv) on the receiver's lane.
function drawMessages(ctx) {
  const { model, x, seen, at, laneH, now } = ctx;
  const g = svg("g", { class: "messages" });
  const list = model.messages;
  const n = Math.min(list.length, maxDrawn);
  const edge = laneH / 2 - 4;
  for (let i = 0; i < n; i++) {
    const m = list[i];
    const rail = at.get(m.obj), from = at.get(m.from);
    if (!rail || !from || !seen(m.t0, m.t1 ?? now)) continue;
    const yr = rail.y + rail.h / 2;
    const ys = from.y + laneH / 2;
    const dirS = yr >= ys ? 1 : -1;
    const ysE = ys + dirS * edge;
    const x0 = r1(x(m.t0));
    let d, head = "";
    const to = m.to !== null ? at.get(m.to) : null;
    if (to) {
      const yt = to.y + laneH / 2;
      const dirT = yt >= yr ? 1 : -1;
      const ytE = r1(yt - dirT * edge);
      const x1 = r1(x(m.t1));
      const xm = r1((x0 + x1) / 2);
      d = `M${x0} ${r1(ysE)}Q${x0} ${r1(yr)} ${xm} ${r1(yr)}Q${x1} ${r1(yr)} ${x1} ${ytE}`;
      head = `M${x1} ${ytE}l-3.5 ${-dirT * 6}h7z`;
    } else {
      const xn = Math.max(x0 + 6, r1(x(now)));
      d = `M${x0} ${r1(ysE)}Q${x0} ${r1(yr)} ${x0 + 6} ${r1(yr)}L${xn} ${r1(yr)}`;
    }
    const e = item(ctx, `msg kind-${m.kind}` + (to ? "" : " in-flight"), m.obj, "ipc-arrow", { kind: "message", t: m.t0, ref: m });
    e.append(svg("path", { class: "hit", d }), svg("path", { class: "arrow", d }));
    if (head) e.append(svg("path", { class: "head", d: head }));
    e.append(svg("circle", { class: "put", cx: x0, cy: r1(ysE), r: 2.5 }));
    g.append(e);
  }
  if (list.length > maxDrawn) g.append(...bands(ctx, list, "message", (m) => m.obj, (m) => m.t0, railH - 4));
  return g;
}

// bands: per row, a column of height growing with the number of items at
// that time, one path per row.
function bands(ctx, list, what, rowOf, tOf, h) {
  const { x, seen, at, plot } = ctx;
  const per = new Map();
  for (const it of list) {
    if (!seen(tOf(it), tOf(it))) continue;
    const k = rowOf(it);
    if (!per.has(k)) per.set(k, []);
    per.get(k).push(it);
  }
  const out = [];
  for (const [k, items] of per) {
    const r = at.get(k);
    if (!r) continue;
    const bins = binCounts(items, Math.ceil(plot) + 1, (it) => x(tOf(it)) - label);
    let max = 0;
    for (const c of bins) max = Math.max(max, c);
    let d = "";
    const yc = r.y + r.h / 2;
    for (let c = 0; c < bins.length; c++) {
      if (!bins[c]) continue;
      const hh = Math.max(2, h * Math.sqrt(bins[c] / max));
      d += `M${label + c + 0.5} ${r1(yc - hh / 2)}v${r1(hh)}`;
    }
    out.push(svg("path", { class: `band band-${what}`, d, "data-testid": "ipc-band", "data-obj": k }));
  }
  return out;
}

function drawTasks(ctx) {
  const { model, x, seen, at, laneH, now, byPid } = ctx;
  const g = svg("g", { class: "tasks" });
  const list = model.tasks;
  const n = Math.min(list.length, maxDrawn);
  let submits = "";
  for (let i = 0; i < list.length; i++) {
    const k = list[i];
    const s = k.submitter !== null ? at.get(k.submitter) : null;
    if (s && k.ts !== null && i < n && seen(k.ts, k.ts)) submits += `M${r1(x(k.ts) - 4)} ${s.y + 1}h8l-4 6z`;
    if (i >= n || k.worker === null || !seen(k.t0, k.t1 ?? now)) continue;
    const w = at.get(k.worker);
    if (!w) continue;
    const x0 = x(k.t0), x1 = Math.max(x0 + 3, x(k.t1 ?? now));
    const p = byPid.get(k.worker);
    const e = item(ctx, `task ${p ? p.colour : ""} st-${k.state}`, k.pool, "task-bar", { kind: "task", t: k.t0, ref: k });
    e.dataset.state = k.state;
    if (s && k.ts !== null) {
      const xs = r1(x(k.ts)), down = w.y > s.y;
      const y0 = down ? s.y + laneH - 3 : s.y + 3, y1 = down ? w.y + 7 : w.y + laneH - 7;
      e.append(svg("path", { class: "handoff", d: `M${xs} ${y0}L${r1(x0)} ${y1}` }));
    }
    e.append(svg("rect", { class: "task-bar", x: r1(x0), y: w.y + 7, width: r1(x1 - x0), height: laneH - 14, rx: 3 }));
    const text = (k.state === "failed" ? "✗ " : "") + (k.fn || k.id);
    if (x1 - x0 > text.length * 6.2 + 8) {
      e.append(svg("text", { class: "task-label", x: r1(x0 + 4), y: w.y + laneH / 2 + 3.5 }, text));
    }
    g.append(e);
  }
  if (submits) g.prepend(svg("path", { class: "submit", d: submits, "data-testid": "task-submits" }));
  if (list.length > maxDrawn) {
    // The rest as merged busy bars per worker, one path per lane.
    const per = new Map();
    for (let i = n; i < list.length; i++) {
      const k = list[i];
      if (k.worker === null || k.t0 === null || !seen(k.t0, k.t1 ?? now)) continue;
      if (!per.has(k.worker)) per.set(k.worker, []);
      per.get(k.worker).push([x(k.t0), Math.max(x(k.t0) + 1, x(k.t1 ?? now))]);
    }
    for (const [pid, iv] of per) {
      const w = at.get(pid);
      if (!w) continue;
      iv.sort((a, b) => a[0] - b[0]);
      let d = "";
      for (const [a, b] of mergeIntervals(iv, 1)) d += `M${r1(a)} ${w.y + 7}h${r1(b - a)}v${laneH - 14}h${-r1(b - a)}z`;
      g.append(svg("path", { class: "band band-task " + (byPid.get(pid)?.colour || ""), d, "data-testid": "ipc-band" }));
    }
  }
  return g;
}

// drawWaits shades each stretch a process spent blocked on an object, on
// its lane, named in its title.
function drawWaits(waits, { x, seen, at, laneH, now, ipc }) {
  const g = svg("g", { class: "waits" });
  const n = Math.min(waits.stretches.length, maxDrawn);
  for (let i = 0; i < n; i++) {
    const s = waits.stretches[i];
    const r = at.get(s.pid);
    if (!r || !seen(s.t0, s.t1 ?? now)) continue;
    const x0 = x(s.t0), x1 = Math.max(x0 + 2, x(s.t1 ?? now));
    const rect = svg("rect", { class: "wait-span" + (s.t1 === null ? " open" : ""), x: r1(x0), y: r.y + laneH / 2 - 3,
      width: r1(x1 - x0), height: 6, rx: 3, "data-testid": "wait-span", "data-obj": s.object });
    const o = ipc && ipc.objects.get(s.object);
    rect.append(svg("title", {}, tr("waiting", { op: s.op, obj: o ? objectLabel(o) : s.object })));
    g.append(rect);
  }
  return g;
}

function drawLocks(ctx) {
  const { model, x, seen, at, laneH, now } = ctx;
  const g = svg("g", { class: "locks" });
  const list = model.spans;
  const n = Math.min(list.length, maxDrawn);
  for (let i = 0; i < n; i++) {
    const s = list[i];
    const r = at.get(s.pid);
    if (!r || !seen(s.tw, s.tr ?? now)) continue;
    const xw = x(s.tw), xa = x(s.ta), xr = Math.max(xa + 2, x(s.tr ?? now));
    const e = item(ctx, "lock" + (s.tr === null ? " open" : ""), s.lock, "lock-span", { kind: "lock", t: s.tw, ref: s });
    if (xa - xw >= 1) e.append(svg("rect", { class: "wait", x: r1(xw), y: r.y + 3, width: r1(xa - xw), height: laneH - 6 }));
    e.append(svg("rect", { class: "hold", x: r1(xa), y: r.y + 2, width: r1(xr - xa), height: laneH - 4, rx: 2 }));
    g.append(e);
  }
  if (list.length > maxDrawn) {
    const per = new Map();
    for (let i = n; i < list.length; i++) {
      const s = list[i];
      if (!seen(s.ta, s.tr ?? now)) continue;
      if (!per.has(s.pid)) per.set(s.pid, []);
      per.get(s.pid).push([x(s.ta), Math.max(x(s.ta) + 1, x(s.tr ?? now))]);
    }
    for (const [pid, iv] of per) {
      const r = at.get(pid);
      if (!r) continue;
      iv.sort((a, b) => a[0] - b[0]);
      let d = "";
      for (const [a, b] of mergeIntervals(iv, 1)) d += `M${r1(a)} ${r.y + 2}h${r1(b - a)}v${laneH - 4}h${-r1(b - a)}z`;
      g.append(svg("path", { class: "band band-lock", d, "data-testid": "ipc-band" }));
    }
  }
  return g;
}

// values: a row per Value, Array or SharedMemory block, a diamond per write
// in the writer's colour, with the new value beside it where there is room.
function drawValues(ctx) {
  const { model, x, seen, at, plot, byPid, hl } = ctx;
  const g = svg("g", { class: "values" });
  let drawn = 0;
  for (const o of model.objects.values()) {
    if (o.kind !== "value" && o.kind !== "array" && o.kind !== "shm") continue;
    const r = at.get(o.id);
    if (!r) continue;
    const yc = r.y + r.h / 2;
    const row = svg("g", { class: "vrow", "data-testid": "value-row", "data-obj": o.id });
    if (hl && o.id === hl) row.classList.add("hl");
    row.append(svg("title", {}, `${objectLabel(o)} ${o.type}`));
    row.append(svg("line", { class: "vline", x1: label, x2: label + plot, y1: yc, y2: yc }));
    row.append(svg("text", { class: "rail-label", x: 4, y: yc + 3.5 }, short(o.name || o.id, labelChars)));
    g.append(row);
    let free = -Infinity; // x where the next value label may start
    for (const w of o.writes) {
      if (drawn >= maxDrawn) break;
      drawn++;
      if (!seen(w.t, w.t)) continue;
      const xx = r1(x(w.t));
      const p = byPid.get(w.pid);
      const e = item(ctx, "write " + (p ? p.colour : ""), o.id, "value-mark", { kind: "write", t: w.t, ref: w });
      e.append(svg("path", { class: "diamond", d: `M${xx} ${yc - 5}l5 5l-5 5l-5 -5z` }));
      const text = short((w.index !== null && o.kind === "array" ? `[${w.index}]=` : "") + w.summary, 14);
      if (xx - 1 > free && xx + 8 + text.length * 6.4 < label + plot + pad) {
        e.append(svg("text", { class: "value-label", x: xx + 7, y: yc - 4 }, text));
        free = xx + 8 + text.length * 6.4;
      }
      g.append(e);
    }
  }
  if (model.writes.length > maxDrawn) g.append(...bands(ctx, model.writes, "write", (w) => w.obj, (w) => w.t, valueH - 10));
  return g;
}

// describe gives the lines of the tooltip of an item; cut says that the
// run's later IPC events were not reported.
export function describe(hit, cut = false) {
  const r = hit.ref;
  const ms = (t) => fmtMS(t);
  switch (hit.kind) {
    case "message": {
      const queue = r.kind === "queue";
      const lines = [`${r.obj} · ${r.summary}`];
      lines.push(tr(queue ? "ipc.put" : "ipc.sent", { pid: r.from, t: ms(r.t0) }));
      lines.push(r.to === null ? tr(cut ? "ipc.unseen" : queue ? "ipc.inQueue" : "ipc.inPipe")
        : tr(queue ? "ipc.got" : "ipc.received", { pid: r.to, t: ms(r.t1) }));
      const extra = [];
      if (r.waited !== null) extra.push(tr("ipc.waited", { ms: ms(r.waited) }));
      if (r.size !== null) extra.push(tr("ipc.bytes", { n: r.size }));
      if (extra.length) lines.push(extra.join(" · "));
      return lines;
    }
    case "task": {
      const lines = [tr("ipc.task", { task: r.id, fn: r.fn || "?", pool: r.pool })];
      if (r.submitter !== null) lines.push(tr("ipc.submitted", { pid: r.submitter, t: ms(r.ts) }));
      lines.push(r.t1 === null ? tr("ipc.runningOn", { pid: r.worker, t0: ms(r.t0) })
        : tr("ipc.ran", { pid: r.worker, t0: ms(r.t0), t1: ms(r.t1) }));
      if (r.state === "failed") lines.push(tr("ipc.raised", { v: r.error }));
      else if (r.state === "ok") lines.push(tr("ipc.result", { v: r.summary }));
      return lines;
    }
    case "lock": {
      const lines = [`${r.lock} (${r.type || "Lock"})`];
      if (r.waited > 0) lines.push(tr("ipc.lockWait", { pid: r.pid, ms: ms(r.waited), t: ms(r.tw) }));
      lines.push(r.tr === null ? tr("ipc.holding", { pid: r.pid, t0: ms(r.ta) })
        : tr("ipc.held", { pid: r.pid, t0: ms(r.ta), t1: ms(r.tr), ms: ms(r.tr - r.ta) }));
      return lines;
    }
    case "write": {
      const at = r.index !== null ? `[${r.index}]` : "";
      return [`${r.obj}${at} = ${r.summary}`, tr("ipc.wrote", { pid: r.pid, t: ms(r.t) })];
    }
  }
  return [];
}
