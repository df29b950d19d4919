package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"mpplayground/event"
	"mpplayground/lessons"
	"mpplayground/runner"
)

// healthBody is /healthz as a client reads it.
type healthBody struct {
	OK           bool `json:"ok"`
	ShuttingDown bool `json:"shutting_down"`
	Sandbox      struct {
		Known         bool     `json:"known"`
		Enabled       bool     `json:"enabled"`
		Namespaces    []string `json:"namespaces"`
		Cgroup        string   `json:"cgroup"`
		Memory        *bool    `json:"memory_limit"`
		Pids          *bool    `json:"pids_limit"`
		CPU           *bool    `json:"cpu_limit"`
		Seccomp       bool     `json:"seccomp"`
		Error         string   `json:"error"`
		CgroupProblem string   `json:"cgroup_problem"`
	} `json:"sandbox"`
	Database struct {
		Kept      bool   `json:"kept"`
		Reachable bool   `json:"reachable"`
		Error     string `json:"error"`
	} `json:"database"`
	Queue struct {
		Running    int `json:"running"`
		Waiting    int `json:"waiting"`
		MaxRunning int `json:"max_running"`
		MaxWaiting int `json:"max_waiting"`
		Stuck      int `json:"stuck"`
	} `json:"queue"`
}

func getHealth(tb testing.TB, base string) (int, healthBody) {
	tb.Helper()
	res, err := http.Get(base + "/healthz")
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		tb.Errorf("Content-Type %q", ct)
	}
	var h healthBody
	if err := json.NewDecoder(res.Body).Decode(&h); err != nil {
		tb.Fatalf("decode /healthz: %v", err)
	}
	return res.StatusCode, h
}

// brokenSandbox is an executor on a host where the sandbox cannot be
// built, as the runner reports it.
type brokenSandbox struct{ ExecutorFunc }

func (brokenSandbox) Info() event.SandboxInfo {
	return event.SandboxInfo{Enabled: true, Namespaces: []string{"user", "pid"}, Cgroup: "none"}
}
func (brokenSandbox) SandboxError() error {
	return errors.New("create the sandbox's namespaces: operation not permitted")
}
func (brokenSandbox) CgroupProblem() string { return "cannot create cgroups: permission denied" }

func TestHealth(t *testing.T) {
	t.Run("OKWithTheSandboxTheDatabaseAndTheQueue", func(t *testing.T) {
		_, base := MustStoredServer(t, MustStore(t), Config{MaxRuns: 3, MaxQueue: 7})
		status, h := getHealth(t, base)
		if status != 200 || !h.OK {
			t.Fatalf("status %d, %+v", status, h)
		}
		if !h.Sandbox.Known || !h.Sandbox.Enabled || len(h.Sandbox.Namespaces) == 0 || h.Sandbox.Cgroup == "" ||
			h.Sandbox.Memory == nil || h.Sandbox.Pids == nil || h.Sandbox.CPU == nil || !h.Sandbox.Seccomp || h.Sandbox.Error != "" {
			t.Errorf("sandbox %+v", h.Sandbox)
		}
		if !h.Database.Kept || !h.Database.Reachable {
			t.Errorf("database %+v", h.Database)
		}
		if h.Queue.MaxRunning != 3 || h.Queue.MaxWaiting != 7 || h.Queue.Running != 0 || h.Queue.Waiting != 0 {
			t.Errorf("queue %+v", h.Queue)
		}
	})

	t.Run("TheQueueCountsRunningAndWaitingRuns", func(t *testing.T) {
		_, ts := MustServer(t, Config{MaxRuns: 1})
		a, b := MustDial(t, ts, nil), MustDial(t, ts, nil)
		a.send(runMsg("sleep", sleepProgram))
		for {
			if m, _ := a.next(runTimeout); m.Type == event.TypeOutput {
				break
			}
		}
		b.send(runMsg("sleep", sleepProgram))
		if m, r := b.next(runTimeout); m.Type != "queued" {
			t.Fatalf("want queued, got %s", r.raw)
		}
		_, h := getHealth(t, ts.URL)
		if h.Queue.Running != 1 || h.Queue.Waiting != 1 {
			t.Errorf("queue %+v, want 1 running and 1 waiting", h.Queue)
		}
	})

	t.Run("503WhenTheSandboxCannotRunPrograms", func(t *testing.T) {
		_, ts := MustServer(t, Config{Executor: brokenSandbox{}, Sandbox: brokenSandbox{}})
		status, h := getHealth(t, ts.URL)
		if status != http.StatusServiceUnavailable || h.OK {
			t.Fatalf("status %d, ok %v", status, h.OK)
		}
		if h.Sandbox.Error == "" || h.Sandbox.CgroupProblem == "" {
			t.Errorf("the reasons are not given: %+v", h.Sandbox)
		}
	})

	t.Run("503WhenTheDatabaseIsUnreachable", func(t *testing.T) {
		db := MustStore(t)
		_, base := MustStoredServer(t, db, Config{})
		db.Close()
		status, h := getHealth(t, base)
		if status != http.StatusServiceUnavailable || h.OK || h.Database.Reachable || h.Database.Error == "" {
			t.Errorf("status %d, %+v", status, h.Database)
		}
	})

	t.Run("503WhileShuttingDown", func(t *testing.T) {
		app, ts := MustServer(t, Config{})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := app.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
		status, h := getHealth(t, ts.URL)
		if status != http.StatusServiceUnavailable || !h.ShuttingDown {
			t.Errorf("status %d, %+v", status, h)
		}
	})
}

// A run that never gives its slot back is reported: /healthz says 503 and
// counts the stuck slot, instead of "ok" while every learner waits.
func TestHealthReportsAStuckSlot(t *testing.T) {
	release := make(chan struct{})
	stuck := ExecutorFunc(func(ctx context.Context, req runner.Request, emit func(event.Event)) runner.Result {
		<-release // ignores ctx, as a run whose observer hangs would
		return runner.Result{Status: event.StatusInternalError}
	})
	_, ts := MustServer(t, Config{Executor: stuck, MaxRuns: 1, SlotStuckAfter: 50 * time.Millisecond})
	defer close(release)
	c := MustDial(t, ts, nil)
	c.send(runMsg("sleep", sleepProgram))
	deadline := time.Now().Add(10 * time.Second)
	for {
		status, h := getHealth(t, ts.URL)
		if status == http.StatusServiceUnavailable && !h.OK && h.Queue.Stuck == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("a slot held past SlotStuckAfter is not reported: status %d, %+v", status, h.Queue)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// blockingChecker judges checks only when told to.
type blockingChecker struct {
	*StaticCatalog
	judging chan struct{}
	release chan struct{}
}

func (b blockingChecker) Judge(slug, exercise string) RunJudge { return b }

func (b blockingChecker) Add(event.Event) {}

func (b blockingChecker) Results() []lessons.Result {
	b.judging <- struct{}{}
	<-b.release
	return nil
}

// The run's slot is given back as soon as the program has ended: another
// learner's run starts while the first run's checks are being judged.
func TestTheSlotIsFreeBeforeTheChecksAreJudged(t *testing.T) {
	bc := blockingChecker{StaticCatalog: testCatalog(), judging: make(chan struct{}, 1), release: make(chan struct{})}
	_, ts := MustServer(t, Config{Catalog: bc, Checker: bc, MaxRuns: 1})
	a, b := MustDial(t, ts, nil), MustDial(t, ts, nil)
	a.send(runMsg("sleep", "print('a')\n"))
	select {
	case <-bc.judging:
	case <-time.After(runTimeout):
		t.Fatal("the checks were never judged")
	}
	b.send(runMsg("sleep", "print('b')\n"))
	for {
		m, r := b.next(runTimeout)
		if m.Type == "queued" {
			t.Fatalf("the second run waits for the first run's checks: %s", r.raw)
		}
		if m.Type == event.TypeRunStart {
			break
		}
	}
	close(bc.release)
}
