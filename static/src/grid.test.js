// Tests of the class grid's model: `node --test` in static/src (no dependencies).
import { test } from "node:test";
import assert from "node:assert/strict";
import { cellText, indexCells, summarize, visibleMembers } from "./grid.js";

const grid = {
  columns: [{ lesson: "pools", exercise: "a" }, { lesson: "pools", exercise: "b" }],
  members: [
    { id: 1, name: "王芳", joined: "2026-03-02T09:05:00Z" },
    { id: 2, name: "Ada", joined: "2026-03-02T09:01:00Z" },
    { id: 3, name: "bob", joined: "2026-03-02T09:03:00Z" },
  ],
  cells: [
    { m: 1, c: 0, attempts: 2, passed: true },
    { m: 1, c: 1, attempts: 1, passed: true },
    { m: 2, c: 0, attempts: 4, passed: false, stuck: "fails" },
    { m: 3, c: 1, attempts: 1, passed: true },
  ],
};

test("cells are found by member and column", () => {
  const cells = indexCells(grid);
  assert.equal(cells.get("2/0").attempts, 4);
  assert.equal(cells.get("2/1"), undefined);
});

test("a member's summary counts passed and stuck cells", () => {
  const s = summarize(grid);
  assert.deepEqual(s.get(1), { passed: 2, stuck: 0, attempts: 3 });
  assert.deepEqual(s.get(2), { passed: 0, stuck: 1, attempts: 4 });
});

test("members sort by name, passed, stuck or time of joining", () => {
  const names = (o) => visibleMembers(grid, o).map((m) => m.name);
  assert.equal(names({ sort: "passed" })[0], "王芳");
  assert.equal(names({ sort: "stuck" })[0], "Ada");
  assert.deepEqual(names({ sort: "joined" }), ["Ada", "bob", "王芳"]);
  assert.deepEqual(names({ sort: "name" }).slice(0, 2), ["Ada", "bob"]);
});

test("the filter keeps matching names, case-insensitively, and the stuck only", () => {
  assert.deepEqual(visibleMembers(grid, { filter: "BO" }).map((m) => m.id), [3]);
  assert.deepEqual(visibleMembers(grid, { filter: "王" }).map((m) => m.id), [1]);
  assert.deepEqual(visibleMembers(grid, { onlyStuck: true }).map((m) => m.id), [2]);
  assert.deepEqual(visibleMembers(grid, { filter: "zzz" }), []);
});

test("a cell shows its mark, its attempts and the stuck sign", () => {
  assert.equal(cellText({ passed: true, attempts: 2 }), "✓ 2");
  assert.equal(cellText({ passed: false, attempts: 4, stuck: "limit" }), "✗ 4 ⚠");
  assert.equal(cellText(undefined), "");
});
