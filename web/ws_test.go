package web

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"mpplayground/event"
	"mpplayground/internal/testload"
	"mpplayground/runner"
)

// runTimeout bounds the wait for something a test expects to come: a net
// against a hang, not a measure. It is well past the wall time of the
// tests' runner on a busy machine (realRunner), so a slow run fails on its
// own terms, not here.
const runTimeout = 3 * time.Minute

// assertContract checks the stream rules of DESIGN.md on one run.
func assertContract(t *testing.T, events []event.Event) {
	t.Helper()
	if len(events) < 2 {
		t.Fatalf("only %d events", len(events))
	}
	if events[0].Type != event.TypeRunStart {
		t.Errorf("first event is %s, want run.start", events[0].Type)
	}
	started := map[int]bool{}
	exited := map[int]bool{}
	for i, ev := range events {
		if ev.Seq != int64(i+1) {
			t.Fatalf("event %d has seq %d: a gap or a reordering", i, ev.Seq)
		}
		if i > 0 && ev.T < events[i-1].T {
			t.Errorf("seq %d: t went back from %v to %v", ev.Seq, events[i-1].T, ev.T)
		}
		switch ev.Type {
		case event.TypeProcStart:
			if started[ev.PID] {
				t.Errorf("pid %d started twice", ev.PID)
			}
			if ev.PPID != nil && len(started) > 0 && !started[*ev.PPID] {
				t.Errorf("pid %d started before its parent %d", ev.PID, *ev.PPID)
			}
			started[ev.PID] = true
		case event.TypeOutput, event.TypeProcExec:
			if !started[ev.PID] || exited[ev.PID] {
				t.Errorf("seq %d: %s of pid %d outside its life", ev.Seq, ev.Type, ev.PID)
			}
		case event.TypeProcExit:
			if !started[ev.PID] {
				t.Errorf("pid %d exited without starting", ev.PID)
			}
			exited[ev.PID] = true
		case event.TypeRunEnd:
			if i != len(events)-1 {
				t.Errorf("run.end at %d of %d", i, len(events))
			}
		}
	}
	for pid := range started {
		if !exited[pid] {
			t.Errorf("pid %d started but has no proc.exit", pid)
		}
	}
	if last := events[len(events)-1]; last.Type != event.TypeRunEnd {
		t.Errorf("last event is %s", last.Type)
	}
}

// outputLines joins each process's output and returns the lines, sorted.
func outputLines(events []event.Event) []string {
	byPID := map[int]*strings.Builder{}
	for _, ev := range events {
		if ev.Type == event.TypeOutput {
			if byPID[ev.PID] == nil {
				byPID[ev.PID] = &strings.Builder{}
			}
			byPID[ev.PID].WriteString(ev.Text)
		}
	}
	var lines []string
	for _, b := range byPID {
		for _, l := range strings.Split(strings.TrimRight(b.String(), "\n"), "\n") {
			if l != "" {
				// Pids differ between runs; keep the words.
				lines = append(lines, strings.Join(strings.FieldsFunc(l, func(r rune) bool { return r >= '0' && r <= '9' }), "#"))
			}
		}
	}
	sort.Strings(lines)
	return lines
}

func countType(events []event.Event, typ string) int {
	n := 0
	for _, ev := range events {
		if ev.Type == typ {
			n++
		}
	}
	return n
}

func TestWebSocketRun(t *testing.T) {
	_, ts := MustServer(t, Config{})

	t.Run("PoolStreamKeepsTheContract", func(t *testing.T) {
		c := MustDial(t, ts, nil)
		c.send(runMsg("pool", poolProgram))
		events, raws, _ := c.runToEnd(runTimeout)
		assertContract(t, events)
		if n := countType(events, event.TypeProcStart); n < 4 {
			t.Errorf("%d processes, want the main one and 3 workers", n)
		}
		end := events[len(events)-1]
		if end.Status != event.StatusOK {
			t.Errorf("run.end %+v", end)
		}
		var sawResults bool
		for _, ev := range events {
			if ev.Type == event.TypeOutput && strings.Contains(ev.Text, "results: [0, 1, 4, 9, 16, 25]") {
				sawResults = true
			}
		}
		if !sawResults {
			t.Error("the pool's results were not printed")
		}
		// Events go over the socket exactly as the runner encodes them.
		for i, raw := range raws {
			want, _ := json.Marshal(events[i])
			var a, b any
			json.Unmarshal(raw, &a)
			json.Unmarshal(want, &b)
			if !jsonEqual(a, b) {
				t.Errorf("event %d sent as %s", i, raw)
			}
		}

		t.Run("MatchesTheRunnerDirectlyInShape", func(t *testing.T) {
			// The same stream `playground run --json` prints: the runner's.
			var direct []event.Event
			realRunner(t).Run(context.Background(), runner.Request{Program: []byte(poolProgram)}, func(ev event.Event) {
				direct = append(direct, ev)
			})
			assertContract(t, direct)
			for _, typ := range []string{event.TypeRunStart, event.TypeProcStart, event.TypeProcExit, event.TypeRunEnd} {
				if a, b := countType(events, typ), countType(direct, typ); a != b {
					t.Errorf("%s: %d over the socket, %d from the runner", typ, a, b)
				}
			}
			if a, b := outputLines(events), outputLines(direct); strings.Join(a, "\n") != strings.Join(b, "\n") {
				t.Errorf("output lines differ:\nsocket: %q\nrunner: %q", a, b)
			}
		})
	})

	t.Run("StopEndsTheWholeTree", func(t *testing.T) {
		c := MustDial(t, ts, nil)
		prog := `import multiprocessing as mp, time
def nap(): time.sleep(60)
if __name__ == "__main__":
    ps = [mp.Process(target=nap) for _ in range(3)]
    for p in ps: p.start()
    print("started", flush=True)
    time.sleep(60)
`
		c.send(runMsg("sleep", prog))
		// Wait for the output, then stop.
		var events []event.Event
		for {
			m, _ := c.next(runTimeout)
			events = append(events, m.Event)
			if m.Type == event.TypeOutput && strings.Contains(m.Text, "started") {
				break
			}
		}
		stopAt := time.Now()
		c.send(map[string]string{"type": "stop"})
		rest, _, _ := c.runToEnd(runTimeout)
		events = append(events, rest...)
		if d, bound := time.Since(stopAt), testload.Scaled(t, 5*time.Second, 100); d > bound {
			t.Errorf("stop took %v (bound %v)", d, bound)
		}
		assertContract(t, events)
		if end := events[len(events)-1]; end.Status != event.StatusStopped {
			t.Errorf("run.end status %q, want stopped", end.Status)
		}
		if n := countType(events, event.TypeProcStart); n < 4 {
			t.Errorf("%d processes started", n)
		}

		t.Run("TheConnectionRunsAgain", func(t *testing.T) {
			c.send(runMsg("pool", "print('again')\n"))
			events, _, _ := c.runToEnd(runTimeout)
			if events[len(events)-1].Status != event.StatusOK {
				t.Errorf("second run: %+v", events[len(events)-1])
			}
		})
	})

	t.Run("InputReachesTheProgram", func(t *testing.T) {
		c := MustDial(t, ts, nil)
		c.send(runMsg("pool", "name = input('name? ')\nprint('hello', name)\nimport sys\nprint('rest', len(sys.stdin.read()))\n"))
		m, _ := c.next(runTimeout)
		if m.Type != event.TypeRunStart {
			t.Fatalf("first %+v", m)
		}
		c.send(map[string]any{"type": "stdin", "text": "Ada\n"})
		c.send(map[string]any{"type": "stdin", "text": "abc"})
		c.send(map[string]any{"type": "stdin", "eof": true})
		events, _, _ := c.runToEnd(runTimeout)
		var out strings.Builder
		for _, ev := range events {
			out.WriteString(ev.Text)
		}
		if !strings.Contains(out.String(), "hello Ada") || !strings.Contains(out.String(), "rest 3") {
			t.Errorf("output %q", out.String())
		}
	})

	t.Run("ProgramWaitingForInputEndsAtTheTimeLimit", func(t *testing.T) {
		if testing.Short() {
			t.Skip("waits for the wall-time limit")
		}
		_, ts := MustServer(t, Config{Executor: ExecutorFunc(func(ctx context.Context, req runner.Request, emit func(event.Event)) runner.Result {
			req.Limits.WallTime = 2 * time.Second
			return realRunner(t).Run(ctx, req, emit)
		})})
		c := MustDial(t, ts, nil)
		c.send(runMsg("pool", "input()\n"))
		events, _, _ := c.runToEnd(runTimeout)
		end := events[len(events)-1]
		if end.Status != event.StatusTimeout || end.Message == "" {
			t.Errorf("run.end %+v, want a timeout with a message", end)
		}
	})
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func TestWebSocketErrors(t *testing.T) {
	_, ts := MustServer(t, Config{})
	c := MustDial(t, ts, nil)
	cases := []struct {
		name string
		msg  any
		want string
	}{
		{"MalformedJSON", `{"type": "run", `, "not valid JSON"},
		{"NoType", `{"lesson": "pool"}`, "no type"},
		{"UnknownType", map[string]string{"type": "dance"}, `"dance"`},
		{"UnknownLesson", runMsg("no-such-lesson", "print(1)"), "no lesson"},
		{"NoCode", map[string]string{"type": "run", "lesson": "pool"}, "code"},
		{"ProgramOverTheCap", runMsg("pool", "#"+strings.Repeat("x", runner.MaxProgramBytes)), "too large"},
		{"InputWithoutARun", map[string]string{"type": "stdin", "text": "x"}, "No program is running"},
		{"ResumeOfAnUnknownRun", map[string]any{"type": "resume", "run_id": "abc"}, "no longer available"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c.send(tc.msg)
			if msg := c.expectError(5 * time.Second); !strings.Contains(msg, tc.want) {
				t.Errorf("error %q does not mention %q", msg, tc.want)
			}
		})
	}
	t.Run("TheConnectionStaysUsable", func(t *testing.T) {
		c.send(runMsg("pool", "print('still here')\n"))
		events, _, _ := c.runToEnd(runTimeout)
		assertContract(t, events)
	})
	t.Run("OneRunAtATime", func(t *testing.T) {
		c.send(runMsg("sleep", sleepProgram))
		if m, _ := c.next(runTimeout); m.Type != event.TypeRunStart {
			t.Fatalf("got %+v", m)
		}
		c.send(runMsg("pool", "print(1)"))
		var sawError bool
		for !sawError {
			m, _ := c.next(runTimeout)
			if m.Type == "error" {
				if !strings.Contains(m.Message, "already running") {
					t.Errorf("error %q", m.Message)
				}
				sawError = true
			}
		}
		c.send(map[string]string{"type": "stop"})
		events, _, _ := c.runToEnd(runTimeout)
		if events[len(events)-1].Status != event.StatusStopped {
			t.Errorf("the first run ended %q", events[len(events)-1].Status)
		}
	})
}

func TestWebSocketOrigin(t *testing.T) {
	_, ts := MustServer(t, Config{})
	t.Run("AnotherOriginIsRefused", func(t *testing.T) {
		h := http.Header{"Origin": {"http://evil.example"}}
		_, res, err := websocket.DefaultDialer.Dial(wsURL(ts), h)
		if err == nil {
			t.Fatal("a page of another origin opened the socket")
		}
		if res == nil || res.StatusCode != http.StatusForbidden {
			t.Errorf("response %v", res)
		}
	})
	t.Run("TheSameOriginIsAccepted", func(t *testing.T) {
		MustDial(t, ts, nil)
	})
}

// observed wraps the real runner to see how runs end on the server side.
type observed struct {
	mu      sync.Mutex
	results []runner.Result
	ended   chan runner.Result
}

func (o *observed) executor(tb testing.TB) Executor {
	o.ended = make(chan runner.Result, 16)
	return ExecutorFunc(func(ctx context.Context, req runner.Request, emit func(event.Event)) runner.Result {
		res := realRunner(tb).Run(ctx, req, emit)
		o.ended <- res
		return res
	})
}

func TestWebSocketLifetime(t *testing.T) {
	t.Run("ClosingTheConnectionStopsTheRun", func(t *testing.T) {
		var o observed
		_, ts := MustServer(t, Config{Executor: o.executor(t)})
		c := MustDial(t, ts, nil)
		c.send(runMsg("sleep", sleepProgram))
		for {
			if m, _ := c.next(runTimeout); m.Type == event.TypeOutput {
				break
			}
		}
		c.conn.Close()
		select {
		case res := <-o.ended:
			if res.Status != event.StatusStopped {
				t.Errorf("run ended %q", res.Status)
			}
		case <-time.After(testload.Scaled(t, 10*time.Second, 150)):
			t.Fatal("the run went on after the connection closed")
		}
	})

	t.Run("ASlowClientIsDroppedAndItsRunStopped", func(t *testing.T) {
		var o observed
		_, ts := MustServer(t, Config{Executor: o.executor(t)})
		// A client that sends its run and then reads nothing.
		h := http.Header{"Origin": {ts.URL}}
		conn, _, err := websocket.DefaultDialer.Dial(wsURL(ts), h)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.UnderlyingConn().(*net.TCPConn).SetReadBuffer(4096)
		b, _ := json.Marshal(runMsg("pool", "import os\nwhile True:\n    os.write(1, b'o\\n')\n    os.write(2, b'e\\n')\n"))
		conn.WriteMessage(websocket.TextMessage, b)
		select {
		case res := <-o.ended:
			if res.Status != event.StatusStopped {
				t.Errorf("run ended %q, want stopped because its client was dropped", res.Status)
			}
		case <-time.After(testload.Scaled(t, 20*time.Second, 300)):
			t.Fatal("the run of a slow client was not stopped")
		}
	})

	t.Run("AReconnectingPageGetsTheRunsEnd", func(t *testing.T) {
		_, ts := MustServer(t, Config{})
		cookie := http.Header{"Cookie": {learnerCookie + "=0123456789abcdef0123456789abcdef"}}
		c := MustDial(t, ts, cookie.Clone())
		c.send(runMsg("sleep", sleepProgram))
		m, _ := c.next(runTimeout)
		if m.Type != event.TypeRunStart {
			t.Fatalf("got %+v", m)
		}
		runID, last := m.RunID, m.Seq
		c.conn.Close() // the lid closes

		c2 := MustDial(t, ts, cookie.Clone())
		c2.send(map[string]any{"type": "resume", "run_id": runID, "after": last})
		rest, _, _ := c2.runToEnd(runTimeout)
		if rest[0].Seq != last+1 {
			t.Errorf("resumed at seq %d, want %d", rest[0].Seq, last+1)
		}
		if end := rest[len(rest)-1]; end.Status != event.StatusStopped {
			t.Errorf("run.end %+v", end)
		}

		t.Run("AnotherLearnerCannotResumeIt", func(t *testing.T) {
			c3 := MustDial(t, ts, nil)
			c3.send(map[string]any{"type": "resume", "run_id": runID})
			c3.expectError(5 * time.Second)
		})
	})
}

func TestWebSocketQueue(t *testing.T) {
	_, ts := MustServer(t, Config{MaxRuns: 1})
	a := MustDial(t, ts, nil)
	b := MustDial(t, ts, nil)
	a.send(runMsg("sleep", sleepProgram))
	if m, _ := a.next(runTimeout); m.Type != event.TypeRunStart {
		t.Fatalf("first run: %+v", m)
	}
	b.send(runMsg("pool", "print('second')\n"))
	m, r := b.next(runTimeout)
	if m.Type != "queued" || m.Position != 1 {
		t.Fatalf("second run got %s, want queued at place 1", r.raw)
	}
	a.send(map[string]string{"type": "stop"})
	a.runToEnd(runTimeout)
	events, _, _ := b.runToEnd(runTimeout)
	assertContract(t, events)
}

// floodProgram writes to stdout and stderr in turn, so every write is an
// event of its own: thousands of events in a fraction of a second.
const floodProgram = "import os\nfor i in range(3000):\n    os.write(1, b'o %d\\n' % i)\n    os.write(2, b'e %d\\n' % i)\n"

func TestWebSocketBatching(t *testing.T) {
	_, ts := MustServer(t, Config{})
	c := MustDial(t, ts, nil)
	c.send(runMsg("pool", floodProgram))
	events, _, _ := c.runToEnd(runTimeout)
	assertContract(t, events)
	if c.arrays.Load() == 0 {
		t.Errorf("%d events came in %d single messages and no array", len(events), c.single.Load())
	}
	if msgs := c.arrays.Load() + c.single.Load(); msgs >= int64(len(events)) {
		t.Errorf("%d events took %d messages: no batching", len(events), msgs)
	}
}

func TestShutdown(t *testing.T) {
	app, ts := MustServer(t, Config{})
	c := MustDial(t, ts, nil)
	c.send(runMsg("sleep", sleepProgram))
	for {
		if m, _ := c.next(runTimeout); m.Type == event.TypeOutput {
			break
		}
	}
	// A deadline 4 s away leaves the run 1 s to finish before it is stopped.
	ctx, cancel := context.WithTimeout(context.Background(), shutdownStopMargin+time.Second)
	defer cancel()
	if err := app.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	t.Run("TheRunEndsAndThePageIsTold", func(t *testing.T) {
		rest, _, _ := c.runToEnd(time.Second)
		if end := rest[len(rest)-1]; end.Status != event.StatusStopped || end.Message != msgShutdownStopped {
			t.Errorf("run.end %+v", end)
		}
	})
	t.Run("NewConnectionsAreRefused", func(t *testing.T) {
		h := http.Header{"Origin": {ts.URL}}
		conn, _, err := websocket.DefaultDialer.Dial(wsURL(ts), h)
		if err != nil {
			return
		}
		defer conn.Close()
		conn.SetReadDeadline(time.Now().Add(2 * time.Second))
		if _, _, err := conn.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseGoingAway) {
			t.Errorf("read after shutdown: %v", err)
		}
	})
}

func TestShutdownLetsRunsFinish(t *testing.T) {
	app, ts := MustServer(t, Config{MaxRuns: 1})
	running, queued := MustDial(t, ts, nil), MustDial(t, ts, nil)
	running.send(runMsg("sleep", "import time\nprint('working', flush=True)\ntime.sleep(1)\nprint('done', flush=True)\n"))
	for {
		if m, _ := running.next(runTimeout); m.Type == event.TypeOutput {
			break
		}
	}
	queued.send(runMsg("sleep", sleepProgram))
	if m, r := queued.next(runTimeout); m.Type != "queued" {
		t.Fatalf("want queued, got %s", r.raw)
	}
	errc := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		errc <- app.Shutdown(ctx)
	}()

	t.Run("AWaitingRunIsNotStartedAndItsLearnerIsTold", func(t *testing.T) {
		if msg := queued.expectError(5 * time.Second); msg != msgShutdownNotRun {
			t.Errorf("message %q", msg)
		}
	})
	t.Run("ARunningProgramFinishes", func(t *testing.T) {
		evs, _, _ := running.runToEnd(10 * time.Second)
		if end := evs[len(evs)-1]; end.Status != event.StatusOK {
			t.Errorf("run.end %+v", end)
		}
		if err := <-errc; err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
}
