// The page side of a diagnosis event (diagnosis.js): a card that says why
// the run is stuck and how to fix it, in the page's language, with the
// runner's own sentence and where each process waits; and the marks on
// those lines of the program (the editor's, or a stored run's code view).
// Text is only ever set as text; `code` in a catalogue text is shown as
// code.
import { tr, has } from "./strings.js";
import { diagnosisTexts, diagnosisPlaces, stuckLines } from "./diagnosis.js";

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

// withCode fills e with text in which `code` is between backquotes.
export function withCode(e, text) {
  text.split("`").forEach((part, i) => {
    if (!part) return;
    e.append(i % 2 ? el("code", "", part) : document.createTextNode(part));
  });
  return e;
}

export class DiagnosisCard {
  // root holds the card ([data-testid=diagnosis]); file is the program's
  // file name (main.py); markLines(marks) marks the program's lines,
  // marks being [{line, note, why}] ([] clears); name(pid) is a process's
  // name, if known.
  constructor(root, { file, markLines, name }) {
    this.card = root.querySelector("[data-testid=diagnosis]");
    this.body = this.card && this.card.querySelector("[data-testid=diagnosis-body]");
    this.file = file || "main.py";
    this.markLines = markLines || (() => {});
    this.name = name || (() => "");
    this.shown = null;
  }

  reset() {
    this.shown = null;
    if (this.card) { this.card.hidden = true; this.body.replaceChildren(); delete this.card.dataset.pattern; }
    this.markLines([]);
  }

  // show takes the diagnosis event of the run (only the first counts).
  show(ev) {
    if (this.shown || !this.card) return;
    this.shown = ev;
    const t = diagnosisTexts(ev, (k) => (has(k) ? tr(k) : undefined));
    const places = diagnosisPlaces(ev, this.file);
    const who = (pid) => { const n = this.name(pid); return n ? `${pid} ${n}` : String(pid); };

    this.card.dataset.pattern = t.pattern;
    const title = el("h3", "diag-title", t.title);
    title.dataset.testid = "diagnosis-title";
    const why = withCode(el("p", "diag-why"), t.why);
    why.dataset.testid = "diagnosis-why";
    const fixHead = el("h4", "", tr("diag.fix"));
    const fix = withCode(el("p", "diag-fix"), t.fix);
    fix.dataset.testid = "diagnosis-fix";
    const parts = [title, why, fixHead, fix];
    if (places.length) {
      const list = el("ul", "diag-places");
      list.dataset.testid = "diagnosis-places";
      for (const p of places) {
        const li = el("li", "", tr("diag.place", { pid: who(p.pid), line: p.line, fn: p.function || "?" }));
        li.dataset.line = String(p.line);
        list.append(li);
      }
      parts.push(el("h4", "", tr("diag.where")), list);
    }
    if (t.message) {
      const msg = el("p", "diag-message", t.message);
      msg.dataset.testid = "diagnosis-message";
      parts.push(el("h4", "", tr("diag.details")), msg);
    }
    this.body.replaceChildren(...parts);
    this.card.hidden = false;

    this.markLines(stuckLines(places).map((l) => ({
      line: l.line,
      note: tr(l.pids.length > 1 ? "diag.noteMany" : "diag.note", { pids: l.pids.join(", "), title: t.title }),
      why: t.why,
    })));
  }
}

// markCodeView marks lines of a stored run's program (the code view the
// replay page shows, its lines numbered by highlight.js), with a note
// below each; [] clears.
export function markCodeView(view, marks) {
  if (!view) return;
  for (const n of view.querySelectorAll(".stuck-note")) n.remove();
  for (const l of view.querySelectorAll(".line.stuck")) { l.classList.remove("stuck"); delete l.dataset.testid; }
  const lines = view.querySelectorAll(".line");
  for (const m of marks) {
    const line = lines[m.line - 1];
    if (!line) continue;
    line.classList.add("stuck");
    line.dataset.testid = "stuck-line";
    line.after(noteElement(m, "span"));
  }
}

// noteElement is the note shown under a marked line.
export function noteElement(m, tag = "div") {
  const n = el(tag, "stuck-note");
  n.dataset.testid = "stuck-note";
  n.append(el("strong", "", m.note));
  if (m.why) n.append(withCode(el("span", "stuck-why"), m.why));
  return n;
}
