// The predictions are answered from the events of real runs: the files in
// testdata/runs are the proc.start, proc.exit, output and run.end events
// of each lesson's example, run in the sandbox (playground run --json
// --ipc=false), with their seq and t removed.
import test from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { actual, judge, linesOf } from "./predict.js";

const lessonsDir = new URL("../../lessons/", import.meta.url);
const runsDir = new URL("./testdata/runs/", import.meta.url);

function run(slug) {
  return readFileSync(new URL(`${slug}.jsonl`, runsDir), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
}

function lessons() {
  return readdirSync(lessonsDir).filter((d) => /^[0-9]+-[a-z0-9-]+$/.test(d)).map((d) => ({
    dir: d, slug: d.replace(/^[0-9]+-/, ""),
    preds: JSON.parse(readFileSync(new URL(`${d}/predictions.json`, lessonsDir), "utf8")),
  }));
}

test("every lesson asks a question that a real run of its example answers", () => {
  const all = lessons();
  assert.ok(all.length >= 26, `${all.length} lessons`);
  for (const l of all) {
    assert.ok(l.preds.length >= 1, `${l.dir}: no prediction`);
    const events = run(l.slug);
    for (const p of l.preds) {
      assert.ok(["processes", "max_alive", "value", "first", "lines"].includes(p.kind), `${l.dir}: kind ${p.kind}`);
      assert.ok(p.question.en && p.question.zh, `${l.dir}: question in both languages`);
      assert.notEqual(actual(p, events), null, `${l.dir}: the run does not answer ${JSON.stringify(p)}`);
    }
  }
});

test("answers read from real runs", () => {
  const q = (slug) => lessons().find((l) => l.slug === slug).preds[0];
  assert.equal(actual(q("why-processes"), run("why-processes")), 2);
  assert.equal(actual(q("subclassing-process"), run("subclassing-process")), 2);
  assert.equal(actual(q("who-am-i"), run("who-am-i")), "None");
  assert.equal(actual(q("lifecycle"), run("lifecycle")), 3);
  assert.equal(actual(q("memory-is-not-shared"), run("memory-is-not-shared")), 0);
  assert.equal(actual(q("start-methods"), run("start-methods")), 3);
  assert.equal(actual(q("pool-apply-async"), run("pool-apply-async")), "main: all 5 tasks submitted");
  assert.equal(actual(q("pipe"), run("pipe")), "main: EOFError");
  assert.equal(actual(q("value-and-array"), run("value-and-array")), 5);
  assert.ok(actual(q("races-and-locks"), run("races-and-locks")) < 40000);
  assert.equal(actual(q("daemons-and-signals"), run("daemons-and-signals")), "False");
  assert.equal(actual(q("simplequeue-and-wait"), run("simplequeue-and-wait")), "fast slept");
  assert.equal(actual(q("condition-rlock-boundedsemaphore"), run("condition-rlock-boundedsemaphore")), 15);
  assert.equal(actual(q("spawn-safety-and-free-threading"), run("spawn-safety-and-free-threading")), 2);
  assert.equal(actual(q("capstone-pipeline"), run("capstone-pipeline")), 2);
  assert.equal(actual(q("pickling-and-shareablelist"), run("pickling-and-shareablelist")), "[1, 101, 201, 'full']");
});

test("judge compares the learner's answer with the run", () => {
  const p = { kind: "processes", name: "^Countdown-" };
  const events = run("subclassing-process");
  assert.deepEqual(judge(p, "2", events), { actual: 2, answered: true, correct: true });
  assert.deepEqual(judge(p, " 3 ", events), { actual: 2, answered: true, correct: false });
  assert.deepEqual(judge(p, "", events), { actual: 2, answered: false, correct: false });
  const list = { kind: "value", key: "shared list" };
  const sl = run("pickling-and-shareablelist");
  assert.equal(judge(list, "[1, 101, 201, 'full']", sl).correct, true);
  assert.equal(judge(list, "[1, 101, 201, 'FULL']", sl).correct, false);
  const lock = { kind: "value", key: "main: lock free again" };
  assert.equal(judge(lock, "'False'", run("daemons-and-signals")).correct, true);
});

test("max_alive and first follow the stream's order", () => {
  const ev = [
    { type: "proc.start", pid: 1, name: "MainProcess" },
    { type: "proc.start", pid: 2, name: "w-1" },
    { type: "output", pid: 2, stream: "stdout", text: "b then" },
    { type: "proc.start", pid: 3, name: "w-2" },
    { type: "proc.exit", pid: 2, code: 0 },
    { type: "proc.start", pid: 4, name: "w-3" },
    { type: "output", pid: 2, stream: "stdout", text: "\n" },
    { type: "output", pid: 1, stream: "stdout", text: "a first\n" },
  ];
  assert.equal(actual({ kind: "max_alive", name: "^w-" }, ev), 2);
  assert.equal(actual({ kind: "processes", name: "^w-" }, ev), 3);
  // A line is placed where its newline was written.
  assert.deepEqual(linesOf(ev).map((l) => l.text), ["b then", "a first"]);
  assert.equal(actual({ kind: "first", options: ["a first", "b then"] }, ev), "b then");
  assert.equal(actual({ kind: "first", options: ["nowhere", "also not"] }, ev), null);
  assert.equal(actual({ kind: "value", key: "x" }, ev), null);
  assert.equal(actual({ kind: "lines", text: "first" }, ev), 1);
});
