// Python in the page's text (the lesson's code blocks, a stored run's
// program) is coloured here, with the editor's parser and the colours of
// app.css (.tok-* classes, the editor's colour variables), so that the
// server does not carry a highlighter of its own. A code element with
// data-numbered gets its lines numbered.
import { highlightCode, classHighlighter } from "@lezer/highlight";
import { pythonLanguage } from "@codemirror/lang-python";

export function highlightCodeBlocks(root = document) {
  const blocks = root.querySelectorAll("code.language-python:not([data-highlighted])");
  for (const code of blocks) {
    const text = code.textContent;
    const numbered = code.hasAttribute("data-numbered");
    const out = document.createDocumentFragment();
    let line = null, n = 0;
    const newLine = () => {
      n++;
      if (!numbered) { line = out; return; }
      line = document.createElement("span");
      line.className = "line";
      const ln = document.createElement("span");
      ln.className = "ln";
      ln.textContent = String(n);
      line.append(ln);
      out.append(line);
    };
    newLine();
    highlightCode(text, pythonLanguage.parser.parse(text), classHighlighter,
      (s, classes) => {
        if (!classes) { line.append(s); return; }
        const span = document.createElement("span");
        span.className = classes;
        span.textContent = s;
        line.append(span);
      },
      () => { line.append("\n"); newLine(); });
    code.replaceChildren(out);
    code.dataset.highlighted = "";
  }
}
