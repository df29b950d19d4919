// The program editor: CodeMirror 6 with Python highlighting and line numbers.
import { EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter,
  drawSelection, highlightSpecialChars, rectangularSelection, Decoration, WidgetType } from "@codemirror/view";
import { EditorState, Prec, StateField, StateEffect } from "@codemirror/state";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { python } from "@codemirror/lang-python";
import { HighlightStyle, syntaxHighlighting, bracketMatching, indentOnInput, indentUnit } from "@codemirror/language";
import { closeBrackets, closeBracketsKeymap } from "@codemirror/autocomplete";
import { searchKeymap, highlightSelectionMatches } from "@codemirror/search";
import { tags as t } from "@lezer/highlight";
import { noteElement } from "./diagnosisview.js";

// Colours come from CSS variables so that dark mode follows the system.
const highlight = HighlightStyle.define([
  { tag: [t.keyword, t.controlKeyword, t.definitionKeyword, t.moduleKeyword, t.operatorKeyword], color: "var(--hl-kw)", fontWeight: "600" },
  { tag: [t.string, t.special(t.string)], color: "var(--hl-str)" },
  { tag: [t.number, t.bool, t.null], color: "var(--hl-num)" },
  { tag: t.comment, color: "var(--hl-com)", fontStyle: "italic" },
  { tag: [t.function(t.variableName), t.function(t.propertyName)], color: "var(--hl-fn)" },
  { tag: [t.definition(t.variableName), t.className, t.definition(t.className)], color: "var(--hl-def)" },
  { tag: [t.self, t.standard(t.variableName)], color: "var(--hl-self)" },
  { tag: [t.operator, t.punctuation], color: "var(--hl-op)" },
]);

const theme = EditorView.theme({
  "&": { backgroundColor: "var(--card)", color: "var(--fg)" },
  ".cm-content": { caretColor: "var(--accent)", padding: "10px 0" },
  ".cm-gutters": { backgroundColor: "var(--code-bg)", color: "var(--muted)", borderRight: "1px solid var(--border)" },
  ".cm-activeLine": { backgroundColor: "color-mix(in srgb, var(--accent) 7%, transparent)" },
  ".cm-activeLineGutter": { backgroundColor: "color-mix(in srgb, var(--accent) 12%, transparent)", color: "var(--fg)" },
  "&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection": { backgroundColor: "color-mix(in srgb, var(--accent) 28%, transparent) !important" },
  ".cm-cursor": { borderLeftColor: "var(--accent)" },
  ".cm-matchingBracket": { backgroundColor: "color-mix(in srgb, var(--ok) 25%, transparent)", outline: "none" },
  ".cm-lineNumbers .cm-gutterElement": { padding: "0 10px 0 12px" },
});

// createEditor replaces the fallback textarea with an editor. onRun is
// called on Ctrl/Cmd+Enter; onChange after every edit.
// The lines a run's error points at are marked until the program changes.
const setErrorLines = StateEffect.define();
const errorLine = Decoration.line({ class: "cm-error-line", attributes: { "data-testid": "error-line" } });
const errorLines = StateField.define({
  create: () => Decoration.none,
  update(marks, tr) {
    if (tr.docChanged) marks = Decoration.none;
    for (const e of tr.effects) if (e.is(setErrorLines)) marks = e.value;
    return marks;
  },
  provide: (f) => EditorView.decorations.from(f),
});

// The lines where a stuck run's processes wait (a diagnosis) are marked,
// with a note under each, until the program changes.
const setStuckLines = StateEffect.define();
const stuckLine = Decoration.line({ class: "cm-stuck-line", attributes: { "data-testid": "stuck-line" } });
class StuckNote extends WidgetType {
  constructor(mark) { super(); this.mark = mark; }
  eq(other) { return other.mark.note === this.mark.note && other.mark.why === this.mark.why; }
  toDOM() { return noteElement(this.mark); }
  ignoreEvent() { return false; }
}
const stuckLines = StateField.define({
  create: () => Decoration.none,
  update(marks, tr) {
    if (tr.docChanged) marks = Decoration.none;
    for (const e of tr.effects) if (e.is(setStuckLines)) marks = e.value;
    return marks;
  },
  provide: (f) => EditorView.decorations.from(f),
});

export function createEditor(textarea, { onRun, onChange, label }) {
  const parent = textarea.parentElement;
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: textarea.value,
      extensions: [
        Prec.highest(keymap.of([{ key: "Mod-Enter", run: () => { onRun(); return true; } }])),
        lineNumbers(),
        highlightActiveLineGutter(),
        highlightSpecialChars(),
        history(),
        drawSelection(),
        rectangularSelection(),
        indentOnInput(),
        indentUnit.of("    "),
        bracketMatching(),
        closeBrackets(),
        highlightActiveLine(),
        highlightSelectionMatches(),
        syntaxHighlighting(highlight),
        python(),
        errorLines,
        stuckLines,
        theme,
        // Tab indents; Esc then Tab moves focus on (CodeMirror's escape hatch).
        keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...searchKeymap, ...historyKeymap, indentWithTab]),
        EditorView.contentAttributes.of({ "aria-label": label, "data-testid": "code-editor" }),
        EditorView.updateListener.of((u) => { if (u.docChanged) onChange(); }),
      ],
    }),
  });
  textarea.hidden = true;
  return {
    view,
    getCode: () => view.state.doc.toString(),
    setCode: (code) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: code } }),
    focus: () => view.focus(),
    // markErrors marks lines (numbers from 1) of the program; [] clears.
    markErrors: (lines) => {
      const doc = view.state.doc;
      const marks = lines.filter((n) => n >= 1 && n <= doc.lines).sort((a, b) => a - b)
        .map((n) => errorLine.range(doc.line(n).from));
      view.dispatch({ effects: setErrorLines.of(Decoration.set(marks)) });
    },
    // markStuck marks lines where a stuck run's processes wait, each
    // {line, note, why}, with its note under it; [] clears.
    markStuck: (marks) => {
      const doc = view.state.doc;
      const ok = marks.filter((m) => m.line >= 1 && m.line <= doc.lines).sort((a, b) => a.line - b.line);
      const ranges = [];
      for (const m of ok) {
        const line = doc.line(m.line);
        ranges.push(stuckLine.range(line.from));
        ranges.push(Decoration.widget({ widget: new StuckNote(m), block: true, side: 1 }).range(line.to));
      }
      view.dispatch({ effects: setStuckLines.of(Decoration.set(ranges, true)) });
    },
  };
}
