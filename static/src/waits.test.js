// Tests of the wait model: `node --test` in static/src (no dependencies).
import { test } from "node:test";
import assert from "node:assert/strict";
import { WaitModel } from "./waits.js";

test("a wait runs from its begin to its end", () => {
  const w = new WaitModel();
  assert.equal(w.apply({ type: "wait.begin", t: 10, pid: 9, object: "queue-1", op: "get" }), 9);
  assert.deepEqual(w.waiting(9), { pid: 9, object: "queue-1", op: "get", t0: 10, t1: null });
  assert.equal(w.apply({ type: "wait.end", t: 25, pid: 9, object: "queue-1", op: "get", waited_ms: 15 }), 9);
  assert.equal(w.waiting(9), null);
  assert.equal(w.stretches[0].t1, 25);
});

test("a process that exits while it waits stops waiting", () => {
  const w = new WaitModel();
  w.apply({ type: "wait.begin", t: 1, pid: 9, object: "proc-11", op: "join" });
  w.apply({ type: "wait.begin", t: 2, pid: 11, object: "lock-1", op: "acquire" });
  assert.equal(w.apply({ type: "proc.exit", t: 5, pid: 11, signal: "SIGKILL" }), 11);
  assert.equal(w.waiting(11), null);
  assert.equal(w.waiting(9).object, "proc-11");
  assert.equal(w.stretches[1].t1, 5);
});

test("an end without its begin, or a begin twice, changes nothing", () => {
  const w = new WaitModel();
  assert.equal(w.apply({ type: "wait.end", t: 1, pid: 9, object: "queue-1", op: "get" }), null);
  w.apply({ type: "wait.begin", t: 2, pid: 9, object: "queue-1", op: "get" });
  assert.equal(w.apply({ type: "wait.begin", t: 3, pid: 9, object: "queue-1", op: "get" }), null);
  assert.equal(w.stretches.length, 1);
  assert.equal(w.apply({ type: "output", t: 4, pid: 9 }), null);
});
