// The lines of the learner's program that an error points at: in each
// traceback a run printed (a syntax error's included), the deepest frame in
// the program's own file. No DOM here: the editor marks them, node tests it.

// errorLines returns the line numbers, in order of first appearance, that
// the tracebacks in text point at in the file named file (main.py).
export function errorLines(text, file) {
  const frame = new RegExp(`File "(?:[^"\\n]*/)?${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}", line (\\d+)`, "g");
  const out = [];
  for (const block of text.split("Traceback (most recent call last):")) {
    let last = 0;
    for (const m of block.matchAll(frame)) last = Number(m[1]);
    if (last > 0 && !out.includes(last)) out.push(last);
  }
  return out;
}
