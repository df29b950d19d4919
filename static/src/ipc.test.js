// Tests of the IPC model: `node --test` in static/src (no dependencies).
import { test } from "node:test";
import assert from "node:assert/strict";
import { IPCModel, isIPC, layoutRows, fmtMS, binCounts, mergeIntervals, ipcWindow, label } from "./ipc.js";

function feed(events) {
  const m = new IPCModel();
  events.forEach((e, i) => m.apply({ seq: i + 1, ...e }));
  return m;
}

test("only IPC events are taken", () => {
  const m = new IPCModel();
  assert.equal(m.apply({ type: "output", pid: 1, text: "x" }), false);
  assert.equal(m.apply({ type: "proc.start", pid: 1 }), false);
  assert.equal(m.apply({ type: "queue.put", pid: 1, queue: "queue-1", msg: "msg-1", t: 1 }), true);
  assert.equal(m.count, 1);
  assert.ok(isIPC("ipc.truncated") && isIPC("shm.write") && !isIPC("run.end"));
});

test("each queue item is matched from its put to its get by msg", () => {
  // A producer (11) puts three items; the main process (8) gets them.
  const m = feed([
    { t: 187.1, type: "queue.put", pid: 11, queue: "queue-1", object: "Queue", msg: "msg-1", summary: "'item 0'", size: 55 },
    { t: 188.0, type: "queue.put", pid: 11, queue: "queue-1", object: "Queue", msg: "msg-2", summary: "'item 1'", size: 55 },
    { t: 188.2, type: "queue.put", pid: 11, queue: "queue-1", object: "Queue", msg: "msg-3", summary: "'item 2'", size: 55 },
    { t: 188.5, type: "queue.get", pid: 8, queue: "queue-1", object: "Queue", msg: "msg-2", summary: "'item 1'", waited_ms: 3.3 },
    { t: 188.6, type: "queue.get", pid: 8, queue: "queue-1", object: "Queue", msg: "msg-1", summary: "'item 0'", waited_ms: 0 },
  ]);
  assert.equal(m.messages.length, 3);
  const [a, b, c] = m.messages;
  assert.deepEqual([a.from, a.to, a.t0, a.t1, a.summary], [11, 8, 187.1, 188.6, "'item 0'"]);
  assert.deepEqual([b.to, b.t1, b.waited], [8, 188.5, 3.3]);
  assert.equal(c.to, null, "the third item is still in the queue");
  const q = m.objects.get("queue-1");
  assert.equal(q.type, "Queue");
  assert.deepEqual([...q.pids].sort(), [11, 8].sort());
  assert.equal(m.inFlight("queue-1"), 1);
  assert.equal(q.waitedMax, 3.3);
});

test("a get that arrives before its put is matched when the put comes", () => {
  const m = feed([
    { t: 2, type: "queue.get", pid: 8, queue: "queue-1", msg: "msg-1", waited_ms: 1 },
    { t: 1, type: "queue.put", pid: 9, queue: "queue-1", msg: "msg-1", summary: "1" },
  ]);
  assert.equal(m.messages.length, 1);
  assert.deepEqual([m.messages[0].from, m.messages[0].to, m.messages[0].t1], [9, 8, 2]);
});

test("pipe messages are matched first in, first out per direction", () => {
  // End 1 (the child, 11) sends twice; end 0 (the parent, 9) sends once.
  const m = feed([
    { t: 1, type: "pipe.send", pid: 11, pipe: "pipe-1", end: 1, summary: "'a'" },
    { t: 2, type: "pipe.send", pid: 11, pipe: "pipe-1", end: 1, summary: "'b'" },
    { t: 3, type: "pipe.send", pid: 9, pipe: "pipe-1", end: 0, summary: "'x'" },
    { t: 4, type: "pipe.recv", pid: 11, pipe: "pipe-1", end: 1, summary: "'x'", waited_ms: 2 },
    { t: 5, type: "pipe.recv", pid: 9, pipe: "pipe-1", end: 0, summary: "'a'" },
    { t: 6, type: "pipe.recv", pid: 9, pipe: "pipe-1", end: 0, summary: "'b'" },
  ]);
  const got = m.messages.map((x) => [x.summary, x.from, x.to, x.t1]);
  assert.deepEqual(got, [["'a'", 11, 9, 5], ["'b'", 11, 9, 6], ["'x'", 9, 11, 4]]);
  assert.equal(m.messages[2].waited, 2);
  assert.equal(m.inFlight("pipe-1"), 0);
});

test("a recv logged before its send still matches in order", () => {
  const m = feed([
    { t: 5, type: "pipe.recv", pid: 9, pipe: "pipe-2", end: 0, summary: "1" },
    { t: 4, type: "pipe.send", pid: 11, pipe: "pipe-2", end: 1, summary: "1" },
  ]);
  assert.deepEqual([m.messages[0].from, m.messages[0].to], [11, 9]);
});

test("pool tasks run from start to done on their worker; failures are kept", () => {
  const m = feed([
    { t: 1, type: "pool.submit", pid: 9, pool: "pool-1", task: "task-1", function: "square" },
    { t: 1.1, type: "pool.submit", pid: 9, pool: "pool-1", task: "task-2", function: "square" },
    { t: 2, type: "pool.start", pid: 13, pool: "pool-1", task: "task-1", function: "square" },
    { t: 3, type: "pool.start", pid: 14, pool: "pool-1", task: "task-2", function: "square" },
    { t: 4, type: "pool.done", pid: 13, pool: "pool-1", task: "task-1", function: "square", summary: "0" },
    { t: 5, type: "pool.done", pid: 14, pool: "pool-1", task: "task-2", function: "square", error: "ValueError('three')" },
  ]);
  const [a, b] = m.tasks;
  assert.deepEqual([a.submitter, a.ts, a.worker, a.t0, a.t1, a.state, a.summary], [9, 1, 13, 2, 4, "ok", "0"]);
  assert.deepEqual([b.worker, b.state, b.error], [14, "failed", "ValueError('three')"]);
  const p = m.objects.get("pool-1");
  assert.deepEqual([p.tasks, p.done, p.failed, [...p.functions]], [2, 2, 1, ["square"]]);
});

test("a task submitted but not started is queued", () => {
  const m = feed([{ t: 1, type: "pool.submit", pid: 9, pool: "pool-1", task: "task-7", function: "f" }]);
  assert.equal(m.tasks[0].state, "queued");
  assert.equal(m.tasks[0].worker, null);
});

test("lock spans hold from acquire to release and show the wait before", () => {
  const m = feed([
    { t: 104.3, type: "lock.acquire", pid: 11, lock: "lock-1", object: "Lock", waited_ms: 0.005 },
    { t: 124.5, type: "lock.release", pid: 11, lock: "lock-1", object: "Lock" },
    { t: 124.7, type: "lock.acquire", pid: 9, lock: "lock-1", object: "Lock", waited_ms: 20.3 },
    { t: 146.8, type: "lock.release", pid: 9, lock: "lock-1", object: "Lock" },
  ]);
  assert.equal(m.spans.length, 2);
  const s = m.spans[1];
  assert.equal(s.pid, 9);
  assert.ok(Math.abs(s.tw - 104.4) < 1e-9, `wait starts at ${s.tw}`);
  assert.deepEqual([s.ta, s.tr, s.waited], [124.7, 146.8, 20.3]);
  const l = m.objects.get("lock-1");
  assert.deepEqual([l.held, l.waitedMax], [2, 20.3]);
});

test("an RLock taken again by its holder is one span", () => {
  const m = feed([
    { t: 1, type: "lock.acquire", pid: 9, lock: "lock-2", object: "RLock", waited_ms: 0 },
    { t: 2, type: "lock.acquire", pid: 9, lock: "lock-2", object: "RLock", waited_ms: 0 },
    { t: 3, type: "lock.release", pid: 9, lock: "lock-2", object: "RLock" },
    { t: 4, type: "lock.release", pid: 9, lock: "lock-2", object: "RLock" },
  ]);
  assert.equal(m.spans.length, 1);
  assert.equal(m.spans[0].tr, 4);
});

test("a lock released by another process ends its holder's span", () => {
  const m = feed([
    { t: 1, type: "lock.acquire", pid: 9, lock: "lock-3", object: "Lock", waited_ms: 0 },
    { t: 5, type: "lock.release", pid: 10, lock: "lock-3", object: "Lock" },
  ]);
  assert.equal(m.spans[0].tr, 5);
});

test("a lock still held has an open span", () => {
  const m = feed([{ t: 1, type: "lock.acquire", pid: 9, lock: "lock-1", object: "Lock", waited_ms: 0 }]);
  assert.equal(m.spans[0].tr, null);
});

test("shared values keep their history of writes", () => {
  const m = feed([
    { t: 1, type: "shm.write", pid: 11, shm: "value-1", object: "Value", summary: "1" },
    { t: 2, type: "shm.write", pid: 11, shm: "array-1", object: "Array", index: 1, summary: "7" },
    { t: 3, type: "shm.write", pid: 9, shm: "value-1", object: "Value", summary: "11" },
    { t: 4, type: "shm.write", pid: 9, shm: "psm_2bb5", object: "SharedMemory", index: 0, summary: "b'\\x05'" },
  ]);
  assert.deepEqual(m.objects.get("value-1").writes.map((w) => [w.pid, w.summary]), [[11, "1"], [9, "11"]]);
  assert.equal(m.objects.get("array-1").kind, "array");
  assert.equal(m.objects.get("array-1").writes[0].index, 1);
  assert.equal(m.objects.get("psm_2bb5").kind, "shm");
});

test("the objects are listed channels first, numbers in order", () => {
  const m = feed([
    { t: 1, type: "shm.write", pid: 1, shm: "value-1", object: "Value", summary: "1" },
    { t: 1, type: "lock.acquire", pid: 1, lock: "lock-1", object: "Lock", waited_ms: 0 },
    { t: 1, type: "queue.put", pid: 1, queue: "queue-10", msg: "msg-1" },
    { t: 1, type: "queue.put", pid: 1, queue: "queue-2", msg: "msg-2" },
    { t: 1, type: "pool.submit", pid: 1, pool: "pool-1", task: "task-1" },
    { t: 1, type: "pipe.send", pid: 1, pipe: "pipe-1", end: 0 },
  ]);
  assert.deepEqual(m.list().map((o) => o.id), ["queue-2", "queue-10", "pipe-1", "pool-1", "lock-1", "value-1"]);
});

test("ipc.truncated is kept", () => {
  const m = feed([{ t: 9, type: "ipc.truncated", pid: 8, message: "more than 100000" }]);
  assert.deepEqual(m.truncated, { t: 9, pid: 8, message: "more than 100000" });
});

test("a rail lies below the upper-most lane of the processes that use it", () => {
  const m = feed([
    { t: 1, type: "queue.put", pid: 11, queue: "queue-1", msg: "msg-1" },
    { t: 2, type: "queue.get", pid: 8, queue: "queue-1", msg: "msg-1" },
    { t: 3, type: "pipe.send", pid: 12, pipe: "pipe-1", end: 0 },
    { t: 4, type: "pipe.recv", pid: 11, pipe: "pipe-1", end: 1 },
    { t: 5, type: "shm.write", pid: 8, shm: "value-1", object: "Value", summary: "1" },
    { t: 6, type: "queue.put", pid: 99, queue: "queue-2", msg: "msg-2" },
  ]);
  const rows = layoutRows([8, 11, 12], m).map((r) => (r.kind === "lane" ? r.pid : r.obj.id));
  assert.deepEqual(rows, [8, "queue-1", 11, "pipe-1", 12, "queue-2", "value-1"]);
});

test("a hundred thousand events are taken in linear time", () => {
  // Measured against a tenth of the work on the same machine, so that a
  // busy machine does not decide: linear is 10 times as long, quadratic 100.
  // Each the best of three: one pass may lose the CPU to another program.
  const take = (n) => {
    const m = new IPCModel();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      m.apply({ t: i, type: "queue.put", pid: 11, queue: "queue-1", msg: `msg-${i}`, summary: String(i) });
      m.apply({ t: i + 0.5, type: "queue.get", pid: 8, queue: "queue-1", msg: `msg-${i}`, summary: String(i), waited_ms: 0 });
    }
    return [performance.now() - t0, m];
  };
  take(5000); // warm the JIT
  const small = Math.min(take(5000)[0], take(5000)[0], take(5000)[0]);
  const big = [take(50000), take(50000), take(50000)];
  const ms = Math.min(...big.map(([took]) => took));
  const m = big[0][1];
  assert.equal(m.messages.length, 50000);
  assert.equal(m.inFlight("queue-1"), 0);
  assert.ok(ms < 30 * Math.max(small, 1), `50,000 pairs took ${ms} ms, 5,000 took ${small} ms`);
});

test("helpers: times, bins and merged intervals", () => {
  assert.equal(fmtMS(0.01), "<0.1");
  assert.equal(fmtMS(3.34), "3.3");
  assert.equal(fmtMS(188.64), "188.6");
  assert.equal(fmtMS(30), "30");
  assert.equal(fmtMS(1234.5), "1235");
  assert.deepEqual([...binCounts([0, 1, 1.5, 9, -3, 50], 10, (v) => v)], [2, 2, 0, 0, 0, 0, 0, 0, 0, 2]);
  assert.deepEqual(mergeIntervals([[0, 1], [1.5, 2], [5, 6]], 1), [[0, 2], [5, 6]]);
});

test("the window of what flows covers every item and a lock's wait, with a margin", () => {
  assert.equal(ipcWindow(new IPCModel()), null);
  const m = feed([
    { t: 200, type: "queue.put", pid: 11, queue: "queue-1", msg: "msg-1" },
    { t: 210, type: "lock.acquire", pid: 8, lock: "lock-1", object: "Lock", waited_ms: 15 },
    { t: 220, type: "queue.get", pid: 8, queue: "queue-1", msg: "msg-1" },
  ]);
  const [from, to] = ipcWindow(m);
  assert.ok(from < 195 && from > 190, `from ${from}`);
  assert.ok(to > 220 && to < 225, `to ${to}`);
  // A burst of 0.1 ms in a run of 2 s gets a window of at least 100 ms.
  const b = feed([
    { t: 1000, type: "queue.put", pid: 11, queue: "queue-1", msg: "msg-1" },
    { t: 1000.1, type: "queue.get", pid: 8, queue: "queue-1", msg: "msg-1" },
  ]);
  const [bf, bt] = ipcWindow(b, 2000);
  assert.ok(bt - bf >= 100 && bf <= 1000 && bt >= 1000.1, `window ${bf}..${bt}`);
});

test("an object keeps the name the program gave it, and its label says both", () => {
  const m = feed([
    { t: 1, type: "shm.write", pid: 9, shm: "value-1", name: "counter", object: "Value", summary: "1" },
    { t: 2, type: "lock.acquire", pid: 9, lock: "semaphore-1", object: "Semaphore", waited_ms: 0 },
  ]);
  assert.equal(label(m.objects.get("value-1")), "counter (value-1)");
  assert.equal(label(m.objects.get("semaphore-1")), "semaphore-1");
});

test("figures of an object whose events were cut are at least what is counted", () => {
  const m = feed([
    { t: 1, type: "shm.write", pid: 9, shm: "value-1", name: "counter", object: "Value", summary: "1" },
    { t: 2, type: "shm.write", pid: 9, shm: "value-2", object: "Value", summary: "1" },
    { t: 3, type: "ipc.truncated", pid: 9, shm: "value-1", name: "counter", message: "More than 5000 events of counter (value-1)" },
  ]);
  assert.equal(m.capped(m.objects.get("value-1")), true);
  assert.equal(m.capped(m.objects.get("value-2")), false);
  assert.equal(m.truncated, null, "an object's cut is not the run's");
  m.apply({ t: 4, type: "ipc.truncated", pid: 9, message: "More than 30,000 messages between processes" });
  assert.equal(m.capped(m.objects.get("value-2")), true);
});
