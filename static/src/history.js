// The history card of the lesson, re-rendered by the server after each run.
import { localTimes } from "./checks.js";

const fallback = 1500; // ms after run.end to refresh the history when no checks came

export class History {
  constructor(root, lesson) {
    this.root = root;
    this.lesson = lesson;
    this.timer = 0;
  }

  // refresh replaces the card with the server's; on failure the old list
  // stays.
  async refresh() {
    clearTimeout(this.timer);
    const card = this.root.querySelector("[data-testid=history]");
    if (!card) return;
    try {
      const res = await fetch(`/lessons/${encodeURIComponent(this.lesson)}/history`, { headers: { Accept: "text/html" } });
      if (!res.ok) return;
      const tpl = document.createElement("template");
      tpl.innerHTML = await res.text();
      const fresh = tpl.content.querySelector("[data-testid=history]");
      if (fresh) { card.replaceWith(fresh); localTimes(fresh); }
    } catch { /* keep the old list */ }
  }

  // refreshLater refreshes the card after a run's end in case no checks
  // come for it (their message refreshes it at once).
  refreshLater() {
    this.timer = setTimeout(() => this.refresh(), fallback);
  }
}
