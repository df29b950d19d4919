package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"mpplayground/cmd/playground/internal/cli"
	"mpplayground/internal/testload"
	"mpplayground/runner"
	"mpplayground/store"
)

// hoarderProgram takes as much of the kernel's per-user counters as one
// run may: pipes grown to 1 MiB until a new pipe comes out small (the
// user's fs.pipe-user-pages-soft is used up), and descriptors in flight
// over SCM_RIGHTS until the kernel refuses more (ETOOMANYREFS: the user's
// in-flight count is past RLIMIT_NOFILE). Then it holds them.
const hoarderProgram = `import errno, fcntl, os, socket, time
pipes = []
while True:
    r, w = os.pipe()
    os.close(w)
    pipes.append(r)
    if fcntl.fcntl(r, fcntl.F_GETPIPE_SZ) < 65536:
        break
    try:
        fcntl.fcntl(r, fcntl.F_SETPIPE_SZ, 1 << 20)
    except OSError:
        pass
a, b = socket.socketpair()
inflight, batch = 0, 64
while batch:
    try:
        socket.send_fds(a, [b'x'], [pipes[0]] * batch)
        inflight += batch
    except OSError as e:
        if e.errno != errno.ETOOMANYREFS:
            raise
        batch //= 2
print('holding', inflight, 'descriptors in flight and', len(pipes), 'pipes', flush=True)
time.sleep(60)
`

// neighbourProgram needs what the hoarder holds: a pipe of the usual
// 64 KiB, descriptors passed over SCM_RIGHTS, and a forkserver Pool (which
// passes its descriptors that way).
const neighbourProgram = `import fcntl, multiprocessing as mp, os, socket
def sq(x):
    return x * x
if __name__ == '__main__':
    r, w = os.pipe()
    print('pipe', fcntl.fcntl(w, fcntl.F_GETPIPE_SZ))
    a, b = socket.socketpair()
    socket.send_fds(a, [b'x'], [r, w])
    print('passed', len(socket.recv_fds(b, 1, 2)[1]))
    mp.set_start_method('forkserver')
    with mp.Pool(2) as p:
        print(sum(p.map(sq, range(10))))
`

const neighbourOutput = "pipe 65536\npassed 2\n285\n"

// readRun reads the events of the run on c until stop says so or run.end
// comes; it returns the events' raw bytes.
func readRun(c *websocket.Conn, stop func(h runHead) bool) ([]json.RawMessage, error) {
	var raws []json.RawMessage
	c.SetReadDeadline(time.Now().Add(time.Minute))
	for {
		_, data, err := c.ReadMessage()
		if err != nil {
			return raws, err
		}
		items := []json.RawMessage{data}
		if len(data) > 0 && data[0] == '[' {
			if err := json.Unmarshal(data, &items); err != nil {
				return raws, err
			}
		}
		for _, it := range items {
			var h runHead
			json.Unmarshal(it, &h)
			if h.Type == "error" {
				return raws, errors.New(h.Message)
			}
			raws = append(raws, it)
			if h.Type == "run.end" || stop(h) {
				return raws, nil
			}
		}
	}
}

// hostUID is sandbox.host_uid of a run's run.start.
func hostUID(t *testing.T, raws []json.RawMessage) int {
	t.Helper()
	var start struct {
		Type    string `json:"type"`
		Sandbox struct {
			HostUID int `json:"host_uid"`
		} `json:"sandbox"`
	}
	if len(raws) == 0 || json.Unmarshal(raws[0], &start) != nil || start.Type != "run.start" {
		t.Fatalf("no run.start first: %s", raws)
	}
	return start.Sandbox.HostUID
}

// Per-user kernel counters are per run: while run A holds all the
// descriptors in flight and pipe pages a user may have, run B's pipes,
// descriptor passing and forkserver Pool work as on an idle server.
func TestRunsDoNotShareKernelCountersPerUser(t *testing.T) {
	requireSandbox(t)
	rf := cli.AddRunnerFlags(flag.NewFlagSet("uids", flag.ContinueOnError))
	rf.Timeout = testload.Scaled(t, 30*time.Second, 400) // A must outlast B on a loaded machine
	o := serveOptions{Addr: "127.0.0.1:0", DB: filepath.Join(t.TempDir(), "runs.db"), KeepRuns: store.DefaultKeepRuns, MaxRuns: 2, Runner: rf}
	base, _ := startServe(t, o)

	ca := dialWS(t, base)
	defer ca.Close()
	msg, _ := json.Marshal(map[string]any{"type": "run", "lesson": testLesson, "code": hoarderProgram})
	if err := ca.WriteMessage(websocket.TextMessage, msg); err != nil {
		t.Fatal(err)
	}
	a, err := readRun(ca, func(h runHead) bool { return strings.HasPrefix(h.Text, "holding") })
	if err != nil || len(a) == 0 {
		t.Fatalf("run A: %v", err)
	}
	if last := heads(a)[len(a)-1]; last.Type != "output" {
		t.Fatalf("run A ended before it held anything: %s", a)
	} else {
		t.Logf("run A: %s", strings.TrimSpace(last.Text))
	}

	cb := dialWS(t, base)
	b, err := runWS(cb, neighbourProgram, nil)
	cb.Close()
	if err != nil || !b.End {
		t.Fatalf("run B did not end: %v", err)
	}
	bh := heads(b.Raws)
	var out strings.Builder
	for _, h := range bh {
		if h.Type == "output" {
			out.WriteString(h.Text)
		}
	}
	if end := bh[len(bh)-1]; end.Status != "ok" || out.String() != neighbourOutput {
		t.Errorf("run B beside run A: %s (%s), output %q, want %q", end.Status, end.Message, out.String(), neighbourOutput)
	}

	stop, _ := json.Marshal(map[string]any{"type": "stop"})
	ca.WriteMessage(websocket.TextMessage, stop)
	rest, err := readRun(ca, func(runHead) bool { return false })
	a = append(a, rest...)
	if err != nil || heads(a)[len(a)-1].Status != "stopped" {
		t.Errorf("run A did not stop when asked: %v", err)
	}
	if ua, ub := hostUID(t, a), hostUID(t, b.Raws); ua == ub {
		t.Errorf("runs A and B ran as the same host uid %d", ua)
	}
}

// The server says at start whether each run has a host uid of its own.
func TestServerSaysWhetherEachRunHasItsOwnUID(t *testing.T) {
	requireSandbox(t)
	rf := cli.AddRunnerFlags(flag.NewFlagSet("uids", flag.ContinueOnError))
	rf.UIDRange = "2000200000-2000200099"
	cfg, err := rf.Config()
	if err != nil {
		t.Fatal(err)
	}
	r, err := runner.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var logged bytes.Buffer
	describeRunner(slog.New(slog.NewTextHandler(&logged, nil)), r)
	want := `per_run_uids="range 2000200000-2000200099; leased in `
	if r.Info().UIDRange == "" {
		want = `per_run_uids="off (`
	}
	if !strings.Contains(logged.String(), want) {
		t.Errorf("the sandbox line does not say %s:\n%s", want, logged.String())
	}
}

// A range too small for --max-runs is refused at start, not when the
// server is busy.
func TestServeRefusesAUIDRangeSmallerThanMaxRuns(t *testing.T) {
	requireSandbox(t)
	if os.Geteuid() != 0 {
		t.Skip("only a root server has a range of uids")
	}
	rf := cli.AddRunnerFlags(flag.NewFlagSet("uids", flag.ContinueOnError))
	rf.UIDRange = "2000200100-2000200104"
	o := serveOptions{Addr: "127.0.0.1:0", DB: filepath.Join(t.TempDir(), "runs.db"), KeepRuns: store.DefaultKeepRuns, MaxRuns: 8, Runner: rf}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	err := serve(ctx, o, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)), func(net.Addr) { t.Error("the server started"); cancel() })
	if err == nil || !strings.Contains(err.Error(), "--max-runs 8") || !strings.Contains(err.Error(), "2000200100-2000200104") {
		t.Errorf("got %v, want a refusal that names the range and --max-runs", err)
	}
}
