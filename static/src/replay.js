// The replay page: a stored run fetched from /api/runs/<id> and fed to the
// same views as a live run, at once or at the speed it ran; then the time
// cursor steps through it (cursorview.js). A run still running when the
// page opened (data-live: the teacher opens a learner's run) is followed
// live from /api/runs/<id>/live until it ends, then shown as stored.
import { RunViews } from "./views.js";
import { tr } from "./strings.js";
import { localTimes } from "./checks.js";
import { markCodeView } from "./diagnosisview.js";
import { limitText } from "./limits.js";

const tickMS = 100; // ms between clock updates while replaying
const pollMS = 2000; // ms between looks at a running run that cannot be followed here

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
      limit.textContent = hit ? limitText(hit, document.documentElement.lang) : "";
      limit.dataset.kind = hit ? hit.kind || "" : "";
    }
    // The time cursor, also for a run that has no run.end.
    views.cursor.ready();
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

  // ended reloads the page once the followed run is stored: the page then
  // shows it as any stored run (its status, duration, checks). ended=1
  // keeps a run the store still calls running from being followed again.
  function ended() {
    const u = new URL(location.href);
    u.searchParams.set("ended", "1");
    location.replace(u);
  }

  // follow shows a running run as it goes, from the events the server keeps
  // of it; where it has none (another server's run), it looks at the
  // stored run every few seconds until it ends.
  function follow() {
    playBtn.disabled = allBtn.disabled = true;
    views.reset();
    root.dataset.phase = "following";
    let last = 0;
    const src = new EventSource(root.dataset.api + "/live");
    clock = setInterval(() => {
      views.tick();
      setStatus("running", tr("follow.live", { s: (views.now / 1000).toFixed(1) }));
    }, tickMS);
    setStatus("running", tr("follow.live", { s: "0.0" }));
    src.onmessage = (e) => {
      let batch;
      try { batch = JSON.parse(e.data); } catch { return; }
      for (const ev of Array.isArray(batch) ? batch : [batch]) {
        if (typeof ev.seq === "number") {
          if (ev.seq <= last) continue;
          last = ev.seq;
        }
        views.apply(ev);
      }
      // The run's clock is at least where its latest event was.
      views.start = Math.min(views.start, performance.now() - views.now);
      root.dataset.followed = String(last);
    };
    src.addEventListener("end", () => { src.close(); clearInterval(clock); ended(); });
    src.onerror = () => {
      if (src.readyState !== EventSource.CLOSED) return; // it reconnects by itself
      clearInterval(clock);
      root.dataset.phase = "polling";
      poll();
    };
  }

  function poll() {
    load().then((run) => {
      if (run.status !== "running") { ended(); return; }
      showAll();
      setStatus("running", tr("follow.lost"));
      timer = setTimeout(poll, pollMS);
    }).catch(() => setStatus("error", tr("loadFailed")));
  }

  function load() {
    return fetch(root.dataset.api, { headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(r.statusText))))
      .then((run) => {
        events = run.events || [];
        root.dataset.loaded = "true";
        return run;
      });
  }

  if ("live" in root.dataset && new URL(location.href).searchParams.get("ended") !== "1") {
    follow();
    return;
  }
  load()
    .then(() => { if ("autoplay" in root.dataset) play(); else showAll(); })
    .catch(() => setStatus("error", tr("loadFailed")));
}
