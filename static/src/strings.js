// Interface strings, in the page's language, sent by the server.
let strings = {};
export function loadStrings() {
  const el = document.getElementById("ui-strings");
  if (el) { try { strings = JSON.parse(el.textContent); } catch { strings = {}; } }
}
// has tells whether the page was sent a string.
export function has(key) { return Object.prototype.hasOwnProperty.call(strings, key); }
// tr looks up a string and fills {name} placeholders.
export function tr(key, vars = {}) {
  const s = strings[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, k) => (k in vars ? String(vars[k]) : ""));
}
// trn is tr for a count: "key.one" when vars.n is 1 and the language has it.
// The count is written with the reader's digit grouping (10,000).
export function trn(key, vars) {
  const k = vars.n === 1 && strings[key + ".one"] !== undefined ? key + ".one" : key;
  return tr(k, { ...vars, n: typeof vars.n === "number" ? vars.n.toLocaleString((typeof document !== "undefined" && document.documentElement.lang) || undefined) : vars.n });
}
