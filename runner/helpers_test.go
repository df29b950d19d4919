package runner

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"mpplayground/event"
	"mpplayground/internal/testload"
)

var (
	sharedOnce   sync.Once
	sharedRunner *Runner
	sharedErr    error
)

// testRunner is one sandboxed Runner shared by the tests. Outside CI a host
// that cannot build the sandbox skips the test; under CI=true it fails it.
func testRunner(t testing.TB) *Runner {
	t.Helper()
	sharedOnce.Do(func() { sharedRunner, sharedErr = New(Config{}) })
	if sharedErr != nil {
		t.Fatalf("New: %v", sharedErr)
	}
	if err := sharedRunner.SandboxError(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the sandbox is required under CI: %v", err)
		}
		t.Skipf("no sandbox on this host: %v", err)
	}
	return sharedRunner
}

// runResult is a finished run as a test sees it.
type runResult struct {
	Events []event.Event
	Result Result
}

// runProgram runs program with limits l. A wall time left zero is
// backstopWall: a test that does not test the wall time must not end in
// one because other work shares the cores.
func runProgram(t testing.TB, r *Runner, program string, l event.Limits) runResult {
	t.Helper()
	if l.WallTime == 0 {
		l.WallTime = backstopWall(t)
	}
	return runWithLimits(t, r, program, l)
}

// backstopWall is the wall time of a run whose test expects it to end
// otherwise (by itself, or by a limit other than the wall time): long
// enough that no load of the machine reaches it, so that only a fault of
// the runner does. A unit measured as the best of three starts
// underestimates a load that comes in bursts (a browser test of another
// package, a spawn of several interpreters at once): 150 units, 12.45 s
// on a CI host, were reached by a deadlock the runner found in time
// there. What a test asserts of promptness it asserts with its own bound.
func backstopWall(t testing.TB) time.Duration {
	t.Helper()
	return testload.Scaled(t, time.Minute, 600)
}

// runWithLimits runs program with limits l as they are.
func runWithLimits(t testing.TB, r *Runner, program string, l event.Limits) runResult {
	t.Helper()
	return runRequest(t, r, Request{Program: []byte(program), Limits: l})
}

// runRequest runs req as it is.
func runRequest(t testing.TB, r *Runner, req Request) runResult {
	t.Helper()
	var rr runResult
	ctx, cancel := context.WithTimeout(context.Background(), max(time.Minute, req.Limits.WallTime+30*time.Second))
	defer cancel()
	rr.Result = r.Run(ctx, req, func(e event.Event) { rr.Events = append(rr.Events, e) })
	checkContract(t, rr.Events)
	return rr
}

// checkContract asserts the guarantees of the event stream (docs/events.md).
func checkContract(t testing.TB, events []event.Event) {
	t.Helper()
	if len(events) < 2 {
		t.Fatalf("stream too short: %d events", len(events))
	}
	if events[0].Type != event.TypeRunStart {
		t.Errorf("first event is %q, want run.start", events[0].Type)
	}
	if last := events[len(events)-1]; last.Type != event.TypeRunEnd {
		t.Errorf("last event is %q, want run.end", last.Type)
	}
	started := map[int]bool{}
	exited := map[int]bool{}
	var lastT float64
	for i, e := range events {
		if e.Seq != int64(i+1) {
			t.Fatalf("event %d has seq %d", i, e.Seq)
		}
		if e.T < lastT {
			t.Errorf("seq %d: t went back from %v to %v", e.Seq, lastT, e.T)
		}
		lastT = e.T
		if e.Type == event.TypeRunEnd && i != len(events)-1 {
			t.Errorf("run.end at seq %d is not last", e.Seq)
		}
		switch e.Type {
		case event.TypeProcStart:
			if started[e.PID] {
				t.Errorf("pid %d started twice", e.PID)
			}
			if e.PPID == nil || e.Name == "" || e.Via == "" {
				t.Errorf("proc.start %d lacks ppid, name or via: %+v", e.PID, e)
			}
			if e.PPID != nil && exited[*e.PPID] {
				t.Errorf("pid %d started after its parent %d exited", e.PID, *e.PPID)
			}
			started[e.PID] = true
		case event.TypeOutput, event.TypeProcExec:
			if !started[e.PID] || exited[e.PID] {
				t.Errorf("%s of pid %d outside its lifetime", e.Type, e.PID)
			}
		case event.TypeProcExit:
			if !started[e.PID] || exited[e.PID] {
				t.Errorf("proc.exit of pid %d without start or twice", e.PID)
			}
			if (e.Code == nil) == (e.Signal == "") {
				t.Errorf("proc.exit of %d must have exactly one of code and signal: %+v", e.PID, e)
			}
			exited[e.PID] = true
		}
	}
	for pid := range started {
		if !exited[pid] {
			t.Errorf("pid %d has no proc.exit", pid)
		}
	}
}

func (rr runResult) end() event.Event { return rr.Events[len(rr.Events)-1] }

func (rr runResult) byType(typ string) []event.Event {
	var out []event.Event
	for _, e := range rr.Events {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// procs maps pid to its proc.start event.
func (rr runResult) procs() map[int]event.Event {
	m := map[int]event.Event{}
	for _, e := range rr.byType(event.TypeProcStart) {
		m[e.PID] = e
	}
	return m
}

// exits maps pid to its proc.exit event.
func (rr runResult) exits() map[int]event.Event {
	m := map[int]event.Event{}
	for _, e := range rr.byType(event.TypeProcExit) {
		m[e.PID] = e
	}
	return m
}

// stdout joins everything written to a stream by all processes.
func (rr runResult) text(stream string) string {
	var b strings.Builder
	for _, e := range rr.byType(event.TypeOutput) {
		if stream == "" || e.Stream == stream {
			b.WriteString(e.Text)
		}
	}
	return b.String()
}

// textOf joins what one process wrote to both streams.
func (rr runResult) textOf(pid int) string {
	var b strings.Builder
	for _, e := range rr.byType(event.TypeOutput) {
		if e.PID == pid {
			b.WriteString(e.Text)
		}
	}
	return b.String()
}

func (rr runResult) dump() string {
	var b strings.Builder
	for _, e := range rr.Events {
		j, _ := json.Marshal(e)
		b.Write(j)
		b.WriteByte('\n')
	}
	return b.String()
}

func mustStatus(t testing.TB, rr runResult, status string) {
	t.Helper()
	if rr.Result.Status != status || rr.end().Status != status {
		t.Fatalf("status %q (run.end %q), want %q; stream:\n%s", rr.Result.Status, rr.end().Status, status, rr.dump())
	}
}

func exitCode(e event.Event) int {
	if e.Code == nil {
		return -1000
	}
	return *e.Code
}

func io_Pipe() (*io.PipeReader, *io.PipeWriter) { return io.Pipe() }
