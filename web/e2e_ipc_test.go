package web

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"mpplayground/internal/testload"
)

const (
	// maxFrameGapMS is the longest the page may be busy in one go (a long
	// task) while a run's IPC events, as many as it may report, come in
	// or are replayed, on a quiet machine; frameGapUnits of the machine's
	// unit of work on a busy one, where the browser's main thread waits
	// for a core as the task runs (frameGapBound).
	maxFrameGapMS = 1000
	frameGapUnits = 50
	// maxDrawnInTest is maxDrawn of static/src/timeline.js.
	maxDrawnInTest = 400
)

// drawn: the timeline shows the finished run (not a picture drawn while it
// ran).
const drawn = `document.querySelector('[data-testid=timeline]').dataset.complete === 'true'`

// watchLongTasks records in window.__long the longest task that kept the
// page from answering; it runs as each page starts.
const watchLongTasks = `(() => {
	window.__long = 0; window.__tasks = 0;
	new PerformanceObserver((list) => {
		for (const e of list.getEntries()) { window.__long = Math.max(window.__long, e.duration); window.__tasks++; }
	}).observe({ type: "longtask", buffered: true }); })()`

// What the page shows of the IPC events, in a real browser, live and
// replayed.
func TestBrowserIPC(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a browser")
	}
	db := MustStore(t)
	_, base := MustStoredServer(t, db, Config{Catalog: ipcCatalog()})
	dir := artifactsDir(t)
	ctx := newBrowser(t)
	count := func(t *testing.T, sel string) int {
		t.Helper()
		return eval[int](t, ctx, `document.querySelectorAll('`+sel+`').length`)
	}
	runLesson := func(t *testing.T, slug string) {
		t.Helper()
		openLesson(t, ctx, base+"/lessons/"+slug)
		do(t, ctx, chromedp.Click(css("[data-testid=run]")), waitJS(finished), waitJS(drawn),
			waitJS(`!document.querySelector('[data-testid=ipc]').hidden`))
	}
	tip := `document.querySelector('[data-testid=ipc-tip]')`

	t.Run("AQueueShowsAnArrowPerItem", func(t *testing.T) {
		runLesson(t, "queue")
		if n := count(t, `[data-testid=ipc-arrow]`); n != 3 {
			t.Errorf("%d arrows, want 3", n)
		}
		if n := count(t, `[data-testid=ipc-arrow].in-flight`); n != 0 {
			t.Errorf("%d items shown as never taken", n)
		}
		if n := count(t, `[data-testid=ipc-rail][data-obj=queue-1]`); n != 1 {
			t.Errorf("%d rails for queue-1", n)
		}
		if s := eval[string](t, ctx, `document.querySelector('[data-testid=ipc-object][data-obj=queue-1]')?.textContent || ''`); !strings.Contains(s, "3 messages") {
			t.Errorf("the panel says %q of queue-1", s)
		}
		// The queue is named as the program names it; its id is in the title.
		if s := eval[string](t, ctx, `(() => { const e = document.querySelector('[data-testid=ipc-object][data-obj=queue-1] .ipc-id'); return e ? e.textContent + '|' + e.title : ''; })()`); s != "q|queue-1" {
			t.Errorf("the panel names queue-1 %q, want the program's name q", s)
		}
		// The rail lies between the two lanes.
		between := eval[bool](t, ctx, `(() => {
			const y = (el) => el.getBoundingClientRect().top;
			const lanes = [...document.querySelectorAll('[data-testid=lane]')].map(y);
			const rail = y(document.querySelector('[data-testid=ipc-rail]'));
			return lanes.length === 2 && lanes[0] < rail && rail < lanes[1]; })()`)
		if !between {
			t.Error("the queue's rail is not between the lanes of its processes")
		}
		screenshot(t, ctx, dir, "ipc-queue.png")
		screenshotOf(t, ctx, dir, "ipc-queue-views.png", ".views")

		t.Run("TheKeyboardStepsThroughTheItems", func(t *testing.T) {
			// Focused from the page itself, in one step: a redraw (the
			// screenshots above resize the view) replaces the timeline's
			// nodes, so a node looked up first may be gone when focused.
			// The page keeps the focus across its own redraws.
			do(t, ctx, waitJS(`(() => {
				const e = document.querySelector('[data-testid=timeline] .ipc-item[tabindex="0"]');
				if (e && !e.contains(document.activeElement)) e.focus();
				return !!e && e.contains(document.activeElement); })()`),
				waitJS(`!`+tip+`.hidden`))
			first := eval[string](t, ctx, tip+`.textContent`)
			if !strings.Contains(first, "'item 0'") || !strings.Contains(first, "waited") {
				t.Errorf("tooltip %q", first)
			}
			do(t, ctx, chromedp.KeyEvent(kb.ArrowRight))
			if s := eval[string](t, ctx, tip+`.textContent`); !strings.Contains(s, "'item 1'") {
				t.Errorf("after → the tooltip says %q", s)
			}
			screenshotOf(t, ctx, dir, "ipc-queue-tooltip.png", ".timeline-card")
			do(t, ctx, chromedp.KeyEvent(kb.Escape))
		})

		t.Run("ThePanelPicksOutAnObject", func(t *testing.T) {
			do(t, ctx, chromedp.Click(css(`[data-testid=ipc-object][data-obj=queue-1] button`)))
			if !eval[bool](t, ctx, `document.querySelector('[data-testid=timeline] svg').classList.contains('dim')`) {
				t.Error("picking queue-1 did not single it out")
			}
			if p := eval[string](t, ctx, `document.querySelector('[data-testid=ipc-object] button').getAttribute('aria-pressed')`); p != "true" {
				t.Errorf("aria-pressed %q", p)
			}
			do(t, ctx, chromedp.Click(css(`[data-testid=ipc-object][data-obj=queue-1] button`)))
		})
	})

	t.Run("ThePoolShowsItsTasksOnTheWorkers", func(t *testing.T) {
		runLesson(t, "tasks")
		bars := count(t, `[data-testid=task-bar]`)
		failed := count(t, `[data-testid=task-bar][data-state=failed]`)
		if bars != 8 || failed != 1 {
			t.Errorf("%d task bars (%d failed), want 8 (1 failed)", bars, failed)
		}
		// Each bar lies on the lane of a worker, not of the main process.
		onWorkers := eval[bool](t, ctx, `(() => {
			const lanes = [...document.querySelectorAll('[data-testid=lane]')].map(l => l.querySelector('.lane-bg').getBoundingClientRect());
			return [...document.querySelectorAll('[data-testid=task-bar] rect')].every(r => {
				const b = r.getBoundingClientRect();
				const i = lanes.findIndex(l => b.top >= l.top - 1 && b.bottom <= l.bottom + 1);
				return i > 0; }); })()`)
		if !onWorkers {
			t.Error("a task bar is not on a worker's lane")
		}
		if s := eval[string](t, ctx, `document.querySelector('[data-testid=task-bar] text')?.textContent || ''`); s != "work" {
			t.Errorf("task label %q, want the function's name", s)
		}
		if !eval[bool](t, ctx, `!!document.querySelector('[data-testid=task-submits]')`) {
			t.Error("the submits are not marked on the submitter's lane")
		}
		screenshot(t, ctx, dir, "ipc-pool.png")
		screenshotOf(t, ctx, dir, "ipc-pool-views.png", ".views")
	})

	t.Run("LocksAndSharedValues", func(t *testing.T) {
		runLesson(t, "shared")
		if n := count(t, `[data-testid=lock-span]`); n != 6 {
			t.Errorf("%d lock spans, want 6", n)
		}
		if n := count(t, `[data-testid=ipc-arrow]`); n != 2 {
			t.Errorf("%d pipe arrows, want 2", n)
		}
		if n := count(t, `[data-testid=value-row]`); n != 2 {
			t.Errorf("%d shared-value rows, want 2 (value-1, array-1)", n)
		}
		hist := eval[string](t, ctx, `document.querySelector('[data-testid=ipc-object][data-obj=value-1] [data-testid=value-history]')?.textContent || ''`)
		if !strings.Contains(hist, "33") {
			t.Errorf("value-1's history %q does not end at 33", hist)
		}
		screenshot(t, ctx, dir, "ipc-shared.png")
		screenshotOf(t, ctx, dir, "ipc-shared-views.png", ".views")
	})

	t.Run("TheCheckboxSwitchesThemOff", func(t *testing.T) {
		openLesson(t, ctx, base+"/lessons/queue")
		do(t, ctx, chromedp.Click(css("[data-testid=ipc-toggle]")),
			chromedp.Click(css("[data-testid=run]")), waitJS(finished), waitJS(drawn))
		if n := count(t, `[data-testid=ipc-arrow]`); n != 0 {
			t.Errorf("%d arrows with IPC events off", n)
		}
		if !eval[bool](t, ctx, `document.querySelector('[data-testid=ipc]').hidden`) {
			t.Error("the objects panel shows with IPC events off")
		}
		// The choice is kept for the next page.
		openLesson(t, ctx, base+"/lessons/queue")
		if eval[bool](t, ctx, `document.querySelector('[data-testid=ipc-toggle]').checked`) {
			t.Error("the checkbox forgot that IPC events are off")
		}
		do(t, ctx, chromedp.Click(css("[data-testid=ipc-toggle]")))
	})

	t.Run("AReplayShowsThemToo", func(t *testing.T) {
		openLesson(t, ctx, base+"/lessons/queue")
		do(t, ctx, waitJS(`document.querySelectorAll('[data-testid=history-item][data-status=ok]').length >= 2`))
		// The history is newest first; the run with IPC events is the
		// second newest.
		href := eval[string](t, ctx, `document.querySelectorAll('[data-testid=history-item] [data-testid=history-open]')[1].getAttribute('href')`)
		do(t, ctx, chromedp.Navigate(base+href), chromedp.WaitVisible(css("[data-testid=replay]")),
			waitJS(`document.querySelector('[data-replay]').dataset.phase === 'done'`), waitJS(drawn),
			waitJS(`document.querySelectorAll('[data-testid=ipc-arrow]').length === 3`))
		screenshot(t, ctx, dir, "ipc-replay.png")
	})

	t.Run("ManyEventsKeepThePageResponsive", func(t *testing.T) {
		// Every page from now on records its longest task from the start.
		script, err := chromedp.Call(ctx, cdppage.AddScriptToEvaluateOnNewDocument,
			cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: watchLongTasks})
		if err != nil {
			t.Fatal(err)
		}
		defer chromedp.Call(ctx, cdppage.RemoveScriptToEvaluateOnNewDocument,
			cdppage.RemoveScriptToEvaluateOnNewDocumentParams{Identifier: script.Identifier})
		openLesson(t, ctx, base+"/lessons/many")
		do(t, ctx, chromedp.Click(css("[data-testid=run]")), waitJS(finished), waitJS(drawn),
			waitJS(`!document.querySelector('[data-testid=ipc-note]').hidden`),
			chromedp.Sleep(300))
		gap := eval[float64](t, ctx, `window.__long`)
		t.Logf("longest task while the events streamed: %.0f ms (%d long tasks)", gap, eval[int](t, ctx, `window.__tasks`))
		if bound := frameGapBound(t); gap > bound {
			t.Errorf("the page did not answer for %.0f ms (bound %.0f ms)", gap, bound)
		}
		note := eval[string](t, ctx, `document.querySelector('[data-testid=ipc-note]').textContent`)
		if !strings.Contains(note, "one by one") || !strings.Contains(note, "not shown") {
			t.Errorf("note %q does not say what is drawn and that events were cut", note)
		}
		if n := count(t, `[data-testid=ipc-arrow]`); n == 0 || n > maxDrawnInTest {
			t.Errorf("%d arrows drawn one by one", n)
		}
		if count(t, `[data-testid=ipc-band]`) == 0 {
			t.Error("no band shows all the messages")
		}
		screenshotOf(t, ctx, dir, "ipc-many-views.png", ".views")

		t.Run("AndTheirReplay", func(t *testing.T) {
			do(t, ctx, waitJS(`document.querySelectorAll('[data-testid=history-item]').length > 0`))
			href := eval[string](t, ctx, `document.querySelector('[data-testid=history-item] [data-testid=history-open]').getAttribute('href')`)
			do(t, ctx, chromedp.Navigate(base+href), chromedp.WaitVisible(css("[data-testid=replay]")),
				waitJS(`document.querySelector('[data-replay]').dataset.phase === 'done'`),
				waitJS(`!document.querySelector('[data-testid=ipc-note]').hidden`),
				chromedp.Sleep(300))
			// Show it all again, as the button does, and see how long
			// the page is busy.
			sync := eval[float64](t, ctx, `(() => { window.__long = 0;
				const t0 = performance.now();
				document.querySelector('[data-testid=show-all]').click();
				return performance.now() - t0; })()`)
			do(t, ctx, chromedp.Sleep(1500))
			long := eval[float64](t, ctx, `window.__long`)
			t.Logf("showing the stored events: %.0f ms to take them, longest task %.0f ms", sync, long)
			if bound := frameGapBound(t); max(sync, long) > bound {
				t.Errorf("the replay page did not answer for %.0f ms (bound %.0f ms)", max(sync, long), bound)
			}
		})
	})

	t.Run("PhoneWidthInDarkMode", func(t *testing.T) {
		if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}},
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
			Width: 390, Height: 844, DeviceScaleFactor: 2, Mobile: true,
		}); err != nil {
			t.Fatal(err)
		}
		defer chromedp.Call(ctx, emulation.ClearDeviceMetricsOverride, cdp.Empty{})
		defer chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{})
		runLesson(t, "shared")
		if eval[bool](t, ctx, `document.documentElement.scrollWidth > window.innerWidth + 1`) {
			t.Error("the page is wider than a phone screen")
		}
		screenshot(t, ctx, dir, "ipc-shared-phone-dark.png")
		screenshotOf(t, ctx, dir, "ipc-shared-phone-dark-views.png", ".views")
	})
}

// screenshotOf keeps a picture of one element (the views of a run), at
// twice the size so that its details can be read.
func screenshotOf(t *testing.T, ctx context.Context, dir, name, sel string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.ScreenshotScale(css(sel), 2))
	if err != nil {
		t.Fatalf("screenshot of %s: %v", sel, err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", p)
}

// frameGapBound is the longest task the page may have, in milliseconds:
// maxFrameGapMS on a quiet machine, more on a busy one.
func frameGapBound(t *testing.T) float64 {
	return float64(testload.Scaled(t, maxFrameGapMS*time.Millisecond, frameGapUnits).Milliseconds())
}
