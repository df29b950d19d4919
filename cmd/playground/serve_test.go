package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"mpplayground/cmd/playground/internal/cli"
	"mpplayground/internal/testload"
	"mpplayground/runner"
	"mpplayground/store"
)

// orphanWait bounds how long the processes of a killed server's runs may
// take to die.
const orphanWait = 5 * time.Second

// serveHelperEnv, when set in the environment of the test binary, makes it
// the real playground command: its value is the JSON list of arguments.
const serveHelperEnv = "MPPLAYGROUND_TEST_COMMAND"

func TestMain(m *testing.M) {
	if args := os.Getenv(serveHelperEnv); args != "" {
		var a []string
		if err := json.Unmarshal([]byte(args), &a); err != nil {
			fmt.Fprintln(os.Stderr, "bad helper arguments:", err)
			os.Exit(3)
		}
		os.Exit(subcommand(a))
	}
	os.Exit(m.Run())
}

// playgroundCommand is the playground binary (this test binary in helper
// mode) with args.
func playgroundCommand(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	b, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), serveHelperEnv+"="+string(b))
	return cmd
}

// Learner ids (32 hex digits) of the tests.
const testLearner = "7e57da7a7e57da7a7e57da7a7e57da7a"

// testLesson is a lesson of the built-in course; any program may run in it.
const testLesson = "starting-a-process"

// wsRun is one run as a WebSocket client saw it.
type wsRun struct {
	ID   string
	Raws []json.RawMessage // every event, as the bytes received
	End  bool              // run.end was received
}

// dialWS opens a WebSocket to a playground at base (http://host:port).
func dialWS(t testing.TB, base string) *websocket.Conn {
	t.Helper()
	h := http.Header{"Origin": {base}, "Cookie": {"pg_learner=" + testLearner}}
	c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/ws", h)
	if err != nil {
		t.Fatalf("dial %s: %v", base, err)
	}
	return c
}

// runWS runs code and reads its events up to run.end (the messages that are
// not events, such as checks, are skipped). It returns what it saw when the
// connection breaks.
func runWS(c *websocket.Conn, code string, started func(id string)) (wsRun, error) {
	return runWSMessage(c, map[string]any{"type": "run", "lesson": testLesson, "code": code}, started)
}

// runWSMessage sends a run message of the page's protocol and reads its run.
func runWSMessage(c *websocket.Conn, fields map[string]any, started func(id string)) (wsRun, error) {
	var r wsRun
	msg, _ := json.Marshal(fields)
	if err := c.WriteMessage(websocket.TextMessage, msg); err != nil {
		return r, err
	}
	for {
		// Silence longer than any wall time a test server was given (up to
		// 400 units of the machine's pace when it was set), and a minute
		// more, is a run that does not end; a long run that keeps sending
		// is not.
		c.SetReadDeadline(time.Now().Add(time.Minute + 400*testload.Worst()))
		_, data, err := c.ReadMessage()
		if err != nil {
			return r, err
		}
		var items []json.RawMessage
		if len(data) > 0 && data[0] == '[' {
			if err := json.Unmarshal(data, &items); err != nil {
				return r, err
			}
		} else {
			items = []json.RawMessage{data}
		}
		for _, it := range items {
			// Most events need no decoding here: a test client that reads
			// slowly would slow the run it watches (the server holds back a
			// program whose client falls behind).
			if bytes.HasPrefix(it, []byte(`{"seq":`)) && !bytes.Contains(it, []byte(`"type":"run.`)) {
				r.Raws = append(r.Raws, it)
				continue
			}
			var head struct {
				Seq     int64  `json:"seq"`
				Type    string `json:"type"`
				RunID   string `json:"run_id"`
				Message string `json:"message"`
			}
			json.Unmarshal(it, &head)
			if head.Type == "error" {
				return r, errors.New(head.Message)
			}
			if head.Seq == 0 {
				continue
			}
			r.Raws = append(r.Raws, it)
			if head.Type == "run.start" {
				r.ID = head.RunID
				if started != nil {
					started(r.ID)
				}
			}
			if head.Type == "run.end" {
				r.End = true
				return r, nil
			}
		}
	}
}

// startServe runs serve in this process until the returned stop is called.
// startServe serves o until the test ends. Without runner flags of the
// test's own, runs have the default wall time on a quiet machine, longer on
// a busy one.
func startServe(t *testing.T, o serveOptions) (base string, stop func()) {
	t.Helper()
	if o.Runner == nil {
		o.Runner = cli.AddRunnerFlags(flag.NewFlagSet("test", flag.ContinueOnError))
		o.Runner.Timeout = testload.Scaled(t, runner.DefaultWallTime, 150)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan net.Addr, 1)
	done := make(chan error, 1)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	go func() { done <- serve(ctx, o, log, func(a net.Addr) { addr <- a }) }()
	select {
	case a := <-addr:
		base = "http://" + a.String()
	case err := <-done:
		cancel()
		t.Fatalf("serve: %v", err)
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return base, stop
}

func getAPIRun(t *testing.T, base, id string) (status string, events []json.RawMessage) {
	t.Helper()
	res, err := http.Get(base + "/api/runs/" + id)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var r struct {
		Status string            `json:"status"`
		Events []json.RawMessage `json:"events"`
	}
	if res.StatusCode != 200 {
		t.Fatalf("GET /api/runs/%s: %s", id, res.Status)
	}
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	return r.Status, r.Events
}

func sameEvents(a, b []json.RawMessage) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

func TestServeKeepsRunsAcrossARestart(t *testing.T) {
	requireSandbox(t)
	o := serveOptions{Addr: "127.0.0.1:0", DB: filepath.Join(t.TempDir(), "runs.db"), KeepRuns: store.DefaultKeepRuns}
	base, stop := startServe(t, o)
	c := dialWS(t, base)
	run, err := runWS(c, "import os\nprint('hello from', os.getpid())\n", nil)
	c.Close()
	if err != nil || !run.End {
		t.Fatalf("run: %v (ended %v)", err, run.End)
	}
	status, events := getAPIRun(t, base, run.ID)
	if status != "ok" || !sameEvents(events, run.Raws) {
		t.Fatalf("before the restart: status %s, %d events stored of %d streamed", status, len(events), len(run.Raws))
	}
	stop()

	base, _ = startServe(t, o)
	status, events = getAPIRun(t, base, run.ID)
	if status != "ok" || !sameEvents(events, run.Raws) {
		t.Fatalf("after the restart: status %s, %d events stored of %d streamed", status, len(events), len(run.Raws))
	}
	req, _ := http.NewRequest("GET", base+"/lessons/"+testLesson, nil)
	req.Header.Set("Cookie", "pg_learner="+testLearner)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(page), `data-run="`+run.ID+`"`) {
		t.Error("the lesson page does not list the run after the restart")
	}
}

func TestServeRefusesABadDatabase(t *testing.T) {
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt.db")
	if err := os.WriteFile(corrupt, bytes.Repeat([]byte("not a database, "), 512), 0o644); err != nil {
		t.Fatal(err)
	}
	notADir := filepath.Join(dir, "file")
	os.WriteFile(notADir, nil, 0o644)
	locked := filepath.Join(dir, "locked.db")
	db, err := store.Open(context.Background(), locked)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	for _, tc := range []struct{ name, path, says string }{
		{"Corrupt", corrupt, "damaged"},
		{"Unwritable", filepath.Join(notADir, "runs.db"), "cannot be created or written"},
		{"Locked", locked, "in use by another playground"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := playgroundCommand(t, "serve", "--addr", "127.0.0.1:0", "--db", tc.path, "--sandbox=off")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 1 {
				t.Fatalf("exit: %v, want status 1; stderr:\n%s", err, stderr.String())
			}
			msg := stderr.String()
			if !strings.Contains(msg, tc.says) || !strings.Contains(msg, tc.path) || !strings.Contains(msg, "--db") {
				t.Errorf("the message does not say what is wrong:\n%s", msg)
			}
			if strings.Contains(msg, "serving the playground") {
				t.Error("the server started anyway")
			}
		})
	}
	if info, err := os.Stat(corrupt); err != nil || info.Size() != 16*512 {
		t.Error("the corrupt file was changed")
	}
}

// The kill test: a real server in its own process, a burst of runs from
// several connections, SIGKILL in the middle.
const (
	burstRuns    = 200
	burstClients = 10
	burstKillAt  = 60 // runs ended before the kill
	burstInRun   = 3  // runs started and not ended at the kill, at least
)

var serveURL = regexp.MustCompile(`url=(http://\S+)`)

func TestServeSurvivesSIGKILLDuringABurst(t *testing.T) {
	requireSandbox(t)
	if testing.Short() {
		t.Skip("a burst of 200 runs")
	}
	path := filepath.Join(t.TempDir(), "burst.db")
	cmd := playgroundCommand(t, "serve", "--addr", "127.0.0.1:0", "--db", path, "--max-runs", "8")
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var killed atomic.Bool
	defer func() {
		if !killed.Load() {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	var log bytes.Buffer
	sc := bufio.NewScanner(stderr)
	base := ""
	for sc.Scan() {
		log.WriteString(sc.Text() + "\n")
		if m := serveURL.FindStringSubmatch(sc.Text()); m != nil {
			base = m[1]
			break
		}
	}
	if base == "" {
		cmd.Wait()
		t.Fatalf("the server did not start:\n%s", log.String())
	}
	go io.Copy(io.Discard, stderr)

	var (
		mu      sync.Mutex
		ended   = map[string][]json.RawMessage{} // run.end received: must be complete
		started = map[string]bool{}
		next    = 0
		kill    = make(chan struct{})
		once    sync.Once
		wg      sync.WaitGroup
	)
	for range burstClients {
		c := dialWS(t, base)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= burstRuns {
					return
				}
				r, err := runWS(c, fmt.Sprintf("import time\nfor i in range(30):\n    print('run %d line', i, flush=True)\n    time.sleep(0.005)\n", i), func(id string) {
					mu.Lock()
					started[id] = true
					if len(ended) >= burstKillAt && len(started)-len(ended) >= burstInRun {
						once.Do(func() { close(kill) })
					}
					mu.Unlock()
				})
				if err != nil || !r.End {
					if !killed.Load() {
						t.Errorf("run %d: %v", i, err)
					}
					return // the server is gone
				}
				mu.Lock()
				ended[r.ID] = r.Raws
				mu.Unlock()
			}
		}()
	}
	select {
	case <-kill:
	case <-time.After(3 * time.Minute):
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("the burst did not reach the kill point: %d started, %d ended, %d asked", len(started), len(ended), next)
	}
	killed.Store(true)
	sandboxes := snapshot(descendants(cmd.Process.Pid))
	if len(sandboxes) == 0 {
		t.Errorf("no run was going when the server was killed")
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	wg.Wait()
	// No orphans: every process of the runs dies with the server. (The
	// kernel ends a pid namespace by killing and reaping all of it; on a
	// loaded machine that may take a moment.)
	deadline := time.Now().Add(orphanWait)
	for {
		alive := stillAlive(sandboxes)
		if len(alive) == 0 {
			break
		}
		if time.Now().After(deadline) {
			var what []string
			for _, pid := range alive {
				cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
				status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
				what = append(what, fmt.Sprintf("%d %q %s", pid, cmdline, regexp.MustCompile(`(?m)^(State|PPid|NSpid|TracerPid):.*$`).FindAllString(string(status), -1)))
			}
			t.Fatalf("%d processes of the runs outlived the server by more than %v: %v", len(alive), orphanWait, what)
		}
		time.Sleep(20 * time.Millisecond)
	}

	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("reopen after the kill: %v", err)
	}
	defer db.Close()
	ctx := context.Background()
	if err := db.Check(ctx); err != nil {
		t.Fatalf("integrity check: %v", err)
	}
	if _, err := db.MarkInterrupted(ctx, time.Time{}); err != nil {
		t.Fatal(err)
	}
	all, err := db.ListRuns(ctx, store.Filter{Limit: store.MaxListLimit})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	t.Logf("%d runs ended before the kill, %d started, %d stored", len(ended), len(started), len(all))
	if len(ended) < burstKillAt || len(all) < len(ended) {
		t.Fatalf("%d ended, %d stored", len(ended), len(all))
	}
	interrupted := 0
	for _, s := range all {
		r, err := db.GetRun(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if raws, ok := ended[s.ID]; ok {
			var end struct {
				Status string `json:"status"`
			}
			json.Unmarshal(raws[len(raws)-1], &end)
			if r.Status != end.Status || !sameEvents(r.Events, raws) {
				t.Errorf("run %s ended before the kill (%s) but is %s with %d of %d events", s.ID, end.Status, r.Status, len(r.Events), len(raws))
			}
			if end.Status != "ok" {
				t.Logf("run %s ended %s: %s", s.ID, end.Status, raws[len(raws)-1])
			}
			continue
		}
		// The rest: interrupted, or stored completely in the moment
		// between its commit and the kill, before run.end went out.
		switch {
		case r.Status == store.StatusInterrupted:
			interrupted++
		case r.Status != store.StatusRunning && len(r.Events) > 0 && strings.Contains(string(r.Events[len(r.Events)-1]), `"type":"run.end"`):
		default:
			t.Errorf("run %s that did not end before the kill is %s with %d events", s.ID, r.Status, len(r.Events))
		}
	}
	if interrupted == 0 {
		t.Error("no run was in flight at the kill: the test did not test it")
	}
}
