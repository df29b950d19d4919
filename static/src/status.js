// The status line of a run: its state (the colour), a text, the limit the
// run hit, and the running time, which the clock updates while it runs.
import { tr } from "./strings.js";

const clockTick = 100; // ms between running-time updates

export class Status {
  constructor(root, views) {
    const $ = (id) => root.querySelector(`[data-testid=${id}]`);
    this.el = $("status");
    this.textEl = $("status-text");
    this.limitEl = $("status-limit");
    this.views = views;
    this.clock = 0;
  }

  get state() { return this.el.dataset.state; }

  set(state, text) {
    this.el.dataset.state = state;
    this.textEl.textContent = text;
  }

  // showLimit tells which limit the run hit ({"type":"limit"}).
  showLimit(ev) {
    this.limitEl.hidden = false;
    this.limitEl.textContent = ev.message || ev.kind;
    this.limitEl.dataset.kind = ev.kind || "";
  }

  hideLimit() { this.limitEl.hidden = true; }

  // startClock shows the running time of the views every clockTick, and
  // moves the views on with it, until stopClock.
  startClock() {
    this.clock = setInterval(() => {
      this.views.tick();
      this.set("running", tr("running", { s: (this.views.now / 1000).toFixed(1) }));
    }, clockTick);
  }

  stopClock() { clearInterval(this.clock); }
}
