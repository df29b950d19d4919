// The verdict of the checks after a run ({"type":"checks"} message): one
// line per check, passed or failed, with what was found. The example's
// checks of a program that is no longer the example are shown neutral:
// they say what the example does, not what the learner got wrong.
import { tr } from "./strings.js";

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

export function showChecks(card, m, { neutral = false } = {}) {
  const list = card.querySelector("[data-testid=check-list]");
  const summary = card.querySelector("[data-testid=checks-summary]");
  const heading = card.querySelector("h2");
  const results = m.results || [];
  const passed = results.filter((r) => r.passed).length;
  neutral = neutral && !m.exercise;
  heading.textContent = m.exercise ? tr("checks.exercise", { title: m.title || m.exercise })
    : tr(neutral ? "checks.exampleOther" : "checks.example");
  summary.textContent = m.passed
    ? "✓ " + tr("checks.allPassed", { n: results.length })
    : tr(neutral ? "checks.neutral" : "checks.someFailed", { passed, n: results.length });
  summary.className = "pill " + (m.passed ? "ok" : neutral ? "neutral" : "fail");
  card.dataset.passed = String(!!m.passed);
  card.dataset.neutral = String(neutral);
  card.dataset.exercise = m.exercise || "";
  list.replaceChildren(...results.map((r) => {
    const li = el("li", "check " + (r.passed ? "ok" : neutral ? "neutral" : "fail"));
    li.dataset.testid = "check";
    li.dataset.passed = String(!!r.passed);
    const mark = el("span", "mark", r.passed ? "✓" : neutral ? "–" : "✗");
    mark.setAttribute("aria-hidden", "true");
    const text = el("span", "check-text");
    text.append(el("span", "visually-hidden", (r.passed ? tr("checks.passed") : tr(neutral ? "checks.notHere" : "checks.failed")) + ": "));
    text.append(el("span", "check-desc", r.description || ""));
    if (r.detail) text.append(el("span", "check-detail", r.detail));
    li.append(mark, text);
    return li;
  }));
  card.hidden = false;
}

// localTimes shows <time datetime> elements in the reader's time zone.
export function localTimes(root) {
  for (const t of root.querySelectorAll("time[datetime]")) {
    const d = new Date(t.dateTime);
    if (!isNaN(d)) t.textContent = d.toLocaleString(document.documentElement.lang || undefined,
      { dateStyle: "medium", timeStyle: "short" });
  }
}
