// The lesson page: the editor, Run/Stop/Reset, the WebSocket and the live
// views of the run. The server's messages are described in docs/events.md.
import { createEditor } from "./editor.js";
import { RunViews } from "./views.js";
import { loadStrings, tr } from "./strings.js";
import { localTimes } from "./checks.js";
import { startReplay } from "./replay.js";
import { Drafts } from "./drafts.js";
import { Targets } from "./targets.js";
import { Status } from "./status.js";
import { History } from "./history.js";
import { RunControl } from "./runcontrol.js";
import { highlightCodeBlocks } from "./highlight.js";
import { Predictions } from "./predict.js";
import { Hints } from "./hints.js";
import { startClassroom } from "./grid.js";

const ipcKey = "pg:ipc"; // "off" when the learner switched the IPC views off

function readJSON(id) {
  const el = document.getElementById(id);
  if (!el) return {};
  try { return JSON.parse(el.textContent) || {}; } catch { return {}; }
}

function start() {
  loadStrings();
  highlightCodeBlocks();
  const replay = document.querySelector("[data-replay]");
  if (replay) { startReplay(replay); return; }
  const classGrid = document.querySelector("[data-class-grid]");
  if (classGrid) { startClassroom(classGrid); return; }
  const root = document.querySelector("[data-playground]");
  if (!root) return;
  const lesson = root.dataset.lesson;
  const textarea = root.querySelector("[data-testid=code]");
  const ipcToggle = root.querySelector("[data-testid=ipc-toggle]");
  rememberIPCChoice(ipcToggle);
  const drafts = new Drafts(lesson, textarea.defaultValue, readJSON("exercise-data"));
  let editor = null;
  const views = new RunViews(root, { markStuck: (marks) => editor && editor.markStuck(marks) });
  const status = new Status(root, views);
  const history = new History(root, lesson);
  const extras = readJSON("lesson-extras");
  const observers = [new Predictions(root, extras.predictions), new Hints(root, lesson, extras.exercises)];
  const control = new RunControl(root, {
    lesson, views, status, history, observers,
    program: () => ({ code: editor.getCode(), exercise: drafts.target, ipc: ipcToggle.checked }),
    markErrors: (lines) => editor.markErrors(lines),
  });
  editor = createEditor(textarea, {
    label: textarea.getAttribute("aria-label") || document.getElementById("editor-h")?.textContent || "Program",
    onRun: () => control.run(),
    onChange: () => drafts.saveSoon(() => editor.getCode()),
  });
  const targets = new Targets(root, drafts, editor);
  targets.open();
  openFromRun(lesson, editor, status);
  handleActions(root, targets, editor, status);
  localTimes(root);
  control.connect();
  handleButtons(root, control, targets);
  control.setPhase("idle");
}

// rememberIPCChoice keeps the learner's choice to watch what flows between
// processes (or not): it holds for every lesson.
function rememberIPCChoice(toggle) {
  try { if (localStorage.getItem(ipcKey) === "off") toggle.checked = false; } catch { /* ignore */ }
  toggle.addEventListener("change", () => {
    try { if (toggle.checked) localStorage.removeItem(ipcKey); else localStorage.setItem(ipcKey, "off"); } catch { /* ignore */ }
  });
}

// handleActions answers the buttons with a data-action: an exercise's
// starter, back to the example, and a run of the history restored.
function handleActions(root, targets, editor, status) {
  root.addEventListener("click", (e) => {
    const b = e.target.closest("[data-action]");
    if (!b || !root.contains(b)) return;
    switch (b.dataset.action) {
      case "load-starter": targets.switchTo(b.dataset.exercise); break;
      case "to-example": targets.switchTo(""); break;
      case "restore": restore(b.dataset.run, editor, status); break;
    }
  });
}

// restore puts the program of an earlier run, from the history card, in
// the editor.
function restore(run, editor, status) {
  const code = readJSON("history-sources")[run];
  if (typeof code === "string") {
    editor.setCode(code);
    status.set(status.state, tr("restored"));
    editor.focus();
  }
}

// openFromRun puts in the editor the program of the stored run that the
// address names (?from=RUN_ID, the replay's "Open in editor"), when it is
// a run of this lesson; the address then loses the parameter, so that a
// reload keeps the learner's edits.
async function openFromRun(lesson, editor, status) {
  const url = new URL(location.href);
  const id = url.searchParams.get("from");
  if (!id || !/^[A-Za-z0-9_-]{22}$/.test(id)) return;
  url.searchParams.delete("from");
  history.replaceState(null, "", url);
  try {
    const res = await fetch(`/api/runs/${id}`);
    if (!res.ok) return;
    const run = await res.json();
    if (run.lesson !== lesson || typeof run.program !== "string") return;
    editor.setCode(run.program);
    status.set(status.state, tr("fromRun"));
  } catch { /* the example stays */ }
}

// handleButtons wires Run, Stop and Reset, and Ctrl/Cmd+Enter anywhere on
// the page.
function handleButtons(root, control, targets) {
  // Leaving the page stops the run (the server also stops it on close).
  window.addEventListener("pagehide", () => control.stop());
  root.querySelector("[data-testid=run]").addEventListener("click", () => control.run());
  root.querySelector("[data-testid=stop]").addEventListener("click", (e) => control.stop(e));
  root.querySelector("[data-testid=reset]").addEventListener("click", () => targets.reset());
  document.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !e.defaultPrevented) {
      e.preventDefault();
      control.run();
    }
  });
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
