package main

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"mpplayground/internal/pgtest"
	"mpplayground/store"
)

// The server keeps its runs in PostgreSQL when --db is a postgres:// URL:
// a run streamed before a restart is served whole after it.
func TestServeKeepsRunsInPostgreSQL(t *testing.T) {
	requireSandbox(t)
	var pg pgtest.Shared // this test's own server, stopped at its end
	t.Cleanup(pg.Stop)
	o := serveOptions{Addr: "127.0.0.1:0", DB: pg.NewDatabase(t), KeepRuns: store.DefaultKeepRuns}
	base, stop := startServe(t, o)
	c := dialWS(t, base)
	run, err := runWS(c, "import os\nprint('hello from', os.getpid())\n", nil)
	c.Close()
	if err != nil || !run.End {
		t.Fatalf("run: %v (ended %v)", err, run.End)
	}
	stop()

	base, _ = startServe(t, o)
	status, events := getAPIRun(t, base, run.ID)
	if status != "ok" || !sameEvents(events, run.Raws) {
		t.Fatalf("after the restart: status %s, %d events stored of %d streamed", status, len(events), len(run.Raws))
	}
	db, err := store.Open(context.Background(), o.DB)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// A PostgreSQL URL given by PLAYGROUND_DB whose server is not there stops
// the command with a sentence that names the database without its
// password.
func TestServeRefusesAnUnreachablePostgreSQL(t *testing.T) {
	url := "postgres://teacher:s3cret-pw@/playground?host=" + t.TempDir()
	cmd := playgroundCommand(t, "serve", "--addr", "127.0.0.1:0", "--sandbox=off")
	cmd.Env = append(cmd.Env, "PLAYGROUND_DB="+url)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("exit: %v, want status 1; stderr:\n%s", err, stderr.String())
	}
	msg := stderr.String()
	if !strings.Contains(msg, "cannot be reached") || !strings.Contains(msg, "postgres://teacher:xxxxx@") || !strings.Contains(msg, "--db") {
		t.Errorf("the message does not say what is wrong:\n%s", msg)
	}
	if strings.Contains(msg, "s3cret-pw") {
		t.Errorf("the message shows the password:\n%s", msg)
	}
	if strings.Contains(msg, "serving the playground") {
		t.Error("the server started anyway")
	}
}
