// The program's standard input while it runs: each line submitted is sent
// with its newline and shown in the output; the EOF button, or Ctrl-D in
// the field, ends the input.
export class StdinForm {
  // send sends the fields of a {"type":"stdin"} message.
  constructor(root, views, send) {
    const $ = (id) => root.querySelector(`[data-testid=${id}]`);
    this.form = $("stdin-form");
    this.input = $("stdin");
    this.eofBtn = $("eof");
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      const text = this.input.value;
      send({ text: text + "\n" });
      views.note(text, "stdin");
      this.input.value = "";
    });
    const eof = () => {
      send({ eof: true });
      this.input.disabled = true;
      this.eofBtn.disabled = true;
    };
    this.eofBtn.addEventListener("click", eof);
    this.input.addEventListener("keydown", (e) => {
      if (e.key === "d" && e.ctrlKey) { e.preventDefault(); eof(); }
    });
  }

  // focus puts the caret in the field: the program seems to wait for its
  // input (it wrote a prompt).
  focus() {
    if (this.form.hidden || this.input.disabled) return;
    this.input.focus({ preventScroll: true });
  }

  // show shows the form while the program accepts input; shown again, it
  // takes input again after an earlier run's EOF.
  show(acceptsInput) {
    if (this.form.hidden === acceptsInput) {
      this.form.hidden = !acceptsInput;
      this.input.disabled = false;
      this.eofBtn.disabled = false;
    }
  }
}
