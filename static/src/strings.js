// Interface strings, in the page's language, sent by the server.
let strings = {};
export function loadStrings() {
  const el = document.getElementById("ui-strings");
  if (el) { try { strings = JSON.parse(el.textContent); } catch { strings = {}; } }
}
// tr looks up a string and fills {name} placeholders.
export function tr(key, vars = {}) {
  const s = strings[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, k) => (k in vars ? String(vars[k]) : ""));
}
