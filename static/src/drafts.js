// What the learner works on in a lesson, the example or one of its
// exercises, and a draft of each in localStorage: a reload, or coming
// back another day, finds the code as it was left.
const saveDelay = 300; // ms after the last edit before the draft is saved

export class Drafts {
  // example is the lesson's example program; exercises maps an exercise's
  // id to its title and starter code.
  constructor(lesson, example, exercises) {
    this.lesson = lesson;
    this.example = example;
    this.exercises = exercises;
    this.targetKey = `pg:target:${lesson}`;
    this.saveTimer = 0;
    // target is the exercise being worked on, "" for the lesson's example.
    let target = "";
    try { target = localStorage.getItem(this.targetKey) || ""; } catch { /* ignore */ }
    this.target = target in exercises ? target : "";
  }

  draftKey() {
    return this.target ? `pg:draft:${this.lesson}:${this.target}` : `pg:draft:${this.lesson}`;
  }

  startingCode() {
    return this.target ? this.exercises[this.target].starter : this.example;
  }

  savedOrStarting() {
    try {
      const draft = localStorage.getItem(this.draftKey());
      if (draft !== null) return draft;
    } catch { /* ignore */ }
    return this.startingCode();
  }

  // setTarget switches between the example and an exercise (an unknown id
  // is the example); the choice is kept for the next visit.
  setTarget(id) {
    this.target = id in this.exercises ? id : "";
    try { if (this.target) localStorage.setItem(this.targetKey, this.target); else localStorage.removeItem(this.targetKey); } catch { /* ignore */ }
  }

  // saveSoon saves getCode() as the draft of the target saveDelay after the
  // last call; code that is the starting code again removes the draft.
  saveSoon(getCode) {
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => {
      try {
        const code = getCode();
        if (code === this.startingCode()) localStorage.removeItem(this.draftKey()); else localStorage.setItem(this.draftKey(), code);
      } catch { /* storage may be unavailable */ }
    }, saveDelay);
  }

  // discard removes the target's draft.
  discard() {
    try { localStorage.removeItem(this.draftKey()); } catch { /* ignore */ }
  }
}
