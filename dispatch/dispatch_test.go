package dispatch

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"mpplayground/event"
	"mpplayground/internal/testload"
	"mpplayground/runner"
)

var (
	runnerOnce sync.Once
	shared     *runner.Runner
	runnerErr  error
)

// realRunner is a runner with the sandbox, which CI requires.
func realRunner(t *testing.T) *runner.Runner {
	t.Helper()
	runnerOnce.Do(func() { shared, runnerErr = runner.New(runner.Config{}) })
	if runnerErr != nil {
		t.Fatalf("runner: %v", runnerErr)
	}
	if err := shared.SandboxError(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the sandbox is required under CI: %v", err)
		}
		t.Skipf("no sandbox on this host: %v", err)
	}
	return shared
}

// embedded starts a NATS server of the test's own, JetStream on.
func embedded(t *testing.T) *server.Server {
	t.Helper()
	s, err := Embedded{Name: "test", StoreDir: t.TempDir()}.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Shutdown)
	return s
}

func connect(t *testing.T, s *server.Server) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(s.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// startWorker serves runs with exec until the test ends (or stop is
// called), and returns the worker and a function that drains it.
func startWorker(t *testing.T, nc *nats.Conn, exec Executor, slots int) (*Worker, func()) {
	t.Helper()
	w, err := NewWorker(context.Background(), nc, Streams{}, exec, slots)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		_ = w.Serve(ctx)
		close(done)
	}()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			<-done
		})
	}
	t.Cleanup(stop)
	return w, stop
}

func newClient(t *testing.T, nc *nats.Conn) *Client {
	t.Helper()
	c, err := NewClient(context.Background(), nc, Streams{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// collect runs req through c and returns its events.
func collect(t *testing.T, ctx context.Context, c *Client, req runner.Request) ([]event.Event, runner.Result) {
	t.Helper()
	var events []event.Event
	res := c.Run(ctx, req, func(e event.Event) { events = append(events, e) })
	return events, res
}

// checkStream holds a stream to the contract's order: seq from 1 without
// gaps, run.start first, run.end last, every process closed.
func checkStream(t *testing.T, events []event.Event) {
	t.Helper()
	if len(events) < 2 || events[0].Type != event.TypeRunStart || events[len(events)-1].Type != event.TypeRunEnd {
		t.Fatalf("the stream does not go from run.start to run.end: %d events", len(events))
	}
	open := map[int]bool{}
	for i, e := range events {
		if e.Seq != int64(i+1) {
			t.Fatalf("event %d has seq %d", i+1, e.Seq)
		}
		switch e.Type {
		case event.TypeProcStart:
			open[e.PID] = true
		case event.TypeProcExit:
			delete(open, e.PID)
		}
	}
	if len(open) > 0 {
		t.Errorf("processes never exited: %v", open)
	}
}

func output(events []event.Event) string {
	var b strings.Builder
	for _, e := range events {
		if e.Type == event.TypeOutput {
			b.WriteString(e.Text)
		}
	}
	return b.String()
}

// A run put on the queue by a web node is run by a worker and streams to
// its client in order with nothing lost: the same events as the runner's
// own, input included.
func TestARunCrossesToAWorkerAndBack(t *testing.T) {
	r := realRunner(t)
	s := embedded(t)
	startWorker(t, connect(t, s), r, 2)
	c := newClient(t, connect(t, s))

	const program = `
import multiprocessing as mp
def work(q, i):
    q.put(i * i)
if __name__ == "__main__":
    name = input()
    q = mp.Queue()
    ps = [mp.Process(target=work, args=(q, i)) for i in range(3)]
    for p in ps: p.start()
    print(name, sorted(q.get() for _ in ps))
    for p in ps: p.join()
    for i in range(500): print("line", i)
`
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	events, res := collect(t, ctx, c, runner.Request{Program: []byte(program), Stdin: strings.NewReader("Ada\n"),
		Limits: event.Limits{WallTime: testload.Scaled(t, runner.DefaultWallTime, 150)}})
	checkStream(t, events)
	if res.Status != event.StatusOK {
		t.Fatalf("status %s: %s", res.Status, events[len(events)-1].Message)
	}
	out := output(events)
	if !strings.Contains(out, "Ada [0, 1, 4]\n") || !strings.Contains(out, "line 499\n") {
		t.Errorf("output %q…", out[:min(len(out), 200)])
	}
	var puts int
	for _, e := range events {
		if e.Type == event.TypeQueuePut {
			puts++
		}
	}
	if puts != 3 {
		t.Errorf("%d queue.put events crossed, want 3", puts)
	}
}

// Stop reaches the worker: a queued run is taken off the queue, a running
// one is stopped; both end with run.end "stopped".
func TestStopReachesTheRun(t *testing.T) {
	r := realRunner(t)
	s := embedded(t)
	startWorker(t, connect(t, s), r, 1)
	c := newClient(t, connect(t, s))
	wall := testload.Scaled(t, 20*time.Second, 150)
	long := runner.Request{Program: []byte("import time\nprint('sleeping', flush=True)\ntime.sleep(60)\n"), Limits: event.Limits{WallTime: wall}}

	// The first run takes the only slot; the second waits in the queue.
	positions := make(chan int, 16)
	first, stopFirst := context.WithCancel(context.Background())
	defer stopFirst()
	firstDone := make(chan []event.Event, 1)
	firstSleeps := make(chan struct{})
	go func() {
		var ev []event.Event
		c.Run(first, long, func(e event.Event) {
			ev = append(ev, e)
			if e.Type == event.TypeOutput && strings.Contains(e.Text, "sleeping") {
				close(firstSleeps)
			}
		})
		firstDone <- ev
	}()
	second, stopSecond := context.WithCancel(context.Background())
	secondDone := make(chan []event.Event, 1)
	go func() {
		time.Sleep(testload.Scaled(t, 300*time.Millisecond, 10))
		var ev []event.Event
		c.RunPlaced(second, long, func(e event.Event) { ev = append(ev, e) }, func(pos int) { positions <- pos })
		secondDone <- ev
	}()
	deadline := time.After(testload.Scaled(t, 10*time.Second, 100))
	for queued := false; !queued; {
		select {
		case pos := <-positions:
			queued = pos == 1
		case <-deadline:
			t.Fatal("the second run was never said to be first in the queue")
		}
	}
	stopSecond()
	ev := <-secondDone
	checkStream(t, ev)
	if end := ev[len(ev)-1]; end.Status != event.StatusStopped {
		t.Errorf("the queued run ended %s: %s", end.Status, end.Message)
	}
	// The running run is stopped once its program runs (a busy machine
	// may take seconds to start it).
	select {
	case <-firstSleeps:
	case <-time.After(testload.Scaled(t, 10*time.Second, 100)):
		t.Fatal("the first run's program never said it sleeps")
	}
	stopFirst()
	ev = <-firstDone
	checkStream(t, ev)
	if end := ev[len(ev)-1]; end.Status != event.StatusStopped || !strings.Contains(output(ev), "sleeping") {
		t.Errorf("the running run ended %s: %s", end.Status, end.Message)
	}
}

// A worker that goes away in the middle of a run: the learner is told in
// plain words within 5 s, and the run is never given to another worker.
func TestAWorkerThatDiesEndsItsRunAndNoOtherRunsIt(t *testing.T) {
	r := realRunner(t)
	s := embedded(t)
	workerConn := connect(t, s)
	var mu sync.Mutex
	started := map[string]int{}
	counting := func(exec Executor) Executor {
		return executorFunc(func(ctx context.Context, req runner.Request, emit func(event.Event)) runner.Result {
			mu.Lock()
			started[req.RunID]++
			mu.Unlock()
			return exec.Run(ctx, req, emit)
		})
	}
	startWorker(t, workerConn, counting(r), 1)
	c := newClient(t, connect(t, s))

	wall := testload.Scaled(t, 30*time.Second, 150)
	req := runner.Request{RunID: event.NewRunID(), Program: []byte("import time\nprint('up', flush=True)\ntime.sleep(60)\n"), Limits: event.Limits{WallTime: wall}}
	var events []event.Event
	var gone time.Time
	done := make(chan runner.Result, 1)
	go func() {
		done <- c.Run(context.Background(), req, func(e event.Event) {
			events = append(events, e)
			if e.Type == event.TypeOutput && strings.Contains(e.Text, "up") && gone.IsZero() {
				// The machine is gone: nothing more comes from it.
				gone = time.Now()
				workerConn.Close()
			}
		})
	}()
	res := <-done
	if res.Status != event.StatusInternalError {
		t.Fatalf("status %s, want internal_error", res.Status)
	}
	checkStream(t, events)
	if msg := events[len(events)-1].Message; msg != WorkerGoneMessage {
		t.Errorf("message %q", msg)
	}
	// An absolute bound, the one promised to learners: the silence is noticed by
	// the client's clock (workerGone plus a heartbeat, 4 s), which a busy
	// machine delays by its scheduling, milliseconds, not by its work.
	if took := time.Since(gone); took > 5*time.Second {
		t.Errorf("the learner was told after %v, want within 5 s", took)
	}
	// Another worker comes: it does not run the run again.
	startWorker(t, connect(t, s), counting(r), 1)
	time.Sleep(testload.Scaled(t, 2*time.Second, 20))
	mu.Lock()
	defer mu.Unlock()
	if n := started[req.RunID]; n != 1 {
		t.Errorf("the run was started %d times", n)
	}
}

// A draining worker finishes the run it has and takes no other.
func TestADrainingWorkerFinishesItsRun(t *testing.T) {
	r := realRunner(t)
	s := embedded(t)
	w, drain := startWorker(t, connect(t, s), r, 1)
	c := newClient(t, connect(t, s))
	req := runner.Request{Program: []byte("import time\nprint('begun', flush=True)\ntime.sleep(1)\nprint('finished')\n"),
		Limits: event.Limits{WallTime: testload.Scaled(t, 20*time.Second, 150)}}
	done := make(chan []event.Event, 1)
	drained := make(chan struct{})
	go func() {
		var events []event.Event
		c.Run(context.Background(), req, func(e event.Event) {
			events = append(events, e)
			if e.Type == event.TypeOutput && strings.Contains(e.Text, "begun") {
				go func() {
					drain()
					close(drained)
				}()
			}
		})
		done <- events
	}()
	ev := <-done
	checkStream(t, ev)
	if end := ev[len(ev)-1]; end.Status != event.StatusOK || !strings.Contains(output(ev), "finished") {
		t.Fatalf("the run ended %s: %s", end.Status, end.Message)
	}
	<-drained
	if w.Running() != 0 || w.Done() != 1 {
		t.Errorf("running %d, done %d", w.Running(), w.Done())
	}
}

type executorFunc func(ctx context.Context, req runner.Request, emit func(event.Event)) runner.Result

func (f executorFunc) Run(ctx context.Context, req runner.Request, emit func(event.Event)) runner.Result {
	return f(ctx, req, emit)
}
