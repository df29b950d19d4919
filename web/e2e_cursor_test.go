package web

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"mpplayground/event"
	"mpplayground/internal/testload"
	"mpplayground/runner"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The time cursor in a replay, a running run followed live from its page
// (the teacher's view opens it), long lines of output, and the laptop
// layout with the views of what flows between processes. The runs are
// scripted (cursorRun), so the moments the cursor shows are known.

// cursorLong is the long line process 13 writes.
var cursorLong = "long " + strings.Repeat("0123456789", 40)

// cursorEvents are the events of the scripted run, t in ms. The comments
// give each event's index, as the cursor counts them.
func cursorEvents(runID string, lines int) []event.Event {
	pp := func(p int) *int { return &p }
	code := func(c int) *int { return &c }
	ms := func(f float64) *float64 { return &f }
	evs := []event.Event{
		{T: 0, Type: event.TypeRunStart, RunID: runID, Python: "3.11.2"},                                                             // 0
		{T: 1, Type: event.TypeProcStart, PID: 9, PPID: pp(1), Name: "MainProcess", Via: "exec"},                                     // 1
		{T: 2, Type: event.TypeOutput, PID: 9, Stream: "stdout", Text: "main starts\n"},                                              // 2
		{T: 10, Type: event.TypeProcStart, PID: 11, PPID: pp(9), Name: "Process-1", Via: "fork"},                                     // 3
		{T: 20, Type: event.TypeQueuePut, PID: 11, Queue: "queue-1", Object: "Queue", Msg: "m1", Summary: "'job 1'"},                 // 4
		{T: 30, Type: event.TypeQueuePut, PID: 11, Queue: "queue-1", Object: "Queue", Msg: "m2", Summary: "'job 2'"},                 // 5
		{T: 35, Type: event.TypeOutput, PID: 11, Stream: "stdout", Text: "put two\n"},                                                // 6
		{T: 40, Type: event.TypeLockAcquire, PID: 11, Lock: "lock-1", Object: "Lock", WaitedMS: ms(0)},                               // 7
		{T: 50, Type: event.TypeQueueGet, PID: 9, Queue: "queue-1", Object: "Queue", Msg: "m1", Summary: "'job 1'", WaitedMS: ms(0)}, // 8
		{T: 55, Type: event.TypeOutput, PID: 9, Stream: "stdout", Text: "got 'job 1'\n"},                                             // 9
		{T: 60, Type: event.TypeLockRelease, PID: 11, Lock: "lock-1", Object: "Lock"},                                                // 10
		{T: 70, Type: event.TypeProcStart, PID: 13, PPID: pp(9), Name: "Process-2", Via: "fork"},                                     // 11
		{T: 80, Type: event.TypeOutput, PID: 13, Stream: "stdout", Text: cursorLong + "\n"},                                          // 12
	}
	for k := 0; k < lines; k++ {
		evs = append(evs, event.Event{T: 81 + float64(k)/10, Type: event.TypeOutput, PID: 13, Stream: "stdout", Text: fmt.Sprintf("line %d\n", k)})
	}
	evs = append(evs,
		event.Event{T: 90, Type: event.TypeProcExit, PID: 11, Code: code(0)},
		event.Event{T: 95, Type: event.TypeProcExit, PID: 13, Code: code(0)},
		event.Event{T: 100, Type: event.TypeProcExit, PID: 9, Code: code(0)},
	)
	return evs
}

// cursorRun plays cursorEvents. A program that says "hold" stops after
// the events up to the first put (index 4) until a value comes on hold,
// with lines lines of output; its events are paced by pace.
func cursorRun(hold chan struct{}, lines int, pace time.Duration) Executor {
	return ExecutorFunc(func(ctx context.Context, req runner.Request, emit func(event.Event)) runner.Result {
		if strings.Contains(string(req.Program), "big") {
			return bigCursorRun(req, emit)
		}
		held := strings.Contains(string(req.Program), "hold")
		evs := cursorEvents(req.RunID, 0)
		if held {
			evs = cursorEvents(req.RunID, lines)
		}
		seq := int64(0)
		for i, ev := range evs {
			if held && i == 5 {
				select {
				case <-hold:
				case <-ctx.Done():
				}
			}
			if held && pace > 0 {
				time.Sleep(pace)
			}
			seq++
			ev.Seq = seq
			emit(ev)
		}
		seq++
		code, d := 0, 101.0
		emit(event.Event{Seq: seq, T: d, Type: event.TypeRunEnd, Status: event.StatusOK, ExitCode: &code, DurationMS: &d})
		return runner.Result{RunID: req.RunID, Status: event.StatusOK, Duration: 101 * time.Millisecond, Events: seq}
	})
}

// bigEvents is the number of events of the run a program that says "big"
// makes: eight workers put on a queue the main process gets from, take a
// lock in turn and print (static/src/cursor.bench.js's bigRun).
const bigEvents = 100000

func bigCursorRun(req runner.Request, emit func(event.Event)) runner.Result {
	pp := func(p int) *int { return &p }
	ms := func(f float64) *float64 { return &f }
	seq := int64(0)
	send := func(ev event.Event) {
		seq++
		ev.Seq = seq
		emit(ev)
	}
	send(event.Event{Type: event.TypeRunStart, RunID: req.RunID, Python: "3.11.2"})
	send(event.Event{Type: event.TypeProcStart, PID: 1, PPID: pp(0), Name: "MainProcess", Via: "exec"})
	for w := 2; w < 10; w++ {
		send(event.Event{T: float64(w), Type: event.TypeProcStart, PID: w, PPID: pp(1), Name: fmt.Sprintf("Process-%d", w-1), Via: "fork"})
	}
	msg, got := 0, 0
	for i := int(seq); i < bigEvents-10; i++ {
		pid, t := 2+i%8, float64(i)/10
		switch i % 5 {
		case 0:
			msg++
			send(event.Event{T: t, Type: event.TypeQueuePut, PID: pid, Queue: "queue-1", Object: "Queue", Msg: fmt.Sprintf("m%d", msg), Summary: fmt.Sprint(msg)})
		case 1:
			send(event.Event{T: t, Type: event.TypeOutput, PID: pid, Stream: "stdout", Text: fmt.Sprintf("line %d\n", i)})
		case 2:
			if got < msg-20 {
				got++
				send(event.Event{T: t, Type: event.TypeQueueGet, PID: 1, Queue: "queue-1", Object: "Queue", Msg: fmt.Sprintf("m%d", got), WaitedMS: ms(0)})
			} else {
				send(event.Event{T: t, Type: event.TypeOutput, PID: pid, Stream: "stdout", Text: "x"})
			}
		case 3:
			send(event.Event{T: t, Type: event.TypeLockAcquire, PID: pid, Lock: "lock-1", Object: "Lock", WaitedMS: ms(0)})
		case 4:
			send(event.Event{T: t, Type: event.TypeLockRelease, PID: pid, Lock: "lock-1", Object: "Lock"})
		}
	}
	code, d := 0, float64(bigEvents)/10
	for w := 2; w < 10; w++ {
		send(event.Event{T: d - 1, Type: event.TypeProcExit, PID: w, Code: &code})
	}
	send(event.Event{T: d - 0.5, Type: event.TypeProcExit, PID: 1, Code: &code})
	send(event.Event{T: d, Type: event.TypeRunEnd, Status: event.StatusOK, ExitCode: &code, DurationMS: &d})
	return runner.Result{RunID: req.RunID, Status: event.StatusOK, Duration: time.Duration(d * float64(time.Millisecond)), Events: seq}
}

const (
	cursorAt         = `Number(document.querySelector('[data-testid=cursor]').dataset.i)`
	cursorProcs      = `[...document.querySelectorAll('[data-testid=proc-node]')].map(n => n.dataset.pid + ':' + (n.dataset.at || 'end')).join(' ')`
	cursorLines      = `[...document.querySelectorAll('[data-testid=output-line] .text')].map(t => t.textContent).join('|')`
	cursorNow        = `document.querySelector('.line.current .text')?.textContent || ''`
	queueItems       = `[...document.querySelectorAll('[data-testid=ipc-object][data-obj="queue-1"] [data-testid=ipc-item]')].map(c => c.textContent).join(',')`
	lockNow          = `document.querySelector('[data-testid=ipc-object][data-obj="lock-1"] [data-testid=ipc-now]').dataset.count`
	cursorReplayDone = `document.querySelector('[data-replay]')?.dataset.phase === 'done'`
)

func TestBrowserCursor(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a browser")
	}
	hold := make(chan struct{}, 4)
	db := MustStore(t)
	_, base := MustStoredServer(t, db, Config{TeacherToken: teacherToken, Executor: cursorRun(hold, 60, 25*time.Millisecond)})
	dir := artifactsDir(t)
	ctx := newBrowser(t)
	id, _, _, _ := runOver(t, base, ada, runMsg("pool", "print('quick')"))

	// at checks the views at the cursor: the processes, the output, what
	// the queue holds, how many hold the lock.
	at := func(t *testing.T, i int, procs, lines, current, queue, lock string) {
		t.Helper()
		if got := eval[int](t, ctx, cursorAt); got != i {
			t.Errorf("the cursor is at %d, want %d", got, i)
		}
		if got := eval[string](t, ctx, cursorProcs); got != procs {
			t.Errorf("at %d the tree is %q, want %q", i, got, procs)
		}
		if got := eval[string](t, ctx, cursorLines); got != lines {
			t.Errorf("at %d the output is %q, want %q", i, got, lines)
		}
		if got := eval[string](t, ctx, cursorNow); got != current {
			t.Errorf("at %d the current line is %q, want %q", i, got, current)
		}
		if got := eval[string](t, ctx, queueItems); got != queue {
			t.Errorf("at %d the queue holds %q, want %q", i, got, queue)
		}
		if got := eval[string](t, ctx, lockNow); got != lock {
			t.Errorf("at %d the lock has %s holders, want %s", i, got, lock)
		}
	}

	t.Run("AReplayStepsByKeysAndByDragging", func(t *testing.T) {
		do(t, ctx, chromedp.Navigate(base+"/runs/"+id), waitJS(cursorReplayDone),
			// Once the index is built, at the end.
			waitJS(`!!document.querySelector('[data-testid=ipc-now]')`))
		if got := eval[int](t, ctx, cursorAt); got != 16 {
			t.Fatalf("the cursor starts at %d, want the last event (16)", got)
		}
		if s := eval[string](t, ctx, `document.querySelector('[data-testid=cursor-slider]').getAttribute('aria-valuetext')`); !strings.Contains(s, "17") {
			t.Errorf("the slider says %q", s)
		}
		do(t, ctx, chromedp.Focus(css("[data-testid=cursor-slider]")), chromedp.KeyEvent(kb.Home))
		at(t, 0, "9:unborn 11:unborn 13:unborn", "", "", "", "0")
		for k := 0; k < 5; k++ {
			do(t, ctx, chromedp.KeyEvent(kb.ArrowRight))
		}
		// After the second put: 9 and 11 alive, 13 not yet started.
		at(t, 5, "9:alive 11:alive 13:unborn", "main starts", "main starts", "'job 1','job 2'", "0")
		screenshot(t, ctx, dir, "cursor-keys.png")

		// Dragged on the whole run's axis from 30 ms to 57 ms: event 9.
		do(t, ctx, chromedp.Click(css("[data-testid=zoom-all]")))
		box := eval[[]float64](t, ctx, `(() => { const r = document.querySelector('[data-testid=timeline] [data-testid=lane] .lane-bg').getBoundingClientRect(); return [r.left, r.width, r.top + r.height / 2]; })()`)
		x := func(ms float64) float64 { return box[0] + box[1]*ms/101 }
		do(t, ctx,
			chromedp.MouseEvent(chromedp.MousePressed, x(30), box[2], chromedp.ButtonLeft),
			chromedp.MouseEvent(chromedp.MouseMoved, x(45), box[2], chromedp.ButtonLeft),
			chromedp.MouseEvent(chromedp.MouseMoved, x(57), box[2], chromedp.ButtonLeft),
			chromedp.MouseEvent(chromedp.MouseReleased, x(57), box[2], chromedp.ButtonLeft),
		)
		at(t, 9, "9:alive 11:alive 13:unborn", "main starts|put two|got 'job 1'", "got 'job 1'", "'job 2'", "1")
		if ln := eval[float64](t, ctx, `Number(document.querySelector('[data-testid=time-cursor]').dataset.t)`); ln != 55 {
			t.Errorf("the cursor's line is at %v ms, want 55", ln)
		}
		// The buttons: next, previous, to the end.
		do(t, ctx, chromedp.Click(css("[data-testid=cursor-next]")))
		at(t, 10, "9:alive 11:alive 13:unborn", "main starts|put two|got 'job 1'", "got 'job 1'", "'job 2'", "0")
		do(t, ctx, chromedp.Click(css("[data-testid=cursor-end]")))
		at(t, 16, "9:end 11:end 13:end", "main starts|put two|got 'job 1'|"+cursorLong, "", "'job 2'", "0")
		if s := eval[string](t, ctx, `document.querySelector('[data-testid=proc-node][data-pid="11"]').dataset.state`); s != "ok" {
			t.Errorf("at the end 11 is %q", s)
		}
		screenshot(t, ctx, dir, "cursor-drag.png")

		t.Run("PlayRunsToTheEnd", func(t *testing.T) {
			do(t, ctx, chromedp.SetValue(css("[data-testid=cursor-speed]"), "16"),
				chromedp.Click(css("[data-testid=cursor-start]")),
				chromedp.Click(css("[data-testid=cursor-play]")),
				waitJS(cursorAt+` === 16 && !document.querySelector('[data-testid=cursor]').dataset.playing`))
		})
	})

	t.Run("ARunOf100000EventsStepsAtOnce", func(t *testing.T) {
		bigID, _, _, _ := runOver(t, base, ada, runMsg("pool", "print('big')"))
		do(t, ctx, chromedp.Navigate(base+"/runs/"+bigID), waitJS(cursorReplayDone),
			waitJS(`performance.getEntriesByName('cursor-index').length > 0`))
		n := eval[int](t, ctx, `Number(document.querySelector('[data-testid=cursor-slider]').max) + 1`)
		index := eval[float64](t, ctx, `performance.getEntriesByName('cursor-index').pop().duration`)
		wall := eval[float64](t, ctx, `performance.getEntriesByName('cursor-index-wall').pop().duration`)
		shown := eval[float64](t, ctx, `performance.getEntriesByName('replay-shown').pop().startTime`)
		// Each step as the slider's keys make it: the views drawn again,
		// then the page's next frame.
		step := evalAwait[[]float64](t, ctx, `(async () => {
			const s = document.querySelector('[data-testid=cursor-slider]'), took = [];
			for (let k = 0; k < 60; k++) {
				const t0 = performance.now();
				s.value = String(50000 + (k % 2 ? k * 997 : k));
				s.dispatchEvent(new Event('input'));
				took.push(performance.now() - t0);
				await new Promise(r => requestAnimationFrame(r));
			}
			took.sort((a, b) => a - b);
			return [took[30], took[57]];
		})()`)
		t.Logf("%d events: the replay shown %.0f ms after the navigation; the cursor's index built in %.0f ms of the page's time, in slices, ready %.0f ms after the replay was shown; a step %.1f ms (median), %.1f ms (95th percentile)",
			n, shown, index, wall, step[0], step[1])
		if n != bigEvents {
			t.Errorf("%d events in the replay, want %d", n, bigEvents)
		}
		if items := eval[int](t, ctx, `document.querySelectorAll('[data-testid=ipc-object][data-obj="queue-1"] [data-testid=ipc-item]').length`); items != 12 {
			t.Errorf("the queue lists %d items at the cursor, want 12 (and a count of the rest)", items)
		}
		if bound := testload.Scaled(t, 100*time.Millisecond, 5); time.Duration(step[0]*float64(time.Millisecond)) > bound {
			t.Errorf("a step takes %.1f ms; the bound is %v", step[0], bound)
		}
		do(t, ctx, chromedp.Navigate(base+"/runs/"+id), waitJS(cursorReplayDone))
	})

	t.Run("ALongLineScrollsOnItsOwn", func(t *testing.T) {
		got := eval[string](t, ctx, `(() => {
			const o = document.querySelector('[data-testid=output]');
			const rows = [...o.querySelectorAll('[data-testid=output-line]')];
			const long = rows.find(r => r.textContent.includes('0123456789'));
			const t = long.querySelector('.text');
			const heights = new Set(rows.map(r => Math.round(r.getBoundingClientRect().height)));
			return [o.scrollWidth <= o.clientWidth + 1, long.classList.contains('long'), t.scrollWidth > t.clientWidth + 10, [...heights].join(',')].join(' ');
		})()`)
		if got != "true true true 20" {
			t.Errorf("the output with a long line: %q, want no sideways scroll of the whole output, the line marked long and scrolling, rows of 20 px", got)
		}
		screenshot(t, ctx, dir, "output-long-line.png")
	})

	t.Run("TheTeacherFollowsARunningRun", func(t *testing.T) {
		c := mustDialURL(t, base, learnerHeader(bob))
		c.send(runMsg("pool", "print('hold')"))
		var runID string
		for runID == "" {
			m, _ := c.next(runTimeout)
			if m.Type == event.TypeRunStart {
				runID = m.RunID
			}
		}
		do(t, ctx,
			chromedp.Navigate(base+"/teacher"),
			chromedp.WaitVisible(css("[data-testid=teacher-login-form]")),
			chromedp.SendKeys(css("[data-testid=teacher-token]"), teacherToken),
			chromedp.Click(css("[data-testid=teacher-signin]")),
			chromedp.WaitVisible(css(`[data-testid=teacher-open][href="/runs/`+runID+`"]`)),
			chromedp.Click(css(`[data-testid=teacher-open][href="/runs/`+runID+`"]`)),
			chromedp.WaitVisible(css("[data-testid=replay]")),
			waitJS(`document.querySelector('[data-replay]')?.dataset.phase === 'following' && Number(document.querySelector('[data-replay]').dataset.followed) >= 5`),
		)
		if got := eval[string](t, ctx, cursorProcs); got != "9:end 11:end" {
			t.Errorf("while running, the tree is %q", got)
		}
		if s := eval[string](t, ctx, statusState); s != "running" {
			t.Errorf("while running, the status is %q", s)
		}
		screenshot(t, ctx, dir, "teacher-follow-live.png")
		start := time.Now()
		hold <- struct{}{}
		// The rest comes live, then the page shows the stored run.
		do(t, ctx, waitJS(`document.querySelectorAll('[data-testid=proc-node]').length === 3 || location.search.includes('ended=1')`))
		do(t, ctx, chromedp.WaitVisible(css(`[data-replay][data-phase=done]`)))
		if !eval[bool](t, ctx, `location.search.includes('ended=1')`) {
			t.Error("the page did not become the stored run's")
		}
		t.Logf("the followed run was shown stored %v after it was let go", time.Since(start).Round(time.Millisecond))
		if s := eval[string](t, ctx, `document.querySelector('[data-testid=run-status]').textContent`); strings.Contains(s, "running") {
			t.Errorf("the ended run's status says %q", s)
		}
		if s := eval[string](t, ctx, statusState); s != "ok" {
			t.Errorf("the ended run's state is %q", s)
		}
		if n := eval[int](t, ctx, `Number(document.querySelector('[data-testid=output]').dataset.lines)`); n != 64 {
			t.Errorf("%d lines of output, want 64", n)
		}
	})

	t.Run("TheLaptopLayoutWithIPCDuringARun", func(t *testing.T) {
		emulate(t, ctx, 1366, 768, false, false)
		openLesson(t, ctx, base+"/lessons/pool")
		do(t, ctx, typeProgram("print('hold')"), chromedp.Click(css("[data-testid=run]")),
			waitJS(`document.querySelector('[data-playground]').dataset.phase === 'running' && document.querySelector('.views.has-ipc') !== null`))
		hold <- struct{}{}
		do(t, ctx, waitJS(`document.querySelectorAll('[data-testid=output-line]').length > 8`))
		ok := eval[bool](t, ctx, duringARun)
		viewportShot(t, ctx, dir, "cursor-layout-ipc-1366.png")
		if !ok {
			t.Error("at 1366x768 with the IPC views, Run/Stop, the tree, the timeline and the latest output are not all on the screen during a run")
		}
		do(t, ctx, waitJS(`document.querySelector('[data-playground]').dataset.phase === 'done'`))
		// After the run, the cursor is there.
		if eval[bool](t, ctx, `document.querySelector('[data-testid=cursor]').hidden`) {
			t.Error("no time cursor after the run")
		}
	})

	t.Run("OnAPhoneInTheDark", func(t *testing.T) {
		emulate(t, ctx, 390, 844, true, true)
		do(t, ctx, chromedp.Navigate(base+"/runs/"+id+"?lang=zh"), waitJS(cursorReplayDone),
			waitJS(`!!document.querySelector('[data-testid=ipc-now]')`),
			chromedp.Click(css("[data-testid=cursor-start]")), chromedp.Click(css("[data-testid=cursor-next]")))
		if eval[bool](t, ctx, `document.documentElement.scrollWidth > innerWidth + 1`) {
			t.Error("the replay with its cursor is wider than a phone")
		}
		if w := eval[float64](t, ctx, `document.querySelector('[data-testid=cursor-slider]').getBoundingClientRect().width`); w < 120 {
			t.Errorf("the slider is %.0f px wide on a phone", w)
		}
		if got := eval[int](t, ctx, cursorAt); got != 1 {
			t.Errorf("the cursor is at %d", got)
		}
		do(t, ctx, chromedp.ScrollIntoView(css("[data-testid=cursor]")))
		viewportShot(t, ctx, dir, "cursor-phone-dark-zh.png")
	})
}

// What each process waited for, at the cursor, in the replay of a run
// stopped as a deadlock (scriptedDeadlock's events: the waits begin at 6,
// 7 and 8, and end when the processes are killed, at 11 to 13).
func TestBrowserCursorWaits(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a browser")
	}
	db := MustStore(t)
	_, base := MustStoredServer(t, db, Config{Catalog: waitsCatalog(), Executor: scriptedDeadlock()})
	ctx := newBrowser(t)
	id, _, _, _ := runOver(t, base, ada, runMsg("deadlock", lockOrderProgram))
	do(t, ctx, chromedp.Navigate(base+"/runs/"+id), waitJS(cursorReplayDone),
		waitJS(`!!document.querySelector('[data-testid=ipc-now]')`))
	waiting := `[9, 11, 13].map(p => document.querySelector('[data-testid=proc-node][data-pid="' + p + '"]').dataset.waiting || '-').join(' ')`
	for _, c := range []struct {
		keys string
		at   int
		want string
	}{
		{kb.Home, 0, "- - -"},
		{strings.Repeat(kb.ArrowRight, 6), 6, "proc-11 - -"},
		{strings.Repeat(kb.ArrowRight, 4), 10, "proc-11 lock-1 lock-2"},
		{kb.End, 14, "- - -"},
	} {
		do(t, ctx, chromedp.Focus(css("[data-testid=cursor-slider]")), chromedp.KeyEvent(c.keys))
		if got := eval[int](t, ctx, cursorAt); got != c.at {
			t.Errorf("the cursor is at %d, want %d", got, c.at)
		}
		if got := eval[string](t, ctx, waiting); got != c.want {
			t.Errorf("at %d the processes wait for %q, want %q", c.at, got, c.want)
		}
	}
	// The lock 13 took at 4 is held at 10: the panel says by whom.
	do(t, ctx, chromedp.KeyEvent(kb.Home), chromedp.KeyEvent(strings.Repeat(kb.ArrowRight, 10)))
	if got := eval[string](t, ctx, `document.querySelector('[data-testid=ipc-object][data-obj="lock-1"] [data-testid=ipc-now]').textContent`); !strings.Contains(got, "13") {
		t.Errorf("at 10 lock-1's holder is said %q", got)
	}
}
