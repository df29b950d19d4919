// Tests of the layout of who waits for whom: `node --test` in static/src (no dependencies).
import { test } from "node:test";
import assert from "node:assert/strict";
import { WaitGraph } from "./waitgraph.js";
import { layoutWaitGraph, cycleText, box } from "./waitgraphview.js";

function graphOf(events) {
  const g = new WaitGraph();
  let t = 0;
  for (const ev of events) g.apply({ t: (t += 1), ...ev });
  return g.shown();
}
const start = (pid, name) => ({ type: "proc.start", pid, ppid: 9, name, via: "fork" });

const deadlock = graphOf([{ type: "run.start" }, start(9, "MainProcess"), start(11, "Process-1"), start(13, "Process-2"),
  { type: "lock.acquire", pid: 13, lock: "lock-1", name: "b" },
  { type: "lock.acquire", pid: 11, lock: "lock-2", name: "a" },
  { type: "wait.begin", pid: 9, object: "proc-11", op: "join" },
  { type: "wait.begin", pid: 11, object: "lock-1", op: "acquire" },
  { type: "wait.begin", pid: 13, object: "lock-2", op: "acquire" }]);

test("processes at the top, objects below, no two boxes on each other", () => {
  const L = layoutWaitGraph(deadlock);
  const boxes = [...L.procs.values(), ...L.objects.values()];
  assert.equal(boxes.length, 6);
  for (const a of L.procs.values()) for (const b of L.objects.values()) assert.ok(b.y >= a.y + box.h + 40, "objects lie below");
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], b = boxes[j];
      const apart = a.y !== b.y || Math.abs(a.x - b.x) >= box.w + box.gap;
      assert.ok(apart, `boxes ${i} and ${j} overlap`);
    }
  }
  for (const at of boxes) assert.ok(at.x + box.w + box.pad <= L.width && at.y + box.h <= L.height);
});

test("an object lies between the process that waits for it and the one it waits for", () => {
  const L = layoutWaitGraph(deadlock);
  const x = (pid) => L.procs.get(pid).x;
  const join = L.objects.get("proc-11").x;
  assert.ok(join >= Math.min(x(9), x(11)) && join <= Math.max(x(9), x(11)));
});

test("a loop in words names the objects as the program does", () => {
  assert.equal(cycleText(deadlock.cycles[0], deadlock), "11 → b (lock-1) → 13 → a (lock-2) → 11");
});
