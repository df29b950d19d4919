// The sentence of a limit in the page's language. The runner writes it in
// English (the event contract, docs/events.md); a page in another
// language says it from the limit's kind, with the figures of the English
// sentence.
import { has, tr } from "./strings.js";

// forms reads the figures of each English sentence (runner/limit.go).
const forms = [
  ["wall_time", /ran longer than (.+?)\.$/, ["time"]],
  ["memory", /used more than (.+?) of memory\.$/, ["size"]],
  ["pids", /more than (\d+) processes at once\.$/, ["n"]],
  ["output", /printed more than (.+?) of output\.$/, ["size"]],
  ["disk.shm", /filled \/dev\/shm \((.+?), (\d+) blocks at most\)\.$/, ["size", "n"]],
  ["disk", /filled (.+?) \((.+?), (\d+) files at most\)\.$/, ["where", "size", "n"]],
  ["events", /\((.+?) events, or (.+?) of them\)\.$/, ["n", "size"]],
  ["deadlock", /^/, []],
];

// limitText returns the sentence to show for a limit event in lang.
export function limitText(ev, lang) {
  const msg = ev.message || "";
  if (!lang || lang === "en") return msg || ev.kind || "";
  const kind = ev.kind || "";
  for (const [key, re, names] of forms) {
    if (key.split(".")[0] !== kind) continue;
    const m = re.exec(msg);
    if (!m || !has("limit." + key)) continue;
    const vars = {};
    names.forEach((n, i) => { vars[n] = m[i + 1].replace(/^its working directory /, ""); });
    return tr("limit." + key, vars);
  }
  return has("limit.other") ? tr("limit.other") : msg || kind;
}
