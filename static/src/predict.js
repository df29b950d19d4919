// Predict, then run: a lesson's questions asked before Run ("how many
// processes will the tree show?"), answered by the learner, then by the
// run's events. The kinds are a closed set (lessons/predict.go):
//   processes  how many (matching) processes start      proc.start
//   max_alive  the most (matching) processes alive at once  proc.start, proc.exit
//   value      the value printed after a key ("n = 40")  output
//   first      which of two texts is printed first       output
//   lines      how many output lines contain a text      output
import { tr } from "./strings.js";

// linesOf cuts the output events into lines, per process and stream, as
// the checks do: [{pid, name, stream, text}] in the order each line ended.
export function linesOf(events) {
  const names = new Map(), partial = new Map(), out = [];
  for (const ev of events) {
    if (ev.type === "proc.start") names.set(ev.pid, ev.name || "");
    if (ev.type !== "output") continue;
    const key = `${ev.pid}/${ev.stream || "stdout"}`;
    const parts = ((partial.get(key) || "") + (ev.text || "")).split("\n");
    partial.set(key, parts.pop());
    for (const text of parts) out.push({ pid: ev.pid, name: names.get(ev.pid) || "", stream: ev.stream || "stdout", text });
  }
  for (const [key, text] of partial) {
    if (!text) continue;
    const pid = Number(key.split("/")[0]);
    out.push({ pid, name: names.get(pid) || "", stream: key.split("/")[1], text });
  }
  return out;
}

function nameRE(p) {
  try { return new RegExp(p.name || ""); } catch { return /^$/; }
}

function escapeRE(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

// actual answers a prediction from a run's events: a number, a text, or
// null when the run did not show it.
export function actual(p, events) {
  switch (p.kind) {
    case "processes": {
      const re = nameRE(p);
      return events.filter((e) => e.type === "proc.start" && re.test(e.name || "")).length;
    }
    case "max_alive": {
      const re = nameRE(p), alive = new Set();
      let most = 0;
      for (const e of events) {
        if (e.type === "proc.start" && re.test(e.name || "")) { alive.add(e.pid); most = Math.max(most, alive.size); }
        if (e.type === "proc.exit") alive.delete(e.pid);
      }
      return most;
    }
    case "value": {
      const re = nameRE(p), key = new RegExp(escapeRE(p.key) + "\\s*[=:]\\s*(.*)$");
      let found = null;
      for (const l of linesOf(events)) {
        if (!re.test(l.name)) continue;
        const m = key.exec(l.text);
        if (m) found = m[1].trim();
      }
      if (found === null) return null;
      const word = found.split(/\s+/)[0].replace(/[,;]$/, "");
      return word !== "" && !isNaN(Number(word)) ? Number(word) : found;
    }
    case "lines": {
      const re = nameRE(p);
      return linesOf(events).filter((l) => re.test(l.name) && l.text.includes(p.text)).length;
    }
    case "first": {
      const [a, b] = p.options || [];
      const lines = linesOf(events);
      const ia = lines.findIndex((l) => l.text.includes(a)), ib = lines.findIndex((l) => l.text.includes(b));
      if (ia < 0 && ib < 0) return null;
      if (ib < 0 || (ia >= 0 && ia < ib)) return a;
      return b;
    }
  }
  return null;
}

// unquote trims a text and the quotes around it: 'PING' and PING are the
// same answer.
function unquote(s) {
  const t = String(s).trim();
  return /^(['"]).*\1$/.test(t) && t.length >= 2 ? t.slice(1, -1) : t;
}

// same tells whether the learner's answer is what the run showed.
export function same(p, answer, got) {
  if (got === null || answer === undefined || answer === null || String(answer).trim() === "") return false;
  if (typeof got === "number") return Number(String(answer).trim()) === got;
  return unquote(answer) === unquote(got);
}

// judge compares an answer with a run: { actual, answered, correct }.
export function judge(p, answer, events) {
  const got = actual(p, events);
  const answered = answer !== undefined && answer !== null && String(answer).trim() !== "";
  return { actual: got, answered, correct: answered && same(p, answer, got) };
}

// kept are the event types the answers are read from.
const kept = new Set(["proc.start", "proc.exit", "output"]);

// Predictions is the card of a lesson's questions: filled before Run,
// compared after the run of the example ends.
export class Predictions {
  constructor(root, predictions) {
    this.card = root.querySelector("[data-testid=predict]");
    this.preds = Array.isArray(predictions) ? predictions : [];
    this.events = [];
    this.locked = null; // the answers given when Run was pressed, or null when not judging
    if (!this.card || this.preds.length === 0) return;
    this.render();
    this.card.hidden = false;
  }

  render() {
    const list = this.card.querySelector("[data-testid=predict-list]");
    list.replaceChildren(...this.preds.map((p, i) => {
      const li = document.createElement("li");
      li.className = "predict-item";
      li.dataset.testid = "predict-item";
      li.dataset.kind = p.kind;
      const q = document.createElement("p");
      q.className = "predict-question";
      q.dataset.testid = "predict-question";
      q.textContent = p.question;
      li.append(q);
      const id = `predict-${i}`;
      if (p.kind === "first") {
        const group = document.createElement("div");
        group.className = "predict-options";
        group.setAttribute("role", "radiogroup");
        for (const [j, opt] of (p.options || []).entries()) {
          const label = document.createElement("label");
          const input = document.createElement("input");
          input.type = "radio"; input.name = id; input.value = opt;
          input.dataset.testid = "predict-option";
          input.dataset.index = String(j);
          const code = document.createElement("code");
          code.textContent = opt;
          label.append(input, " ", code);
          group.append(label);
        }
        li.append(group);
      } else {
        const label = document.createElement("label");
        label.className = "predict-answer";
        const input = document.createElement("input");
        input.type = "text"; input.inputMode = "numeric"; input.size = 6; input.autocomplete = "off";
        input.dataset.testid = "predict-input";
        label.append(tr("predict.answer") + " ", input);
        li.append(label);
      }
      const res = document.createElement("p");
      res.className = "predict-result";
      res.dataset.testid = "predict-result";
      res.hidden = true;
      li.append(res);
      return li;
    }));
  }

  answers() {
    return [...this.card.querySelectorAll("[data-testid=predict-item]")].map((li) => {
      const r = li.querySelector("input[type=radio]:checked");
      if (r) return r.value;
      const t = li.querySelector("[data-testid=predict-input]");
      return t ? t.value : "";
    });
  }

  // run is called when Run is pressed; only a run of the example is
  // compared with the answers.
  run(exercise) {
    if (this.preds.length === 0) return;
    this.events = [];
    this.locked = exercise ? null : this.answers();
    for (const r of this.card.querySelectorAll("[data-testid=predict-result]")) r.hidden = true;
  }

  event(ev) {
    if (this.locked === null) return;
    if (kept.has(ev.type)) this.events.push(ev);
    if (ev.type === "run.end") this.show();
  }

  show() {
    const items = this.card.querySelectorAll("[data-testid=predict-item]");
    this.preds.forEach((p, i) => {
      const res = items[i]?.querySelector("[data-testid=predict-result]");
      if (!res) return;
      const j = judge(p, this.locked[i], this.events);
      const shown = j.actual === null ? "" : String(j.actual);
      res.dataset.correct = j.answered ? String(j.correct) : "";
      res.dataset.actual = shown;
      res.className = "predict-result " + (j.actual === null ? "unknown" : !j.answered ? "" : j.correct ? "ok" : "fail");
      res.textContent = j.actual === null ? tr("predict.unknown")
        : !j.answered ? tr("predict.none", { actual: shown })
          : tr(j.correct ? "predict.right" : "predict.wrong", { answer: String(this.locked[i]).trim(), actual: shown });
      res.hidden = false;
    });
    this.locked = null;
  }
}
