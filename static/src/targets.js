// The target on the page: the label above the editor says whether the
// learner works on the example or an exercise, the exercise is marked, and
// switching puts the new target's draft in the editor.
import { tr } from "./strings.js";

export class Targets {
  constructor(root, drafts, editor) {
    const $ = (id) => root.querySelector(`[data-testid=${id}]`);
    this.root = root;
    this.drafts = drafts;
    this.editor = editor;
    this.el = $("target");
    this.label = $("target-label");
    this.toExample = $("to-example");
    this.checksCard = $("checks");
  }

  // open shows the target of the last visit and its draft.
  open() {
    const d = this.drafts;
    this.set(d.target);
    if (d.target || d.savedOrStarting() !== d.example) this.editor.setCode(d.savedOrStarting());
  }

  // set switches the target to id ("" for the example) and shows it.
  set(id) {
    const d = this.drafts;
    d.setTarget(id);
    this.el.dataset.exercise = d.target;
    this.label.textContent = d.target ? tr("target.exercise", { title: d.exercises[d.target].title }) : tr("target.example");
    this.toExample.hidden = !d.target;
    for (const ex of this.root.querySelectorAll("[data-testid=exercise]")) {
      ex.classList.toggle("active", ex.dataset.exercise === d.target);
    }
  }

  // switchTo moves to another target with its own draft; the checks shown
  // were those of the previous one.
  switchTo(id) {
    this.set(id);
    this.editor.setCode(this.drafts.savedOrStarting());
    this.checksCard.hidden = true;
    this.root.querySelector(".editor-card").scrollIntoView({ block: "nearest", behavior: "smooth" });
    this.editor.focus();
  }

  // reset puts the target's starting code back and forgets its draft.
  reset() {
    this.editor.setCode(this.drafts.startingCode());
    this.drafts.discard();
    this.editor.focus();
  }
}
