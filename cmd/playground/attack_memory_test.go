package main

import (
	"flag"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"mpplayground/cmd/playground/internal/cli"
	"mpplayground/internal/testload"
	"mpplayground/internal/testmem"
	"mpplayground/runner"
	"mpplayground/store"
)

// forgedReports sends IPC report lines straight to the events socket, with
// keys as long as a datagram allows: what a runner that kept keys would
// remember without bound.
const forgedReports = `import os, socket
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.connect('\0' + os.environ['PLAYGROUND_EVENTS'][1:])
k = 'k' * 60000
for i in range(400):
    for kind in ('pipe.pair', 'queue.put'):
        try:
            s.send(('\x01%s\t%d%s\t\t%d%s\t\t-1\t-1\t-1\t\t\t\t%d%sX\t0' % (kind, i, k, i, k, i, k)).encode())
        except OSError:
            pass
print('reports sent')
`

// The server's memory for one run stays bounded whatever the program sends
// to the events socket, with IPC events on or off.
func TestForgedReportsCannotExhaustTheServer(t *testing.T) {
	requireSandbox(t)
	rf := cli.AddRunnerFlags(flag.NewFlagSet("memory", flag.ContinueOnError))
	rf.Timeout = testload.Scaled(t, runner.DefaultWallTime, 150)
	o := serveOptions{Addr: "127.0.0.1:0", DB: filepath.Join(t.TempDir(), "runs.db"), KeepRuns: store.DefaultKeepRuns, MaxRuns: 2, Runner: rf}
	base, _ := startServe(t, o)
	for _, ipc := range []bool{true, false} {
		c := dialWS(t, base)
		var run wsRun
		var err error
		grew := testmem.PeakGrowth(func() { run, err = runWSWithIPC(c, forgedReports, ipc) })
		c.Close()
		if err != nil || !run.End {
			t.Fatalf("ipc %v: the run did not end: %v", ipc, err)
		}
		t.Logf("ipc %v: the server's heap grew by %.1f MiB at its peak", ipc, float64(grew)/(1<<20))
		if grew > 64<<20 {
			t.Errorf("ipc %v: one run grew the server's heap by %d MiB", ipc, grew>>20)
		}
		hs := heads(run.Raws)
		if end := hs[len(hs)-1]; end.Status != "ok" {
			t.Errorf("ipc %v: %s (%s)", ipc, end.Status, end.Message)
		}
		for _, raw := range run.Raws {
			if len(raw) > 4096 && !strings.Contains(string(raw), `"type":"run.start"`) {
				t.Errorf("ipc %v: an event carries a forged key: %.200s", ipc, raw)
			}
			if !ipc && strings.Contains(string(raw), `"type":"queue.put"`) {
				t.Errorf("with IPC off a forged report was accepted: %s", raw)
			}
		}
	}
}

// runWSWithIPC runs code with IPC events switched on or off.
func runWSWithIPC(c *websocket.Conn, code string, ipc bool) (wsRun, error) {
	return runWSMessage(c, map[string]any{"type": "run", "lesson": testLesson, "code": code, "ipc": ipc}, nil)
}

// execLoop replaces its program with itself, forever, each time with 60 KB
// of argv and no output: the budget, not the output limit, must end it.
const execLoop = "print('before the flood', flush=True)\nimport os\nopen('/tmp/loop.sh', 'w').write('exec /bin/sh /tmp/loop.sh \"$@\"\\n')\nos.execv('/bin/sh', ['sh', '/tmp/loop.sh'] + ['a' * 1000] * 60)\n"

// One budget covers everything a run makes the server store and send: an
// exec loop that prints nothing ends with a limit of kind events, its
// output before kept, its run stored, and the server serves the next.
func TestTheEventBudgetEndsAnArgvFlood(t *testing.T) {
	requireSandbox(t)
	rf := cli.AddRunnerFlags(flag.NewFlagSet("budget", flag.ContinueOnError))
	rf.Timeout = time.Minute // only the budget may end it
	o := serveOptions{Addr: "127.0.0.1:0", DB: filepath.Join(t.TempDir(), "runs.db"), KeepRuns: store.DefaultKeepRuns, MaxRuns: 2, Runner: rf}
	base, _ := startServe(t, o)
	c := dialWS(t, base)
	defer c.Close()
	run, err := runWS(c, execLoop, nil)
	if err != nil || !run.End {
		t.Fatalf("the run did not end: %v", err)
	}
	hs := heads(run.Raws)
	end := hs[len(hs)-1]
	var limits []string
	var out strings.Builder
	for _, h := range hs {
		if h.Type == "limit" {
			limits = append(limits, h.Kind)
			if !strings.HasPrefix(h.Message, "Stopped: ") {
				t.Errorf("limit message %q", h.Message)
			}
		}
		if h.Type == "output" {
			out.WriteString(h.Text)
		}
	}
	if end.Status != "limit" || len(limits) != 1 || limits[0] != "events" {
		t.Errorf("status %q, limits %v; want limit and [events] (%s)", end.Status, limits, end.Message)
	}
	if !strings.Contains(out.String(), "before the flood") {
		t.Errorf("the output before the flood was not kept")
	}
	if status, stored := getAPIRun(t, base, run.ID); status != end.Status || !sameEvents(stored, run.Raws) {
		t.Errorf("stored run differs: status %q, %d events against %d streamed", status, len(stored), len(run.Raws))
	}
	next, err := runWS(c, "print('next')\n", nil)
	if err != nil || !next.End || heads(next.Raws)[len(next.Raws)-1].Status != "ok" {
		t.Errorf("the next run failed: %v", err)
	}
}
