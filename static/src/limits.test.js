// Tests of the limit sentences in the page's language: the English ones
// are runner/limit.go's, the figures carried over.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { limitText } from "./limits.js";

before(() => {
  globalThis.document = {
    getElementById: (id) => id === "ui-strings" ? { textContent: JSON.stringify({
      "limit.wall_time": "已停止：程序运行超过了 {time}。",
      "limit.memory": "已停止：程序使用的内存超过了 {size}。",
      "limit.pids": "已停止：程序试图同时运行超过 {n} 个进程。",
      "limit.disk.shm": "已停止：/dev/shm（最多 {size}、{n} 个块）。",
      "limit.disk": "已停止：程序写满了 {where}（最多 {size}、{n} 个文件）。",
      "limit.events": "已停止：（{n} 个事件，或 {size}）。",
      "limit.deadlock": "已停止：死锁。",
      "limit.other": "已停止：程序触及了一项限制。",
    }) } : null,
  };
});

test("a Chinese page says the limit in Chinese, with the English sentence's figures", async () => {
  const { loadStrings } = await import("./strings.js");
  loadStrings();
  const zh = (kind, message) => limitText({ kind, message }, "zh");
  assert.equal(zh("wall_time", "Stopped: the program ran longer than 10 s."), "已停止：程序运行超过了 10 s。");
  assert.equal(zh("memory", "Stopped: the program used more than 256 MiB of memory."), "已停止：程序使用的内存超过了 256 MiB。");
  assert.equal(zh("pids", "Stopped: the program tried to run more than 64 processes at once."), "已停止：程序试图同时运行超过 64 个进程。");
  assert.equal(zh("disk", "Stopped: the program's shared memory filled /dev/shm (64 MiB, 4096 blocks at most)."), "已停止：/dev/shm（最多 64 MiB、4096 个块）。");
  assert.equal(zh("disk", "Stopped: the program filled its working directory /home/learner (32 MiB, 4096 files at most)."), "已停止：程序写满了 /home/learner（最多 32 MiB、4096 个文件）。");
  assert.equal(zh("events", "Stopped: the program produced more than the playground can show (50,000 events, or 5 MiB of them)."), "已停止：（50,000 个事件，或 5 MiB）。");
  assert.equal(zh("deadlock", "Stopped: every process ... (a deadlock). The diagnosis says where."), "已停止：死锁。");
  // A sentence this page does not know still comes out in its language.
  assert.equal(zh("memory", "Stopped: something new."), "已停止：程序触及了一项限制。");
  assert.equal(zh("cpu_time", "Stopped: the program hit a limit."), "已停止：程序触及了一项限制。");
});

test("an English page shows the runner's sentence as it is", () => {
  const ev = { kind: "memory", message: "Stopped: the program used more than 256 MiB of memory." };
  assert.equal(limitText(ev, "en"), ev.message);
  assert.equal(limitText({ kind: "pids" }, "en"), "pids");
});
