// Tests of the diagnosis's texts and lines: `node --test` in static/src (no dependencies).
import { test } from "node:test";
import assert from "node:assert/strict";
import { diagnosisTexts, diagnosisPlaces, stuckLines } from "./diagnosis.js";

const strings = {
  "diag.lock-order.title": "Locks taken in opposite orders",
  "diag.lock-order.why": "Each process holds a lock the next one wants.",
  "diag.lock-order.fix": "Take the locks in the same order everywhere.",
  "diag.unknown-wait.title": "Stuck waiting",
  "diag.unknown-wait.why": "The processes wait and nothing will wake them.",
  "diag.unknown-wait.fix": "Look at what each one waits for.",
};
const lookup = (k) => strings[k];

const ev = {
  type: "diagnosis", pattern: "lock-order", pids: [11, 13],
  message: "Process 11 holds lock-2 and waits for lock-1; process 13 holds lock-1 and waits for lock-2.",
  stacks: {
    "11": [{ file: "main.py", line: 18, function: "<module>" }, { file: "main.py", line: 7, function: "worker" }],
    "13": [{ file: "main.py", line: 19, function: "<module>" }, { file: "main.py", line: 7, function: "worker" }],
    "9": [{ file: "main.py", line: 20, function: "<module>" }, { file: "/usr/lib/python3.11/multiprocessing/process.py", line: 149, function: "join" }],
  },
};

test("the pattern's texts in the page's language, and the event's sentence", () => {
  assert.deepEqual(diagnosisTexts(ev, lookup), {
    pattern: "lock-order", title: "Locks taken in opposite orders",
    why: "Each process holds a lock the next one wants.", fix: "Take the locks in the same order everywhere.",
    message: ev.message,
  });
});

test("a pattern the page does not know is told as unknown-wait", () => {
  const t = diagnosisTexts({ pattern: "no-such-pattern", message: "m" }, lookup);
  assert.equal(t.pattern, "unknown-wait");
  assert.equal(t.title, "Stuck waiting");
  assert.equal(diagnosisTexts({}, lookup).pattern, "unknown-wait");
});

test("each process's innermost frame in the program, the named processes first", () => {
  assert.deepEqual(diagnosisPlaces(ev, "main.py"), [
    { pid: 11, line: 7, function: "worker", named: true },
    { pid: 13, line: 7, function: "worker", named: true },
    { pid: 9, line: 20, function: "<module>", named: false },
  ]);
  // The lines marked are those of the processes the diagnosis names.
  assert.deepEqual(stuckLines(diagnosisPlaces(ev, "main.py")), [{ line: 7, pids: [11, 13] }]);
  // Without any, every process's (pids given as keys come in their order).
  assert.deepEqual(stuckLines(diagnosisPlaces({ ...ev, pids: [] }, "main.py")), [{ line: 20, pids: [9] }, { line: 7, pids: [11, 13] }]);
});

test("frames of other files, and broken stacks, mark nothing", () => {
  assert.deepEqual(diagnosisPlaces({ pids: [9], stacks: { "9": [{ file: "/home/x/other.py", line: 3 }] } }, "main.py"), []);
  assert.deepEqual(diagnosisPlaces({ pids: [9], stacks: { "9": "nope" } }, "main.py"), []);
  assert.deepEqual(diagnosisPlaces({ pids: [9] }, "main.py"), []);
  assert.deepEqual(diagnosisPlaces({ stacks: { "9": [{ file: "/tmp/run/main.py", line: 4, function: "f" }] } }, "main.py"),
    [{ pid: 9, line: 4, function: "f", named: false }]);
});
