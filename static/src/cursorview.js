// The time cursor of a finished run or a replay: a bar above the timeline
// (to the start, previous event, play or pause at a speed, next event, to
// the end, and a slider over the events), a line on the timeline that can
// be dragged, and the views as they stood at the cursor's event: the
// processes not yet started ghosted and the ended ones marked, the output
// written so far with its latest line marked, what each queue and pipe
// held and who held each lock. It wakes only once the run has ended: the
// live path does not pay for it. The state comes from cursor.js.
import { tr } from "./strings.js";
import { IndexBuilder, stateAt, indexAtTime } from "./cursor.js";
import { fmtMS, label } from "./ipc.js";

const NS = "http://www.w3.org/2000/svg";
const slice = 6;      // ms of index building at a time, between frames
const sliceEvents = 2000; // events read between looks at the clock
export const speeds = [0.25, 1, 4, 16];

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function button(testid, icon, title) {
  const b = el("button", "button cursor-btn");
  b.type = "button";
  b.dataset.testid = testid;
  b.title = title;
  b.setAttribute("aria-label", title);
  const i = el("span", "", icon);
  i.setAttribute("aria-hidden", "true");
  b.append(i);
  return b;
}

export class TimeCursor {
  constructor(views) {
    this.views = views;
    this.index = null;
    this.i = -1;          // the cursor's event, -1 while there is none
    this.playing = 0;     // the animation frame of play, 0 when paused
    this.drawn = null;    // the timeline's last drawing (its x scale)
    const bar = (this.bar = el("div", "cursor-bar"));
    bar.dataset.testid = "cursor";
    bar.setAttribute("role", "group");
    bar.setAttribute("aria-label", tr("cursor.label"));
    bar.hidden = true;
    this.startBtn = button("cursor-start", "⇤", tr("cursor.start"));
    this.prevBtn = button("cursor-prev", "‹", tr("cursor.prev"));
    this.playBtn = button("cursor-play", "▶", tr("cursor.play"));
    this.nextBtn = button("cursor-next", "›", tr("cursor.next"));
    this.endBtn = button("cursor-end", "⇥", tr("cursor.end"));
    this.speedEl = el("select", "cursor-speed");
    this.speedEl.dataset.testid = "cursor-speed";
    this.speedEl.setAttribute("aria-label", tr("cursor.speed"));
    for (const s of speeds) {
      const o = el("option", "", `${s}×`);
      o.value = String(s);
      this.speedEl.append(o);
    }
    this.speedEl.value = "1";
    this.slider = el("input", "cursor-slider");
    Object.assign(this.slider, { type: "range", min: "0", max: "0", step: "1", value: "0" });
    this.slider.dataset.testid = "cursor-slider";
    this.slider.setAttribute("aria-label", tr("cursor.slider"));
    this.readout = el("span", "cursor-readout");
    this.readout.dataset.testid = "cursor-readout";
    const buttons = el("div", "cursor-buttons");
    buttons.append(this.startBtn, this.prevBtn, this.playBtn, this.nextBtn, this.endBtn, this.speedEl);
    bar.append(buttons, this.slider, this.readout);
    const tl = views.timelineEl;
    tl.parentElement.insertBefore(bar, tl);

    this.startBtn.addEventListener("click", () => { this.pause(); this.go(0); });
    this.prevBtn.addEventListener("click", () => { this.pause(); this.go(this.i - 1); });
    this.nextBtn.addEventListener("click", () => { this.pause(); this.go(this.i + 1); });
    this.endBtn.addEventListener("click", () => { this.pause(); this.go(Infinity); });
    this.playBtn.addEventListener("click", () => (this.playing ? this.pause() : this.play()));
    this.speedEl.addEventListener("change", () => { if (this.playing) this.play(false); });
    this.slider.addEventListener("input", () => { this.pause(); this.go(Number(this.slider.value)); });
    // Dragging on the timeline moves the cursor to the moment under the
    // pointer (its items keep their tooltips).
    tl.addEventListener("pointerdown", (e) => {
      if (!this.active || !this.drawn || e.button !== 0) return;
      const svg = tl.querySelector("svg");
      if (!svg || !svg.contains(e.target)) return;
      this.dragging = e.pointerId;
      tl.setPointerCapture(e.pointerId);
      this.pause();
      this.dragTo(e, svg);
      e.preventDefault();
    });
    tl.addEventListener("pointermove", (e) => {
      if (this.dragging !== e.pointerId) return;
      const svg = tl.querySelector("svg");
      if (svg) this.dragTo(e, svg);
    });
    const up = (e) => { if (this.dragging === e.pointerId) this.dragging = null; };
    tl.addEventListener("pointerup", up);
    tl.addEventListener("pointercancel", up);
  }

  get active() { return !this.bar.hidden; }

  // reset hides the cursor: a new run, or a replay fed again.
  reset() {
    clearTimeout(this.later);
    this.builder = null;
    this.pause();
    this.index = null;
    this.i = -1;
    this.bar.hidden = true;
    this.dragging = null;
    this.views.upTo = null;
    this.views.timelineEl.classList.remove("has-cursor");
    this.views.panel.showAt(null);
  }

  // ready shows the cursor at the run's last event; the index is built when
  // the learner first moves it.
  ready() {
    const n = this.views.events.length;
    if (!n) return;
    this.bar.hidden = false;
    this.index = null;
    this.slider.max = String(n - 1);
    this.slider.value = String(n - 1);
    this.views.timelineEl.classList.add("has-cursor");
    // At the end the views already show the end: the index and what the
    // queues held are done a moment later, after the final picture.
    const ev = this.views.events[n - 1];
    this.i = n - 1;
    this.t = this.views.duration ?? (typeof ev.t === "number" ? ev.t : 0);
    this.readout.textContent = "";
    this.slider.setAttribute("aria-valuetext", tr("cursor.at", { i: n.toLocaleString(), n: n.toLocaleString(), t: fmtMS(this.t), what: ev.type || "" }));
    this.bar.dataset.i = String(n - 1);
    this.build();
  }

  // build reads the events in slices of a few ms between frames, so that
  // the page answers while a long run is indexed; then what the queues
  // and locks held at the end is shown.
  build() {
    clearTimeout(this.later);
    const evs = this.views.events;
    this.builder = new IndexBuilder(evs);
    this.busy = 0;
    this.began = performance.now();
    const work = () => {
      const b = this.builder;
      if (!b || b.events !== this.views.events) return;
      const t0 = performance.now();
      while (!b.step(sliceEvents) && performance.now() - t0 < slice);
      this.busy += performance.now() - t0;
      if (!b.done) { this.later = setTimeout(work, 0); return; }
      this.finishIndex();
      if (this.active && this.i === b.n - 1) this.go(b.n - 1);
    };
    this.later = setTimeout(work, 30);
  }

  finishIndex() {
    const b = this.builder, t0 = performance.now();
    this.index = b.finish();
    this.builder = null;
    const now = performance.now();
    this.busy += now - t0;
    // The time the page spent on it, and from run.end until it was ready.
    performance.measure("cursor-index", { start: now - this.busy, duration: this.busy });
    performance.measure("cursor-index-wall", { start: this.began, end: now });
  }

  ensureIndex() {
    const evs = this.views.events;
    if (this.builder && this.builder.events === evs) this.finishIndex();
    if (!this.index || this.index.n !== evs.length || this.index.events !== evs) {
      this.builder = new IndexBuilder(evs);
      this.busy = 0;
      this.began = performance.now();
      this.finishIndex();
    }
    return this.index;
  }

  // go moves the cursor to event i and shows the views as they stood then.
  go(i) {
    if (!this.active) return;
    const x = this.ensureIndex();
    if (!x.n) return;
    i = Math.max(0, Math.min(x.n - 1, i));
    this.i = i;
    this.show(stateAt(x, i));
  }

  show(s) {
    const v = this.views, last = s.i === this.index.n - 1;
    // The tree: not yet started ghosted, alive running, ended as it ended.
    for (const [pid, st] of s.procs) {
      const p = v.procs.get(pid);
      if (!p) continue;
      if (p.finalState === undefined) { p.finalState = p.node.dataset.state; p.finalText = p.stateEl.textContent; }
      const now = last ? "" : st;
      if (now) p.node.dataset.at = now; else delete p.node.dataset.at;
      const running = now === "alive" || now === "unborn";
      p.node.dataset.state = running ? "running" : p.finalState;
      p.stateEl.textContent = now === "unborn" ? tr("cursor.unborn") : running ? tr("runningState") : p.finalText;
      // What it waited for then (at the end, as the run left it).
      const w = last ? v.waits.waiting(pid) : s.waits.get(pid);
      if (!w) { delete p.node.dataset.waiting; p.waitEl.hidden = true; continue; }
      const o = v.ipc.objects.get(w.object);
      p.node.dataset.waiting = w.object;
      p.waitEl.textContent = tr("waiting", { op: w.op, obj: o ? label(o) : w.object });
      p.waitEl.hidden = false;
    }
    // The output up to the event (all of it at the last).
    v.upTo = last ? null : s.i;
    v.following = true;
    cancelAnimationFrame(v.outFrame);
    v.renderOutput();
    // What the queues and pipes held and who held the locks.
    v.panel.showAt(s.objects);
    // The bar and the line on the timeline.
    this.slider.value = String(s.i);
    const ev = s.event || {};
    const what = [ev.type, typeof ev.pid === "number" ? ev.pid : ""].filter((x) => x !== "").join(" · ");
    const text = tr("cursor.at", { i: (s.i + 1).toLocaleString(), n: this.index.n.toLocaleString(), t: fmtMS(s.t), what });
    this.slider.setAttribute("aria-valuetext", text);
    this.readout.textContent = text;
    this.bar.dataset.i = String(s.i);
    this.t = s.t;
    this.placeLine();
  }

  // afterDraw takes a new drawing of the timeline: the line goes on it.
  afterDraw(r) {
    this.drawn = r;
    this.line = null;
    if (this.active && this.i >= 0) this.placeLine();
  }

  placeLine() {
    const r = this.drawn, svg = this.views.timelineEl.querySelector("svg");
    if (!r || !svg) return;
    if (!this.line || !svg.contains(this.line)) {
      this.line = document.createElementNS(NS, "g");
      this.line.setAttribute("class", "time-cursor");
      this.line.setAttribute("data-testid", "time-cursor");
      this.line.setAttribute("aria-hidden", "true");
      this.shade = document.createElementNS(NS, "rect");
      this.shade.setAttribute("class", "cursor-future");
      this.stroke = document.createElementNS(NS, "line");
      this.stroke.setAttribute("class", "cursor-line");
      this.line.append(this.shade, this.stroke);
      svg.append(this.line);
    }
    const last = this.i === this.index?.n - 1 || this.index === null;
    const x = Math.round(r.x(this.t) * 10) / 10, w = Number(svg.getAttribute("width")) || 0;
    this.stroke.setAttribute("x1", x); this.stroke.setAttribute("x2", x);
    this.stroke.setAttribute("y1", 16); this.stroke.setAttribute("y2", r.height);
    this.shade.setAttribute("x", x); this.shade.setAttribute("y", 16);
    this.shade.setAttribute("width", last ? 0 : Math.max(0, w - x)); this.shade.setAttribute("height", Math.max(0, r.height - 16));
    this.line.dataset.t = String(this.t);
  }

  dragTo(e, svg) {
    const box = svg.getBoundingClientRect();
    const px = (e.clientX - box.left) * ((Number(svg.getAttribute("width")) || box.width) / (box.width || 1));
    this.go(indexAtTime(this.ensureIndex(), this.drawn.time(px)));
  }

  // play moves the cursor through the run at the chosen speed of its real
  // time; from the end it starts again at the beginning.
  play(fromHere = true) {
    const x = this.ensureIndex();
    if (!x.n) return;
    cancelAnimationFrame(this.playing);
    if (fromHere && this.i >= x.n - 1) this.go(0);
    const speed = Number(this.speedEl.value) || 1;
    const t0 = performance.now(), base = x.t[Math.max(0, this.i)];
    this.playBtn.firstChild.textContent = "⏸";
    this.playBtn.title = tr("cursor.pause");
    this.playBtn.setAttribute("aria-label", tr("cursor.pause"));
    this.bar.dataset.playing = "true";
    const frame = () => {
      const at = base + (performance.now() - t0) * speed;
      const i = indexAtTime(x, at);
      if (i !== this.i) this.go(i);
      if (this.i >= x.n - 1) { this.pause(); return; }
      this.playing = requestAnimationFrame(frame);
    };
    this.playing = requestAnimationFrame(frame);
  }

  pause() {
    cancelAnimationFrame(this.playing);
    this.playing = 0;
    if (!this.playBtn) return;
    this.playBtn.firstChild.textContent = "▶";
    this.playBtn.title = tr("cursor.play");
    this.playBtn.setAttribute("aria-label", tr("cursor.play"));
    delete this.bar.dataset.playing;
  }
}
