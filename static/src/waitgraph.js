// Who waits for whom (docs/events.md, "Waits"): each waiting process points
// at the object it waits for, and the object points at the processes that
// could wake it: the producers of a queue, the holder of a lock, the other
// end of a pipe, the child being joined, the workers of a pool, the other
// users of an event, a condition or a barrier. Every arrow reads "waits
// for"; a loop of arrows is a deadlock. No DOM here: the page draws it,
// node tests it.

// kindOf is the kind of an object by its id: "queue-3" -> "queue",
// "proc-11" -> "proc".
export function kindOf(id) {
  const m = /^([a-z]+)-/.exec(id || "");
  return m ? m[1] : "";
}

// Ops that take something out (a get, a recv) are woken by those who put it
// in; the others by those who hold or use the object.
const lockKinds = new Set(["lock", "semaphore"]);

export class WaitGraph {
  constructor() { this.reset(); }

  reset() {
    this.procs = new Map();    // pid -> {pid, name, order, alive}
    this.objects = new Map();  // id -> {id, kind, name, type, users: Set, putters: Set, getters: Set, ends: Map(pid -> Set of ends), senders: Map(end -> Set)}
    this.holders = new Map();  // lock id -> Map(pid -> depth)
    this.waits = new Map();    // "pid object op" -> {pid, object, op, t0}
    this.workers = new Map();  // pool id -> Set of pids that ran its tasks
    this.version = 0;
    this.frozen = null;        // the picture kept for after the end (see freeze)
    this.ending = null;        // the picture as the final exits began
    this.lastType = "";
    this.everWaited = false;   // the run has had a wait
    this.ended = false;        // run.end came
  }

  proc(pid) {
    let p = this.procs.get(pid);
    if (!p) {
      p = { pid, ppid: null, name: "", order: this.procs.size, alive: true };
      this.procs.set(pid, p);
    }
    return p;
  }

  object(id, name, type) {
    let o = this.objects.get(id);
    if (!o) {
      o = { id, kind: kindOf(id), name: "", type: "", users: new Set(), putters: new Set(), getters: new Set(), ends: new Map(), senders: new Map() };
      this.objects.set(id, o);
    }
    if (name && !o.name) o.name = String(name);
    if (type && !o.type) o.type = String(type);
    return o;
  }

  // apply takes one event of the stream; it returns whether the picture
  // may have changed.
  apply(ev) {
    const type = ev && ev.type;
    if (typeof type !== "string") return false;
    const pid = ev.pid;
    const prev = this.lastType;
    this.lastType = type;
    switch (type) {
      case "run.start": this.reset(); return true;
      case "proc.start": {
        const p = this.proc(pid);
        p.name = ev.name || "";
        p.ppid = typeof ev.ppid === "number" ? ev.ppid : null;
        return false;
      }
      case "proc.exit": {
        // The picture as the run's processes began to end: what was still
        // waiting then is what the run was stuck on.
        if (prev !== "proc.exit" && prev !== "wait.end") this.ending = this.hasWaits() ? this.graph() : null;
        this.proc(pid).alive = false;
        // Its waits end; a lock it held stays taken (a multiprocessing
        // lock is not released when its holder dies).
        for (const [k, w] of this.waits) if (w.pid === pid) this.waits.delete(k);
        break;
      }
      case "wait.begin": {
        const key = `${pid} ${ev.object} ${ev.op}`;
        if (this.waits.has(key)) return false;
        this.proc(pid);
        this.everWaited = true;
        this.object(String(ev.object || "")).users.add(pid);
        this.waits.set(key, { pid, object: String(ev.object || ""), op: String(ev.op || ""), t0: ev.t ?? 0 });
        break;
      }
      case "wait.end": {
        if (!this.waits.delete(`${pid} ${ev.object} ${ev.op}`)) return false;
        break;
      }
      case "queue.put": case "queue.get": {
        const o = this.object(ev.queue || "", ev.name, ev.object);
        o.users.add(pid);
        (type === "queue.put" ? o.putters : o.getters).add(pid);
        break;
      }
      case "pipe.send": case "pipe.recv": {
        const o = this.object(ev.pipe || "", ev.name, "Pipe");
        o.users.add(pid);
        const end = typeof ev.end === "number" ? ev.end : null;
        if (end !== null) {
          if (!o.ends.has(pid)) o.ends.set(pid, new Set());
          o.ends.get(pid).add(end);
          if (type === "pipe.send") {
            if (!o.senders.has(end)) o.senders.set(end, new Set());
            o.senders.get(end).add(pid);
          }
        }
        break;
      }
      case "lock.acquire": case "lock.release": {
        const id = ev.lock || "";
        const o = this.object(id, ev.name, ev.object);
        o.users.add(pid);
        let h = this.holders.get(id);
        if (!h) this.holders.set(id, (h = new Map()));
        if (type === "lock.acquire") { h.set(pid, (h.get(pid) || 0) + 1); break; }
        // A plain Lock may be released by another process than its holder.
        const who = h.has(pid) ? pid : h.keys().next().value;
        if (who === undefined) break;
        const d = h.get(who) - 1;
        if (d > 0) h.set(who, d); else h.delete(who);
        break;
      }
      case "pool.start": case "pool.done": {
        const o = this.object(ev.pool || "", "", "Pool");
        o.users.add(pid);
        if (!this.workers.has(o.id)) this.workers.set(o.id, new Set());
        this.workers.get(o.id).add(pid);
        break;
      }
      case "pool.submit": this.object(ev.pool || "", "", "Pool").users.add(pid); break;
      case "diagnosis": case "limit":
        // The run is stuck, or about to be stopped: keep the picture as it
        // is now, before the processes are ended.
        if (!this.frozen && this.hasWaits()) this.frozen = this.graph();
        return false;
      case "run.end":
        if (!this.frozen && ev.status !== "ok" && this.ending) this.frozen = this.ending;
        this.ended = true;
        this.version++;
        return true;
      default: return false;
    }
    this.version++;
    return true;
  }

  hasWaits() { return this.waits.size > 0; }

  alive(pid) { const p = this.procs.get(pid); return !!p && p.alive; }

  // wakers returns who could end a wait: [{pid, role, gone, maybe}],
  // where role says how they could (holds, put, takes, sent, runs, worker,
  // uses), gone that the process has exited (it cannot any more), and
  // maybe that it is only thought to hold the object.
  wakers(w) {
    const o = this.objects.get(w.object) || this.object(w.object);
    const out = [];
    const add = (pid, role, maybe = false) => {
      if (out.some((x) => x.pid === pid)) return;
      out.push({ pid, role, gone: !this.alive(pid), maybe });
    };
    const others = (set) => [...set].filter((p) => p !== w.pid);
    const waitingHere = (pid) => [...this.waits.values()].some((x) => x.pid === pid && x.object === w.object && x.op === w.op);
    switch (o.kind) {
      case "proc": {
        const child = Number(w.object.slice(5));
        if (Number.isFinite(child)) { this.proc(child); add(child, "runs"); }
        break;
      }
      case "lock": case "semaphore": {
        // The holder: the last acquire without its release.
        const h = this.holders.get(o.id);
        if (h) for (const pid of h.keys()) add(pid, "holds");
        break;
      }
      case "queue": {
        if (w.op === "get") {
          for (const pid of others(o.putters)) add(pid, "put");
          // Nobody alive has put: those alive that hold it might.
          if (!out.some((x) => !x.gone)) for (const pid of others(o.users)) if (this.alive(pid) && !waitingHere(pid)) add(pid, "uses");
        } else {
          // put to a full queue, join of a JoinableQueue: the takers.
          for (const pid of others(o.getters)) add(pid, "takes");
        }
        break;
      }
      case "pipe": {
        // The other end: those who sent on it, or else used it.
        const mine = o.ends.get(w.pid);
        const myEnd = mine && mine.size === 1 ? [...mine][0] : null;
        if (w.op === "recv") {
          const ends = myEnd === null ? [...o.senders.keys()] : [1 - myEnd];
          for (const e of ends) for (const pid of others(o.senders.get(e) || [])) add(pid, "sent");
        }
        if (!out.some((x) => !x.gone)) {
          for (const [pid, ends] of o.ends) {
            if (pid === w.pid || !this.alive(pid) || waitingHere(pid)) continue;
            if (myEnd === null || ends.has(1 - myEnd)) add(pid, "uses");
          }
        }
        break;
      }
      case "pool": {
        for (const pid of this.workers.get(o.id) || []) if (pid !== w.pid) add(pid, "worker");
        break;
      }
      default: {
        // An event, a condition, a barrier: another process that uses it
        // and is not waiting on it too.
        for (const pid of others(o.users)) if (this.alive(pid) && !waitingHere(pid)) add(pid, "uses");
      }
    }
    // A queue or a pipe no live process is known to use: the waiter's
    // parent, alive, most likely made it and handed it over, and holds it.
    if ((o.kind === "queue" || o.kind === "pipe") && !out.some((x) => !x.gone)) {
      const parent = this.procs.get(w.pid)?.ppid;
      if (parent != null && parent !== w.pid && this.alive(parent) && this.procs.has(parent)) add(parent, "holds", true);
    }
    // A process that has exited is shown only while no live one could
    // wake the wait: then it says who could have.
    if (out.some((x) => !x.gone)) return out.filter((x) => !x.gone);
    return out.slice(0, 3);
  }

  // graph is the picture now: {procs, objects, edges, cycles}.
  //   procs:   [{pid, name, waiting, alive, cycle}] in order of start
  //   objects: [{id, kind, name, type, ops, none, cycle}] none: no one could wake it
  //   edges:   [{from, to, kind: "wait"|"wake", op, role, gone, cycle}]
  //            from/to are node keys: "p:<pid>", "o:<id>"
  //   cycles:  [[pid, object, pid, object, ...]], each a loop of waits
  graph() {
    const edges = [], objects = new Map(), pids = new Set();
    const next = new Map(); // pid -> Set of pids it waits for (alive wakers)
    const waits = [...this.waits.values()].sort((a, b) => a.t0 - b.t0 || a.pid - b.pid);
    for (const w of waits) {
      pids.add(w.pid);
      const src = this.objects.get(w.object) || this.object(w.object);
      let o = objects.get(w.object);
      if (!o) {
        o = { id: src.id, kind: src.kind, name: src.name, type: src.type, ops: [], none: false, cycle: false, wakers: new Map() };
        objects.set(w.object, o);
      }
      if (!o.ops.includes(w.op)) o.ops.push(w.op);
      edges.push({ from: "p:" + w.pid, to: "o:" + w.object, kind: "wait", op: w.op, role: "", gone: false, maybe: false, cycle: false });
      if (!next.has(w.pid)) next.set(w.pid, new Set());
      for (const k of this.wakers(w)) {
        pids.add(k.pid);
        if (!k.gone) next.get(w.pid).add(k.pid);
        if (o.wakers.has(k.pid)) continue;
        o.wakers.set(k.pid, k);
        edges.push({ from: "o:" + w.object, to: "p:" + k.pid, kind: "wake", op: "", role: k.role, gone: k.gone, maybe: k.maybe, cycle: false });
      }
    }
    for (const o of objects.values()) o.none = ![...o.wakers.values()].some((k) => !k.gone);

    const cycles = findCycles(next);
    const inCycle = new Set();
    const cycleEdges = new Set();
    const paths = [];
    for (const loop of cycles) {
      const path = [];
      for (let i = 0; i < loop.length; i++) {
        const a = loop[i], b = loop[(i + 1) % loop.length];
        // The object through which a waits for b.
        const w = waits.find((x) => x.pid === a && objects.get(x.object).wakers.has(b) && !objects.get(x.object).wakers.get(b).gone);
        inCycle.add("p:" + a);
        inCycle.add("o:" + w.object);
        cycleEdges.add(`p:${a}>o:${w.object}`);
        cycleEdges.add(`o:${w.object}>p:${b}`);
        path.push(a, w.object);
      }
      path.push(loop[0]);
      paths.push(path);
    }
    for (const e of edges) e.cycle = cycleEdges.has(`${e.from}>${e.to}`);
    const procs = [...pids].map((pid) => this.proc(pid)).sort((a, b) => a.order - b.order).map((p) => ({
      pid: p.pid, name: p.name, alive: p.alive, waiting: next.has(p.pid), cycle: inCycle.has("p:" + p.pid),
    }));
    const objs = [...objects.values()].map((o) => ({
      id: o.id, kind: o.kind, name: o.name, type: o.type, ops: o.ops, none: o.none, cycle: inCycle.has("o:" + o.id),
    }));
    return { procs, objects: objs, edges, cycles: paths };
  }

  // shown is the picture to draw: the live one while the run goes, the
  // one kept for its end once it is over (null: nothing to show).
  shown() {
    if (this.frozen) return { ...this.frozen, atEnd: true };
    if (this.ended) return null;
    return this.hasWaits() ? { ...this.graph(), atEnd: false } : null;
  }
}

// findCycles finds the loops of a directed graph (pid -> Set of pids): one
// loop per strongly connected component that has one (Tarjan's algorithm),
// each as the pids in the order of its arrows, starting at the smallest.
export function findCycles(next) {
  let index = 0;
  const idx = new Map(), low = new Map(), on = new Set(), stack = [], comps = [];
  const strong = (v) => {
    idx.set(v, index); low.set(v, index); index++;
    stack.push(v); on.add(v);
    for (const w of next.get(v) || []) {
      if (!idx.has(w)) { strong(w); low.set(v, Math.min(low.get(v), low.get(w))); }
      else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const comp = [];
      let w;
      do { w = stack.pop(); on.delete(w); comp.push(w); } while (w !== v);
      comps.push(comp);
    }
  };
  for (const v of [...next.keys()].sort((a, b) => a - b)) if (!idx.has(v)) strong(v);
  const loops = [];
  for (const comp of comps) {
    const members = new Set(comp);
    const start = Math.min(...comp);
    if (comp.length === 1 && !(next.get(start) || new Set()).has(start)) continue;
    // A path from start back to start within the component (breadth first:
    // the shortest loop through start).
    const prev = new Map();
    const queue = [start];
    let found = false;
    while (queue.length && !found) {
      const v = queue.shift();
      for (const w of [...(next.get(v) || [])].sort((a, b) => a - b)) {
        if (!members.has(w)) continue;
        if (w === start) { prev.set(start, v); found = true; break; }
        if (!prev.has(w)) { prev.set(w, v); queue.push(w); }
      }
    }
    const loop = [];
    for (let v = prev.get(start); v !== start; v = prev.get(v)) loop.unshift(v);
    loop.unshift(start);
    loops.push(loop);
  }
  return loops.sort((a, b) => a[0] - b[0]);
}
