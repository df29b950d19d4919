package lessons

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mpplayground/event"
	"mpplayground/internal/testload"
)

// programDeadline is how long an example or a reference solution may take:
// the course promises "well under 3 s" on a quiet machine (where 100 units
// are about 2 s), and a busy one stretches every program alike: starting
// its processes and ending them (measured under two busy loops and a
// build: an example whose last line came at 0.9 s ended at 3.7 s).
// starterDeadline only keeps a broken starter from hanging the tests.
func programDeadline(t *testing.T) time.Duration { return testload.Scaled(t, 3*time.Second, 100) }

func starterDeadline(t *testing.T) time.Duration { return testload.Scaled(t, 10*time.Second, 150) }

// plainRun is what a run of python3 outside the sandbox shows.
type plainRun struct {
	stdout, stderr string
	code           int
	elapsed        time.Duration
	timedOut       bool
}

func runPython(t *testing.T, code string, deadline time.Duration) plainRun {
	t.Helper()
	python, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3 is required under CI")
		}
		t.Skip("python3 not found")
	}
	file := filepath.Join(t.TempDir(), "main.py")
	if err := os.WriteFile(file, []byte(code), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, file)
	cmd.Dir = filepath.Dir(file)
	cmd.WaitDelay = time.Second
	// With PYTHONUNBUFFERED, print() writes its text and its newline in two
	// write() calls, and lines of processes sharing the pipe get torn apart.
	// The sandbox attributes every write to its process, so it needs no such
	// care; here, block buffering plus flush=True keeps a line in one write.
	cmd.Env = withoutEnv(os.Environ(), "PYTHONUNBUFFERED")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err = cmd.Run()
	r := plainRun{stdout: stdout.String(), stderr: stderr.String(), elapsed: time.Since(start)}
	var exitErr *exec.ExitError
	switch {
	case ctx.Err() != nil:
		r.timedOut = true
	case errors.As(err, &exitErr):
		r.code = exitErr.ExitCode()
	case err != nil:
		t.Fatalf("run python3: %v", err)
	}
	return r
}

func withoutEnv(env []string, name string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// events builds the event stream a plain run can honestly give: one process
// whose stdout and stderr are known, but not which process wrote what.
func (r plainRun) events() []event.Event {
	status := "ok"
	if r.code != 0 {
		status = "error"
	}
	ms := float64(r.elapsed.Milliseconds())
	objs := []map[string]any{
		{"type": "run.start"},
		{"type": "proc.start", "pid": 1, "ppid": 0, "name": "MainProcess", "via": "exec"},
		{"type": "output", "pid": 1, "stream": "stdout", "text": r.stdout},
		{"type": "output", "pid": 1, "stream": "stderr", "text": r.stderr},
		{"type": "proc.exit", "pid": 1, "code": r.code},
		{"type": "run.end", "status": status, "exit_code": r.code, "duration_ms": ms},
	}
	var out []event.Event
	for i, o := range objs {
		o["seq"] = i + 1
		b, _ := json.Marshal(o)
		var e event.Event
		if err := json.Unmarshal(b, &e); err != nil {
			panic(err)
		}
		out = append(out, e)
	}
	return out
}

// plainCheckable reports whether a check can be judged from a plain run:
// it must not depend on which process did what.
func plainCheckable(c Check) bool {
	if c.Name != "" {
		return false
	}
	switch c.Kind {
	case KindExitCode, KindStatus, KindOutputContains, KindOutputLacks, KindOutputMatches,
		KindLines, KindValue, KindOrder:
		return true
	}
	return false
}

// wantsOK reports whether checks hold that the run ends by itself, ok.
func wantsOK(checks []Check) bool {
	for _, c := range checks {
		if c.Kind == KindStatus && c.Status == "ok" {
			return true
		}
	}
	return false
}

func plainChecks(checks []Check) (plain []Check, others int) {
	for _, c := range checks {
		if plainCheckable(c) {
			plain = append(plain, c)
		} else {
			others++
		}
	}
	return plain, others
}

// forkserverHeader, put before a program, makes forkserver its default
// start method, as it is on Linux since Python 3.14 (a program that chooses
// its own still gets it). It is one line: tracebacks stay readable.
const forkserverHeader = `import multiprocessing.context as _c; _c._default_context._default_context = _c._concrete_contexts["forkserver"]` + "\n"

// TestProgramsRunWithPython runs every example, reference solution and
// starter with the host's python3. Examples and solutions must exit 0 within
// programDeadline, and pass those of their checks that a plain run can judge;
// every solution does so again with forkserver as the default start method.
// A starter must fail a check a plain run can judge, or have checks that only
// the sandbox's events can judge.
func TestProgramsRunWithPython(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every lesson program")
	}
	cat, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range cat.Lessons() {
		t.Run(l.Dir, func(t *testing.T) {
			mustSucceed := func(t *testing.T, code string, checks []Check) {
				r := runPython(t, code, programDeadline(t))
				if r.timedOut {
					t.Fatalf("did not finish within %v\nstdout:\n%s\nstderr:\n%s", programDeadline(t), r.stdout, r.stderr)
				}
				if r.code != 0 {
					t.Fatalf("exit code %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
				}
				plain, _ := plainChecks(checks)
				for _, res := range Evaluate(plain, r.events()) {
					if !res.Passed {
						t.Errorf("check %q failed: %s\nstdout:\n%s\nstderr:\n%s", res.Description.In("en"), res.Detail.In("en"), r.stdout, r.stderr)
					}
				}
			}
			t.Run("example", func(t *testing.T) { mustSucceed(t, l.Example, l.Checks) })
			for _, ex := range l.Exercises {
				t.Run(ex.ID+"/solution", func(t *testing.T) { mustSucceed(t, ex.Solution, ex.Checks) })
				t.Run(ex.ID+"/solution-forkserver", func(t *testing.T) { mustSucceed(t, forkserverHeader+ex.Solution, ex.Checks) })
				t.Run(ex.ID+"/starter", func(t *testing.T) {
					r := runPython(t, ex.Starter, starterDeadline(t))
					if r.timedOut {
						// A starter that hangs (the pitfall to fix) fails a
						// check that the run ends by itself; in the sandbox
						// the deadlock limit ends it.
						if !wantsOK(ex.Checks) {
							t.Fatalf("starter did not finish within %v", starterDeadline(t))
						}
						return
					}
					plain, others := plainChecks(ex.Checks)
					if Passed(Evaluate(plain, r.events())) && others == 0 {
						t.Errorf("starter already passes every check\nstdout:\n%s", r.stdout)
					}
				})
			}
		})
	}
}
