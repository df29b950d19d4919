// What flows between the processes of a run: the IPC events (docs/events.md,
// "What flows between processes") gathered into objects (queues, pipes,
// pools, locks, shared values), messages matched from put to get and from
// send to recv, pool tasks from submit to done, and lock spans from the start
// of the wait to the release. No DOM here: the page draws it, node tests it.

// kindOrder sorts the objects of the legend: channels first, then the pool,
// the locks and the shared values.
const kindOrder = { queue: 0, pipe: 1, pool: 2, lock: 3, value: 4, array: 5, shm: 6 };

// isIPC tells an IPC event from the others.
export function isIPC(type) {
  return typeof type === "string" && (
    type.startsWith("queue.") || type.startsWith("pipe.") || type.startsWith("pool.") ||
    type.startsWith("lock.") || type === "shm.write" || type === "ipc.truncated");
}

// fifo is a first-in, first-out list that never shifts its array.
class FIFO {
  constructor() { this.items = []; this.head = 0; }
  push(x) { this.items.push(x); }
  take() {
    if (this.head >= this.items.length) return undefined;
    const x = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return x;
  }
  get length() { return this.items.length - this.head; }
}

function num(v) { return typeof v === "number" && isFinite(v) ? v : 0; }

// idNumber is the number at the end of an id ("queue-12" -> 12).
function idNumber(id) {
  const m = /(\d+)$/.exec(id);
  return m ? Number(m[1]) : 0;
}

export function compareObjects(a, b) {
  return (kindOrder[a.kind] ?? 9) - (kindOrder[b.kind] ?? 9) ||
    idNumber(a.id) - idNumber(b.id) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export class IPCModel {
  constructor() { this.reset(); }

  reset() {
    this.objects = new Map();   // id -> object record (see object())
    this.messages = [];         // queue items and pipe messages, in order of put/send
    this.tasks = [];            // pool tasks, in order of appearance
    this.spans = [];            // lock spans, in order of the acquire
    this.writes = [];           // shared-value writes, in order
    this.truncated = null;      // the ipc.truncated event of a process or the run, if any
    this.cut = new Set();       // ids of the objects whose own events were cut
    this.count = 0;             // IPC events taken
    this.tmin = Infinity;       // ms: the earliest moment of any item (a lock's wait included)
    this.tmax = -Infinity;      // ms: the latest IPC event
    this.version = 0;           // changes with every event taken
    this.byMsg = new Map();     // queue msg id -> message waiting for its get
    this.earlyGets = new Map(); // queue msg id -> get that came before its put
    this.sends = new Map();     // "pipe>end" -> FIFO of messages sent on that end, not yet received
    this.earlyRecvs = new Map(); // "pipe>end" -> FIFO of receives that came before their send
    this.taskById = new Map();  // task id -> task
    this.open = new Map();      // lock id -> open spans (held now)
  }

  get empty() { return this.count === 0; }

  // object returns the record of an object, made on first sight.
  // name is what the program called it (an event's name), if anything.
  object(id, kind, type, t, pid, name) {
    let o = this.objects.get(id);
    if (!o) {
      o = {
        id, kind, type: type || "", name: "", first: t, pids: new Set(),
        events: 0, messages: 0, delivered: 0, waitedTotal: 0, waitedMax: 0,
        tasks: 0, failed: 0, done: 0, held: 0, writes: [], functions: new Set(),
      };
      this.objects.set(id, o);
    }
    if (type && !o.type) o.type = type;
    if (name && !o.name) o.name = String(name);
    if (typeof pid === "number") o.pids.add(pid);
    o.events++;
    return o;
  }

  // list returns the objects in the legend's order.
  list() { return [...this.objects.values()].sort(compareObjects); }

  // apply takes one event; it returns false for events that are not IPC.
  apply(ev) {
    const type = ev && ev.type;
    if (!isIPC(type)) return false;
    const t = num(ev.t), pid = ev.pid;
    this.count++;
    this.version++;
    this.tmin = Math.min(this.tmin, t - num(ev.waited_ms));
    this.tmax = Math.max(this.tmax, t);
    switch (type) {
      case "queue.put": this.put(ev, t, pid); break;
      case "queue.get": this.get(ev, t, pid); break;
      case "pipe.send": this.send(ev, t, pid); break;
      case "pipe.recv": this.recv(ev, t, pid); break;
      case "pool.submit": case "pool.start": case "pool.done": this.pool(ev, t, pid); break;
      case "lock.acquire": this.acquire(ev, t, pid); break;
      case "lock.release": this.release(ev, t, pid); break;
      case "shm.write": this.write(ev, t, pid); break;
      case "ipc.truncated": this.cutOff(ev, t, pid); break;
    }
    return true;
  }

  // cutOff takes an ipc.truncated event: of one object (it names it) or of
  // a process or the whole run.
  cutOff(ev, t, pid) {
    const id = ev.queue || ev.pipe || ev.pool || ev.lock || ev.shm;
    if (id) this.cut.add(id);
    else if (!this.truncated) this.truncated = { t, pid, message: ev.message || "" };
  }

  // capped tells whether the figures of an object come from a stream that
  // was cut: they are then at least what is counted.
  capped(o) { return this.cut.has(o.id) || this.truncated !== null; }

  newMessage(kind, obj, ev, t, pid) {
    const m = {
      kind, obj: obj.id, i: this.messages.length, from: pid, to: null, t0: t, t1: null,
      summary: ev.summary ?? "", size: ev.size ?? null, waited: null, msg: ev.msg || "", end: ev.end ?? null,
    };
    this.messages.push(m);
    obj.messages++;
    return m;
  }

  deliver(m, ev, t, pid) {
    m.to = pid;
    m.t1 = t;
    m.waited = typeof ev.waited_ms === "number" ? ev.waited_ms : null;
    if (m.summary === "" && ev.summary) m.summary = ev.summary;
    const o = this.objects.get(m.obj);
    o.delivered++;
    if (m.waited !== null) {
      o.waitedTotal += m.waited;
      o.waitedMax = Math.max(o.waitedMax, m.waited);
    }
  }

  put(ev, t, pid) {
    const q = this.object(ev.queue || "queue-?", "queue", ev.object, t, pid, ev.name);
    const m = this.newMessage("queue", q, ev, t, pid);
    const early = m.msg && this.earlyGets.get(m.msg);
    if (early) {
      this.earlyGets.delete(m.msg);
      this.deliver(m, early, num(early.t), early.pid);
    } else if (m.msg) {
      this.byMsg.set(m.msg, m);
    }
  }

  get(ev, t, pid) {
    this.object(ev.queue || "queue-?", "queue", ev.object, t, pid, ev.name);
    const m = ev.msg ? this.byMsg.get(ev.msg) : undefined;
    if (m) {
      this.byMsg.delete(ev.msg);
      this.deliver(m, ev, t, pid);
    } else if (ev.msg) {
      this.earlyGets.set(ev.msg, ev); // its put is still to come
    }
  }

  // A pipe's message sent on one end is received on the other; each
  // direction is first in, first out.
  send(ev, t, pid) {
    const p = this.object(ev.pipe || "pipe-?", "pipe", "Pipe", t, pid, ev.name);
    const m = this.newMessage("pipe", p, ev, t, pid);
    const key = `${p.id}>${num(ev.end)}`;
    const early = this.earlyRecvs.get(key);
    if (early && early.length) {
      const r = early.take();
      this.deliver(m, r, num(r.t), r.pid);
      return;
    }
    let q = this.sends.get(key);
    if (!q) this.sends.set(key, (q = new FIFO()));
    q.push(m);
  }

  recv(ev, t, pid) {
    const p = this.object(ev.pipe || "pipe-?", "pipe", "Pipe", t, pid, ev.name);
    const key = `${p.id}>${num(ev.end) === 0 ? 1 : 0}`;
    const q = this.sends.get(key);
    const m = q && q.take();
    if (m) { this.deliver(m, ev, t, pid); return; }
    let early = this.earlyRecvs.get(key);
    if (!early) this.earlyRecvs.set(key, (early = new FIFO()));
    early.push(ev);
  }

  pool(ev, t, pid) {
    const p = this.object(ev.pool || "pool-?", "pool", "Pool", t, pid);
    const id = ev.task || `task?${this.tasks.length}`;
    let k = this.taskById.get(id);
    if (!k) {
      k = {
        id, pool: p.id, i: this.tasks.length, fn: ev.function || "", submitter: null, ts: null,
        worker: null, t0: null, t1: null, state: "queued", summary: "", error: "",
      };
      this.taskById.set(id, k);
      this.tasks.push(k);
      p.tasks++;
    }
    if (ev.function) { k.fn = ev.function; p.functions.add(ev.function); }
    switch (ev.type) {
      case "pool.submit": k.submitter = pid; k.ts = t; break;
      case "pool.start": k.worker = pid; k.t0 = t; if (k.state === "queued") k.state = "running"; break;
      case "pool.done":
        if (k.worker === null) k.worker = pid;
        if (k.t0 === null) k.t0 = t;
        k.t1 = t;
        if (ev.error) { k.state = "failed"; k.error = String(ev.error); p.failed++; }
        else { k.state = "ok"; k.summary = ev.summary ?? ""; }
        p.done++;
        break;
    }
  }

  // A span covers the wait (from t - waited_ms) and the holding (from the
  // acquire to the release). A process taking a lock it holds (an RLock)
  // only deepens its span.
  acquire(ev, t, pid) {
    const l = this.object(ev.lock || "lock-?", "lock", ev.object, t, pid, ev.name);
    let open = this.open.get(l.id);
    if (!open) this.open.set(l.id, (open = []));
    const mine = open.find((s) => s.pid === pid);
    const waited = num(ev.waited_ms);
    if (mine && l.type !== "Semaphore" && l.type !== "BoundedSemaphore") { mine.depth++; return; }
    const s = { lock: l.id, type: l.type, i: this.spans.length, pid, tw: Math.max(0, t - waited), ta: t, tr: null, waited, depth: 1 };
    this.spans.push(s);
    open.push(s);
    l.held++;
    l.waitedTotal += waited;
    l.waitedMax = Math.max(l.waitedMax, waited);
  }

  release(ev, t, pid) {
    const l = this.object(ev.lock || "lock-?", "lock", ev.object, t, pid, ev.name);
    const open = this.open.get(l.id);
    if (!open || !open.length) return;
    // A plain Lock may be released by another process than its holder.
    let k = open.findIndex((s) => s.pid === pid);
    if (k < 0) k = 0;
    const s = open[k];
    if (--s.depth > 0) return;
    s.tr = t;
    open.splice(k, 1);
  }

  write(ev, t, pid) {
    const type = ev.object || "";
    const kind = type === "Array" ? "array" : type === "SharedMemory" ? "shm" : "value";
    const o = this.object(ev.shm || "value-?", kind, type, t, pid, ev.name);
    const w = { obj: o.id, i: this.writes.length, t, pid, index: ev.index ?? null, summary: ev.summary ?? "" };
    this.writes.push(w);
    o.writes.push(w);
  }

  // inFlight counts the messages put or sent and not (yet) taken.
  inFlight(id) {
    const o = this.objects.get(id);
    return o ? o.messages - o.delivered : 0;
  }
}

// window is the stretch of time in which things flowed between processes,
// with a margin: [from, to] in ms.
// With the length of the whole run, the window is never narrower than a
// twentieth of it: a single burst of events does not hide the rest of the
// run behind a window of a fraction of a millisecond.
export function ipcWindow(model, total = 0) {
  if (model.empty) return null;
  const lo = model.tmin, hi = Math.max(model.tmax, lo);
  const pad = Math.max(0.2, (hi - lo) * 0.06);
  let from = lo - pad, to = hi + pad;
  const least = total / 20;
  if (to - from < least) {
    const mid = (lo + hi) / 2;
    from = mid - least / 2;
    to = mid + least / 2;
    if (from < 0) { to -= from; from = 0; }
  }
  return [Math.max(0, from), to];
}

// layoutRows orders the rows of the timeline: a lane per process, in the
// order the processes started, with the rail of each queue or pipe placed
// right below the upper-most lane of the processes that use it, so that its
// messages run between the lanes; then a row per shared value.
export function layoutRows(pids, model) {
  const lane = new Map(pids.map((pid, i) => [pid, i]));
  const below = pids.map(() => []);
  const tail = [];
  const values = [];
  for (const o of model.list()) {
    if (o.kind === "queue" || o.kind === "pipe") {
      let top = Infinity;
      for (const pid of o.pids) if (lane.has(pid)) top = Math.min(top, lane.get(pid));
      (top === Infinity ? tail : below[top]).push({ kind: "rail", obj: o });
    } else if (o.kind === "value" || o.kind === "array" || o.kind === "shm") {
      values.push({ kind: "value", obj: o });
    }
  }
  const rows = [];
  pids.forEach((pid, i) => { rows.push({ kind: "lane", pid }); rows.push(...below[i]); });
  return rows.concat(tail, values);
}

// label names an object for a reader: "counter (value-1)", or its id.
export function label(o) { return o.name ? `${o.name} (${o.id})` : o.id; }

// fmtMS writes a time in milliseconds briefly.
export function fmtMS(ms) {
  if (typeof ms !== "number" || !isFinite(ms)) return "";
  if (ms === 0) return "0";
  if (Math.abs(ms) < 0.1) return "<0.1";
  if (Math.abs(ms) < 1000) return String(Math.round(ms * 10) / 10);
  return String(Math.round(ms));
}

// binCounts counts values into n columns by x(value); out-of-range values
// go to the nearest column.
export function binCounts(items, n, xOf) {
  const bins = new Uint32Array(Math.max(1, n));
  for (const it of items) {
    let c = Math.floor(xOf(it));
    if (!(c >= 0)) c = 0;
    if (c >= bins.length) c = bins.length - 1;
    bins[c]++;
  }
  return bins;
}

// mergeIntervals joins intervals [a, b] (sorted by a) that touch or lie
// closer than gap, so that thousands of short spans draw as a few bars.
export function mergeIntervals(intervals, gap) {
  const out = [];
  for (const [a, b] of intervals) {
    const last = out[out.length - 1];
    if (last && a - last[1] <= gap) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}
