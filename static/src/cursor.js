// The state of a run at any of its events: which processes were alive,
// how many lines of output had been written, what each queue and pipe held
// (items put or sent and not yet got) and who held each lock. buildIndex
// reads the events once; stateAt answers for any event index in time that
// does not grow with the run (a few binary searches and tree walks per
// object), so that stepping through 100,000 events stays instant. No DOM
// here: the page draws it (cursorview.js), node tests it.
import { IPCModel } from "./ipc.js";

export const itemsShown = 12; // items listed per queue or pipe; the rest are counted

// TrackedIPC is the page's IPC model that also notes, on each message and
// lock span, the index of the event that began it (ia) and ended it (ib).
class TrackedIPC extends IPCModel {
  newMessage(kind, obj, ev, t, pid) {
    const m = super.newMessage(kind, obj, ev, t, pid);
    m.ia = this.at; m.ib = Infinity;
    return m;
  }

  deliver(m, ev, t, pid) {
    super.deliver(m, ev, t, pid);
    m.ib = this.at;
  }

  acquire(ev, t, pid) {
    const n = this.spans.length;
    super.acquire(ev, t, pid);
    for (let k = n; k < this.spans.length; k++) { this.spans[k].ia = this.at; this.spans[k].ib = Infinity; }
  }

  release(ev, t, pid) {
    const before = (this.open.get(ev.lock || "lock-?") || []).slice();
    super.release(ev, t, pid);
    const after = this.open.get(ev.lock || "lock-?") || [];
    for (const s of before) if (!after.includes(s)) s.ib = this.at;
  }
}

// Intervals is a set of [ia, ib) event intervals sorted by ia (messages of
// one queue, spans of one lock), with what answers "which were open at
// event i" without a scan: a max tree over ib finds the first one still
// open, and the sorted ends count those closed.
export class Intervals {
  constructor(list) {
    const n = list.length;
    this.list = list;
    this.a = new Float64Array(n);
    this.b = new Float64Array(n);
    for (let k = 0; k < n; k++) { this.a[k] = list[k].ia; this.b[k] = list[k].ib; }
    this.ends = Float64Array.from(this.b).sort();
    let size = 1;
    while (size < n) size *= 2;
    this.size = size;
    this.tree = new Float64Array(2 * size).fill(-Infinity);
    for (let k = 0; k < n; k++) this.tree[size + k] = this.b[k];
    for (let k = size - 1; k >= 1; k--) this.tree[k] = Math.max(this.tree[2 * k], this.tree[2 * k + 1]);
  }

  // count is how many were open at i: begun at or before it, not ended.
  count(i) { return Math.max(0, upper(this.a, i) - upper(this.ends, i)); }

  // next is the first k >= from with b[k] > i, or -1.
  next(from, i) {
    if (from >= this.list.length) return -1;
    let node = this.size + from;
    if (this.tree[node] > i) return from;
    // Up until a right sibling holds an end past i, then down to it.
    for (;;) {
      if (node === 1) return -1;
      if (node % 2 === 0 && this.tree[node + 1] > i) { node++; break; }
      node = node >> 1;
    }
    while (node < this.size) node = this.tree[2 * node] > i ? 2 * node : 2 * node + 1;
    const k = node - this.size;
    return k < this.list.length ? k : -1;
  }

  // open lists up to max of those open at i, in order of their begin.
  open(i, max) {
    const out = [];
    const last = upper(this.a, i); // those begun at or before i are [0, last)
    for (let k = this.next(0, i); k >= 0 && k < last && out.length < max; k = this.next(k + 1, i)) out.push(this.list[k]);
    return out;
  }
}

// upper is the number of values of the sorted array that are <= x.
function upper(arr, x) {
  let lo = 0, hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (arr[mid] <= x) lo = mid + 1; else hi = mid;
  }
  return lo;
}

// A process is known from its proc.start, or from the first event that
// names it (as the views give it a lane).
function namesProcess(type) {
  return type === "output" || type === "wait.begin" || type === "wait.end" || type === "proc.exec" ||
    (typeof type === "string" && /^(queue|pipe|pool|lock)\.|^shm\.write$/.test(type));
}

// IndexBuilder reads the events of a run once, in slices if need be (step),
// so that a page can build the index between frames.
export class IndexBuilder {
  constructor(events) {
    const n = events.length;
    this.events = events;
    this.n = n;
    this.t = new Float64Array(n);     // the moment of each event, never decreasing
    this.lines = new Int32Array(n);   // lines of output begun up to each event
    this.born = new Map();            // pid -> event index of its first event
    this.died = new Map();            // pid -> event index of its exit
    this.open = new Map();            // "pid:stream" -> a line is unfinished
    this.waitOpen = new Map();        // "pid object op" -> open wait (as waits.js keys them)
    this.waitList = [];               // waits, in order of their begin
    this.ipc = new TrackedIPC();
    this.count = 0;
    this.last = 0;
    this.i = 0;                       // the next event to read
  }

  get done() { return this.i >= this.n; }

  // step reads up to k more events; true once all are read.
  step(k = Infinity) {
    const { events, t, lines, born, died, open, ipc } = this;
    const end = Math.min(this.n, this.i + k);
    let count = this.count, last = this.last;
    for (let i = this.i; i < end; i++) {
      const ev = events[i];
      if (typeof ev.t === "number" && ev.t > last) last = ev.t;
      t[i] = last;
      const pid = ev.pid;
      if (ev.type === "proc.start" || (typeof pid === "number" && namesProcess(ev.type))) {
        if (!born.has(pid)) born.set(pid, i);
      }
      switch (ev.type) {
        case "output": {
          // As views.js's writeText splits it.
          const key = `${pid}:${ev.stream === "stderr" ? "stderr" : "stdout"}`;
          let line = open.has(key);
          const parts = String(ev.text || "").split("\n");
          for (let k = 0; k < parts.length; k++) {
            const fin = k === parts.length - 1;
            if (fin && parts[k] === "") break;
            if (!line) { count++; line = true; }
            if (!fin) line = false;
          }
          if (line) open.set(key, true); else open.delete(key);
          break;
        }
        case "proc.exit":
          if (!died.has(pid)) died.set(pid, i);
          open.delete(`${pid}:stdout`); open.delete(`${pid}:stderr`);
          // A wait still open when its process exits ends there.
          for (const [key, w] of this.waitOpen) if (w.pid === pid) { w.ib = i; this.waitOpen.delete(key); }
          break;
        case "wait.begin": case "wait.end": {
          if (typeof pid !== "number") break;
          const key = `${pid} ${ev.object} ${ev.op}`;
          const w = this.waitOpen.get(key);
          if (ev.type === "wait.begin" && !w) {
            const nw = { pid, object: String(ev.object || ""), op: String(ev.op || ""), ia: i, ib: Infinity };
            this.waitOpen.set(key, nw);
            this.waitList.push(nw);
          } else if (ev.type === "wait.end" && w) {
            w.ib = i;
            this.waitOpen.delete(key);
          }
          break;
        }
        default:
          ipc.at = i;
          ipc.apply(ev);
      }
      lines[i] = count;
    }
    this.i = end;
    this.count = count;
    this.last = last;
    return this.done;
  }

  // finish reads what is left and gives the index.
  finish() {
    this.step();
    const { ipc } = this;
    const objects = [];
    const per = new Map();
    for (const o of ipc.list()) {
      if (o.kind !== "queue" && o.kind !== "pipe" && o.kind !== "lock") continue;
      per.set(o.id, []);
      objects.push(o);
    }
    for (const m of ipc.messages) per.get(m.obj)?.push(m);
    for (const s of ipc.spans) per.get(s.lock)?.push(s);
    const sets = new Map();
    for (const [id, list] of per) sets.set(id, new Intervals(list));
    const byPid = new Map();
    for (const w of this.waitList) {
      if (!byPid.has(w.pid)) byPid.set(w.pid, []);
      byPid.get(w.pid).push(w);
    }
    const waits = new Map();
    for (const [pid, list] of byPid) waits.set(pid, new Intervals(list));
    return { n: this.n, events: this.events, t: this.t, lines: this.lines, born: this.born, died: this.died, objects, sets, waits };
  }
}

// buildIndex reads the events of a run at once.
export function buildIndex(events) { return new IndexBuilder(events).finish(); }

// stateAt is the run as it stood once event i had happened.
// procs: pid -> "unborn" | "alive" | "dead"; waits: pid -> what it waited
// for ({ object, op }, its latest open wait) if anything; lines: how many lines of
// output were begun; objects: id -> { kind, count, items } for a queue or
// pipe (the first itemsShown items still in it, oldest first) and
// { kind, holders } for a lock (the pids holding it).
export function stateAt(index, i) {
  const { n, born, died, sets } = index;
  if (n === 0) return { i: -1, t: 0, event: null, procs: new Map(), waits: new Map(), lines: 0, objects: new Map() };
  i = Math.max(0, Math.min(n - 1, Math.floor(i)));
  const procs = new Map();
  for (const [pid, b] of born) {
    const d = died.get(pid);
    procs.set(pid, b > i ? "unborn" : d !== undefined && d <= i ? "dead" : "alive");
  }
  const waits = new Map();
  for (const [pid, set] of index.waits) {
    const open = set.open(i, 8);
    if (open.length) waits.set(pid, open[open.length - 1]);
  }
  const objects = new Map();
  for (const o of index.objects) {
    const set = sets.get(o.id);
    if (o.kind === "lock") {
      objects.set(o.id, { kind: o.kind, holders: set.open(i, 8).map((s) => s.pid) });
    } else {
      objects.set(o.id, { kind: o.kind, count: set.count(i), items: set.open(i, itemsShown) });
    }
  }
  return { i, t: index.t[i], event: index.events[i], procs, waits, lines: index.lines[i], objects };
}

// indexAtTime is the last event at or before the moment ms (0 before any).
export function indexAtTime(index, ms) {
  return Math.max(0, upper(index.t, ms) - 1);
}
