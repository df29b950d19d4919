// The live views of one run, fed event by event: the process tree, the
// timeline, what flows between the processes, who waits for whom, why a
// stuck run is stuck, and the output. Program output is only ever set as
// text (textContent / text nodes), never parsed as HTML.
import { tr, trn } from "./strings.js";
import { drawTimeline, maxDrawn } from "./timeline.js";
import { IPCModel, label } from "./ipc.js";
import { WaitModel } from "./waits.js";
import { IPCInteract, IPCPanel } from "./ipcview.js";
import { WaitGraph } from "./waitgraph.js";
import { drawWaitGraph, cycleText } from "./waitgraphview.js";
import { DiagnosisCard } from "./diagnosisview.js";
import { TimeCursor } from "./cursorview.js";

const maxLines = 200000; // older output lines are removed past this
const overscan = 8;      // rows drawn beyond each edge of the output's view
const colours = 10;      // process colours c0..c9 in app.css
const drawBudget = 4;    // a redraw waits this many times the last one's duration
const maxDrawWait = 1000; // ms: but never longer

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

// helpers are the processes Python starts for its own use, by the name
// multiprocessing gives them, with what they are there for.
const helpers = { resource_tracker: "helper.tracker", forkserver: "helper.forkserver" };

export class RunViews {
  // markStuck(marks) marks the lines of the program where a stuck run's
  // processes wait ([] clears).
  constructor(root, { markStuck } = {}) {
    this.treeEl = root.querySelector("[data-testid=tree]");
    this.timelineEl = root.querySelector("[data-testid=timeline]");
    this.outputEl = root.querySelector("[data-testid=output]");
    this.filterEl = root.querySelector("[data-testid=filter]");
    this.filterEl.addEventListener("change", () => this.applyFilter());
    // Whether the output follows its tail: read from the layout only when
    // the learner scrolls, never per line (that forced a layout per line).
    this.following = true;
    this.outputEl.addEventListener("scroll", () => { this.following = this.atBottom(); this.scheduleOutput(); }, { passive: true });
    // The output's rows are all of one height (app.css: --row).
    this.rowH = parseFloat(getComputedStyle(this.outputEl).getPropertyValue("--row")) || 20;
    // How many characters a row shows: a longer line is marked as one
    // that scrolls sideways (measured when the output's width changes).
    this.cols = Infinity;
    new ResizeObserver(() => this.measureCols()).observe(this.outputEl);
    this.listEl = el("div", "vlist");
    this.winEl = el("div", "vwin");
    this.listEl.append(this.winEl);
    this.cutEl = el("p", "empty", tr("cut"));
    this.outFrame = 0;
    this.onPrompt = null; // called when the program seems to wait for input
    this.viewsEl = root.querySelector(".views");
    this.legendEl = root.querySelector("[data-testid=ipc-legend]");
    this.noteEl = root.querySelector("[data-testid=ipc-note]");
    this.ipc = new IPCModel();
    this.waits = new WaitModel();
    this.highlight = "";
    // zoom: the time axis covers only where things flow between processes.
    this.zoom = true;
    this.zoomEl = root.querySelector("[data-testid=zoom]");
    this.zoomEl.addEventListener("click", (e) => {
      const b = e.target.closest("button[data-zoom]");
      if (!b) return;
      this.setZoom(b.dataset.zoom === "ipc");
      this.draw();
    });
    this.interact = new IPCInteract(this.timelineEl);
    this.panel = new IPCPanel(root.querySelector("[data-testid=ipc]"), (id) => this.pick(id));
    this.graph = new WaitGraph();
    this.graphDrawn = -1;
    const $ = (id) => root.querySelector(`[data-testid=${id}]`);
    this.wg = { card: $("waitgraph"), body: $("waitgraph-body"), note: $("waitgraph-note"), cycle: $("waitgraph-cycle") };
    this.diagnosis = new DiagnosisCard(root, {
      file: root.dataset.programFile, markLines: markStuck, name: (pid) => this.procs.get(pid)?.name || "",
    });
    this.frame = 0;
    this.timer = 0;
    this.nextDraw = 0;   // performance.now() before which no redraw starts
    // The time cursor: after run.end or in a replay, the views as they
    // stood at any event (cursor.js, cursorview.js).
    this.cursor = new TimeCursor(this);
    this.reset();
    new ResizeObserver(() => this.schedule()).observe(this.timelineEl);
  }

  reset() {
    this.events = [];            // every event taken, for the time cursor
    this.upTo = null;            // the cursor's event: output up to it, or null for all
    this.cursor.reset();
    this.procs = new Map();      // pid -> process record
    this.order = [];             // pids in order of start
    this.open = new Map();       // "pid:stream" -> unfinished line record
    this.lines = [];             // every line record kept, in order
    this.filter = "";
    this.shown = this.lines;     // the lines the filter shows
    this.prompt = null;
    this.prompted = null;
    this.following = true;
    this.cut = false;
    this.cutEl.remove();
    this.winEl.replaceChildren();
    this.start = performance.now();
    this.now = 0;                // ms since run.start, while running
    this.duration = null;        // ms, once run.end arrived
    this.treeRoot = el("ul");
    this.treeEl.replaceChildren(el("p", "empty", tr("noProcs")));
    this.timelineEl.replaceChildren(el("p", "empty", tr("noProcs")));
    this.outputEl.replaceChildren(el("p", "empty", tr("noOutput")));
    delete this.outputEl.dataset.lines;
    this.filterEl.replaceChildren(this.filterEl.options[0]);
    this.filterEl.value = "";
    this.timelineEl.dataset.complete = "false";
    this.ipc.reset();
    this.waits.reset();
    if (this.wholeForEnd) { this.setZoom(true); this.wholeForEnd = false; }
    this.highlight = "";
    this.panel.reset();
    this.showIPC();
    this.graph.reset();
    this.graphDrawn = -1;
    this.graphKey = "";
    if (this.wg.card) this.wg.card.hidden = true;
    this.diagnosis.reset();
  }

  // apply takes one event of the stream.
  apply(ev) {
    this.events.push(ev);
    if (typeof ev.t === "number") this.now = Math.max(this.now, ev.t);
    this.graph.apply(ev);
    switch (ev.type) {
      case "run.start": this.start = performance.now() - (ev.t || 0); break;
      case "proc.start": this.procStart(ev); break;
      case "proc.exec": this.procExec(ev); break;
      case "output": this.output(ev); break;
      case "proc.exit": this.procExit(ev); this.markWaiting(this.waits.apply(ev)); break;
      case "wait.begin": case "wait.end": this.proc(ev.pid); this.markWaiting(this.waits.apply(ev)); break;
      case "diagnosis": this.diagnosis.show(ev); break;
      case "run.end":
        // A run that was stopped or timed out is shown whole: where it
        // stood when it ended matters more than where things flowed.
        if ((ev.status === "stopped" || ev.status === "timeout") && this.zoom) { this.setZoom(false); this.wholeForEnd = true; }
        this.duration = ev.duration_ms ?? ev.t;
        this.now = this.duration;
        // The finished picture comes at once, whatever the pace of redraws
        // and frames (a hidden tab has none).
        this.flush();
        this.cursor.ready();
        return;
      default:
        // An IPC event gives its process a lane even before any output.
        if (this.ipc.apply(ev) && typeof ev.pid === "number" && ev.type !== "ipc.truncated") this.proc(ev.pid);
    }
    this.schedule();
  }

  // tick moves the running clock so the lanes of live processes grow.
  tick() {
    if (this.duration === null && this.order.length) {
      this.now = Math.max(this.now, performance.now() - this.start);
      this.schedule();
    }
  }

  proc(pid) {
    let p = this.procs.get(pid);
    if (!p) {
      // Output of a process we were not told about: show it, unparented.
      p = this.procStart({ pid, ppid: null, name: "", via: "", t: this.now });
    }
    return p;
  }

  procStart(ev) {
    if (this.procs.has(ev.pid)) return this.procs.get(ev.pid);
    const p = {
      pid: ev.pid, ppid: ev.ppid ?? null, name: ev.name || "", via: ev.via || "",
      start: ev.t || 0, end: null, state: "running", code: null, signal: "",
      colour: "c" + (this.order.length % colours), ticks: [],
    };
    this.procs.set(p.pid, p);
    this.order.push(p.pid);

    const li = el("li");
    const node = el("div", "proc " + p.colour);
    node.dataset.testid = "proc-node";
    node.dataset.pid = p.pid;
    node.dataset.state = "running";
    node.tabIndex = 0;
    node.append(el("span", "badge", String(p.pid)), el("span", "name", p.name || "?"));
    if (p.via) node.append(el("span", "via", p.via));
    // Python's own helper processes say what they are there for.
    const helper = helpers[p.name];
    if (helper) {
      node.classList.add("helper");
      node.dataset.helper = p.name;
      node.append(el("span", "helper-tag", tr("helper")));
    }
    p.stateEl = el("span", "state", tr("runningState"));
    p.waitEl = el("span", "waiting");
    p.waitEl.dataset.testid = "proc-waiting";
    p.waitEl.hidden = true;
    node.append(p.stateEl, p.waitEl);
    node.title = `pid ${p.pid}` + (p.ppid != null ? ` · ppid ${p.ppid}` : "") + (helper ? ` · ${tr(helper)}` : "");
    p.node = node;
    p.children = el("ul");
    li.append(node, p.children);
    const parent = this.procs.get(p.ppid);
    (parent ? parent.children : this.treeRoot).append(li);
    if (this.order.length === 1) this.treeEl.replaceChildren(this.treeRoot);

    const opt = el("option", "", `${p.pid} · ${p.name || "?"}`);
    opt.value = String(p.pid);
    this.filterEl.append(opt);
    return p;
  }

  procExec(ev) {
    const p = this.proc(ev.pid);
    if (ev.argv && ev.argv.length) {
      // A process multiprocessing starts by running Python again (spawn,
      // forkserver, its helpers) keeps the name it gave it; any other
      // program is named after itself.
      const ownStart = p.name && ev.argv.some((a) => String(a).startsWith("from multiprocessing."));
      if (!ownStart) p.node.querySelector(".name").textContent = ev.argv[0].split("/").pop();
      p.node.title += " · " + ev.argv.join(" ");
    }
  }

  // setZoom picks the time axis: where things flow between processes
  // (true) or the whole run.
  setZoom(ipc) {
    this.zoom = ipc;
    for (const x of this.zoomEl.querySelectorAll("button")) x.setAttribute("aria-pressed", String((x.dataset.zoom === "ipc") === ipc));
  }

  // failedChildren counts the processes but the first (the main one) that
  // exited with a code other than 0.
  failedChildren() {
    return this.order.slice(1).filter((pid) => this.procs.get(pid).state === "failed").length;
  }

  // markWaiting shows on a process's node what it waits for now, if
  // anything.
  markWaiting(pid) {
    const p = pid === null ? null : this.procs.get(pid);
    if (!p) return;
    const w = this.waits.waiting(pid);
    if (!w) {
      delete p.node.dataset.waiting;
      p.waitEl.hidden = true;
      return;
    }
    const o = this.ipc.objects.get(w.object);
    p.node.dataset.waiting = w.object;
    p.waitEl.textContent = tr("waiting", { op: w.op, obj: o ? label(o) : w.object });
    p.waitEl.hidden = false;
  }

  procExit(ev) {
    const p = this.proc(ev.pid);
    p.end = ev.t;
    if (ev.signal) { p.state = "killed"; p.signal = ev.signal; p.stateEl.textContent = tr("killed", { sig: ev.signal }); }
    else { p.code = ev.code ?? 0; p.state = p.code === 0 ? "ok" : "failed"; p.stateEl.textContent = tr("exit", { code: p.code }); }
    p.node.dataset.state = p.state;
    for (const key of [`${p.pid}:stdout`, `${p.pid}:stderr`]) this.open.delete(key);
  }

  output(ev) {
    const p = this.proc(ev.pid);
    const stream = ev.stream === "stderr" ? "stderr" : "stdout";
    if (p.ticks.length < 4000) p.ticks.push([ev.t, stream === "stderr"]);
    this.writeText(p, stream, ev.text || "");
  }

  // note adds a line of the page's own (an error, the learner's input).
  // It ends every unfinished line: what the program writes next comes
  // after it, as in a terminal (a prompt, the answer, then the rest).
  note(text, kind = "note", p = null) {
    this.open.clear();
    this.newLine(p, kind).text = text;
    this.scheduleOutput();
  }

  // The output is a list of line records ({ pid, colour, stream, text });
  // only the rows in view are in the document (see renderOutput), drawn
  // at most once per frame, however fast the lines come.
  newLine(p, stream) {
    // e: the event that began the line (the time cursor shows lines up to it).
    const rec = { pid: p ? String(p.pid) : "", colour: p ? p.colour : "", stream, text: "", e: this.events.length - 1 };
    this.lines.push(rec);
    if (!this.filter || !rec.pid || rec.pid === this.filter) {
      if (this.shown !== this.lines) this.shown.push(rec);
    }
    if (this.lines.length > maxLines) {
      // Older lines go in chunks, so that a flood costs no shift per line.
      this.lines.splice(0, maxLines / 10);
      this.cut = true;
      this.refilter();
    }
    return rec;
  }

  writeText(p, stream, text) {
    const key = `${p.pid}:${stream}`;
    let line = this.open.get(key);
    const parts = text.split("\n");
    // A line that goes on in a later event notes where that event began
    // it: [event, length before] pairs, for the time cursor.
    if (line && parts[0]) (line.cuts ||= []).push(this.events.length - 1, line.text.length);
    for (let i = 0; i < parts.length; i++) {
      const last = i === parts.length - 1;
      if (last && parts[i] === "") break;
      if (!line) line = this.newLine(p, stream);
      if (parts[i]) line.text += parts[i];
      if (!last) line = null;
    }
    if (line) this.open.set(key, line); else this.open.delete(key);
    // A line left open on the standard output, last of all, is most likely
    // a prompt: the program waits for its input.
    this.prompt = line && stream === "stdout" && this.lines[this.lines.length - 1] === line ? line : null;
    this.scheduleOutput();
  }

  measureCols() {
    const cs = getComputedStyle(this.outputEl);
    const g = (this.measure ||= document.createElement("canvas").getContext("2d"));
    g.font = `${cs.fontSize} ${cs.fontFamily}`;
    const w = g.measureText("0000000000").width / 10 || 8;
    // Less the badge, the gap and the padding of a row. The rows drawn
    // are marked again here; nothing is drawn (nor scrolled) anew.
    const cols = Math.max(10, Math.floor((this.outputEl.clientWidth - 100) / w));
    if (cols === this.cols) return;
    this.cols = cols;
    for (const row of this.winEl.children) row.classList.toggle("long", row.len > cols);
  }

  atBottom() {
    const o = this.outputEl;
    return o.scrollHeight - o.scrollTop - o.clientHeight < 2 * this.rowH;
  }

  // refilter picks the lines the filter shows: one process's and the
  // page's own, or all.
  refilter() {
    const f = this.filter;
    this.shown = f ? this.lines.filter((l) => !l.pid || l.pid === f) : this.lines;
  }

  applyFilter() {
    this.filter = this.filterEl.value;
    this.refilter();
    this.following = true;
    // The learner's choice shows at once.
    cancelAnimationFrame(this.outFrame);
    this.renderOutput();
  }

  scheduleOutput() {
    if (!this.outFrame) this.outFrame = requestAnimationFrame(() => this.renderOutput());
  }

  // renderOutput draws the rows in view of the output (and a few around),
  // reusing the row elements, and keeps the tail in view while following.
  renderOutput() {
    this.outFrame = 0;
    const o = this.outputEl, h = this.rowH, upTo = this.upTo;
    // At the time cursor, the lines begun up to its event.
    const n = upTo === null ? this.shown.length : linesUpTo(this.shown, upTo);
    if (!this.lines.length) {
      if (!o.querySelector(".empty")) o.replaceChildren(el("p", "empty", tr("noOutput")));
      return;
    }
    if (this.listEl.parentNode !== o) o.replaceChildren(this.listEl);
    if (this.cut && !this.cutEl.isConnected) o.prepend(this.cutEl);
    this.listEl.style.height = n * h + "px";
    o.dataset.lines = String(this.lines.length);
    if (upTo === null) delete o.dataset.cursorLines; else o.dataset.cursorLines = String(n);
    if (this.following) o.scrollTop = o.scrollHeight;
    // Following, the window is the tail; else where the learner scrolled
    // (the browser may not have clamped an old position to a shorter list).
    const inView = Math.ceil(o.clientHeight / h);
    const top = this.following ? Infinity : o.scrollTop - this.listEl.offsetTop;
    const first = Math.max(0, Math.min(Math.floor(top / h), n - inView) - overscan);
    const end = Math.min(n, first + inView + 2 * overscan + 1);
    this.winEl.style.top = first * h + "px";
    const rows = this.winEl.children;
    for (let i = first; i < end; i++) {
      const rec = this.shown[i];
      let row = rows[i - first];
      if (!row) {
        row = el("div");
        row.dataset.testid = "output-line";
        row.append(el("span"), el("span", "text"));
        this.winEl.append(row);
      }
      if (row.rec !== rec) {
        row.rec = rec;
        row.className = "line " + rec.stream;
        const badge = row.firstChild;
        if (rec.pid) {
          row.dataset.pid = rec.pid;
          badge.className = "badge " + rec.colour;
          badge.dataset.testid = "pid-badge";
          badge.textContent = rec.pid;
        } else {
          delete row.dataset.pid;
          badge.className = "badge";
          delete badge.dataset.testid;
          badge.textContent = rec.stream === "stdin" ? "stdin" : "·";
        }
        row.len = -1;
      }
      const text = upTo === null ? rec.text : textAt(rec, upTo);
      if (row.len !== text.length) {
        row.len = text.length;
        row.lastChild.textContent = text;
        // A line longer than the row scrolls sideways on its own (app.css).
        row.classList.toggle("long", text.length > this.cols);
      }
      row.classList.toggle("current", upTo !== null && i === n - 1);
    }
    while (rows.length > Math.max(0, end - first)) rows[rows.length - 1].remove();
    // Each prompt moves the caret to the input once.
    if (this.prompt && this.prompt !== this.prompted && this.onPrompt && this.duration === null) {
      this.prompted = this.prompt;
      this.onPrompt();
    }
  }

  // pick picks an object out in the timeline ("" for none) and scrolls to it.
  pick(id) {
    this.highlight = id;
    const r = this.draw();
    const row = r && r.at.get(id);
    if (row) {
      const t = this.timelineEl;
      if (row.y < t.scrollTop || row.y + row.h > t.scrollTop + t.clientHeight) t.scrollTop = Math.max(0, row.y - 40);
    }
  }

  // showIPC shows the legend and notes when the run has IPC events.
  showIPC() {
    const m = this.ipc;
    this.viewsEl.classList.toggle("has-ipc", !m.empty);
    this.legendEl.hidden = m.empty;
    this.zoomEl.hidden = m.empty;
    const notes = [];
    const most = Math.max(m.messages.length, m.tasks.length, m.spans.length, m.writes.length);
    if (most > maxDrawn) notes.push(tr("ipc.capped", { n: maxDrawn, total: m.count.toLocaleString() }));
    if (m.truncated) notes.push(tr("ipc.truncated", { n: (m.count - 1).toLocaleString() }));
    else if (m.cut.size) notes.push(trn("ipc.cutObjects", { n: m.cut.size }));
    this.noteEl.textContent = notes.join(" ");
    this.noteEl.hidden = !notes.length;
  }

  draw() {
    if (!this.order.length) return null;
    const focused = this.interact.focusedKey();
    const r = drawTimeline(this.timelineEl, this.order.map((pid) => this.procs.get(pid)), this.now, this.duration,
      { model: this.ipc, highlight: this.highlight, zoom: this.zoom }, this.waits);
    this.interact.afterDraw(r.hits, focused, !!this.ipc.truncated);
    this.cursor.afterDraw(r);
    this.drawWaits();
    // Tests (and anyone curious) can tell the final picture from a live one.
    this.timelineEl.dataset.complete = String(this.duration !== null);
    return r;
  }

  // drawWaits draws who waits for whom, when it changed: live while the
  // run goes, as it stood when a stuck run was ended. The card shows once
  // the run has had a wait.
  drawWaits() {
    const g = this.graph, wg = this.wg;
    if (!wg.card || g.version === this.graphDrawn) return;
    this.graphDrawn = g.version;
    wg.card.hidden = !g.everWaited;
    if (!g.everWaited) return;
    const pic = g.shown();
    // Most events change nothing of the picture: it is drawn again only
    // when it differs.
    const key = JSON.stringify([pic, g.ended]);
    if (key === this.graphKey) return;
    this.graphKey = key;
    wg.card.dataset.state = !pic ? "empty" : pic.atEnd ? "end" : "live";
    wg.card.dataset.cycle = String(!!pic && pic.cycles.length > 0);
    wg.note.hidden = !(pic && pic.atEnd) && !!pic;
    wg.note.textContent = !pic ? tr(g.ended ? "wg.emptyEnd" : "wg.empty") : pic.atEnd ? tr("wg.atEnd") : "";
    drawWaitGraph(wg.body, pic, (pid) => this.procs.get(pid)?.colour || "");
    const loops = pic ? pic.cycles.map((c) => tr("wg.cycle", { path: cycleText(c, pic) })) : [];
    wg.cycle.textContent = loops.join(" ");
    wg.cycle.hidden = !loops.length;
  }

  // flush draws the output and the views now, not at the next frame.
  flush() {
    clearTimeout(this.timer);
    this.timer = 0;
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    cancelAnimationFrame(this.outFrame);
    this.renderOutput();
    this.draw();
    if (this.panel.version !== this.ipc.version) { this.panel.render(this.ipc); this.showIPC(); }
    this.nextDraw = 0;
  }

  // schedule redraws the views (and keeps the output scrolled) once per
  // frame, or less often when drawing takes long (a run with many IPC
  // events), so that the page stays responsive.
  schedule() {
    if (this.frame || this.timer) return;
    const wait = this.nextDraw - performance.now();
    if (wait > 0) {
      this.timer = setTimeout(() => { this.timer = 0; this.schedule(); }, wait);
      return;
    }
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      const t0 = performance.now();
      this.draw();
      if (this.panel.version !== this.ipc.version) { this.panel.render(this.ipc); this.showIPC(); }
      const took = performance.now() - t0;
      this.nextDraw = performance.now() + Math.min(maxDrawWait, took * drawBudget);
    });
  }
}

// linesUpTo is how many of the lines (in order of their first event) were
// begun at or before event e.
function linesUpTo(lines, e) {
  let lo = 0, hi = lines.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (lines[mid].e <= e) lo = mid + 1; else hi = mid;
  }
  return lo;
}

// textAt is a line's text as it stood once event e had happened.
function textAt(rec, e) {
  const c = rec.cuts;
  if (c) for (let k = 0; k < c.length; k += 2) if (c[k] > e) return rec.text.slice(0, c[k + 1]);
  return rec.text;
}
