// Hints that unlock after failed attempts at an exercise, and a solution
// offered after more: the page counts the learner's failed runs of each
// exercise (a "checks" message that did not pass), in this browser.
import { tr, trn } from "./strings.js";

const prefix = "pg:fails:";

// unlocked tells how many hints n failed attempts unlock, and whether the
// solution is offered: hint k (1-based) after k failures, the solution
// after solutionAfter.
export function unlocked(n, hintCount, solutionAfter) {
  return { hints: Math.min(Math.max(0, n), hintCount), solution: n >= solutionAfter };
}

function storeKey(lesson, exercise) { return `${prefix}${lesson}:${exercise}`; }

export function readFails(lesson, exercise, storage = globalThis.localStorage) {
  try { return Math.max(0, parseInt(storage.getItem(storeKey(lesson, exercise)), 10) || 0); } catch { return 0; }
}

export function writeFails(lesson, exercise, n, storage = globalThis.localStorage) {
  try { storage.setItem(storeKey(lesson, exercise), String(n)); } catch { /* private mode: in memory only */ }
}

export class Hints {
  // exercises maps an exercise id to { hints: [html], solution_after, solution }.
  constructor(root, lesson, exercises) {
    this.root = root;
    this.lesson = lesson;
    this.data = exercises || {};
    this.fails = {};
    for (const card of root.querySelectorAll(".exercise[data-exercise]")) {
      const id = card.dataset.exercise;
      const d = this.data[id];
      if (!d || (!(d.hints || []).length && !d.solution)) continue;
      this.fails[id] = readFails(lesson, id);
      const box = document.createElement("div");
      box.className = "hints";
      box.dataset.testid = "hints";
      box.dataset.exercise = id;
      card.append(box);
      this.render(id);
    }
  }

  // checks takes the verdict of a run: a failed run of an exercise counts.
  checks(m) {
    if (!m || !m.exercise || m.passed || !(m.exercise in this.fails)) return;
    this.fails[m.exercise] += 1;
    writeFails(this.lesson, m.exercise, this.fails[m.exercise]);
    this.render(m.exercise);
  }

  render(id) {
    const box = this.root.querySelector(`[data-testid=hints][data-exercise="${id}"]`);
    const d = this.data[id];
    if (!box || !d) return;
    const hints = d.hints || [];
    const after = d.solution_after || hints.length + 1;
    const n = this.fails[id];
    const u = unlocked(n, hints.length, after);
    box.dataset.fails = String(n);
    box.dataset.unlocked = String(u.hints);
    const head = document.createElement("p");
    head.className = "hints-head";
    head.dataset.testid = "hints-fails";
    head.textContent = trn("hints.fails", { n });
    const list = document.createElement("ol");
    list.className = "hint-list";
    hints.forEach((html, i) => {
      const li = document.createElement("li");
      li.dataset.testid = "hint";
      if (i < u.hints) {
        li.className = "hint-item open";
        li.dataset.open = "true";
        li.innerHTML = html; // rendered by the server from the lesson's Markdown
      } else {
        li.className = "hint-item locked";
        li.dataset.open = "false";
        li.textContent = trn("hints.locked", { n: i + 1 });
      }
      list.append(li);
    });
    box.replaceChildren(head, list);
    if (!d.solution) return;
    if (!u.solution) {
      const p = document.createElement("p");
      p.className = "hint-item locked";
      p.dataset.testid = "solution-locked";
      p.textContent = trn("hints.solutionLocked", { n: after });
      box.append(p);
      return;
    }
    const det = document.createElement("details");
    det.className = "solution";
    det.dataset.testid = "solution";
    const sum = document.createElement("summary");
    sum.textContent = tr("hints.showSolution");
    const pre = document.createElement("pre");
    const code = document.createElement("code");
    code.textContent = d.solution;
    pre.append(code);
    det.append(sum, pre);
    box.append(det);
  }
}
