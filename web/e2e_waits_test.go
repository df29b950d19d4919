package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"mpplayground/event"
	"mpplayground/runner"
)

// Programs of the browser tests of waits and of why a run is stuck.
const (
	// waitQueueProgram: a consumer waits on an empty queue while the main
	// process sleeps, then gets the item the main process puts.
	waitQueueProgram = `import multiprocessing as mp
import time


def consumer(q):
    print("got", q.get(), flush=True)


if __name__ == "__main__":
    q = mp.Queue()
    c = mp.Process(target=consumer, args=(q,))
    c.start()
    time.sleep(3)
    q.put("hello")
    c.join()
`
	// lockOrderProgram: two processes take two locks in opposite orders;
	// the barrier makes sure each holds its first before it asks for the
	// second. Both wait at line 7.
	lockOrderProgram = `import multiprocessing as mp


def worker(first, second, ready):
    with first:
        ready.wait()
        with second:
            print("never printed")


if __name__ == "__main__":
    a = mp.Lock()
    b = mp.Lock()
    ready = mp.Barrier(2)
    p1 = mp.Process(target=worker, args=(a, b, ready))
    p2 = mp.Process(target=worker, args=(b, a, ready))
    p1.start()
    p2.start()
    p1.join()
    p2.join()
`
	lockOrderLine = "        with second:" // line 7
)

func waitsCatalog() *StaticCatalog {
	return &StaticCatalog{List: []Lesson{
		{Slug: "wait-queue", Number: 1, Title: "A consumer waits", Summary: "An empty queue.", Prose: "The consumer waits for the main process.\n", Example: waitQueueProgram},
		{Slug: "deadlock", Number: 2, Title: "Two locks", Summary: "Opposite orders.", Prose: "Each process holds a lock the other wants.\n", Example: lockOrderProgram},
	}}
}

// The page's view of who waits for whom, and of why a run is stuck.
const (
	graphCard  = `document.querySelector('[data-testid=waitgraph]')`
	graphState = graphCard + `.dataset.state`
	diagCard   = `document.querySelector('[data-testid=diagnosis]')`
	runDone    = `document.querySelector('[data-playground]').dataset.phase === 'done'`
	replayDone = `document.querySelector('[data-replay]').dataset.phase === 'done'`
	// consumerWaits: the graph shows a process waiting on queue-1, and
	// queue-1 waiting for the process that holds it (no one has put yet).
	consumerWaits = `(() => { const c = ` + graphCard + `; const edges = [...c.querySelectorAll('[data-testid=waitgraph-edge]')];
		return !c.hidden && c.dataset.state === 'live' && edges.some(e => e.dataset.to === 'o:queue-1') &&
			edges.some(e => e.dataset.from === 'o:queue-1'); })()`
	// holderLabel is what the arrow from queue-1 to its holder says.
	holderLabel = `[...document.querySelectorAll('[data-testid=waitgraph-edge]')].find(e => e.dataset.from === 'o:queue-1').textContent`
)

// Who waits for whom, drawn live and in a replay, on real runs.
func TestBrowserWaitGraph(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a browser")
	}
	db := MustStore(t)
	_, base := MustStoredServer(t, db, Config{Catalog: waitsCatalog()})
	dir := artifactsDir(t)
	ctx := newBrowser(t)

	t.Run("TheConsumerWaitsForTheQueueWhileTheRunGoes", func(t *testing.T) {
		openLesson(t, ctx, base+"/lessons/wait-queue")
		if !eval[bool](t, ctx, graphCard+`.hidden`) {
			t.Error("the graph shows before any run")
		}
		do(t, ctx, chromedp.Click(css("[data-testid=run]")), waitJS(consumerWaits))
		// The waiting process is the consumer, drawn waiting.
		pid := eval[string](t, ctx, `[...document.querySelectorAll('[data-testid=waitgraph-edge]')].find(e => e.dataset.to === 'o:queue-1').dataset.from`)
		if !eval[bool](t, ctx, `document.querySelector('[data-testid=waitgraph-proc][data-pid="`+strings.TrimPrefix(pid, "p:")+`"]').classList.contains('waiting')`) {
			t.Errorf("the process %s that waits is not drawn waiting", pid)
		}
		// No one has put yet: the main process, which made the queue and
		// will put, holds it.
		main := eval[string](t, ctx, `document.querySelector('[data-testid=proc-node]').dataset.pid`)
		if to := eval[string](t, ctx, `[...document.querySelectorAll('[data-testid=waitgraph-edge]')].find(e => e.dataset.from === 'o:queue-1').dataset.to`); to != "p:"+main {
			t.Errorf("queue-1 waits for %s, want the main process p:%s", to, main)
		}
		if s := eval[string](t, ctx, holderLabel); !strings.HasPrefix(s, "holds it?") {
			t.Errorf("the arrow to the queue's holder says %q", s)
		}
		if eval[bool](t, ctx, graphCard+`.dataset.cycle === 'true'`) {
			t.Error("a consumer that waits is drawn as a deadlock")
		}
		screenshotOf(t, ctx, dir, "waitgraph-live.png", ".views")
		do(t, ctx, waitJS(finished), waitJS(graphState+` === 'empty'`))
		if s := eval[string](t, ctx, `document.querySelector('[data-testid=waitgraph-note]').textContent`); !strings.Contains(s, "no process was left waiting") {
			t.Errorf("after the run the graph says %q", s)
		}
	})

	t.Run("AndInTheReplayOfTheStoredRun", func(t *testing.T) {
		do(t, ctx, waitJS(`document.querySelectorAll('[data-testid=history-item][data-status=ok]').length === 1`))
		href := eval[string](t, ctx, `document.querySelector('[data-testid=history-item] [data-testid=history-replay]').getAttribute('href')`)
		do(t, ctx, chromedp.Navigate(base+href), chromedp.WaitVisible(css("[data-testid=replay]")),
			waitJS(consumerWaits), waitJS(replayDone), waitJS(graphState+` === 'empty'`))
		// Shown at once, the finished run has nothing left waiting.
		do(t, ctx, chromedp.Click(css("[data-testid=show-all]")), waitJS(replayDone))
		if s := eval[string](t, ctx, graphState); s != "empty" {
			t.Errorf("the graph of the whole stored run is %q", s)
		}
	})

	t.Run("InChinese", func(t *testing.T) {
		openLesson(t, ctx, base+"/lessons/wait-queue?lang=zh")
		do(t, ctx, chromedp.Click(css("[data-testid=run]")), waitJS(consumerWaits))
		for _, sel := range []string{"[data-testid=waitgraph] h2", "[data-testid=waitgraph] .waits-hint", "[data-testid=waitgraph-proc] .wg-sub"} {
			if s := eval[string](t, ctx, `document.querySelector('`+sel+`').textContent`); !hasHan(s) {
				t.Errorf("%s is not in Chinese: %q", sel, s)
			}
		}
		if s := eval[string](t, ctx, holderLabel); !hasHan(s) {
			t.Errorf("the arrow to the queue's holder says %q", s)
		}
		screenshotOf(t, ctx, dir, "waitgraph-live-zh.png", ".views")
		do(t, ctx, waitJS(finished))
		openLesson(t, ctx, base+"/lessons/wait-queue?lang=en")
	})

	t.Run("ALoopOfLocksIsDrawn", func(t *testing.T) {
		openLesson(t, ctx, base+"/lessons/deadlock")
		// The run ends stuck: by the runner's deadlock limit, or else its
		// wall time.
		do(t, ctx, chromedp.Click(css("[data-testid=run]")), waitJS(runDone), waitJS(graphState+` === 'end'`))
		if !eval[bool](t, ctx, graphCard+`.dataset.cycle === 'true'`) {
			t.Fatal("the two processes' loop is not drawn as one")
		}
		if n := eval[int](t, ctx, `document.querySelectorAll('[data-testid=waitgraph-edge].cycle').length`); n != 4 {
			t.Errorf("%d arrows in the loop, want 4 (two processes, two locks)", n)
		}
		text := eval[string](t, ctx, `document.querySelector('[data-testid=waitgraph-cycle]').textContent`)
		if !strings.HasPrefix(text, "Deadlock: ") || !strings.Contains(text, "a (lock-") || !strings.Contains(text, "b (lock-") {
			t.Errorf("the loop is said %q", text)
		}
		screenshotOf(t, ctx, dir, "waitgraph-deadlock.png", ".views")

		// This needs the runner's diagnosis event (docs/events.md, "Why
		// a run is stuck").
		t.Run("AndTheRunnerSaysWhy", func(t *testing.T) {
			if !eval[bool](t, ctx, `!`+diagCard+`.hidden`) {
				t.Fatal("no diagnosis is shown: the runner sent none")
			}
			if p := eval[string](t, ctx, diagCard+`.dataset.pattern`); p != event.PatternLockOrder {
				t.Errorf("pattern %q, want %s", p, event.PatternLockOrder)
			}
			if s := eval[string](t, ctx, `document.querySelector('.cm-content [data-testid=stuck-line]')?.textContent || ''`); s != lockOrderLine {
				t.Errorf("the line marked is %q, want %q", s, lockOrderLine)
			}
			if k := eval[string](t, ctx, `document.querySelector('[data-testid=status-limit]').dataset.kind`); k != event.LimitDeadlock {
				t.Errorf("the run ended by the limit %q, want %s", k, event.LimitDeadlock)
			}
			screenshot(t, ctx, dir, "diagnosis-real.png")
		})
	})
}

// scriptedDeadlock plays the events of a run of lockOrderProgram that the
// runner found stuck: the waits, the diagnosis with the processes' stacks,
// the deadlock limit. The page's side of a diagnosis is tested with it,
// whatever the runner does.
func scriptedDeadlock() Executor {
	return ExecutorFunc(func(ctx context.Context, req runner.Request, emit func(event.Event)) runner.Result {
		ppid := func(p int) *int { return &p }
		code := func(c int) *int { return &c }
		ms := func(f float64) *float64 { return &f }
		frame := func(line int, fn string) event.Frame {
			return event.Frame{File: runner.ProgramFile, Line: line, Function: fn}
		}
		evs := []event.Event{
			{Type: event.TypeRunStart, RunID: req.RunID, Python: "3.11.2"},
			{Type: event.TypeProcStart, PID: 9, PPID: ppid(1), Name: "MainProcess", Via: "exec"},
			{Type: event.TypeProcStart, PID: 11, PPID: ppid(9), Name: "Process-1", Via: "fork"},
			{Type: event.TypeProcStart, PID: 13, PPID: ppid(9), Name: "Process-2", Via: "fork"},
			{Type: event.TypeLockAcquire, PID: 13, Name: "b", Lock: "lock-1", Object: "Lock", WaitedMS: ms(0.1)},
			{Type: event.TypeLockAcquire, PID: 11, Name: "a", Lock: "lock-2", Object: "Lock", WaitedMS: ms(0.2)},
			{Type: event.TypeWaitBegin, PID: 9, Object: "proc-11", Op: "join"},
			{Type: event.TypeWaitBegin, PID: 11, Object: "lock-1", Op: "acquire"},
			{Type: event.TypeWaitBegin, PID: 13, Object: "lock-2", Op: "acquire"},
			{Type: event.TypeDiagnosis, Pattern: event.PatternLockOrder, PIDs: []int{11, 13},
				Message: "Process 11 holds lock-2 (a) and waits for lock-1 (b), which process 13 holds while it waits for lock-2.",
				Stacks: map[int][]event.Frame{
					9:  {frame(19, "<module>")},
					11: {frame(17, "<module>"), frame(7, "worker")},
					13: {frame(18, "<module>"), frame(7, "worker")},
				}},
			{Type: event.TypeLimit, Kind: event.LimitDeadlock, Message: "Stopped: the processes were waiting for each other, and none could go on."},
			{Type: event.TypeProcExit, PID: 9, Signal: "SIGKILL"},
			{Type: event.TypeProcExit, PID: 13, Signal: "SIGKILL"},
			{Type: event.TypeProcExit, PID: 11, Signal: "SIGKILL"},
		}
		t := 0.0
		for i := range evs {
			t += 20
			evs[i].Seq, evs[i].T = int64(i+1), t
			emit(evs[i])
		}
		t += 5
		emit(event.Event{Seq: int64(len(evs) + 1), T: t, Type: event.TypeRunEnd, Status: event.StatusLimit, ExitCode: code(-9),
			DurationMS: ms(t), Message: "Stopped: the processes were waiting for each other, and none could go on."})
		return runner.Result{RunID: req.RunID, Status: event.StatusLimit, ExitCode: -9, Duration: time.Duration(t * float64(time.Millisecond)), Events: int64(len(evs) + 1)}
	})
}

// What the page shows of a diagnosis, live and in a replay, in English and
// Chinese, fed a diagnosis event of its own.
func TestBrowserDiagnosis(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a browser")
	}
	db := MustStore(t)
	_, base := MustStoredServer(t, db, Config{Catalog: waitsCatalog(), Executor: scriptedDeadlock()})
	dir := artifactsDir(t)
	ctx := newBrowser(t)
	text := func(sel string) string {
		t.Helper()
		return eval[string](t, ctx, `document.querySelector('`+sel+`')?.textContent || ''`)
	}
	// checkCard checks the card and the graph, in English or Chinese.
	checkCard := func(t *testing.T, zh bool) {
		t.Helper()
		d := diagnosisCatalogue[event.PatternLockOrder]["en"]
		if zh {
			d = diagnosisCatalogue[event.PatternLockOrder]["zh"]
		}
		if p := eval[string](t, ctx, diagCard+`.dataset.pattern`); p != event.PatternLockOrder {
			t.Errorf("pattern %q", p)
		}
		if s := text("[data-testid=diagnosis-title]"); s != d.Title {
			t.Errorf("title %q, want %q", s, d.Title)
		}
		if s := text("[data-testid=diagnosis-why]"); s != strings.ReplaceAll(d.Why, "`", "") {
			t.Errorf("why %q, want %q", s, d.Why)
		}
		if s := text("[data-testid=diagnosis-fix]"); s != strings.ReplaceAll(d.Fix, "`", "") {
			t.Errorf("fix %q, want %q", s, d.Fix)
		}
		if !strings.Contains(text("[data-testid=diagnosis-message]"), "Process 11 holds lock-2") {
			t.Error("the runner's sentence is not shown")
		}
		places := text("[data-testid=diagnosis-places]")
		if !strings.Contains(places, "11 Process-1") || !strings.Contains(places, "7") || !strings.Contains(places, "worker") {
			t.Errorf("the places say %q", places)
		}
		if zh != hasHan(text("[data-testid=diagnosis] h2")+text("[data-testid=diagnosis-places]")) {
			t.Errorf("the card's own words are not in the page's language: %q", text("[data-testid=diagnosis] h2"))
		}
		// Who waits for whom, as it was when the run was stopped.
		if eval[string](t, ctx, graphState) != "end" || !eval[bool](t, ctx, graphCard+`.dataset.cycle === 'true'`) {
			t.Error("the graph does not show the loop of the stopped run")
		}
		if s := text("[data-testid=waitgraph-cycle]"); !strings.Contains(s, "11 → b (lock-1) → 13 → a (lock-2) → 11") {
			t.Errorf("the loop is said %q", s)
		}
		// The limit's sentence is the run's end, in the page's language.
		sentence := map[bool]string{false: "waiting for each other", true: "死锁"}[zh]
		if k := eval[string](t, ctx, `document.querySelector('[data-testid=status-limit]').dataset.kind`); k != event.LimitDeadlock ||
			!strings.Contains(text("[data-testid=status-limit]"), sentence) {
			t.Errorf("the limit shown is %q: %q", k, text("[data-testid=status-limit]"))
		}
	}
	// stuckLines are the marked lines of the program, and their notes.
	stuckLines := func(scope string) (lines []string, notes []string) {
		lines = strings.Split(eval[string](t, ctx, `[...document.querySelectorAll('`+scope+` [data-testid=stuck-line]')].map(l => l.textContent.replace(/\n$/, '')).join('\n')`), "\n")
		notes = strings.Split(eval[string](t, ctx, `[...document.querySelectorAll('`+scope+` [data-testid=stuck-note]')].map(l => l.textContent).join('\n')`), "\n")
		return lines, notes
	}

	for _, lang := range []string{"en", "zh"} {
		zh := lang == "zh"
		t.Run("Live/"+lang, func(t *testing.T) {
			openLesson(t, ctx, base+"/lessons/deadlock?lang="+lang)
			do(t, ctx, chromedp.Click(css("[data-testid=run]")), waitJS(runDone),
				waitJS(`!`+diagCard+`.hidden`), waitJS(graphState+` === 'end'`))
			checkCard(t, zh)
			status := text("[data-testid=status-text]")
			if want := map[bool]string{false: "deadlock", true: "死锁"}[zh]; !strings.Contains(status, want) {
				t.Errorf("status %q does not say %q", status, want)
			}
			// The learner's line, with the explanation under it.
			lines, notes := stuckLines(".cm-content")
			if len(lines) != 1 || lines[0] != lockOrderLine {
				t.Errorf("marked lines %q, want the one of both workers, %q", lines, lockOrderLine)
			}
			title := diagnosisCatalogue[event.PatternLockOrder][lang].Title
			if len(notes) != 1 || !strings.Contains(notes[0], "11, 13") || !strings.Contains(notes[0], title) {
				t.Errorf("the note under the line says %q", notes)
			}
			screenshot(t, ctx, dir, "diagnosis-live-"+lang+".png")
			// Typing clears the marks.
			do(t, ctx, chromedp.Click(css(".cm-content")), chromedp.KeyEvent(" "))
			if n := eval[int](t, ctx, `document.querySelectorAll('.cm-content [data-testid=stuck-line], .cm-content [data-testid=stuck-note]').length`); n != 0 {
				t.Errorf("%d marks stay after the program changed", n)
			}
		})

		t.Run("Replay/"+lang, func(t *testing.T) {
			do(t, ctx, waitJS(`document.querySelectorAll('[data-testid=history-item]').length > 0`))
			href := eval[string](t, ctx, `document.querySelector('[data-testid=history-item] [data-testid=history-open]').getAttribute('href')`)
			do(t, ctx, chromedp.Navigate(base+href+"?lang="+lang), chromedp.WaitVisible(css("[data-testid=replay]")),
				waitJS(replayDone), waitJS(`!`+diagCard+`.hidden`), waitJS(graphState+` === 'end'`))
			checkCard(t, zh)
			lines, notes := stuckLines("[data-testid=run-code]")
			if len(lines) != 1 || !strings.HasSuffix(lines[0], lockOrderLine) || !strings.HasPrefix(lines[0], "7") {
				t.Errorf("marked lines of the stored program %q", lines)
			}
			if len(notes) != 1 || !strings.Contains(notes[0], "11, 13") {
				t.Errorf("the note under the stored line says %q", notes)
			}
			screenshot(t, ctx, dir, "diagnosis-replay-"+lang+".png")
		})
	}

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
		openLesson(t, ctx, base+"/lessons/deadlock?lang=en")
		do(t, ctx, chromedp.Click(css("[data-testid=run]")), waitJS(runDone), waitJS(`!`+diagCard+`.hidden`), waitJS(graphState+` === 'end'`))
		if eval[bool](t, ctx, `document.documentElement.scrollWidth > window.innerWidth + 1`) {
			t.Error("the page is wider than a phone screen")
		}
		screenshot(t, ctx, dir, "diagnosis-phone-dark.png")
		screenshotOf(t, ctx, dir, "waitgraph-phone-dark.png", "[data-testid=waitgraph]")
	})
}
