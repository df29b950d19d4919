// The class grid of the teacher's class page: learners down, exercises
// across, pushed by the server on a Server-Sent Events stream whenever a
// learner of the class finishes a run (web/classes_live.go). A cell opens
// the learner's attempts at the exercise, rendered by the server.

// cellKey names a cell of the grid.
export function cellKey(member, column) {
  return member + "/" + column;
}

// indexCells maps cellKey to the cell.
export function indexCells(grid) {
  const m = new Map();
  for (const c of grid.cells || []) m.set(cellKey(c.m, c.c), c);
  return m;
}

// summarize counts each member's passed and stuck cells.
export function summarize(grid) {
  const out = new Map();
  for (const mb of grid.members || []) out.set(mb.id, { passed: 0, stuck: 0, attempts: 0 });
  for (const c of grid.cells || []) {
    const s = out.get(c.m);
    if (!s) continue;
    if (c.passed) s.passed++;
    if (c.stuck) s.stuck++;
    s.attempts += c.attempts;
  }
  return out;
}

// visibleMembers are the members to show, in order: those whose name
// holds filter (case-insensitively), only the stuck ones when onlyStuck,
// ordered by sort ("name", "passed", "stuck" or "joined"); ties go by name.
export function visibleMembers(grid, { filter = "", onlyStuck = false, sort = "name" } = {}) {
  const sums = summarize(grid);
  const f = filter.trim().toLocaleLowerCase();
  const byName = (a, b) => a.name.localeCompare(b.name) || a.id - b.id;
  const order = {
    name: byName,
    passed: (a, b) => sums.get(b.id).passed - sums.get(a.id).passed || byName(a, b),
    stuck: (a, b) => sums.get(b.id).stuck - sums.get(a.id).stuck || byName(a, b),
    joined: (a, b) => Date.parse(a.joined) - Date.parse(b.joined) || byName(a, b),
  }[sort] || byName;
  return (grid.members || [])
    .filter((m) => !f || m.name.toLocaleLowerCase().includes(f))
    .filter((m) => !onlyStuck || sums.get(m.id).stuck > 0)
    .sort(order);
}

// cellText is what a cell shows: a mark and the attempts.
export function cellText(cell) {
  if (!cell) return "";
  const mark = cell.passed ? "✓" : "✗";
  return mark + " " + cell.attempts + (cell.stuck ? " ⚠" : "");
}

const stuckKey = { fails: "stuckFails", limit: "stuckLimit", idle: "stuckIdle" };

function el(tag, attrs = {}, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v !== undefined && v !== null) e.setAttribute(k, String(v));
  }
  if (text !== undefined) e.textContent = text;
  return e;
}

// Grid draws one class's grid and keeps it live.
export class Grid {
  constructor(root, strings) {
    this.root = root;
    this.s = strings;
    this.table = root.querySelector("[data-grid-table]");
    this.filter = root.querySelector("[data-grid-filter]");
    this.stuck = root.querySelector("[data-grid-stuck]");
    this.sort = root.querySelector("[data-grid-sort]");
    this.panel = document.querySelector("[data-grid-attempts]");
    this.state = document.querySelector("[data-testid=grid-state]");
    this.grid = null;
    this.open = null; // the cell whose attempts are shown: {member, lesson, exercise, attempts}
    for (const input of [this.filter, this.stuck, this.sort]) {
      input?.addEventListener("input", () => this.draw());
      input?.addEventListener("change", () => this.draw());
    }
    this.table.addEventListener("click", (e) => {
      const b = e.target.closest("[data-testid=grid-cell]");
      if (b && this.table.contains(b)) this.showAttempts(b.dataset.member, b.dataset.lesson, b.dataset.exercise);
    });
    this.panel?.addEventListener("click", (e) => {
      if (e.target.closest("[data-grid-close]")) { this.panel.hidden = true; this.open = null; }
    });
  }

  // connect opens the stream; EventSource reconnects by itself.
  connect() {
    const es = new EventSource(this.root.dataset.events);
    es.addEventListener("grid", (e) => {
      try { this.update(JSON.parse(e.data)); } catch { return; }
      this.setState("live");
    });
    es.addEventListener("gone", () => {
      es.close();
      this.setState("gone");
    });
    es.addEventListener("error", () => this.setState("offline"));
    this.es = es;
  }

  setState(state) {
    if (!this.state) return;
    this.state.dataset.state = state;
    this.state.textContent = this.s[state] || state;
  }

  update(grid) {
    this.grid = grid;
    // The list of learners below is the server's, as the page was loaded.
    const stale = document.querySelector("[data-members-stale]");
    if (stale) stale.hidden = Number(stale.dataset.count) === grid.members.length;
    this.root.dataset.updated = String((Number(this.root.dataset.updated) || 0) + 1);
    this.draw();
    if (this.open) {
      const col = grid.columns.findIndex((c) => c.lesson === this.open.lesson && c.exercise === this.open.exercise);
      const cell = indexCells(grid).get(cellKey(Number(this.open.member), col));
      if (cell && cell.attempts !== this.open.attempts) this.showAttempts(this.open.member, this.open.lesson, this.open.exercise);
    }
  }

  draw() {
    const g = this.grid;
    if (!g) return;
    const members = visibleMembers(g, {
      filter: this.filter?.value || "",
      onlyStuck: !!this.stuck?.checked,
      sort: this.sort?.value || "name",
    });
    const cells = indexCells(g);
    const sums = summarize(g);
    const thead = el("thead");
    const hr = el("tr");
    hr.append(el("th", { scope: "col", class: "grid-name" }, this.s.learner));
    for (const c of g.columns) {
      const th = el("th", { scope: "col", title: c.lessonTitle + " / " + c.title, "data-lesson": c.lesson, "data-exercise": c.exercise });
      th.append(el("span", { class: "grid-lesson" }, c.number ? String(c.number) : c.lessonTitle), el("span", { class: "grid-ex" }, c.title));
      hr.append(th);
    }
    thead.append(hr);
    const tbody = el("tbody");
    if (members.length === 0) {
      const tr = el("tr");
      tr.append(el("td", { colspan: g.columns.length + 1, class: "empty", "data-testid": "grid-empty" },
        g.members.length === 0 ? this.s.noMembers : this.s.nobody));
      tbody.append(tr);
    }
    for (const m of members) {
      const tr = el("tr", { "data-testid": "grid-row", "data-member": m.id });
      const th = el("th", { scope: "row", class: "grid-name" });
      th.append(el("span", { "data-testid": "grid-member" }, m.name),
        el("span", { class: "muted grid-sum" }, " " + sums.get(m.id).passed + "/" + g.columns.length));
      tr.append(th);
      g.columns.forEach((col, i) => {
        const cell = cells.get(cellKey(m.id, i));
        const td = el("td");
        if (cell) {
          const label = [m.name, col.title, cell.passed ? this.s.passed : this.s.notYet,
            cell.attempts + " " + this.s.attempts, cell.stuck ? this.s[stuckKey[cell.stuck]] : ""].filter(Boolean).join(" · ");
          const b = el("button", {
            type: "button", class: "grid-cell " + (cell.passed ? "passed" : "failed") + (cell.stuck ? " stuck" : ""),
            "data-testid": "grid-cell", "data-member": m.id, "data-lesson": col.lesson, "data-exercise": col.exercise,
            "data-passed": cell.passed, "data-attempts": cell.attempts, "data-stuck": cell.stuck || "",
            title: label, "aria-label": label,
          }, cellText(cell));
          td.append(b);
        }
        tr.append(td);
      });
      tbody.append(tr);
    }
    this.table.replaceChildren(thead, tbody);
  }

  async showAttempts(member, lesson, exercise) {
    if (!this.panel) return;
    const q = new URLSearchParams({ member, lesson, exercise });
    const col = this.grid ? this.grid.columns.findIndex((c) => c.lesson === lesson && c.exercise === exercise) : -1;
    const cell = this.grid ? indexCells(this.grid).get(cellKey(Number(member), col)) : null;
    this.open = { member, lesson, exercise, attempts: cell ? cell.attempts : 0 };
    let res;
    try {
      res = await fetch(this.root.dataset.attempts + "?" + q.toString(), { credentials: "same-origin" });
    } catch {
      return;
    }
    if (!res.ok) return;
    // The server renders the panel, escaped (web/classroom.templ).
    this.panel.innerHTML = await res.text();
    this.panel.hidden = false;
    this.panel.scrollIntoView({ block: "nearest" });
  }
}

// startClassroom starts the grid of a class page.
export function startClassroom(root) {
  let strings = {};
  try { strings = JSON.parse(document.getElementById("grid-strings").textContent) || {}; } catch { /* English keys */ }
  const g = new Grid(root, strings);
  g.connect();
  return g;
}
