package web

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"mpplayground/internal/testload"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The browser tests drive a real headless Chromium. Set CHROMIUM to its
// path if it is not on PATH as chromium; they skip without one, except when
// CI=true, where a missing browser fails them. Screenshots go to
// $WEB_E2E_ARTIFACTS (default: the test's temporary directory).
//
// e2eTimeout bounds a whole browser on a quiet machine, a net under the
// bound of each group of steps (stepsTimeout).
const e2eTimeout = 5 * time.Minute

func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no Chromium found and CI=true: install it (apt-get install -y chromium) or set CHROMIUM")
	}
	t.Skip("no Chromium found; install it (apt-get install -y chromium) or set CHROMIUM")
	return ""
}

func artifactsDir(t *testing.T) string {
	dir := os.Getenv("WEB_E2E_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// newBrowser starts a fresh headless Chromium with its own profile.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1440, 1000),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	// A busy machine slows the browser and the runs alike.
	ctx, cancelC := context.WithTimeout(ctx, testload.Scaled(t, e2eTimeout, 1500))
	t.Cleanup(func() { cancelC(); cancelB(); cancelA() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	// A script error on the page fails the test that caused it.
	chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*cdpruntime.EventExceptionThrown); ok {
			d := e.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			t.Errorf("page script error at %s:%d: %s", d.URL, d.LineNumber, msg)
		}
	})
	return ctx
}

func screenshot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 gives a PNG
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", p)
}

// waitJS polls a JavaScript condition until it holds or the deadline of
// the steps it is one of (see do) passes.
func waitJS(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](expr,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(0))
}

// stepsTimeout bounds one call of do on a quiet machine; it grows with
// the machine's load, measured as the steps start.
const stepsTimeout = 30 * time.Second

func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	stepsCtx, cancel := context.WithTimeout(ctx, testload.Scaled(t, stepsTimeout, 500))
	defer cancel()
	if err := chromedp.Do(stepsCtx, steps...); err != nil {
		t.Fatalf("%v; the page's status then: %s", err, pageStatus(ctx))
	}
}

// pageStatus is what the status line of the page says (its state and
// text), so that a wait for a run's end that fails tells how the run
// ended, if it did.
func pageStatus(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
		const e = document.querySelector('[data-testid=status]');
		return e ? (e.dataset.state || '(none)') + ' "' + e.textContent.trim() + '"' : '(no status line)'; })()`))
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	return s
}

func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

func css(sel string) chromedp.CSS { return chromedp.CSS(sel) }

// typeProgram replaces the program in the editor by typing it, as a learner
// does ("\r" is Enter; the editor indents after a colon, so a program is
// typed flat).
func typeProgram(program string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Click(css(".cm-content")),
		chromedp.KeyEvent("a", chromedp.KeyModifiers(chromedp.ModifierCtrl)),
		chromedp.KeyEvent(program),
	)
}

const (
	online   = `document.querySelector('[data-testid=connection]').dataset.state === 'online'`
	finished = `document.querySelector('[data-testid=status]').dataset.state === 'ok'`
)

// openLesson loads a lesson page and waits for the editor and the socket.
func openLesson(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	do(t, ctx,
		chromedp.Navigate(url),
		chromedp.WaitVisible(css(".cm-editor .cm-lineNumbers")),
		waitJS(online),
	)
}

func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a browser")
	}
	app, ts := MustServer(t, Config{})
	dir := artifactsDir(t)
	ctx := newBrowser(t)

	t.Run("RunShowsTheProcessesAndTheirOutput", func(t *testing.T) {
		openLesson(t, ctx, ts.URL+"/lessons/pool")
		// The prose's Python is coloured by the page.
		if n := eval[int](t, ctx, `document.querySelectorAll('[data-testid=prose] code.language-python .tok-keyword').length`); n == 0 {
			t.Error("the prose's code is not coloured")
		}
		do(t, ctx, chromedp.Click(css("[data-testid=run]")), waitJS(finished))
		nodes := eval[int](t, ctx, `document.querySelectorAll('[data-testid=proc-node]').length`)
		badges := eval[int](t, ctx, `document.querySelectorAll('[data-testid=output-line] [data-testid=pid-badge]').length`)
		lanes := eval[int](t, ctx, `document.querySelectorAll('[data-testid=timeline] [data-testid=lane]').length`)
		status := eval[string](t, ctx, `document.querySelector('[data-testid=status-text]').textContent`)
		state := eval[string](t, ctx, `document.querySelector('[data-testid=proc-node]').dataset.state`)
		if nodes < 3 {
			t.Errorf("%d process nodes, want at least 3", nodes)
		}
		if badges < 3 {
			t.Errorf("%d output lines with pid badges", badges)
		}
		if lanes != nodes {
			t.Errorf("%d timeline lanes for %d processes", lanes, nodes)
		}
		if !strings.Contains(status, "Finished") {
			t.Errorf("status %q", status)
		}
		if state != "ok" {
			t.Errorf("main process node state %q", state)
		}
		// Every label of the time axis lies within the timeline.
		if clipped := eval[int](t, ctx, `(() => { const svg = document.querySelector('[data-testid=timeline] svg'); const box = svg.getBoundingClientRect();
			return [...svg.querySelectorAll('.axis text')].filter(t => { const r = t.getBoundingClientRect(); return r.right > box.right + 0.5 || r.left < box.left - 0.5; }).length; })()`); clipped != 0 {
			t.Errorf("%d labels of the time axis are cut by the timeline's edge", clipped)
		}
		screenshot(t, ctx, dir, "lesson-pool-finished.png")

		t.Run("TheFilterShowsOneProcess", func(t *testing.T) {
			visible := eval[bool](t, ctx, `(() => {
				const sel = document.querySelector('[data-testid=filter]');
				// A process that printed something (which worker got the
				// tasks depends on timing), other than the first listed.
				const lines = [...document.querySelectorAll('[data-testid=output-line]')];
				const pids = [...sel.options].map(o => o.value).filter(v => v && lines.some(l => l.dataset.pid === v));
				const pid = pids[pids.length - 1];
				sel.value = pid; sel.dispatchEvent(new Event('change'));
				const shown = [...document.querySelectorAll('[data-testid=output-line]')].filter(l => !l.hidden);
				const ok = shown.length > 0 && shown.every(l => l.dataset.pid === pid);
				sel.value = ''; sel.dispatchEvent(new Event('change'));
				return ok; })()`)
			if !visible {
				t.Error("filtering by a process did not show only its lines")
			}
		})
	})

	t.Run("OutputIsShownAsText", func(t *testing.T) {
		do(t, ctx,
			// Type over the program, as a learner does.
			typeProgram("print('<img src=x onerror=alert(1)><b>bold</b>')"),
			chromedp.Click(css("[data-testid=run]")),
			waitJS(finished),
		)
		count := eval[int](t, ctx, `document.querySelectorAll('[data-testid=output] img, [data-testid=output] b').length`)
		text := eval[string](t, ctx, `document.querySelector('[data-testid=output]').textContent`)
		if count != 0 || !strings.Contains(text, "<b>bold</b>") {
			t.Errorf("output was parsed as HTML: %d elements, text %q", count, text)
		}
		do(t, ctx, chromedp.Click(css("[data-testid=reset]")))
	})

	t.Run("StopEndsALongRun", func(t *testing.T) {
		openLesson(t, ctx, ts.URL+"/lessons/sleep")
		do(t, ctx,
			// Run from the keyboard: Ctrl+Enter in the editor.
			chromedp.Click(css(".cm-content")),
			chromedp.KeyEvent(kb.Enter, chromedp.KeyModifiers(chromedp.ModifierCtrl)),
			waitJS(`[...document.querySelectorAll('[data-testid=output-line]')].some(l => l.textContent.includes('sleeping'))`),
			waitJS(`!document.querySelector('[data-testid=stop]').disabled`),
			chromedp.Sleep(300), // let the running clock tick once for the picture
			chromedp.Click(css("[data-testid=stop]")),
			waitJS(`document.querySelector('[data-testid=status]').dataset.state === 'stopped'`),
		)
		status := eval[string](t, ctx, `document.querySelector('[data-testid=status-text]').textContent`)
		state := eval[string](t, ctx, `document.querySelector('[data-testid=proc-node]').dataset.state`)
		// A stopped run is shown whole, not zoomed to where things flowed.
		if eval[string](t, ctx, `document.querySelector('[data-testid=zoom-all]').getAttribute('aria-pressed')`) != "true" {
			t.Error("the timeline of a stopped run is not shown whole")
		}
		if !strings.Contains(status, "Stopped") {
			t.Errorf("status %q", status)
		}
		if state != "killed" {
			t.Errorf("the stopped process shows %q", state)
		}
		screenshot(t, ctx, dir, "lesson-sleep-stopped.png")
	})

	t.Run("InputReachesTheProgram", func(t *testing.T) {
		openLesson(t, ctx, ts.URL+"/lessons/sleep")
		do(t, ctx,
			typeProgram("print('hello', input('name? '))"),
			chromedp.Click(css("[data-testid=run]")),
			// The prompt shows that the program waits for its input; the
			// page has settled around the field by then.
			waitJS(`document.querySelector('[data-testid=output]').textContent.includes('name?')`),
			chromedp.WaitEnabled(css("[data-testid=stdin]")),
			chromedp.SendKeys(css("[data-testid=stdin]"), "Ada\r"),
			waitJS(finished),
		)
		if text := eval[string](t, ctx, `document.querySelector('[data-testid=output]').textContent`); !strings.Contains(text, "hello Ada") {
			t.Errorf("output %q", text)
		}
		do(t, ctx, chromedp.Click(css("[data-testid=reset]")))
	})

	t.Run("SpawnedChildrenKeepTheirNames", func(t *testing.T) {
		openLesson(t, ctx, ts.URL+"/lessons/sleep")
		do(t, ctx,
			typeProgram("import multiprocessing as mp\r"+
				"if __name__ == '__main__': [(p := mp.get_context(m).Process(target=print, name=m + '-child'), p.start(), p.join()) for m in ('spawn', 'forkserver')]\r"),
			chromedp.Click(css("[data-testid=run]")),
			waitJS(finished),
		)
		names := eval[string](t, ctx, `[...document.querySelectorAll('[data-testid=proc-node]')].map(n => n.querySelector('.name').textContent + (n.dataset.helper ? '*' : '')).sort().join(' ')`)
		if names != "MainProcess forkserver* forkserver-child resource_tracker* spawn-child" {
			t.Errorf("the tree names the processes %q", names)
		}
		do(t, ctx, chromedp.Click(css("[data-testid=reset]")))
	})

	t.Run("ManyLinesDoNotFreezeThePage", func(t *testing.T) {
		const lines = 10000
		openLesson(t, ctx, ts.URL+"/lessons/sleep")
		do(t, ctx,
			typeProgram(fmt.Sprintf("for i in range(%d): print(i)\r", lines)),
		)
		start := time.Now()
		do(t, ctx, chromedp.Click(css("[data-testid=run]")), waitJS(finished))
		took := time.Since(start)
		status := eval[string](t, ctx, `document.querySelector('[data-testid=status-text]').textContent`)
		t.Logf("%d lines: the page showed the end %v after Run (%s)", lines, took.Round(time.Millisecond), status)
		// The run itself takes about half a second here; drawing its lines
		// must not take many times as long (it took 41 s when each line
		// forced a layout).
		if limit := testload.Scaled(t, 4*time.Second, 60); took > limit {
			t.Errorf("the page took %v to show the end of a run of %d lines; the bound is %v", took, lines, limit)
		}
		last := eval[string](t, ctx, `[...document.querySelectorAll('[data-testid=output-line]')].pop()?.textContent || ''`)
		if !strings.HasSuffix(last, fmt.Sprint(lines-1)) {
			t.Errorf("the last line shown is %q", last)
		}
		do(t, ctx, chromedp.Click(css("[data-testid=reset]")))
	})

	t.Run("TheErrorsLineIsMarked", func(t *testing.T) {
		openLesson(t, ctx, ts.URL+"/lessons/sleep")
		for _, tc := range []struct{ program, bad string }{
			{"x = 1\rprint(y)\r", "print(y)"}, // a NameError in the main process
			{"x = 1\rx = = 2\r", "x = = 2"},   // a syntax error
		} {
			do(t, ctx,
				typeProgram(tc.program),
				chromedp.Click(css("[data-testid=run]")),
				waitJS(`document.querySelector('[data-testid=status]').dataset.state === 'error'`),
				waitJS(`!!document.querySelector('.cm-content [data-testid=error-line]')`),
			)
			// The marked line is the one the traceback names.
			if got := eval[string](t, ctx, `document.querySelector('.cm-content [data-testid=error-line]').textContent`); got != tc.bad {
				t.Errorf("%q: the line %q is marked, want %q", tc.program, got, tc.bad)
			}
			// Typing clears the mark.
			do(t, ctx, chromedp.Click(css(".cm-content")), chromedp.KeyEvent(" "))
			if eval[bool](t, ctx, `!!document.querySelector('.cm-content [data-testid=error-line]')`) {
				t.Error("the mark stays after the program changed")
			}
		}
		do(t, ctx, chromedp.Click(css("[data-testid=reset]")))
	})

	t.Run("AFailedChildIsSaid", func(t *testing.T) {
		openLesson(t, ctx, ts.URL+"/lessons/sleep")
		do(t, ctx,
			typeProgram("import multiprocessing as mp\rp = mp.Process(target=int, args=('x',))\rp.start(); p.join()\r"),
			chromedp.Click(css("[data-testid=run]")),
			waitJS(finished),
		)
		if s := eval[string](t, ctx, `document.querySelector('[data-testid=status-text]').textContent`); !strings.Contains(s, "a child process failed") {
			t.Errorf("status %q does not say that a child failed", s)
		}
		do(t, ctx, chromedp.Click(css("[data-testid=reset]")))
	})

	t.Run("AWaitingProcessIsMarked", func(t *testing.T) {
		openLesson(t, ctx, ts.URL+"/lessons/sleep")
		do(t, ctx,
			// A thread that sleeps could still put: the wait is no certain
			// deadlock, and the run goes on until it is stopped.
			typeProgram("import multiprocessing as mp, threading, time\rthreading.Thread(target=time.sleep, args=(60,), daemon=True).start()\rq = mp.Queue()\rq.get()\r"),
			chromedp.Click(css("[data-testid=run]")),
			waitJS(`!document.querySelector('[data-testid=proc-waiting]')?.hidden`),
			waitJS(`document.querySelectorAll('[data-testid=wait-span].open').length > 0`),
		)
		if s := eval[string](t, ctx, `document.querySelector('[data-testid=proc-waiting]').textContent`); !strings.Contains(s, "get") || !strings.Contains(s, "queue-1") {
			t.Errorf("the waiting process says %q", s)
		}
		screenshot(t, ctx, dir, "lesson-waiting.png")
		do(t, ctx,
			chromedp.Click(css("[data-testid=stop]")),
			waitJS(`document.querySelector('[data-testid=status]').dataset.state === 'stopped'`),
		)
		if eval[bool](t, ctx, `!!document.querySelector('[data-testid=proc-node][data-waiting]')`) {
			t.Error("a process is still shown waiting after the run ended")
		}
		do(t, ctx, chromedp.Click(css("[data-testid=reset]")))
	})

	t.Run("ADroppedConnectionShowsHowTheRunEnded", func(t *testing.T) {
		openLesson(t, ctx, ts.URL+"/lessons/sleep")
		do(t, ctx,
			chromedp.Click(css("[data-testid=run]")),
			waitJS(`[...document.querySelectorAll('[data-testid=output-line]')].some(l => l.textContent.includes('sleeping'))`),
		)
		app.dropConnections()
		do(t, ctx,
			waitJS(`document.querySelector('[data-testid=status]').dataset.state === 'stopped'`),
			waitJS(online),
		)
		status := eval[string](t, ctx, `document.querySelector('[data-testid=status-text]').textContent`)
		if !strings.Contains(status, "connection dropped") {
			t.Errorf("status %q", status)
		}
		if eval[bool](t, ctx, `document.querySelector('[data-testid=run]').disabled`) {
			t.Error("Run stays disabled after the reconnect")
		}
		screenshot(t, ctx, dir, "lesson-sleep-reconnected.png")
	})

	t.Run("ALessonOfTheCourse", func(t *testing.T) {
		course := realCourse(t)
		_, cts := MustServer(t, Config{Catalog: course, Checker: course})
		var slug string
		for _, l := range course.Lessons("en") {
			if strings.Contains(l.Example, "Pool(") {
				slug = l.Slug
				break
			}
		}
		if slug == "" {
			slug = course.Lessons("en")[0].Slug
		}
		do(t, ctx, chromedp.Navigate(cts.URL+"/"), chromedp.WaitVisible(css("[data-testid=lesson-list]")))
		screenshot(t, ctx, dir, "course-index.png")
		openLesson(t, ctx, cts.URL+"/lessons/"+slug)
		do(t, ctx,
			chromedp.Click(css("[data-testid=run]")),
			waitJS(`document.querySelector('[data-testid=status]').dataset.state !== 'idle' && document.querySelector('[data-playground]').dataset.phase === 'done'`),
		)
		if n := eval[int](t, ctx, `document.querySelectorAll('[data-testid=proc-node]').length`); n == 0 {
			t.Error("no process shown")
		}
		screenshot(t, ctx, dir, "course-"+slug+".png")
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
		openLesson(t, ctx, ts.URL+"/lessons/pool")
		do(t, ctx, chromedp.Click(css("[data-testid=run]")), waitJS(finished))
		if eval[bool](t, ctx, `document.documentElement.scrollWidth > window.innerWidth + 1`) {
			t.Error("the page is wider than a phone screen")
		}
		screenshot(t, ctx, dir, "lesson-pool-phone-dark.png")
		do(t, ctx, chromedp.Navigate(ts.URL+"/"), chromedp.WaitVisible(css("[data-testid=lesson-list]")))
		screenshot(t, ctx, dir, "index-phone-dark.png")
	})
}

func TestBrowserExerciseAndReplay(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a browser")
	}
	_, ex := mustCourseExercise(t)
	db := MustStore(t)
	_, base := MustStoredServer(t, db, Config{Catalog: realCourse(t), Checker: realCourse(t)})
	dir := artifactsDir(t)
	ctx := newBrowser(t)
	checksShown := `(() => { const c = document.querySelector('[data-testid=checks]');
		return !c.hidden && c.querySelectorAll('[data-testid=check]').length > 0; })()`

	t.Run("TheStarterRunsAndTheChecksShowWhatFailed", func(t *testing.T) {
		openLesson(t, ctx, base+"/lessons/"+checksLesson)
		do(t, ctx,
			chromedp.Click(css(`[data-testid=load-starter][data-exercise="`+checksExercise+`"]`)),
			waitJS(`document.querySelector('[data-testid=target]').dataset.exercise === '`+checksExercise+`'`),
		)
		if label := eval[string](t, ctx, `document.querySelector('[data-testid=target-label]').textContent`); !strings.Contains(label, ex.Title.In("en")) {
			t.Errorf("target label %q", label)
		}
		if code := eval[string](t, ctx, `document.querySelector('.cm-content').innerText`); !strings.Contains(code, "range(1, 3)") {
			t.Errorf("the starter is not in the editor: %q", code)
		}
		do(t, ctx, chromedp.Click(css("[data-testid=run]")), waitJS(checksShown))
		failed := eval[int](t, ctx, `document.querySelectorAll('[data-testid=check][data-passed=false]').length`)
		if failed == 0 {
			t.Error("no check failed for the starter")
		}
		if s := eval[string](t, ctx, `document.querySelector('[data-testid=checks-summary]').textContent`); !strings.Contains(s, "of") {
			t.Errorf("summary %q", s)
		}
		do(t, ctx, waitJS(`document.querySelectorAll('[data-testid=history-item]').length === 1`))
		screenshot(t, ctx, dir, "exercise-starter-checks.png")
	})

	t.Run("TheSolutionPassesEveryCheck", func(t *testing.T) {
		code, _ := json.Marshal(ex.Solution)
		do(t, ctx,
			chromedp.Evaluate[chromedp.Void](`localStorage.setItem('pg:draft:`+checksLesson+`:`+checksExercise+`', `+string(code)+`)`),
		)
		openLesson(t, ctx, base+"/lessons/"+checksLesson)
		do(t, ctx, chromedp.Click(css("[data-testid=run]")), waitJS(checksShown),
			waitJS(`document.querySelectorAll('[data-testid=history-item]').length === 2`))
		if n := eval[int](t, ctx, `document.querySelectorAll('[data-testid=check][data-passed=false]').length`); n != 0 {
			t.Errorf("%d checks failed for the reference solution", n)
		}
		if !eval[bool](t, ctx, `document.querySelector('[data-testid=checks]').dataset.passed === 'true'`) {
			t.Error("the checks card does not say passed")
		}
		if eval[int](t, ctx, `document.querySelectorAll('[data-testid=history-passed]').length`) != 1 {
			t.Error("the history does not mark the passing run")
		}
		screenshot(t, ctx, dir, "exercise-solution-passed.png")
	})

	t.Run("RestoreBringsBackAnEarlierProgram", func(t *testing.T) {
		do(t, ctx, chromedp.Click(css(`[data-testid=history-item]:last-child [data-testid=history-restore]`)))
		if code := eval[string](t, ctx, `document.querySelector('.cm-content').innerText`); !strings.Contains(code, "range(1, 3)") {
			t.Errorf("the starter's run was not restored: %q", code)
		}
	})

	t.Run("AStoredRunIsReplayed", func(t *testing.T) {
		do(t, ctx, chromedp.Click(css(`[data-testid=history-item]:first-child [data-testid=history-open]`)),
			chromedp.WaitVisible(css("[data-testid=replay]")),
			waitJS(`document.querySelector('[data-replay]').dataset.phase === 'done'`),
			waitJS(`document.querySelectorAll('[data-testid=lane]').length > 0`))
		nodes := eval[int](t, ctx, `document.querySelectorAll('[data-testid=proc-node]').length`)
		lanes := eval[int](t, ctx, `document.querySelectorAll('[data-testid=lane]').length`)
		lines := eval[int](t, ctx, `document.querySelectorAll('[data-testid=output-line]').length`)
		if nodes < 4 || lanes != nodes || lines < 6 {
			t.Errorf("replay shows %d processes, %d lanes, %d lines", nodes, lanes, lines)
		}
		if s := eval[string](t, ctx, `document.querySelector('[data-testid=status]').dataset.state`); s != "ok" {
			t.Errorf("status %q", s)
		}
		// The stored program is coloured, its lines numbered.
		if n := eval[int](t, ctx, `document.querySelectorAll('[data-testid=run-code] .line .ln').length`); n == 0 ||
			eval[int](t, ctx, `document.querySelectorAll('[data-testid=run-code] .tok-keyword').length`) == 0 {
			t.Errorf("the stored program shows %d numbered lines, or is not coloured", n)
		}
		screenshot(t, ctx, dir, "replay-at-once.png")
		do(t, ctx, chromedp.Click(css("[data-testid=play]")),
			waitJS(`document.querySelector('[data-replay]').dataset.phase === 'playing'`),
			waitJS(`document.querySelector('[data-replay]').dataset.phase === 'done'`))
		if n := eval[int](t, ctx, `document.querySelectorAll('[data-testid=proc-node]').length`); n != nodes {
			t.Errorf("real-speed replay shows %d processes, at once %d", n, nodes)
		}
		// "Open in editor" takes the stored program into its lesson's editor.
		const norm = `.replace(/\s+/g, ' ').trim()`
		stored := eval[string](t, ctx, `[...document.querySelectorAll('[data-testid=run-code] .line')].map(l => l.textContent.slice(l.querySelector('.ln').textContent.length)).join('')`+norm)
		// Without drafts, the lesson would open on its example.
		do(t, ctx, chromedp.Evaluate[chromedp.Void](`localStorage.clear()`), chromedp.Click(css("[data-testid=open-in-editor]")),
			chromedp.WaitVisible(css(".cm-editor .cm-lineNumbers")),
			waitJS(`document.querySelector('.cm-content').innerText`+norm+` === `+strconv.Quote(stored)))
		if search := eval[string](t, ctx, `location.search`); search != "" {
			t.Errorf("the address keeps %q after the program was opened", search)
		}
	})

	t.Run("HomeShowsTheProgress", func(t *testing.T) {
		do(t, ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(css("[data-testid=lesson-list]")))
		if eval[int](t, ctx, `document.querySelectorAll('[data-testid=progress-passed]').length`) != 1 {
			t.Error("the passed lesson is not marked")
		}
		screenshot(t, ctx, dir, "index-progress.png")
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
		openLesson(t, ctx, base+"/lessons/"+checksLesson)
		do(t, ctx, chromedp.Click(css("[data-testid=run]")), waitJS(checksShown))
		if eval[bool](t, ctx, `document.documentElement.scrollWidth > window.innerWidth + 1`) {
			t.Error("the lesson page is wider than a phone screen")
		}
		screenshot(t, ctx, dir, "exercise-phone-dark.png")
		href := eval[string](t, ctx, `document.querySelector('[data-testid=history-item] [data-testid=history-open]').getAttribute('href')`)
		do(t, ctx, chromedp.Navigate(base+href), chromedp.WaitVisible(css("[data-testid=replay]")),
			waitJS(`document.querySelector('[data-replay]').dataset.phase === 'done'`))
		if eval[bool](t, ctx, `document.documentElement.scrollWidth > window.innerWidth + 1`) {
			t.Error("the replay page is wider than a phone screen")
		}
		screenshot(t, ctx, dir, "replay-phone-dark.png")
	})

	t.Run("InChinese", func(t *testing.T) {
		openLesson(t, ctx, base+"/lessons/"+checksLesson+"?lang=zh")
		do(t, ctx, chromedp.Click(css("[data-testid=run]")), waitJS(checksShown))
		if s := eval[string](t, ctx, `document.querySelector('[data-testid=checks]').textContent`); !hasHan(s) {
			t.Errorf("checks not in Chinese: %q", s)
		}
		do(t, ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-testid=exercises]').scrollIntoView()`))
		screenshot(t, ctx, dir, "exercise-zh.png")
	})

	t.Run("TheExamplesChecksAreNeutralForAnotherProgram", func(t *testing.T) {
		// A lesson opened afresh has its example as the program; another
		// program is not judged by the example's checks as failed.
		do(t, ctx, chromedp.Evaluate[chromedp.Void](`localStorage.clear()`))
		openLesson(t, ctx, base+"/lessons/"+checksLesson)
		do(t, ctx,
			typeProgram("print('not the example')\r"),
			chromedp.Click(css("[data-testid=run]")), waitJS(checksShown))
		if !eval[bool](t, ctx, `document.querySelector('[data-testid=checks]').dataset.neutral === 'true'`) ||
			eval[int](t, ctx, `document.querySelectorAll('[data-testid=check].fail').length`) != 0 {
			t.Error("the example's checks are shown as failures of another program")
		}
		do(t, ctx, chromedp.Evaluate[chromedp.Void](`localStorage.clear()`))
	})
}
