package web

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"mpplayground/internal/testload"

	"github.com/chromedp/chromedp"
)

// The page under a flood of output (docs/benchmarks.md, "The page: output
// at volume"): two processes print one short line per print until the
// output limit (1 MiB) stops the run.
//
// The time bounds are what a learner would call "at once" on a quiet
// machine (1 s to the final picture, 200 ms for Stop, 1.5 s to open the
// stored run), scaled with testload's unit of work (about 20 ms quiet) when
// the machine is busier: the browser, the server and the runs share its
// cores, so each of them slows as a Python start does. The page's own
// timings are read from its performance entries, so no polling interval of
// the test counts in them.

// pageFloodProgram has two processes, A and B, print until the output
// limit; each prints its first line before either goes on (a barrier): on
// a busy machine A alone could otherwise reach the limit before B printed.
const pageFloodProgram = "import multiprocessing as mp\r" +
	"def flood(name, ready): [print(f'{name} {i:08d} ' + '.' * 24) or (i == 0 and ready.wait()) for i in range(10 ** 6)]\r" +
	"if __name__ == '__main__': ready = mp.Barrier(2); ps = [mp.Process(target=flood, args=(n, ready)) for n in 'AB']; [p.start() for p in ps]; [p.join() for p in ps]\r"

// slowPageFloodProgram prints about 150 KB a second until stopped: long
// enough to click Stop before the output limit.
const slowPageFloodProgram = "import multiprocessing as mp, time\r" +
	"def flood(name): [(print(f'{name} {i:08d} ' + '.' * 24), i % 100 or time.sleep(0.05)) for i in range(10 ** 6)]\r" +
	"if __name__ == '__main__': ps = [mp.Process(target=flood, args=(n,)) for n in 'AB']; [p.start() for p in ps]; [p.join() for p in ps]\r"

const (
	statusState     = `document.querySelector('[data-testid=status]').dataset.state`
	outputLineCount = `Number(document.querySelector('[data-testid=output]').dataset.lines || 0)`
	rowsInDOM       = `document.querySelectorAll('[data-testid=output-line]').length`
	// perfMS is the duration of a performance measure between two marks
	// of the page, or -1.
	perfMS = `((a, b) => { const x = performance.getEntriesByName(a).pop(), y = performance.getEntriesByName(b).pop(); return x && y ? y.startTime - x.startTime : -1; })`
)

// evalAwait is eval for an expression that gives a promise: its value.
func evalAwait[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// maxRows bounds the output rows in the document: a view of 420 px holds
// 21 rows of 20 px, and a few more are drawn around it.
const maxRows = 60

func TestBrowserOutputAtVolume(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a browser")
	}
	_, base := MustStoredServer(t, MustStore(t), Config{})
	ctx := newBrowser(t)
	dir := artifactsDir(t)
	var runID string
	var lines int

	t.Run("AMebibyteOfOutputFromTwoProcesses", func(t *testing.T) {
		openLesson(t, ctx, base+"/lessons/sleep")
		do(t, ctx, typeProgram(pageFloodProgram))
		start := time.Now()
		do(t, ctx, chromedp.Click(css("[data-testid=run]")),
			waitJS(statusState+` === 'limit'`))
		took := time.Since(start)
		if k := eval[string](t, ctx, `document.querySelector('[data-testid=status-limit]').dataset.kind`); k != "output" {
			t.Fatalf("the run ended by the limit %q, want output", k)
		}
		lines = eval[int](t, ctx, outputLineCount)
		shown := eval[float64](t, ctx, perfMS+`('run-end-received', 'run-end-shown')`)
		runID = eval[string](t, ctx, `document.querySelector('[data-playground]').dataset.runId`)
		// The final picture against the server's end of the run (the
		// stored ended_at, in ms, on the same clock as the page's).
		// (The server stores the end just after it sent it.)
		lag := evalAwait[float64](t, ctx, `(async () => {
			for (;;) {
				const res = await fetch('/api/runs/`+runID+`');
				if (!res.ok) throw new Error(res.status);
				const r = await res.json();
				if (r.ended_at) return performance.timeOrigin + performance.getEntriesByName('run-end-shown').pop().startTime - Date.parse(r.ended_at);
				await new Promise(ok => setTimeout(ok, 100));
			}
		})()`)
		rows := eval[int](t, ctx, rowsInDOM)
		t.Logf("%d lines of output: Run to the final picture %v; run.end to the final picture %.0f ms on the page, %.0f ms after the server ended the run; %d rows in the document",
			lines, took.Round(time.Millisecond), shown, lag, rows)
		if lines < 20000 {
			t.Errorf("%d lines of output, want the 1 MiB limit's ~29,000", lines)
		}
		if rows > maxRows {
			t.Errorf("%d output rows in the document for %d lines, want at most %d", rows, lines, maxRows)
		}
		bound := testload.Scaled(t, time.Second, 50)
		if shown < 0 || time.Duration(lag*float64(time.Millisecond)) > bound {
			t.Errorf("the final picture came %.0f ms after the run's end (%.0f ms after the page had run.end); the bound is %v", lag, shown, bound)
		}
		// The tail is in view: the last row drawn is the run's last line.
		if !eval[bool](t, ctx, `(() => { const o = document.querySelector('[data-testid=output]'), rows = o.querySelectorAll('[data-testid=output-line]');
			const last = rows[rows.length - 1].getBoundingClientRect(), box = o.getBoundingClientRect();
			return o.scrollHeight - o.scrollTop - o.clientHeight < 2 && last.bottom <= box.bottom + 1 && last.top >= box.top; })()`) {
			t.Error("the output does not show its tail at the end")
		}
		screenshot(t, ctx, dir, "output-volume-end.png")

		t.Run("TheFilterShowsOneProcessFromItsFirstLine", func(t *testing.T) {
			// The second process started (B: the main one prints nothing).
			got := evalAwait[string](t, ctx, `new Promise(done => {
				const sel = document.querySelector('[data-testid=filter]'), o = document.querySelector('[data-testid=output]');
				const pid = [...sel.options].map(op => op.value).filter(Boolean)[2];
				sel.value = pid; sel.dispatchEvent(new Event('change'));
				const rows = [...o.querySelectorAll('[data-testid=output-line]')];
				const tail = rows.length > 0 && rows.every(r => r.dataset.pid === pid) && rows.length <= `+fmt.Sprint(maxRows)+`;
				requestAnimationFrame(() => requestAnimationFrame(() => {
					o.scrollTop = 0;
					requestAnimationFrame(() => requestAnimationFrame(() => {
						const row = o.querySelector('[data-testid=output-line] .text');
						const first = row ? row.textContent : '(no row)';
						sel.value = ''; sel.dispatchEvent(new Event('change'));
						done(tail + ' ' + rows.length + ' ' + first);
					}));
				}));
			})`)
			if !strings.HasPrefix(got, "true ") || !strings.Contains(got, " B 00000000 ") {
				t.Errorf("filtered to one process: %q, want only its rows, from its first line", got)
			}
		})
	})

	t.Run("AStoredRunOfThatSizeOpens", func(t *testing.T) {
		if runID == "" {
			t.Skip("no run")
		}
		do(t, ctx, chromedp.Navigate(base+"/runs/"+runID),
			waitJS(`document.querySelector('[data-replay]')?.dataset.phase === 'done' || `+statusState+` === 'error'`))
		if s := eval[string](t, ctx, statusState); s != "limit" {
			t.Fatalf("the replay's status is %q: %s", s, eval[string](t, ctx, `document.querySelector('[data-testid=status-text]').textContent`))
		}
		// From the start of the navigation to the run shown whole.
		opened := eval[float64](t, ctx, `performance.getEntriesByName('replay-shown').pop().startTime`)
		fetched := eval[float64](t, ctx, `performance.getEntriesByType('resource').find(e => e.name.includes('/api/runs/')).responseEnd`)
		got := eval[int](t, ctx, outputLineCount)
		rows := eval[int](t, ctx, rowsInDOM)
		t.Logf("the stored run (%d lines) opened in %.0f ms (its events fetched at %.0f ms); %d rows in the document", got, opened, fetched, rows)
		if got != lines || rows > maxRows {
			t.Errorf("the replay shows %d lines in %d rows, the live page had %d", got, rows, lines)
		}
		if bound := testload.Scaled(t, 1500*time.Millisecond, 75); time.Duration(opened*float64(time.Millisecond)) > bound {
			t.Errorf("the stored run took %.0f ms to open; the bound is %v", opened, bound)
		}
	})

	t.Run("StopReactsWhileOutputFloods", func(t *testing.T) {
		openLesson(t, ctx, base+"/lessons/sleep")
		do(t, ctx, typeProgram(slowPageFloodProgram),
			chromedp.Click(css("[data-testid=run]")),
			waitJS(outputLineCount+` > 3000`))
		// While the lines come, the output follows its tail.
		if !evalAwait[bool](t, ctx, `new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => {
			const o = document.querySelector('[data-testid=output]'); done(o.scrollHeight - o.scrollTop - o.clientHeight < 2); })))`) {
			t.Error("the output does not follow its tail while the lines come")
		}
		do(t, ctx, chromedp.Click(css("[data-testid=stop]")),
			waitJS(statusState+` === 'stopped'`))
		reaction := eval[float64](t, ctx, `performance.getEntriesByName('stop-reaction').pop()?.duration ?? -1`)
		shown := eval[float64](t, ctx, perfMS+`('run-end-received', 'run-end-shown')`)
		got := eval[int](t, ctx, outputLineCount)
		t.Logf("Stop after %d lines: the click handled %.0f ms after it was made; run.end to the final picture %.0f ms", got, reaction, shown)
		if bound := testload.Scaled(t, 200*time.Millisecond, 10); reaction < 0 || time.Duration(reaction*float64(time.Millisecond)) > bound {
			t.Errorf("Stop reacted after %.0f ms; the bound is %v", reaction, bound)
		}
		if bound := testload.Scaled(t, time.Second, 50); shown < 0 || time.Duration(shown*float64(time.Millisecond)) > bound {
			t.Errorf("the final picture came %.0f ms after run.end; the bound is %v", shown, bound)
		}
		do(t, ctx, chromedp.Click(css("[data-testid=reset]")))
	})

	t.Run("APromptComesBeforeTheLinesAfterIt", func(t *testing.T) {
		openLesson(t, ctx, base+"/lessons/sleep")
		do(t, ctx,
			typeProgram("print('first')\rname = input('What is your name? ')\rprint('Hello', name)\rprint('bye')\r"),
			chromedp.Click(css("[data-testid=run]")),
			waitJS(`document.querySelector('[data-testid=output]').textContent.includes('What is your name?')`),
			// The program waits for its input: the field has the caret.
			waitJS(`document.activeElement === document.querySelector('[data-testid=stdin]')`),
			chromedp.KeyEvent("Ada\r"),
			waitJS(finished),
		)
		got := eval[string](t, ctx, `[...document.querySelectorAll('[data-testid=output-line] .text')].map(t => t.textContent).join('|')`)
		if want := "first|What is your name? |Ada|Hello Ada|bye"; got != want {
			t.Errorf("the output reads %q, want %q", got, want)
		}
		do(t, ctx, chromedp.Click(css("[data-testid=reset]")))
	})
}
