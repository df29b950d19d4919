package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"mpplayground/internal/testload"
	"mpplayground/store"
)

// TestServeSIGTERM stops a real server process with SIGTERM while two runs
// are going: one that ends within the grace period and one that would run
// for a minute.
func TestServeSIGTERM(t *testing.T) {
	requireSandbox(t)
	path := filepath.Join(t.TempDir(), "term.db")
	cmd := playgroundCommand(t, "serve", "--addr", "127.0.0.1:0", "--db", path, "--log-format", "json")
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var logMu sync.Mutex
	var log bytes.Buffer
	sc := bufio.NewScanner(stderr)
	base := ""
	for base == "" && sc.Scan() {
		log.WriteString(sc.Text() + "\n")
		var l struct{ Msg, URL string }
		json.Unmarshal(sc.Bytes(), &l)
		if l.Msg == "serving the playground" {
			base = l.URL
		}
	}
	if base == "" {
		cmd.Wait()
		t.Fatalf("the server did not start:\n%s", log.String())
	}
	logDone := make(chan struct{})
	go func() {
		defer close(logDone)
		r := bufio.NewReader(stderr)
		for {
			line, err := r.ReadString('\n')
			logMu.Lock()
			log.WriteString(line)
			logMu.Unlock()
			if err == io.EOF || err != nil {
				return
			}
		}
	}()

	programs := map[string]string{
		"short": "import time\nprint('started', flush=True)\ntime.sleep(1.5)\nprint('finished', flush=True)\n",
		"long":  "import time\nprint('started', flush=True)\ntime.sleep(60)\n",
	}
	var (
		wg      sync.WaitGroup
		started sync.WaitGroup
		mu      sync.Mutex
		runs    = map[string]wsRun{}
		errs    = map[string]error{}
	)
	for name, code := range programs {
		c := dialWS(t, base)
		defer c.Close()
		wg.Add(1)
		started.Add(1)
		go func() {
			defer wg.Done()
			r, err := runWS(c, code, func(string) { started.Done() })
			mu.Lock()
			runs[name], errs[name] = r, err
			mu.Unlock()
		}()
	}
	started.Wait()
	time.Sleep(300 * time.Millisecond) // both programs are past their start
	termAt := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	err := cmd.Wait()
	<-logDone
	took := time.Since(termAt)
	if err != nil {
		t.Fatalf("the server exited with %v after SIGTERM; log:\n%s", err, log.String())
	}
	t.Logf("the server exited 0, %v after SIGTERM", took.Round(time.Millisecond))
	if took > shutdownTimeout+testload.Scaled(t, time.Second, 40) {
		t.Errorf("the shutdown took %v, longer than its deadline of %v", took, shutdownTimeout)
	}

	ends := map[string]map[string]any{}
	for name, r := range runs {
		if errs[name] != nil || !r.End {
			t.Fatalf("%s run: %v (run.end received: %v)", name, errs[name], r.End)
		}
		var end map[string]any
		json.Unmarshal(r.Raws[len(r.Raws)-1], &end)
		ends[name] = end
	}
	t.Run("ARunThatEndsInTheGracePeriodFinishes", func(t *testing.T) {
		if ends["short"]["status"] != "ok" {
			t.Errorf("run.end %v", ends["short"])
		}
	})
	t.Run("ARunStillGoingAtTheDeadlineIsStoppedWithAMessage", func(t *testing.T) {
		msg, _ := ends["long"]["message"].(string)
		if ends["long"]["status"] != "stopped" || !strings.Contains(msg, "shutting down") {
			t.Errorf("run.end %v", ends["long"])
		}
	})
	t.Run("BothAreStoredAsTheyEndedAndTheStoreIsClosedCleanly", func(t *testing.T) {
		db, err := store.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		ctx := context.Background()
		if err := db.Check(ctx); err != nil {
			t.Fatal(err)
		}
		if n, err := db.MarkInterrupted(ctx, time.Time{}); err != nil || n != 0 {
			t.Errorf("%d runs left running (%v)", n, err)
		}
		for name, r := range runs {
			got, err := db.GetRun(ctx, r.ID)
			if err != nil {
				t.Fatalf("%s run: %v", name, err)
			}
			if got.Status != ends[name]["status"] || !sameEvents(got.Events, r.Raws) {
				t.Errorf("%s run stored as %s with %d of %d events", name, got.Status, len(got.Events), len(r.Raws))
			}
		}
	})
	t.Run("TheLogHasOneLinePerRun", func(t *testing.T) {
		n := 0
		for _, line := range strings.Split(log.String(), "\n") {
			var l struct {
				Msg, Run, Status string
				Level            string
			}
			json.Unmarshal([]byte(line), &l)
			if l.Msg == "run" {
				n++
				if l.Level != "INFO" || l.Run == "" || l.Status == "" {
					t.Errorf("run line %s", line)
				}
			}
		}
		if n != 2 {
			t.Errorf("%d run lines for 2 runs:\n%s", n, log.String())
		}
		if !strings.Contains(log.String(), `"msg":"stopped"`) {
			t.Error("the log does not say the server stopped")
		}
	})
}
