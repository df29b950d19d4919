// The page side of what flows between processes: the tooltip of the
// timeline's IPC items (by pointer, or by keyboard: Tab into the timeline,
// then the arrow keys step through the items in order of time), and the
// panel that lists the objects of a run (queues, pipes, pools, locks,
// shared values) with their numbers and a shared value's history. Text from
// the program is only ever set as text.
import { tr, trn } from "./strings.js";
import { describe } from "./timeline.js";
import { fmtMS, label } from "./ipc.js";

const historyShown = 24;  // latest writes listed per shared value

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

// Tooltips and keyboard steps over the items of the timeline.
export class IPCInteract {
  constructor(container) {
    this.container = container;
    this.hits = [];
    this.active = -1;     // index into hits of the item that takes Tab
    this.activeKey = "";  // the same item across redraws
    this.pinned = false;  // shown by focus rather than the pointer
    this.tip = el("div", "ipc-tip");
    this.tip.id = "ipc-tip";
    this.tip.setAttribute("role", "tooltip");
    this.tip.dataset.testid = "ipc-tip";
    this.tip.hidden = true;
    container.parentElement.append(this.tip);

    container.addEventListener("pointerover", (e) => {
      const h = this.hitOf(e.target);
      if (h) this.show(h, e.clientX, e.clientY);
    });
    container.addEventListener("pointermove", (e) => {
      if (!this.tip.hidden && !this.pinned) this.place(e.clientX, e.clientY);
    });
    container.addEventListener("pointerout", (e) => {
      if (!this.pinned && !this.hitOf(e.relatedTarget)) this.hide();
    });
    container.addEventListener("focusin", (e) => {
      const h = this.hitOf(e.target);
      if (!h) return;
      this.active = this.hits.indexOf(h);
      this.activeKey = key(h);
      this.pinned = true;
      this.showAt(h);
    });
    container.addEventListener("focusout", (e) => {
      if (!this.hitOf(e.relatedTarget)) { this.pinned = false; this.hide(); }
    });
    container.addEventListener("keydown", (e) => this.key(e));
  }

  hitOf(node) {
    const g = node && node.closest && node.closest(".ipc-item");
    if (!g || !this.container.contains(g)) return null;
    return this.hits[g.dataset.i] || null;
  }

  // focusedKey tells which item has the focus before a redraw.
  focusedKey() {
    const h = this.hitOf(document.activeElement);
    return h ? key(h) : "";
  }

  // afterDraw takes the items of a new drawing, gives one of them the
  // keyboard's Tab stop and keeps the focus where it was.
  afterDraw(hits, focused, cut = false) {
    this.cut = cut;
    // Items are numbered in drawing order; the list is in order of time.
    this.hits = [];
    for (const h of hits) this.hits[h.order] = h;
    this.order = hits;
    if (!hits.length) { this.active = -1; this.hide(); return; }
    let i = this.activeKey ? hits.findIndex((h) => key(h) === this.activeKey) : -1;
    if (i < 0) i = 0;
    this.active = i;
    const h = hits[i];
    h.el.setAttribute("tabindex", "0");
    h.el.setAttribute("aria-label", describe(h, this.cut).join(". "));
    h.el.setAttribute("aria-describedby", "ipc-tip");
    if (focused && key(h) === focused) {
      h.el.focus({ preventScroll: true });
      this.showAt(h);
    } else if (!this.tip.hidden && this.pinned) {
      this.hide();
    }
  }

  key(e) {
    const list = this.order || [];
    if (!list.length || !this.hitOf(e.target)) return;
    let i = list.findIndex((h) => h.el === e.target.closest(".ipc-item"));
    switch (e.key) {
      case "ArrowRight": case "ArrowDown": i = Math.min(list.length - 1, i + 1); break;
      case "ArrowLeft": case "ArrowUp": i = Math.max(0, i - 1); break;
      case "Home": i = 0; break;
      case "End": i = list.length - 1; break;
      case "Escape": this.hide(); return;
      default: return;
    }
    e.preventDefault();
    this.moveTo(list[i]);
  }

  moveTo(h) {
    for (const o of this.order) if (o.el.getAttribute("tabindex") === "0") o.el.setAttribute("tabindex", "-1");
    h.el.setAttribute("tabindex", "0");
    h.el.setAttribute("aria-label", describe(h, this.cut).join(". "));
    h.el.setAttribute("aria-describedby", "ipc-tip");
    this.activeKey = key(h);
    h.el.focus();
  }

  render(h) {
    const lines = describe(h, this.cut);
    this.tip.replaceChildren(...lines.map((l, i) => el("div", i === 0 ? "tip-head" : "tip-line", l)));
    this.tip.dataset.kind = h.kind;
    this.tip.hidden = false;
  }

  show(h, cx, cy) {
    if (this.pinned) return;
    this.render(h);
    this.place(cx, cy);
  }

  showAt(h) {
    this.render(h);
    const b = h.el.getBoundingClientRect();
    this.place(b.left + b.width / 2, b.top + b.height / 2);
  }

  // place puts the tooltip beside the point, inside the card.
  place(cx, cy) {
    const card = this.tip.parentElement.getBoundingClientRect();
    const w = this.tip.offsetWidth, hh = this.tip.offsetHeight;
    let left = cx - card.left + 14, top = cy - card.top + 14;
    if (left + w > card.width - 6) left = Math.max(6, cx - card.left - w - 14);
    if (top + hh > card.height - 6) top = Math.max(6, cy - card.top - hh - 14);
    this.tip.style.left = `${Math.round(left)}px`;
    this.tip.style.top = `${Math.round(top)}px`;
  }

  hide() { this.tip.hidden = true; }
}

function key(h) { return `${h.kind}:${h.ref.i}`; }

// putKey names the tooltip of an item in a queue or a pipe.
function putKey(kind) { return kind === "queue" ? "ipc.put" : "ipc.sent"; }

// The panel of objects: one row per object; a row's button picks the object
// out in the timeline.
export class IPCPanel {
  constructor(card, onPick) {
    this.card = card;
    this.onPick = onPick;
    this.list = card.querySelector("[data-testid=ipc-objects]");
    this.count = card.querySelector("[data-testid=ipc-count]");
    this.rows = new Map();
    this.version = -1;
    this.picked = "";
    this.list.addEventListener("click", (e) => {
      const b = e.target.closest("button[data-obj]");
      if (b) this.pick(this.picked === b.dataset.obj ? "" : b.dataset.obj);
    });
  }

  reset() {
    this.at = null;
    this.rows.clear();
    this.list.replaceChildren();
    this.version = -1;
    this.picked = "";
    this.card.hidden = true;
  }

  pick(id) {
    this.picked = id;
    for (const [oid, r] of this.rows) r.button.setAttribute("aria-pressed", String(oid === id));
    this.onPick(id);
  }

  render(model) {
    if (model.version === this.version) return;
    this.version = model.version;
    this.card.hidden = model.empty;
    if (model.empty) return;
    const objs = model.list();
    this.count.textContent = trn("ipc.objects", { n: objs.length, e: model.count.toLocaleString() });
    let order = false;
    for (const o of objs) {
      let r = this.rows.get(o.id);
      if (!r) { r = this.row(o); this.rows.set(o.id, r); order = true; }
      r.stats.textContent = stats(o, model);
      if (r.history && r.shown !== o.writes.length) history(r, o);
    }
    if (order) this.list.replaceChildren(...objs.map((o) => this.rows.get(o.id).li));
    if (order && this.at) this.showAt(this.at);
  }

  // showAt shows, under each queue, pipe and lock, how it stood at the
  // time cursor (cursor.js: stateAt's objects); null hides it.
  showAt(objects) {
    this.at = objects;
    for (const [id, r] of this.rows) {
      const s = objects && objects.get(id);
      if (!s) { if (r.now) r.now.hidden = true; continue; }
      if (!r.now) {
        r.now = el("div", "ipc-now");
        r.now.dataset.testid = "ipc-now";
        r.li.append(r.now);
      }
      r.now.hidden = false;
      r.now.dataset.count = String(s.kind === "lock" ? s.holders.length : s.count);
      if (s.kind === "lock") {
        r.now.replaceChildren(el("span", "ipc-now-head", s.holders.length ? tr("cursor.heldBy", { pids: s.holders.join(", ") }) : tr("cursor.free")));
        continue;
      }
      const items = s.items.map((m) => {
        const c = el("span", "ipc-chip", m.summary || "?");
        c.dataset.testid = "ipc-item";
        c.title = tr(putKey(s.kind), { pid: m.from, t: fmtMS(m.t0) });
        return c;
      });
      const more = s.count - s.items.length;
      if (more > 0) items.push(el("span", "ipc-more", `+${more.toLocaleString()}`));
      r.now.replaceChildren(el("span", "ipc-now-head", s.count ? trn("cursor.holds", { n: s.count }) : tr("cursor.empty")), ...items);
    }
  }

  row(o) {
    const li = el("li", `ipc-obj kind-${o.kind}`);
    li.dataset.testid = "ipc-object";
    li.dataset.obj = o.id;
    const button = el("button", "ipc-obj-btn");
    button.type = "button";
    button.dataset.obj = o.id;
    button.setAttribute("aria-pressed", String(this.picked === o.id));
    button.title = tr("ipc.pick", { id: label(o) });
    const icon = el("span", "ipc-icon");
    icon.setAttribute("aria-hidden", "true");
    const stats = el("span", "ipc-stats");
    // The name the program gave it, else its id; the id stays in the title.
    const name = el("span", "ipc-id", o.name || o.id);
    if (o.name) name.title = o.id;
    button.append(icon, name, el("span", "ipc-type", o.type || o.kind), stats);
    li.append(button);
    const r = { li, button, stats, history: null, shown: 0 };
    if (o.kind === "value" || o.kind === "array" || o.kind === "shm") {
      r.history = el("ol", "ipc-history");
      r.history.dataset.testid = "value-history";
      r.history.setAttribute("aria-label", tr("ipc.history", { id: label(o) }));
      li.append(r.history);
    }
    return r;
  }
}

// stats sums an object up; a count drawn from a cut stream says "at least".
export function stats(o, model) {
  const parts = [];
  const least = model.capped(o) ? "AtLeast" : "";
  switch (o.kind) {
    case "queue": case "pipe": {
      parts.push(trn("ipc.messages" + least, { n: o.messages }));
      // Past ipc.truncated, items may have been taken unseen.
      const left = model.truncated ? 0 : model.inFlight(o.id);
      if (left) parts.push(trn(o.kind === "queue" ? "ipc.left" : "ipc.leftPipe", { n: left }));
      if (o.waitedMax > 0) parts.push(tr("ipc.maxWait", { ms: fmtMS(o.waitedMax) }));
      break;
    }
    case "pool":
      parts.push(trn("ipc.tasks" + least, { n: o.tasks }));
      if (o.functions.size) parts.push([...o.functions].slice(0, 3).map((f) => f + "()").join(", "));
      if (o.failed) parts.push(trn("ipc.failed", { n: o.failed }));
      break;
    case "lock":
      parts.push(trn("ipc.heldTimes" + least, { n: o.held }));
      if (o.waitedTotal > 0) parts.push(tr("ipc.totalWait", { ms: fmtMS(o.waitedTotal) }));
      break;
    default:
      parts.push(trn("ipc.writes" + least, { n: o.writes.length }));
  }
  return parts.join(" · ");
}

// history lists the latest writes of a shared value, oldest first.
function history(r, o) {
  const from = Math.max(0, o.writes.length - historyShown);
  const items = [];
  if (from > 0) items.push(el("li", "earlier", trn("ipc.earlier", { n: from })));
  for (let i = from; i < o.writes.length; i++) {
    const w = o.writes[i];
    const text = (w.index !== null && o.kind !== "value" ? `[${w.index}] ` : "") + w.summary;
    const li = el("li", "write", text);
    li.title = tr("ipc.wrote", { pid: w.pid, t: fmtMS(w.t) });
    items.push(li);
  }
  r.history.replaceChildren(...items);
  r.shown = o.writes.length;
}
