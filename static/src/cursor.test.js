// Tests of the state of a run at an event: `node --test` in static/src.
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildIndex, stateAt, indexAtTime, Intervals, IndexBuilder, itemsShown } from "./cursor.js";
import { bigRun } from "./cursor.bench.js";

// A run: the main process (8) starts a child (11) that puts two items on a
// queue and takes a lock; the main process gets one item and the child ends.
const run = [
  { t: 0, type: "run.start" },                                                         // 0
  { t: 1, type: "proc.start", pid: 8, ppid: 1, name: "MainProcess" },                 // 1
  { t: 2, type: "output", pid: 8, stream: "stdout", text: "start\n" },                // 2
  { t: 5, type: "proc.start", pid: 11, ppid: 8, name: "Process-1" },                  // 3
  { t: 6, type: "queue.put", pid: 11, queue: "queue-1", object: "Queue", msg: "m1", summary: "'a'" }, // 4
  { t: 7, type: "queue.put", pid: 11, queue: "queue-1", object: "Queue", msg: "m2", summary: "'b'" }, // 5
  { t: 8, type: "lock.acquire", pid: 11, lock: "lock-1", object: "Lock", waited_ms: 0 },             // 6
  { t: 9, type: "output", pid: 11, stream: "stdout", text: "half " },                 // 7
  { t: 10, type: "output", pid: 11, stream: "stdout", text: "line\nnext\n" },         // 8
  { t: 11, type: "queue.get", pid: 8, queue: "queue-1", object: "Queue", msg: "m1", summary: "'a'" }, // 9
  { t: 12, type: "lock.release", pid: 11, lock: "lock-1", object: "Lock" },           // 10
  { t: 13, type: "proc.exit", pid: 11, code: 0 },                                      // 11
  { t: 14, type: "proc.exit", pid: 8, code: 0 },                                       // 12
  { t: 15, type: "run.end", status: "ok", duration_ms: 15 },                           // 13
];

test("the processes alive at each event", () => {
  const x = buildIndex(run);
  const procs = (i) => Object.fromEntries(stateAt(x, i).procs);
  assert.deepEqual(procs(1), { 8: "alive", 11: "unborn" });
  assert.deepEqual(procs(3), { 8: "alive", 11: "alive" });
  assert.deepEqual(procs(11), { 8: "alive", 11: "dead" });
  assert.deepEqual(procs(13), { 8: "dead", 11: "dead" });
  assert.deepEqual(procs(0), { 8: "unborn", 11: "unborn" });
});

test("the lines of output written so far", () => {
  const x = buildIndex(run);
  const lines = [...run.keys()].map((i) => stateAt(x, i).lines);
  // "start", then "half line" begun at 7, "next" at 8.
  assert.deepEqual(lines, [0, 0, 1, 1, 1, 1, 1, 2, 3, 3, 3, 3, 3, 3]);
});

test("what a queue holds and who holds a lock at each event", () => {
  const x = buildIndex(run);
  const q = (i) => { const o = stateAt(x, i).objects.get("queue-1"); return [o.count, o.items.map((m) => m.summary)]; };
  const l = (i) => stateAt(x, i).objects.get("lock-1").holders;
  assert.deepEqual(q(4), [1, ["'a'"]]);
  assert.deepEqual(q(5), [2, ["'a'", "'b'"]]);
  assert.deepEqual(q(9), [1, ["'b'"]]);
  assert.deepEqual(q(13), [1, ["'b'"]]);
  assert.deepEqual(l(6), [11]);
  assert.deepEqual(l(9), [11]);
  assert.deepEqual(l(10), []);
  // Before an object's first event it is there, empty.
  assert.deepEqual(q(2), [0, []]);
  assert.deepEqual(l(2), []);
});

test("a get reported before its put never shows the item", () => {
  const x = buildIndex([
    { t: 1, type: "queue.get", pid: 8, queue: "queue-1", msg: "m1" },
    { t: 1, type: "queue.put", pid: 9, queue: "queue-1", msg: "m1", summary: "'x'" },
    { t: 2, type: "queue.put", pid: 9, queue: "queue-1", msg: "m2", summary: "'y'" },
  ]);
  assert.deepEqual(stateAt(x, 1).objects.get("queue-1").count, 0);
  assert.deepEqual(stateAt(x, 2).objects.get("queue-1").items.map((m) => m.summary), ["'y'"]);
});

test("a pipe holds what was sent on an end and not received on the other", () => {
  const x = buildIndex([
    { t: 1, type: "pipe.send", pid: 8, pipe: "pipe-1", end: 0, summary: "1" },
    { t: 2, type: "pipe.send", pid: 8, pipe: "pipe-1", end: 0, summary: "2" },
    { t: 3, type: "pipe.recv", pid: 9, pipe: "pipe-1", end: 1, summary: "1" },
  ]);
  assert.deepEqual(stateAt(x, 1).objects.get("pipe-1").items.map((m) => m.summary), ["1", "2"]);
  assert.deepEqual(stateAt(x, 2).objects.get("pipe-1").items.map((m) => m.summary), ["2"]);
});

test("what each process waits for at each event", () => {
  const x = buildIndex([
    { t: 0, type: "proc.start", pid: 8 },
    { t: 1, type: "wait.begin", pid: 8, object: "queue-1", op: "get" },
    { t: 2, type: "wait.begin", pid: 8, object: "proc-9", op: "join" },
    { t: 3, type: "wait.end", pid: 8, object: "proc-9", op: "join" },
    { t: 4, type: "wait.end", pid: 8, object: "queue-1", op: "get" },
    { t: 5, type: "wait.begin", pid: 8, object: "lock-1", op: "acquire" },
    { t: 6, type: "proc.exit", pid: 8, code: 0 },
  ]);
  const w = (i) => { const s = stateAt(x, i).waits.get(8); return s ? `${s.op} ${s.object}` : ""; };
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map(w), ["", "get queue-1", "join proc-9", "get queue-1", "", "acquire lock-1", ""]);
});

test("the event at a moment, and indexes out of range", () => {
  const x = buildIndex(run);
  assert.equal(indexAtTime(x, 9.5), 7);
  assert.equal(indexAtTime(x, -1), 0);
  assert.equal(indexAtTime(x, 1e9), run.length - 1);
  assert.equal(stateAt(x, 99).i, run.length - 1);
  assert.equal(stateAt(x, -5).i, 0);
  assert.equal(stateAt(buildIndex([]), 0).i, -1);
});

// A random pool of items taken out of order by several consumers, against
// a plain scan.
test("intervals agree with a scan whatever the order of the ends", () => {
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let round = 0; round < 20; round++) {
    const list = [];
    let a = 0;
    for (let k = 0; k < 300; k++) {
      a += Math.floor(rnd() * 3);
      const b = rnd() < 0.1 ? Infinity : a + Math.floor(rnd() * 60);
      list.push({ ia: a, ib: b, k });
    }
    const set = new Intervals(list);
    for (let i = -1; i < a + 70; i++) {
      const want = list.filter((m) => m.ia <= i && m.ib > i);
      assert.equal(set.count(i), want.length, `count at ${i}`);
      assert.deepEqual(set.open(i, itemsShown).map((m) => m.k), want.slice(0, itemsShown).map((m) => m.k), `open at ${i}`);
    }
  }
});

test("an index built in slices is the one built at once", () => {
  const events = bigRun(3000);
  const b = new IndexBuilder(events);
  let slices = 0;
  while (!b.step(77)) slices++;
  const x = b.finish(), y = buildIndex(events);
  assert.ok(slices > 30);
  for (let i = 0; i < events.length; i += 13) {
    const s = stateAt(x, i), u = stateAt(y, i);
    assert.deepEqual([s.t, s.lines, [...s.procs]], [u.t, u.lines, [...u.procs]]);
    assert.deepEqual([...s.objects].map(([id, o]) => [id, o.count, o.holders, (o.items || []).map((m) => m.summary)]),
      [...u.objects].map(([id, o]) => [id, o.count, o.holders, (o.items || []).map((m) => m.summary)]));
  }
});

test("a run of 100,000 events is indexed at once and stepped through at any point", () => {
  const events = bigRun(100000);
  let t0 = performance.now();
  const x = buildIndex(events);
  const build = performance.now() - t0;
  t0 = performance.now();
  const steps = 2000;
  for (let k = 0; k < steps; k++) stateAt(x, Math.floor((k * 7919) % x.n));
  const step = (performance.now() - t0) / steps;
  const s = stateAt(x, 50000);
  assert.equal(s.objects.get("queue-1").items.length, itemsShown);
  assert.ok(s.objects.get("queue-1").count >= 20);
  // Generous bounds for a busy machine; docs/benchmarks.md has the figures.
  assert.ok(build < 3000, `build ${build} ms`);
  assert.ok(step < 5, `step ${step} ms`);
});
