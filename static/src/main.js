// The lesson page: the editor, Run/Stop/Reset, the WebSocket and the live
// views of the run. The server's messages are described in docs/events.md.
import { createEditor } from "./editor.js";
import { Socket } from "./socket.js";
import { RunViews } from "./views.js";
import { loadStrings, tr } from "./strings.js";
import { showChecks, localTimes } from "./checks.js";
import { startReplay } from "./replay.js";

const maxProgramBytes = 64 * 1024; // the server refuses larger programs
const clockTick = 100;             // ms between running-time updates
const historyFallback = 1500;      // ms after run.end to refresh the history when no checks came

function readJSON(id) {
  const el = document.getElementById(id);
  if (!el) return {};
  try { return JSON.parse(el.textContent) || {}; } catch { return {}; }
}

function start() {
  loadStrings();
  const replay = document.querySelector("[data-replay]");
  if (replay) { startReplay(replay); return; }
  const root = document.querySelector("[data-playground]");
  if (!root) return;
  const lesson = root.dataset.lesson;
  const $ = (id) => root.querySelector(`[data-testid=${id}]`);
  const runBtn = $("run"), stopBtn = $("stop"), resetBtn = $("reset");
  const status = $("status"), statusText = $("status-text"), limitEl = $("status-limit");
  const conn = $("connection");
  const stdinForm = $("stdin-form"), stdinInput = $("stdin"), eofBtn = $("eof");
  const textarea = $("code");
  const example = textarea.defaultValue;
  const exercises = readJSON("exercise-data");
  const targetEl = $("target"), targetLabel = $("target-label"), toExample = $("to-example");
  const checksCard = $("checks");
  // The learner's choice to watch what flows between processes (or not)
  // holds for every lesson.
  const ipcToggle = $("ipc-toggle");
  const ipcKey = "pg:ipc";
  try { if (localStorage.getItem(ipcKey) === "off") ipcToggle.checked = false; } catch { /* ignore */ }
  ipcToggle.addEventListener("change", () => {
    try { if (ipcToggle.checked) localStorage.removeItem(ipcKey); else localStorage.setItem(ipcKey, "off"); } catch { /* ignore */ }
  });
  const targetKey = `pg:target:${lesson}`;
  // target is the exercise being worked on, "" for the lesson's example.
  let target = "";
  try { target = localStorage.getItem(targetKey) || ""; } catch { /* ignore */ }
  if (!(target in exercises)) target = "";
  const draftKey = () => (target ? `pg:draft:${lesson}:${target}` : `pg:draft:${lesson}`);
  const startingCode = () => (target ? exercises[target].starter : example);

  const views = new RunViews(root);
  // phase: idle | starting | queued | running | resuming | done
  let phase = "idle", runId = "", lastSeq = 0, clock = 0;

  let saveTimer = 0;
  const editor = createEditor(textarea, {
    label: textarea.getAttribute("aria-label") || document.getElementById("editor-h")?.textContent || "Program",
    onRun: () => run(),
    onChange: () => {
      clearTimeout(saveTimer);
      saveTimer = setTimeout(() => {
        try {
          const code = editor.getCode();
          if (code === startingCode()) localStorage.removeItem(draftKey()); else localStorage.setItem(draftKey(), code);
        } catch { /* storage may be unavailable */ }
      }, 300);
    },
  });
  function savedOrStarting() {
    try {
      const draft = localStorage.getItem(draftKey());
      if (draft !== null) return draft;
    } catch { /* ignore */ }
    return startingCode();
  }

  // setTarget switches between the example and an exercise, each with its
  // own draft.
  function setTarget(id) {
    target = id in exercises ? id : "";
    try { if (target) localStorage.setItem(targetKey, target); else localStorage.removeItem(targetKey); } catch { /* ignore */ }
    targetEl.dataset.exercise = target;
    targetLabel.textContent = target ? tr("target.exercise", { title: exercises[target].title }) : tr("target.example");
    toExample.hidden = !target;
    for (const ex of root.querySelectorAll("[data-testid=exercise]")) {
      ex.classList.toggle("active", ex.dataset.exercise === target);
    }
  }
  setTarget(target);
  if (target || savedOrStarting() !== example) editor.setCode(savedOrStarting());

  function switchTo(id) {
    setTarget(id);
    editor.setCode(savedOrStarting());
    checksCard.hidden = true;
    root.querySelector(".editor-card").scrollIntoView({ block: "nearest", behavior: "smooth" });
    editor.focus();
  }
  root.addEventListener("click", (e) => {
    const b = e.target.closest("[data-action]");
    if (!b || !root.contains(b)) return;
    switch (b.dataset.action) {
      case "load-starter": switchTo(b.dataset.exercise); break;
      case "to-example": switchTo(""); break;
      case "restore": {
        const code = readJSON("history-sources")[b.dataset.run];
        if (typeof code === "string") {
          editor.setCode(code);
          setStatus(status.dataset.state, tr("restored"));
          editor.focus();
        }
        break;
      }
    }
  });

  // The history card is re-rendered by the server after each run.
  let historyTimer = 0;
  async function refreshHistory() {
    clearTimeout(historyTimer);
    const card = $("history");
    if (!card) return;
    try {
      const res = await fetch(`/lessons/${encodeURIComponent(lesson)}/history`, { headers: { Accept: "text/html" } });
      if (!res.ok) return;
      const tpl = document.createElement("template");
      tpl.innerHTML = await res.text();
      const fresh = tpl.content.querySelector("[data-testid=history]");
      if (fresh) { card.replaceWith(fresh); localTimes(fresh); }
    } catch { /* keep the old list */ }
  }
  localTimes(root);

  function setStatus(state, text) {
    status.dataset.state = state;
    statusText.textContent = text;
  }

  function setPhase(p) {
    phase = p;
    const busy = p !== "idle" && p !== "done";
    runBtn.disabled = busy;
    stopBtn.disabled = !busy;
    root.dataset.phase = p;
    const acceptsInput = p === "running";
    if (stdinForm.hidden === acceptsInput) {
      stdinForm.hidden = !acceptsInput;
      stdinInput.disabled = false;
      eofBtn.disabled = false;
    }
    clearInterval(clock);
    if (p === "running") {
      clock = setInterval(() => {
        views.tick();
        setStatus("running", tr("running", { s: (views.now / 1000).toFixed(1) }));
      }, clockTick);
    }
  }

  function run() {
    if (phase !== "idle" && phase !== "done") return;
    const code = editor.getCode();
    if (new TextEncoder().encode(code).length > maxProgramBytes) {
      setStatus("error", tr("error") + ": > 64 KiB");
      return;
    }
    views.reset();
    limitEl.hidden = true;
    checksCard.hidden = true;
    runId = ""; lastSeq = 0;
    if (!socket.send({ type: "run", lesson, exercise: target, code, ipc: ipcToggle.checked })) {
      setStatus("error", tr("reconnecting"));
      return;
    }
    setPhase("starting");
    setStatus("queued", tr("starting"));
  }

  function stop() {
    if (phase === "idle" || phase === "done") return;
    socket.send({ type: "stop" });
  }

  function onEvent(ev) {
    if (typeof ev.seq === "number") {
      if (ev.seq <= lastSeq) return; // already seen (a resumed stream)
      lastSeq = ev.seq;
    }
    views.apply(ev);
    switch (ev.type) {
      case "run.start":
        runId = ev.run_id || "";
        setPhase("running");
        setStatus("running", tr("running", { s: "0.0" }));
        break;
      case "limit":
        limitEl.hidden = false;
        limitEl.textContent = ev.message || ev.kind;
        limitEl.dataset.kind = ev.kind || "";
        break;
      case "run.end": {
        const ms = Math.round(ev.duration_ms ?? ev.t ?? 0);
        const st = ev.status || "ok";
        setPhase("done");
        let text = tr("status." + st, { ms, code: ev.exit_code ?? "", msg: ev.message || "" });
        if (st === "stopped" && lostDuringRun) text += " · " + tr("lost");
        lostDuringRun = false;
        setStatus(st, text);
        historyTimer = setTimeout(refreshHistory, historyFallback);
        break;
      }
    }
  }

  function onMessage(m) {
    switch (m.type) {
      case "queued":
        if (phase === "starting" || phase === "queued") {
          setPhase("queued");
          setStatus("queued", tr("queued", { n: m.position }));
        }
        break;
      case "checks":
        if (m.run_id === runId) showChecks(checksCard, m);
        refreshHistory();
        break;
      case "error":
        if (phase === "starting" || phase === "queued" || phase === "resuming") {
          setPhase("done");
          setStatus("error", m.message);
        } else {
          views.note(`${tr("error")}: ${m.message}`);
        }
        break;
      default:
        onEvent(m);
    }
  }

  let lostDuringRun = false;
  const socket = new Socket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`, {
    onMessage,
    onState: (s) => {
      conn.dataset.state = s;
      conn.title = tr(s === "online" ? "online" : s);
      if (s === "reconnecting" && phase !== "idle" && phase !== "done") {
        lostDuringRun = true;
        setStatus("queued", tr("reconnecting"));
      }
    },
    onOpen: () => {
      if (!lostDuringRun) return;
      if (runId) {
        // The server stopped the run when the socket dropped; fetch its end.
        phase = "resuming";
        socket.send({ type: "resume", run_id: runId, after: lastSeq });
      } else {
        setPhase("done");
        setStatus("stopped", tr("lost"));
        lostDuringRun = false;
      }
    },
  });
  document.addEventListener("visibilitychange", () => { if (!document.hidden) socket.nudge(); });
  window.addEventListener("online", () => socket.nudge());
  // Leaving the page stops the run (the server also stops it on close).
  window.addEventListener("pagehide", () => stop());

  runBtn.addEventListener("click", run);
  stopBtn.addEventListener("click", stop);
  resetBtn.addEventListener("click", () => {
    editor.setCode(startingCode());
    try { localStorage.removeItem(draftKey()); } catch { /* ignore */ }
    editor.focus();
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !e.defaultPrevented) {
      e.preventDefault();
      run();
    }
  });

  function sendInput(msg) {
    if (phase !== "running") return;
    socket.send({ type: "stdin", ...msg });
  }
  stdinForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = stdinInput.value;
    sendInput({ text: text + "\n" });
    views.note(text, "stdin");
    stdinInput.value = "";
  });
  const eof = () => {
    sendInput({ eof: true });
    stdinInput.disabled = true;
    eofBtn.disabled = true;
  };
  eofBtn.addEventListener("click", eof);
  stdinInput.addEventListener("keydown", (e) => {
    if (e.key === "d" && e.ctrlKey) { e.preventDefault(); eof(); }
  });

  setPhase("idle");
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
