// Tests of the drafts: `node --test` in static/src (no dependencies).
import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { Drafts } from "./drafts.js";

// A localStorage of the tests' own: node has none.
const store = new Map();
globalThis.localStorage = {
  getItem: (k) => (store.has(k) ? store.get(k) : null),
  setItem: (k, v) => { store.set(k, String(v)); },
  removeItem: (k) => { store.delete(k); },
};
beforeEach(() => store.clear());

const exercises = { "ex-1": { title: "One", starter: "print(1)\n" } };

test("the example is the target of a first visit", () => {
  const d = new Drafts("pool", "print('example')\n", exercises);
  assert.equal(d.target, "");
  assert.equal(d.draftKey(), "pg:draft:pool");
  assert.equal(d.savedOrStarting(), "print('example')\n");
});

test("the exercise chosen is kept for the next visit, an unknown one is the example", () => {
  new Drafts("pool", "", exercises).setTarget("ex-1");
  assert.equal(store.get("pg:target:pool"), "ex-1");
  const d = new Drafts("pool", "", exercises);
  assert.equal(d.target, "ex-1");
  assert.equal(d.draftKey(), "pg:draft:pool:ex-1");
  assert.equal(d.startingCode(), "print(1)\n");
  d.setTarget("gone");
  assert.equal(d.target, "");
  assert.equal(store.has("pg:target:pool"), false);
  store.set("pg:target:pool", "gone");
  assert.equal(new Drafts("pool", "", exercises).target, "");
});

test("each target has its own draft, and the starting code is no draft", async () => {
  const d = new Drafts("pool", "example\n", exercises);
  d.saveSoon(() => "edited example\n");
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(store.get("pg:draft:pool"), "edited example\n");
  d.setTarget("ex-1");
  assert.equal(d.savedOrStarting(), "print(1)\n");
  d.saveSoon(() => "first\n");
  d.saveSoon(() => "second\n"); // only the last edit is saved
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(store.get("pg:draft:pool:ex-1"), "second\n");
  d.saveSoon(() => "print(1)\n");
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(store.has("pg:draft:pool:ex-1"), false);
  d.setTarget("");
  assert.equal(d.savedOrStarting(), "edited example\n");
  d.discard();
  assert.equal(d.savedOrStarting(), "example\n");
});

test("no storage: the starting code, and nothing thrown", () => {
  const saved = globalThis.localStorage;
  globalThis.localStorage = { getItem() { throw new Error("denied"); }, setItem() { throw new Error("denied"); }, removeItem() { throw new Error("denied"); } };
  try {
    const d = new Drafts("pool", "example\n", exercises);
    d.setTarget("ex-1");
    assert.equal(d.savedOrStarting(), "print(1)\n");
    d.discard();
  } finally {
    globalThis.localStorage = saved;
  }
});
