// Why a run is stuck (docs/events.md, "Why a run is stuck"; the patterns in
// docs/diagnosis.md): the texts of a diagnosis event's pattern in the page's
// language, and the lines of the learner's program where its processes
// wait. No DOM here: the page shows it, node tests it.

export const fallbackPattern = "unknown-wait";

// diagnosisTexts returns the pattern's title, explanation (why) and fix,
// looked up as "diag.<pattern>.title" ... by lookup (undefined when a text
// is missing), with the event's own sentence. An unknown pattern is told
// as unknown-wait.
export function diagnosisTexts(ev, lookup) {
  let pattern = String(ev.pattern || "");
  if (lookup(`diag.${pattern}.title`) === undefined) pattern = fallbackPattern;
  const text = (part) => lookup(`diag.${pattern}.${part}`) ?? "";
  return { pattern, title: text("title"), why: text("why"), fix: text("fix"), message: String(ev.message || "") };
}

// diagnosisPlaces returns where each process of the diagnosis waits in the
// program: its innermost frame in the program's own file (file, as
// main.py). The processes the diagnosis names come first, in its order,
// then any other process whose stack it gives.
export function diagnosisPlaces(ev, file) {
  const stacks = ev.stacks && typeof ev.stacks === "object" ? ev.stacks : {};
  const named = Array.isArray(ev.pids) ? ev.pids.filter((p) => typeof p === "number") : [];
  const pids = [...named];
  for (const k of Object.keys(stacks)) {
    const pid = Number(k);
    if (Number.isInteger(pid) && !pids.includes(pid)) pids.push(pid);
  }
  const out = [];
  for (const pid of pids) {
    const frames = Array.isArray(stacks[String(pid)]) ? stacks[String(pid)] : [];
    for (let i = frames.length - 1; i >= 0; i--) {
      const f = frames[i] || {};
      const name = String(f.file || "").split("/").pop();
      if (name !== file || !(Number(f.line) >= 1)) continue;
      out.push({ pid, line: Number(f.line), function: String(f.function || ""), named: named.includes(pid) });
      break;
    }
  }
  return out;
}

// stuckLines groups the places by line, in order of first appearance:
// [{line, pids}]. Only the places of the processes the diagnosis names
// count, unless none of them has one.
export function stuckLines(places) {
  const out = [];
  const named = places.filter((p) => p.named);
  for (const p of named.length ? named : places) {
    let l = out.find((x) => x.line === p.line);
    if (!l) out.push((l = { line: p.line, pids: [] }));
    if (!l.pids.includes(p.pid)) l.pids.push(p.pid);
  }
  return out;
}
