// The replay page: a stored run fetched from /api/runs/<id> and fed to the
// same views as a live run, at once or at the speed it ran.
import { RunViews } from "./views.js";
import { tr } from "./strings.js";
import { localTimes } from "./checks.js";
import { markCodeView } from "./diagnosisview.js";

const tickMS = 100; // ms between clock updates while replaying

export function startReplay(root) {
  const $ = (id) => root.querySelector(`[data-testid=${id}]`);
  const status = $("status"), statusText = $("status-text"), limit = $("status-limit");
  const playBtn = $("play"), allBtn = $("show-all"), copyBtn = $("copy-link");
  const code = $("run-code");
  const views = new RunViews(root, { markStuck: (marks) => markCodeView(code, marks) });
  let events = null, timer = 0, clock = 0;
  localTimes(root);

  function setStatus(state, text) {
    status.dataset.state = state;
    statusText.textContent = text;
  }

  function finish() {
    clearTimeout(timer); clearInterval(clock);
    root.dataset.phase = "done";
    performance.mark("replay-shown");
    const end = [...events].reverse().find((e) => e.type === "run.end");
    // The limit the run hit, as the live page shows it.
    const hit = events.find((e) => e.type === "limit");
    if (limit) {
      limit.hidden = !hit;
      limit.textContent = hit ? hit.message || hit.kind || "" : "";
      limit.dataset.kind = hit ? hit.kind || "" : "";
    }
    if (!end) { setStatus("stopped", tr("status.stopped", { ms: Math.round(views.now) })); return; }
    const st = end.status || "ok";
    const key = st === "limit" && hit && hit.kind === "deadlock" ? "status.deadlock" : "status." + st;
    setStatus(st, tr(key, { ms: Math.round(end.duration_ms ?? end.t ?? 0), code: end.exit_code ?? "", msg: end.message || "" }));
  }

  function showAll() {
    if (!events) return;
    clearTimeout(timer); clearInterval(clock);
    views.reset();
    for (const ev of events) views.apply(ev);
    finish();
  }

  function play() {
    if (!events) return;
    clearTimeout(timer); clearInterval(clock);
    views.reset();
    if (limit) limit.hidden = true;
    root.dataset.phase = "playing";
    const t0 = performance.now();
    let i = 0;
    const step = () => {
      const now = performance.now() - t0;
      while (i < events.length && (events[i].t ?? 0) <= now) views.apply(events[i++]);
      if (i >= events.length) { finish(); return; }
      timer = setTimeout(step, Math.max(0, Math.min(250, (events[i].t ?? 0) - (performance.now() - t0))));
    };
    clock = setInterval(() => {
      views.tick();
      setStatus("running", tr("replaying", { s: ((performance.now() - t0) / 1000).toFixed(1) }));
    }, tickMS);
    setStatus("running", tr("replaying", { s: "0.0" }));
    step();
  }

  playBtn.addEventListener("click", play);
  allBtn.addEventListener("click", showAll);
  copyBtn.addEventListener("click", async () => {
    const url = location.origin + location.pathname;
    const label = copyBtn.querySelector(".label");
    try {
      await navigator.clipboard.writeText(url);
      label.textContent = tr("copied");
      copyBtn.dataset.copied = "true";
    } catch {
      label.textContent = tr("copyFailed", { url });
    }
  });

  fetch(root.dataset.api, { headers: { Accept: "application/json" } })
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error(r.statusText))))
    .then((run) => {
      events = run.events || [];
      root.dataset.loaded = "true";
      if ("autoplay" in root.dataset) play(); else showAll();
    })
    .catch(() => setStatus("error", tr("loadFailed")));
}
