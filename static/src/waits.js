// The waits of a run (docs/events.md, "Waits"): which process blocks on
// which object, from when to when. A wait still open when its process
// exits ends there. No DOM here: the page draws it, node tests it.

export class WaitModel {
  constructor() { this.reset(); }

  reset() {
    this.stretches = []; // {pid, object, op, t0, t1}, in order of their begin
    this.open = new Map(); // "pid object op" -> open stretch
  }

  // apply takes one event; it returns the pid whose waiting changed, or null.
  apply(ev) {
    const pid = ev && ev.pid;
    if (typeof pid !== "number") return null;
    const t = typeof ev.t === "number" ? ev.t : 0;
    switch (ev.type) {
      case "wait.begin": {
        const key = `${pid} ${ev.object} ${ev.op}`;
        if (this.open.has(key)) return null;
        const s = { pid, object: String(ev.object || ""), op: String(ev.op || ""), t0: t, t1: null };
        this.stretches.push(s);
        this.open.set(key, s);
        return pid;
      }
      case "wait.end": {
        const key = `${pid} ${ev.object} ${ev.op}`;
        const s = this.open.get(key);
        if (!s) return null;
        s.t1 = t;
        this.open.delete(key);
        return pid;
      }
      case "proc.exit": {
        let changed = null;
        for (const [key, s] of this.open) {
          if (s.pid !== pid) continue;
          s.t1 = t;
          this.open.delete(key);
          changed = pid;
        }
        return changed;
      }
    }
    return null;
  }

  // waiting is what pid waits on now (its latest open wait), or null.
  waiting(pid) {
    let last = null;
    for (const s of this.open.values()) if (s.pid === pid && (!last || s.t0 >= last.t0)) last = s;
    return last;
  }
}
