// Tests of the waiting-for graph: `node --test` in static/src (no dependencies).
import { test } from "node:test";
import assert from "node:assert/strict";
import { WaitGraph, findCycles, kindOf } from "./waitgraph.js";

// feed applies events (given without seq; t counts up) to a new graph.
function feed(events, g = new WaitGraph()) {
  let t = 0;
  for (const ev of events) g.apply({ t: (t += 1), ...ev });
  return g;
}

const start = (pid, name, ppid = 9) => ({ type: "proc.start", pid, ppid, name, via: "fork" });
const edge = (g, from, to) => g.edges.find((e) => e.from === from && e.to === to);

test("a consumer waits on an empty queue until the main process puts", () => {
  const g = feed([{ type: "run.start" }, start(9, "MainProcess", 1), start(11, "Process-1"),
    { type: "wait.begin", pid: 11, object: "queue-1", op: "get" }]);
  let p = g.shown();
  assert.equal(p.atEnd, false);
  assert.deepEqual(p.procs.map((x) => [x.pid, x.name, x.waiting]), [[9, "MainProcess", false], [11, "Process-1", true]]);
  assert.deepEqual(p.objects.map((o) => [o.id, o.kind, o.none]), [["queue-1", "queue", false]]);
  assert.ok(edge(p, "p:11", "o:queue-1"));
  // No one has put yet: the parent, who most likely made the queue, holds it.
  assert.deepEqual(edge(p, "o:queue-1", "p:9"), { from: "o:queue-1", to: "p:9", kind: "wake", op: "", role: "holds", gone: false, maybe: true, cycle: false });
  assert.deepEqual(p.cycles, []);

  g.apply({ type: "queue.put", t: 50, pid: 9, queue: "queue-1", name: "q", object: "Queue", msg: "msg-1" });
  p = g.shown();
  assert.equal(p.objects[0].name, "q");
  assert.equal(p.objects[0].none, false);
  assert.deepEqual(edge(p, "o:queue-1", "p:9"), { from: "o:queue-1", to: "p:9", kind: "wake", op: "", role: "put", gone: false, maybe: false, cycle: false });
  assert.deepEqual(p.procs.map((x) => [x.pid, x.waiting]), [[9, false], [11, true]], "in order of start");

  feed([{ type: "wait.end", pid: 11, object: "queue-1", op: "get", waited_ms: 49 },
    { type: "queue.get", pid: 11, queue: "queue-1", msg: "msg-1" }], g);
  assert.equal(g.shown(), null);
  feed([{ type: "proc.exit", pid: 11, code: 0 }, { type: "proc.exit", pid: 9, code: 0 }, { type: "run.end", status: "ok" }], g);
  assert.equal(g.shown(), null, "a run that ended well leaves nothing");
});

// The events of a real run: two processes take two locks in opposite
// orders, after a barrier; the main process joins the first.
const lockOrder = [
  { type: "run.start" }, start(9, "MainProcess", 1), start(11, "Process-1"), start(13, "Process-2"),
  { type: "lock.acquire", pid: 13, name: "b", lock: "lock-1", object: "Lock", waited_ms: 0.1 },
  { type: "wait.begin", pid: 13, object: "barrier-1", op: "wait" },
  { type: "lock.acquire", pid: 13, name: "ready", lock: "barrier-1", object: "Barrier" },
  { type: "lock.release", pid: 13, name: "ready", lock: "barrier-1", object: "Barrier" },
  { type: "wait.begin", pid: 9, object: "proc-11", op: "join" },
  { type: "lock.acquire", pid: 11, name: "a", lock: "lock-2", object: "Lock" },
  { type: "lock.acquire", pid: 11, name: "ready", lock: "barrier-1", object: "Barrier" },
  { type: "lock.release", pid: 11, name: "ready", lock: "barrier-1", object: "Barrier" },
  { type: "lock.acquire", pid: 13, name: "ready", lock: "barrier-1", object: "Barrier" },
  { type: "wait.begin", pid: 11, object: "lock-1", op: "acquire" },
  { type: "lock.release", pid: 13, name: "ready", lock: "barrier-1", object: "Barrier" },
  { type: "wait.end", pid: 13, object: "barrier-1", op: "wait", waited_ms: 63 },
  { type: "wait.begin", pid: 13, object: "lock-2", op: "acquire" },
];

test("two processes that take two locks in opposite orders wait in a loop", () => {
  const g = feed(lockOrder);
  const p = g.shown();
  assert.deepEqual(p.cycles, [[11, "lock-1", 13, "lock-2", 11]]);
  assert.deepEqual(edge(p, "o:lock-1", "p:13"), { from: "o:lock-1", to: "p:13", kind: "wake", op: "", role: "holds", gone: false, maybe: false, cycle: true });
  assert.equal(edge(p, "p:11", "o:lock-1").cycle, true);
  assert.equal(edge(p, "p:13", "o:lock-2").cycle, true);
  assert.equal(edge(p, "o:lock-2", "p:11").cycle, true);
  // The main process waits for the loop, but is not in it.
  assert.equal(edge(p, "p:9", "o:proc-11").cycle, false);
  assert.deepEqual(edge(p, "o:proc-11", "p:11"), { from: "o:proc-11", to: "p:11", kind: "wake", op: "", role: "runs", gone: false, maybe: false, cycle: false });
  assert.deepEqual(p.procs.map((x) => [x.pid, x.cycle]), [[9, false], [11, true], [13, true]]);
  assert.deepEqual(p.objects.map((o) => [o.id, o.name, o.cycle]), [["proc-11", "", false], ["lock-1", "b", true], ["lock-2", "a", true]]);
});

test("the picture of a stuck run is kept when the run is stopped", () => {
  const g = feed([...lockOrder,
    { type: "diagnosis", pattern: "lock-order", pids: [11, 13], message: "…", stacks: {} },
    { type: "limit", kind: "deadlock", message: "Stopped: a deadlock." },
    { type: "proc.exit", pid: 9, signal: "SIGKILL" },
    { type: "proc.exit", pid: 13, signal: "SIGKILL" },
    { type: "proc.exit", pid: 11, signal: "SIGKILL" },
    { type: "run.end", status: "limit" }]);
  const p = g.shown();
  assert.equal(p.atEnd, true);
  assert.deepEqual(p.cycles, [[11, "lock-1", 13, "lock-2", 11]]);
  assert.ok(p.procs.every((x) => x.alive), "drawn as they were, before they were ended");
});

test("a run stopped by the learner shows what waited as the processes ended", () => {
  const g = feed([{ type: "run.start" }, start(9, "MainProcess", 1),
    { type: "wait.begin", pid: 9, object: "event-1", op: "wait" },
    { type: "output", pid: 9, text: "x" },
    { type: "proc.exit", pid: 9, signal: "SIGKILL" },
    { type: "run.end", status: "stopped" }]);
  const p = g.shown();
  assert.equal(p.atEnd, true);
  assert.deepEqual(p.objects.map((o) => [o.id, o.kind, o.none]), [["event-1", "event", true]]);
});

test("a producer that has exited is shown gone, and wakes no one", () => {
  const g = feed([{ type: "run.start" }, start(9, "MainProcess", 1), start(11, "Process-1"), start(12, "Process-2", 11),
    { type: "queue.put", pid: 11, queue: "queue-1", msg: "m1" },
    { type: "queue.get", pid: 12, queue: "queue-1", msg: "m1" },
    { type: "proc.exit", pid: 11, code: 0 },
    { type: "wait.begin", pid: 12, object: "queue-1", op: "get" }]);
  const p = g.shown();
  assert.equal(edge(p, "o:queue-1", "p:11").gone, true);
  assert.equal(p.objects[0].none, true);
  assert.equal(p.procs.find((x) => x.pid === 11).alive, false);
});

test("a parent that joins a child whose items no one takes waits in a loop", () => {
  const g = feed([{ type: "run.start" }, start(10, "MainProcess", 1), start(11, "Process-1", 10),
    { type: "wait.begin", pid: 10, object: "proc-11", op: "join" },
    { type: "queue.put", pid: 11, queue: "queue-1", name: "q", msg: "m1" },
    { type: "wait.begin", pid: 11, object: "queue-1", op: "put" }]);
  const p = g.shown();
  assert.deepEqual(p.cycles, [[10, "proc-11", 11, "queue-1", 10]]);
  assert.equal(edge(p, "o:queue-1", "p:10").maybe, true);
});

test("a process that only holds a queue might put to it", () => {
  const g = feed([{ type: "run.start" }, start(9, "MainProcess", 1), start(11, "Process-1"),
    { type: "queue.get", pid: 9, queue: "queue-1", msg: "m0" },
    { type: "wait.begin", pid: 11, object: "queue-1", op: "get" }]);
  assert.equal(edge(g.shown(), "o:queue-1", "p:9").role, "uses");
});

test("a recv waits for the other end of the pipe", () => {
  const g = feed([{ type: "run.start" }, start(9, "MainProcess", 1), start(11, "Process-1"), start(12, "Process-2"),
    { type: "pipe.send", pid: 9, pipe: "pipe-1", end: 0, name: "a/b" },
    { type: "pipe.recv", pid: 11, pipe: "pipe-1", end: 1 },
    { type: "pipe.send", pid: 12, pipe: "pipe-1", end: 1 },
    { type: "wait.begin", pid: 11, object: "pipe-1", op: "recv" }]);
  const p = g.shown();
  // 11 receives on end 1: only those who send on end 0 can wake it.
  assert.equal(edge(p, "o:pipe-1", "p:9").role, "sent");
  assert.equal(edge(p, "o:pipe-1", "p:12"), undefined);
});

test("processes that wait on a barrier no one else uses wait for no one", () => {
  const g = feed([{ type: "run.start" }, start(9, "MainProcess", 1), start(11, "Process-1"),
    { type: "lock.acquire", pid: 9, lock: "barrier-1", object: "Barrier" },
    { type: "lock.release", pid: 9, lock: "barrier-1", object: "Barrier" },
    { type: "wait.begin", pid: 9, object: "barrier-1", op: "wait" },
    { type: "lock.acquire", pid: 11, lock: "barrier-1", object: "Barrier" },
    { type: "lock.release", pid: 11, lock: "barrier-1", object: "Barrier" },
    { type: "wait.begin", pid: 11, object: "barrier-1", op: "wait" }]);
  const p = g.shown();
  assert.deepEqual(p.objects.map((o) => [o.id, o.type, o.ops, o.none]), [["barrier-1", "Barrier", ["wait"], true]]);
  assert.equal(p.edges.filter((e) => e.kind === "wake").length, 0);
});

test("a pool's result is waited for from its workers", () => {
  const g = feed([{ type: "run.start" }, start(9, "MainProcess", 1), start(11, "ForkPoolWorker-1"),
    { type: "pool.submit", pid: 9, pool: "pool-1", task: "task-1" },
    { type: "pool.start", pid: 11, pool: "pool-1", task: "task-1" },
    { type: "wait.begin", pid: 9, object: "pool-1", op: "result" }]);
  assert.equal(edge(g.shown(), "o:pool-1", "p:11").role, "worker");
});

test("a lock taken twice by its holder waits for itself", () => {
  const g = feed([{ type: "run.start" }, start(9, "MainProcess", 1),
    { type: "lock.acquire", pid: 9, lock: "lock-1", object: "Lock" },
    { type: "wait.begin", pid: 9, object: "lock-1", op: "acquire" }]);
  assert.deepEqual(g.shown().cycles, [[9, "lock-1", 9]]);
});

test("an RLock is held until its last release; a Lock may be released by another", () => {
  const g = feed([{ type: "run.start" }, start(9, "MainProcess", 1), start(11, "Process-1"), start(12, "Process-2"),
    { type: "lock.acquire", pid: 9, lock: "lock-1", object: "RLock" },
    { type: "lock.acquire", pid: 9, lock: "lock-1", object: "RLock" },
    { type: "lock.release", pid: 9, lock: "lock-1", object: "RLock" },
    { type: "wait.begin", pid: 11, object: "lock-1", op: "acquire" }]);
  assert.equal(edge(g.shown(), "o:lock-1", "p:9").role, "holds");
  feed([{ type: "lock.release", pid: 9, lock: "lock-1" }], g);
  assert.equal(g.shown().objects[0].none, true);

  feed([{ type: "lock.acquire", pid: 12, lock: "lock-2", object: "Lock" },
    { type: "lock.release", pid: 9, lock: "lock-2", object: "Lock" },
    { type: "wait.begin", pid: 11, object: "lock-2", op: "acquire" }], g);
  assert.equal(g.shown().objects.find((o) => o.id === "lock-2").none, true);
});

test("a holder that exits ends its waits, and keeps its lock taken", () => {
  const g = feed([{ type: "run.start" }, start(9, "MainProcess", 1), start(11, "Process-1"),
    { type: "lock.acquire", pid: 11, lock: "lock-1" },
    { type: "wait.begin", pid: 11, object: "queue-1", op: "get" },
    { type: "wait.begin", pid: 9, object: "lock-1", op: "acquire" },
    { type: "proc.exit", pid: 11, signal: "SIGTERM" }]);
  const p = g.shown();
  assert.deepEqual(p.procs.map((x) => [x.pid, x.waiting, x.alive]), [[9, true, true], [11, false, false]]);
  assert.deepEqual(p.objects.map((o) => [o.id, o.none]), [["lock-1", true]]);
  assert.equal(edge(p, "o:lock-1", "p:11").gone, true);
});

test("loops are found, one per knot, the shortest through its smallest pid", () => {
  const m = (o) => new Map(Object.entries(o).map(([k, v]) => [Number(k), new Set(v)]));
  assert.deepEqual(findCycles(m({ 1: [2], 2: [3], 3: [] })), []);
  assert.deepEqual(findCycles(m({ 5: [5] })), [[5]]);
  assert.deepEqual(findCycles(m({ 1: [2], 2: [1], 3: [4], 4: [5], 5: [3] })), [[1, 2], [3, 4, 5]]);
  assert.deepEqual(findCycles(m({ 1: [2, 3], 2: [4], 3: [1], 4: [1] })), [[1, 3]]);
});

test("kinds by id", () => {
  assert.equal(kindOf("queue-12"), "queue");
  assert.equal(kindOf("proc-9"), "proc");
  assert.equal(kindOf("psm_1234"), "");
});
