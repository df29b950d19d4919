// The teacher view: fetch the list of runs again every few seconds and
// show start times in the teacher's own time zone. Plain script, no
// bundle: the page needs nothing else.
const feed = document.querySelector('[data-teacher-feed]');
const state = document.querySelector('[data-testid=teacher-state]');

function localTimes(root) {
  for (const t of root.querySelectorAll('time[datetime]')) {
    const d = new Date(t.getAttribute('datetime'));
    if (!Number.isNaN(d.getTime())) {
      t.textContent = d.toLocaleTimeString(document.documentElement.lang || undefined);
      t.title = d.toLocaleString(document.documentElement.lang || undefined);
    }
  }
}

function setState(s) {
  if (!state || state.dataset.state === s) return;
  state.dataset.state = s;
  state.textContent = state.dataset[s === 'live' ? 'labelLive' : 'labelOffline'];
}

async function refresh() {
  try {
    const res = await fetch(feed.dataset.teacherFeed, { credentials: 'same-origin', cache: 'no-store' });
    if (!res.ok) throw new Error(String(res.status));
    // The rows are rendered and escaped by the server.
    feed.innerHTML = await res.text();
    localTimes(feed);
    feed.dataset.refreshed = String((Number(feed.dataset.refreshed) || 0) + 1);
    setState('live');
  } catch {
    setState('offline');
  }
  setTimeout(refresh, Number(feed.dataset.every) || 3000);
}

if (feed) {
  localTimes(feed);
  setTimeout(refresh, Number(feed.dataset.every) || 3000);
}
