package store_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"mpplayground/store"
)

// The crash test re-executes the test binary as a helper process that
// writes runs to the store until it is killed.
const (
	crashHelperEnv  = "STORE_TEST_CRASH_HELPER" // the store's path or URL, in the helper
	crashBurst      = 200                       // runs the helper tries to write
	crashEvents     = 100                       // events per run
	crashBatch      = 25                        // events per AppendEvents
	crashKillAfter  = 60                        // finished runs before the kill starts
	crashStatusDone = "ok"
	crashHelperApp  = "store-crash-helper" // the helper's application_name on PostgreSQL
)

// crashHelper writes the burst, printing "started ID" once a run is
// committed and "finished ID" once its completion is committed.
func crashHelper(dsn string) {
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		fmt.Println("error", err)
		return
	}
	for i := 0; i < crashBurst; i++ {
		r := &store.Run{RunSummary: store.RunSummary{Lesson: "burst", Learner: "helper", Source: fmt.Sprintf("print(%d)\n", i)}}
		if err := db.CreateRun(ctx, r); err != nil {
			fmt.Println("error", err)
			return
		}
		fmt.Println("started", r.ID)
		evs := events(r.ID, crashEvents)
		for b := 0; b < crashEvents-crashBatch; b += crashBatch {
			if err := db.AppendEvents(ctx, r.ID, evs[b:b+crashBatch]); err != nil {
				fmt.Println("error", err)
				return
			}
		}
		if err := db.FinishRun(ctx, r.ID, store.Finish{Status: crashStatusDone, Events: evs[crashEvents-crashBatch:]}); err != nil {
			fmt.Println("error", err)
			return
		}
		fmt.Println("finished", r.ID)
	}
	db.Close()
}

func TestKilledDuringBurst(t *testing.T) {
	// SIGKILL of the writing process mid-burst, then reopen: the store is
	// sound, every run reported finished is complete, and the rest are
	// marked interrupted with the events they had.
	eachBackend(t, testKilledDuringBurst)
}

func testKilledDuringBurst(t *testing.T, b backend) {
	ctx := context.Background()
	path := b.place(t)
	helperDSN := path
	if store.IsPostgres(path) {
		// Named, so that its sessions can be told apart.
		u, err := url.Parse(path)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("application_name", crashHelperApp)
		u.RawQuery = q.Encode()
		helperDSN = u.String()
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashHelperEnv+"="+helperDSN)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	started, finished := map[string]bool{}, map[string]bool{}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		word, id, _ := strings.Cut(sc.Text(), " ")
		switch word {
		case "started":
			started[id] = true
		case "finished":
			finished[id] = true
		default:
			t.Fatalf("helper: %s", sc.Text())
		}
		if word == "started" && len(finished) >= crashKillAfter {
			// A run is being written: kill at a random moment of it
			// (one run takes a few milliseconds of fsyncs).
			time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond)
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	// Lines written before the kill landed still count.
	for sc.Scan() {
		word, id, _ := strings.Cut(sc.Text(), " ")
		if word == "started" {
			started[id] = true
		} else if word == "finished" {
			finished[id] = true
		}
	}
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("helper was not killed mid-burst: %v", err)
	}
	if store.IsPostgres(path) {
		// The server ends a dead client's sessions after the statement
		// each one is running, which may still commit: the state to
		// check is the one after that.
		waitSessionsGone(t, path, crashHelperApp)
	}

	db := MustOpenPath(t, path)
	if err := db.Check(ctx); err != nil {
		t.Fatal(err)
	}
	interrupted, err := db.MarkInterrupted(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	all, err := db.ListRuns(ctx, store.Filter{Limit: store.MaxListLimit})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("killed after %d runs reported finished; %d stored, %d marked interrupted", len(finished), len(all), interrupted)
	if len(all) >= crashBurst {
		t.Fatalf("all %d runs were written before the kill", len(all))
	}
	nInterrupted := 0
	for _, s := range all {
		r, err := db.GetRun(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := events(r.ID, crashEvents)
		switch r.Status {
		case crashStatusDone:
			assertEvents(t, r.Events, want)
		case store.StatusInterrupted:
			nInterrupted++
			if finished[r.ID] {
				t.Errorf("run %s was reported finished but is interrupted", r.ID)
			}
			// What was stored is whole batches, byte for byte.
			if len(r.Events)%crashBatch != 0 {
				t.Errorf("interrupted run %s has %d events, not whole batches", r.ID, len(r.Events))
			}
			assertEvents(t, r.Events, want[:len(r.Events)])
		default:
			t.Errorf("run %s has status %q after MarkInterrupted", r.ID, r.Status)
		}
		delete(started, r.ID)
		delete(finished, r.ID)
	}
	if len(started) > 0 || len(finished) > 0 {
		t.Fatalf("runs reported but not stored: %d started, %d finished", len(started), len(finished))
	}
	if nInterrupted != interrupted {
		t.Fatalf("MarkInterrupted said %d, %d runs are interrupted", interrupted, nInterrupted)
	}
}

// waitSessionsGone waits until no session of the PostgreSQL server at dsn
// has the application name app. The bound is generous: the server ends
// such a session as soon as it reads the closed socket, within
// milliseconds on a quiet machine.
func waitSessionsGone(t *testing.T, dsn, app string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	deadline := time.Now().Add(time.Minute)
	for {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE application_name = $1`, app).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions of the killed helper are still open", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
