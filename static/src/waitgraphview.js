// The picture of who waits for whom (waitgraph.js): the processes in a row
// at the top, the objects they wait for in a row below. An arrow down (on
// the left of a box) is a process waiting for an object; an arrow up (on
// the right) is the object waiting for a process that could wake it. A
// loop of arrows, a deadlock, is drawn in red and said in words. Text from
// the program is only ever set as text.
import { tr } from "./strings.js";

const NS = "http://www.w3.org/2000/svg";
export const box = { w: 136, h: 40, gap: 30, pad: 8, rows: 74 }; // px

function svg(tag, attrs, text) {
  const e = document.createElementNS(NS, tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  return e;
}

function short(s, n) { return s.length > n ? s.slice(0, n - 1) + "…" : s; }

// objectLabel names an object as the program does: "b (lock-1)", or its id.
export function objectLabel(o) {
  if (o.kind === "proc") return tr("wg.procEnd", { pid: o.id.slice(5) });
  return o.name ? `${o.name} (${o.id})` : o.id;
}

// layoutWaitGraph places the boxes: processes in their order at the top,
// each object below, under the middle of the process that waits for it and
// the first that could wake it, pushed right so that boxes do not overlap.
// It returns {procs: Map pid -> {x, y}, objects: Map id -> {x, y}, width,
// height}; x, y are a box's top left corner.
export function layoutWaitGraph(g) {
  const { w, h, gap, pad, rows } = box;
  const procs = new Map(), objects = new Map();
  g.procs.forEach((p, i) => procs.set(p.pid, { x: pad + i * (w + gap), y: pad }));
  const want = [];
  g.objects.forEach((o, i) => {
    const ends = [];
    const waiter = g.edges.find((e) => e.kind === "wait" && e.to === "o:" + o.id);
    const waker = g.edges.find((e) => e.kind === "wake" && e.from === "o:" + o.id && !e.gone) ||
      g.edges.find((e) => e.kind === "wake" && e.from === "o:" + o.id);
    for (const e of [waiter && waiter.from, waker && waker.to]) {
      const at = e && procs.get(Number(e.slice(2)));
      if (at) ends.push(at.x);
    }
    const x = ends.length ? ends.reduce((a, b) => a + b, 0) / ends.length : pad;
    want.push({ id: o.id, x, i });
  });
  want.sort((a, b) => a.x - b.x || a.i - b.i);
  let right = -Infinity;
  for (const o of want) {
    const x = Math.max(o.x, right + gap, pad);
    objects.set(o.id, { x, y: pad + h + rows });
    right = x + w;
  }
  let width = pad;
  for (const at of [...procs.values(), ...objects.values()]) width = Math.max(width, at.x + w + pad);
  const height = g.objects.length ? pad + 2 * h + rows + 18 + pad : pad + h + pad;
  return { procs, objects, width, height };
}

// drawWaitGraph draws graph g into container; colour(pid) is the class of
// a process's colour (c0 .. c9). It returns the svg, or null for nothing.
export function drawWaitGraph(container, g, colour) {
  if (!g || !g.procs.length) { container.replaceChildren(); return null; }
  const { w, h } = box;
  const L = layoutWaitGraph(g);
  const waiting = g.procs.filter((p) => p.waiting).length;
  const root = svg("svg", { width: L.width, height: L.height, viewBox: `0 0 ${L.width} ${L.height}`, role: "img",
    "aria-label": tr("wg.aria", { n: waiting }), "data-testid": "waitgraph-svg" });
  const defs = svg("defs", {});
  for (const [id, cls] of [["wg-head", "head"], ["wg-head-cycle", "head cycle"]]) {
    const m = svg("marker", { id, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" });
    m.append(svg("path", { d: "M0,0 L10,5 L0,10 z", class: cls }));
    defs.append(m);
  }
  root.append(defs);

  // The arrows first, under the boxes.
  const arrows = svg("g", { class: "wg-edges" });
  const byObj = new Map(g.objects.map((o) => [o.id, o]));
  const byPid = new Map(g.procs.map((p) => [p.pid, p]));
  for (const e of g.edges) {
    const down = e.kind === "wait";
    const pid = Number((down ? e.from : e.to).slice(2));
    const id = (down ? e.to : e.from).slice(2);
    const p = L.procs.get(pid), o = L.objects.get(id);
    if (!p || !o) continue;
    // Down on the left of the boxes, up on the right: the two directions
    // between one process and one object never lie on each other.
    const px = p.x + w / 2 + (down ? -14 : 14), ox = o.x + w / 2 + (down ? -14 : 14);
    const y0 = p.y + h, y1 = o.y;
    const mid = (y0 + y1) / 2;
    const d = down ? `M${px},${y0} C${px},${mid} ${ox},${mid} ${ox},${y1 - 1}` : `M${ox},${y1} C${ox},${mid} ${px},${mid} ${px},${y0 + 1}`;
    const cls = ["wg-edge", down ? "wait" : "wake", e.cycle ? "cycle" : "", e.gone ? "gone" : "", e.maybe ? "maybe" : ""].filter(Boolean).join(" ");
    const ge = svg("g", { class: cls, "data-testid": "waitgraph-edge", "data-from": e.from, "data-to": e.to });
    ge.append(svg("path", { d, "marker-end": `url(#${e.cycle ? "wg-head-cycle" : "wg-head"})` }));
    // Each label at the start of its arrow: the op under the waiting
    // process, the role above the object, where arrows do not cross yet.
    const text = down ? e.op : tr("wg.role." + e.role) + (e.maybe ? "?" : "");
    const lx = down ? px - 4 : ox + 5, ly = down ? y0 + 13 : y1 - 5;
    ge.append(svg("text", { x: lx, y: ly, "text-anchor": down ? "end" : "start", class: "wg-label" }, text));
    const obj = byObj.get(id), proc = byPid.get(pid);
    const who = `${pid}${proc && proc.name ? " " + proc.name : ""}`;
    ge.append(svg("title", {}, down ? tr("wg.waits", { pid: who, op: e.op, obj: objectLabel(obj) }) :
      tr("wg.wakes", { obj: objectLabel(obj), pid: who, role: text }) + (e.gone ? ` · ${tr("wg.exited")}` : "")));
    arrows.append(ge);
  }
  root.append(arrows);

  for (const p of g.procs) {
    const at = L.procs.get(p.pid);
    const cls = ["wg-proc", colour(p.pid) || "", p.waiting ? "waiting" : "", p.alive ? "" : "gone", p.cycle ? "cycle" : ""].filter(Boolean).join(" ");
    const n = svg("g", { class: cls, transform: `translate(${at.x},${at.y})`, "data-testid": "waitgraph-proc", "data-pid": p.pid });
    n.append(svg("rect", { width: w, height: h, rx: 8, class: "wg-box" }));
    n.append(svg("rect", { width: 5, height: h - 2, x: 1, y: 1, rx: 2, class: "wg-stripe" }));
    n.append(svg("text", { x: 12, y: 16, class: "wg-pid" }, short(`${p.pid} ${p.name || "?"}`, 19)));
    const state = !p.alive ? tr("wg.exited") : p.waiting ? tr("wg.waitingState") : tr("runningState");
    n.append(svg("text", { x: 12, y: 32, class: "wg-sub" }, state));
    n.append(svg("title", {}, `pid ${p.pid} ${p.name}`));
    root.append(n);
  }
  for (const o of g.objects) {
    const at = L.objects.get(o.id);
    const cls = ["wg-obj", "kind-" + (o.kind || "other"), o.none ? "none" : "", o.cycle ? "cycle" : ""].filter(Boolean).join(" ");
    const n = svg("g", { class: cls, transform: `translate(${at.x},${at.y})`, "data-testid": "waitgraph-obj", "data-obj": o.id });
    n.append(svg("rect", { width: w, height: h, rx: h / 2, class: "wg-box" }));
    n.append(svg("text", { x: w / 2, y: 16, "text-anchor": "middle", class: "wg-id" }, short(objectLabel(o), 20)));
    // A process to end is named by its name; any other object by its type.
    const child = o.kind === "proc" ? byPid.get(Number(o.id.slice(5))) : null;
    n.append(svg("text", { x: w / 2, y: 32, "text-anchor": "middle", class: "wg-sub" }, child ? child.name || "" : o.type || o.kind));
    if (o.none) {
      const gone = g.edges.some((e) => e.from === "o:" + o.id && e.gone);
      const key = gone ? "gone" : noneKey(o);
      n.append(svg("text", { x: w / 2, y: h + 14, "text-anchor": "middle", class: "wg-none", "data-testid": "waitgraph-none" }, tr("wg.none." + key)));
    }
    n.append(svg("title", {}, objectLabel(o)));
    root.append(n);
  }
  container.replaceChildren(root);
  return root;
}

// noneKey is the string that says no one could wake an object: for a
// queue or a pipe, by what its waiters do (take out, or put in).
function noneKey(o) {
  const taking = o.ops.includes("get") || o.ops.includes("recv");
  switch (o.kind) {
    case "queue": return taking ? "queue" : "queueTake";
    case "pipe": return taking ? "pipe" : "pipeRecv";
    case "pool": return "pool";
    case "lock": case "semaphore": return "lock";
  }
  return "other";
}

// cycleText says a loop in words: "11 → b (lock-1) → 13 → a (lock-2) → 11".
export function cycleText(path, g) {
  const byObj = new Map(g.objects.map((o) => [o.id, o]));
  return path.map((x) => (typeof x === "number" ? String(x) : objectLabel(byObj.get(x) || { id: x }))).join(" → ");
}
