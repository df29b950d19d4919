// Running the learner's program: Run and Stop, the phase of the run and
// the server's messages over the WebSocket (docs/events.md), with the end
// of a run fetched again when the socket dropped during it.
import { Socket } from "./socket.js";
import { StdinForm } from "./stdin.js";
import { tr, trn } from "./strings.js";
import { showChecks } from "./checks.js";
import { errorLines } from "./errorlines.js";
import { limitText } from "./limits.js";

const maxErrorText = 64 * 1024; // bytes of stderr kept to find the error's line

export class RunControl {
  // program returns what Run sends: { code, exercise, ipc }; markErrors
  // marks the program's lines an error points at; observers are told of
  // each run (run(exercise)), its events (event(ev)) and its verdict
  // (checks(m)): the predictions and the hints.
  constructor(root, { lesson, views, status, history, program, markErrors, observers = [] }) {
    const $ = (id) => root.querySelector(`[data-testid=${id}]`);
    this.root = root;
    this.lesson = lesson;
    this.views = views;
    this.status = status;
    this.history = history;
    this.program = program;
    this.markErrors = markErrors;
    this.observers = observers;
    this.programFile = root.dataset.programFile || "main.py";
    this.stderr = ""; // the run's error output, up to maxErrorText
    this.exampleCode = root.querySelector("[data-testid=code]")?.defaultValue ?? "";
    this.sentCode = "";
    // The server's limit on a program's size, which the page states.
    this.maxProgramBytes = Number(root.dataset.maxProgram) || Infinity;
    this.runBtn = $("run");
    this.stopBtn = $("stop");
    this.conn = $("connection");
    this.checksCard = $("checks");
    this.stdin = new StdinForm(root, views, (msg) => this.sendInput(msg));
    views.onPrompt = () => this.stdin.focus();
    this.socket = null;
    // phase: idle | starting | queued | running | resuming | done
    this.phase = "idle";
    this.runId = "";
    this.lastSeq = 0;
    this.lostDuringRun = false; // the socket dropped while a run was under way
  }

  get busy() { return this.phase !== "idle" && this.phase !== "done"; }

  // connect opens the socket to the server; it retries at once when the
  // page is shown again or the machine comes back online.
  connect() {
    this.socket = new Socket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`, {
      onMessage: (m) => this.onMessage(m),
      onState: (s) => this.onState(s),
      onOpen: () => this.onOpen(),
    });
    document.addEventListener("visibilitychange", () => { if (!document.hidden) this.socket.nudge(); });
    window.addEventListener("online", () => this.socket.nudge());
  }

  setPhase(p) {
    this.phase = p;
    const busy = this.busy;
    this.runBtn.disabled = busy;
    this.stopBtn.disabled = !busy;
    this.root.dataset.phase = p;
    this.stdin.show(p === "running");
    this.status.stopClock();
    if (p === "running") this.status.startClock();
  }

  run() {
    if (this.busy) return;
    const { code, exercise, ipc } = this.program();
    if (new TextEncoder().encode(code).length > this.maxProgramBytes) {
      this.status.set("error", `${tr("error")}: > ${Math.round(this.maxProgramBytes / 1024)} KiB`);
      return;
    }
    this.views.reset();
    this.stderr = "";
    this.markErrors([]);
    this.status.hideLimit();
    this.checksCard.hidden = true;
    this.runId = ""; this.lastSeq = 0;
    this.limitKind = "";
    this.sentCode = code;
    if (!this.socket.send({ type: "run", lesson: this.lesson, exercise, code, ipc })) {
      this.status.set("error", tr("reconnecting"));
      return;
    }
    for (const o of this.observers) o.run?.(exercise);
    this.setPhase("starting");
    this.status.set("queued", tr("starting"));
    this.revealViews();
  }

  // revealViews brings the views of the run into the screen, under the
  // bars, unless they are there already: the learner sees the run happen
  // without scrolling.
  revealViews() {
    const views = this.root.querySelector(".views"), out = this.root.querySelector(".output-card");
    this.revealedAt = scrollY;
    if (!views || !out) return;
    const margin = parseFloat(getComputedStyle(views).scrollMarginTop) || 0;
    // The output may grow to its full height, and the input line comes.
    const o = out.querySelector("[data-testid=output]");
    const grow = Math.max(0, (parseFloat(getComputedStyle(o).maxHeight) || 0) - o.offsetHeight) + 60;
    if (views.getBoundingClientRect().top >= margin - 1 && out.getBoundingClientRect().bottom + grow <= innerHeight) return;
    views.scrollIntoView({ block: "start" });
    this.revealedAt = scrollY;
  }

  // stop asks the server to stop the run and says so at once; e is the
  // click, whose delay until now the page records (performance entry
  // "stop-reaction"), flood of output or not.
  stop(e) {
    if (!this.busy) return;
    this.socket.send({ type: "stop" });
    if (this.phase !== "running") return;
    this.stopBtn.disabled = true;
    this.status.stopClock();
    this.status.set("running", tr("stopping"));
    if (e && e.isTrusted) performance.measure("stop-reaction", { start: e.timeStamp, end: performance.now() });
  }

  sendInput(msg) {
    if (this.phase !== "running") return;
    this.socket.send({ type: "stdin", ...msg });
  }

  onMessage(m) {
    switch (m.type) {
      case "queued":
        if (this.phase === "starting" || this.phase === "queued") {
          this.setPhase("queued");
          this.status.set("queued", tr("queued", { n: m.position }));
        }
        break;
      case "checks":
        // The example's checks judge the example: a program changed from it
        // sees them neutral.
        if (m.run_id === this.runId) {
          showChecks(this.checksCard, m, { neutral: this.sentCode !== this.exampleCode });
          for (const o of this.observers) o.checks?.(m);
        }
        this.history.refresh();
        break;
      case "error":
        if (this.phase === "starting" || this.phase === "queued" || this.phase === "resuming") {
          this.setPhase("done");
          this.status.set("error", m.message);
        } else {
          this.views.note(`${tr("error")}: ${m.message}`);
        }
        break;
      default:
        this.onEvent(m);
    }
  }

  // onEvent takes an event of the run, each once.
  onEvent(ev) {
    if (typeof ev.seq === "number") {
      if (ev.seq <= this.lastSeq) return; // already seen (a resumed stream)
      this.lastSeq = ev.seq;
    }
    if (ev.type === "run.end") performance.mark("run-end-received");
    this.views.apply(ev);
    for (const o of this.observers) o.event?.(ev);
    if (ev.type === "output" && ev.stream === "stderr" && this.stderr.length < maxErrorText) this.stderr += ev.text || "";
    switch (ev.type) {
      case "run.start":
        this.runId = ev.run_id || "";
        this.root.dataset.runId = this.runId;
        this.setPhase("running");
        this.status.set("running", tr("running", { s: "0.0" }));
        // Once more, now that the input line is there, unless the learner
        // scrolled since Run.
        if (scrollY === this.revealedAt) this.revealViews();
        break;
      case "limit":
        this.limitKind = ev.kind || "";
        // The sentence in the page's language (the event's is English).
        this.status.showLimit({ ...ev, message: limitText(ev, document.documentElement.lang) });
        break;
      case "run.end":
        this.onEnd(ev);
        // The final picture is drawn (views.apply flushed it).
        performance.mark("run-end-shown");
        break;
    }
  }

  // onEnd shows how the run ended, and that the connection was lost when
  // that stopped it.
  onEnd(ev) {
    const ms = Math.round(ev.duration_ms ?? ev.t ?? 0);
    const st = ev.status || "ok";
    this.setPhase("done");
    // A run ended by a deadlock says so; the limit's sentence is beside.
    const key = st === "limit" && this.limitKind === "deadlock" ? "status.deadlock" : "status." + st;
    let text = tr(key, { ms, code: ev.exit_code ?? "", msg: ev.message || "" });
    if (st === "stopped" && this.lostDuringRun) text += " · " + tr("lost");
    // A run whose main process ended well may still have children that
    // failed: the status says so.
    const failed = this.views.failedChildren();
    if (failed) text += " · " + trn("childrenFailed", { n: failed });
    this.status.el.dataset.childrenFailed = String(failed);
    this.markErrors(errorLines(this.stderr, this.programFile));
    this.lostDuringRun = false;
    this.status.set(st, text);
    this.history.refreshLater();
  }

  onState(s) {
    this.conn.dataset.state = s;
    this.conn.title = tr(s === "online" ? "online" : s);
    if (s === "reconnecting" && this.busy) {
      this.lostDuringRun = true;
      this.status.set("queued", tr("reconnecting"));
    }
  }

  onOpen() {
    if (!this.lostDuringRun) return;
    if (this.runId) {
      // The server stopped the run when the socket dropped; fetch its end.
      this.phase = "resuming";
      this.socket.send({ type: "resume", run_id: this.runId, after: this.lastSeq });
    } else {
      this.setPhase("done");
      this.status.set("stopped", tr("lost"));
      this.lostDuringRun = false;
    }
  }
}
