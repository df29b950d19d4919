// Tests of the hints' unlocking and of the count of failed attempts.
import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { unlocked, readFails, writeFails } from "./hints.js";

const store = new Map();
const storage = {
  getItem: (k) => (store.has(k) ? store.get(k) : null),
  setItem: (k, v) => { store.set(k, String(v)); },
};
beforeEach(() => store.clear());

test("hint k unlocks after k failed attempts, the solution after solution_after", () => {
  assert.deepEqual(unlocked(0, 2, 3), { hints: 0, solution: false });
  assert.deepEqual(unlocked(1, 2, 3), { hints: 1, solution: false });
  assert.deepEqual(unlocked(2, 2, 3), { hints: 2, solution: false });
  assert.deepEqual(unlocked(3, 2, 3), { hints: 2, solution: true });
  assert.deepEqual(unlocked(9, 2, 3), { hints: 2, solution: true });
  assert.deepEqual(unlocked(-1, 2, 3), { hints: 0, solution: false });
});

test("failed attempts are kept per lesson and exercise", () => {
  assert.equal(readFails("queue", "one-sentinel-each", storage), 0);
  writeFails("queue", "one-sentinel-each", 2, storage);
  assert.equal(readFails("queue", "one-sentinel-each", storage), 2);
  assert.equal(readFails("pipe", "one-sentinel-each", storage), 0);
  store.set("pg:fails:queue:x", "garbage");
  assert.equal(readFails("queue", "x", storage), 0);
  // Without storage (private mode), nothing throws.
  assert.equal(readFails("queue", "x", undefined), 0);
  writeFails("queue", "x", 1, undefined);
});
