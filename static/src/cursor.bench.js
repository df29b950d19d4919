// The time cursor's figures (docs/benchmarks.md): `node cursor.bench.js
// [events]` in static/src builds the index of a run of that many events
// (100,000 by default) and steps through it, one event at a time and by
// jumps, as the arrow keys and a drag do.
import { pathToFileURL } from "node:url";
import { buildIndex, stateAt } from "./cursor.js";

// bigRun is a run of n events: eight workers put on a queue the main
// process gets from (about twenty items in it at any time), take a lock
// in turn and print lines.
export function bigRun(n) {
  const ev = [{ t: 0, type: "run.start" }, { t: 0, type: "proc.start", pid: 1, ppid: 0, name: "MainProcess" }];
  for (let w = 2; w < 10; w++) ev.push({ t: w, type: "proc.start", pid: w, ppid: 1 });
  let msg = 0, got = 0;
  for (let i = ev.length; i < n; i++) {
    const pid = 2 + (i % 8), t = i / 10;
    switch (i % 5) {
      case 0: ev.push({ t, type: "queue.put", pid, queue: "queue-1", msg: `m${++msg}`, summary: String(msg) }); break;
      case 1: ev.push({ t, type: "output", pid, stream: "stdout", text: `line ${i}\n` }); break;
      case 2: ev.push(got < msg - 20 ? { t, type: "queue.get", pid: 1, queue: "queue-1", msg: `m${++got}` } : { t, type: "output", pid, stream: "stdout", text: "x" }); break;
      case 3: ev.push({ t, type: "lock.acquire", pid, lock: "lock-1", waited_ms: 0 }); break;
      case 4: ev.push({ t, type: "lock.release", pid, lock: "lock-1" }); break;
    }
  }
  return ev;
}

function median(xs) { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; }

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const n = Number(process.argv[2]) || 100000;
  const events = bigRun(n);
  const builds = [];
  let x;
  for (let r = 0; r < 7; r++) {
    const t0 = performance.now();
    x = buildIndex(events);
    builds.push(performance.now() - t0);
  }
  const time = (f, k) => { const t0 = performance.now(); for (let j = 0; j < k; j++) f(j); return ((performance.now() - t0) / k) * 1000; };
  const steps = [], jumps = [];
  for (let r = 0; r < 7; r++) {
    steps.push(time((j) => stateAt(x, 40000 + j), 20000));
    jumps.push(time((j) => stateAt(x, (j * 7919) % n), 20000));
  }
  console.log(`${n.toLocaleString("en")} events: index built in ${median(builds).toFixed(0)} ms (median of 7, first ${builds[0].toFixed(0)} ms); ` +
    `a step to the next event ${median(steps).toFixed(1)} µs, a jump anywhere ${median(jumps).toFixed(1)} µs (medians of 7 × 20,000)`);
}
