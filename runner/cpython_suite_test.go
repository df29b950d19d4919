package runner

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"mpplayground/event"
	"mpplayground/internal/testload"
)

// CPython's own multiprocessing tests (Debian's libpython3.11-testsuite),
// run bare and as a program in the sandbox with its IPC reports on: a test
// that passes bare must pass inside. The driver is testdata/cpython_suite.py.

const (
	// cpythonSuiteEnv asks for the suite (make cpython-suite); without it
	// the test skips, so that go test ./... does not run it.
	cpythonSuiteEnv = "PLAYGROUND_CPYTHON_SUITE"
	// debianPython is the interpreter the testsuite belongs to.
	debianPython = "/usr/bin/python3"
	// cpythonSuiteModule proves the testsuite is installed.
	cpythonSuiteModule = "/usr/lib/python3.11/test/_test_multiprocessing.py"
	// suiteMark starts the driver's result lines.
	suiteMark = "@cpython-suite "
)

// suiteMethods are the start methods every test runs with.
var suiteMethods = []string{"fork", "forkserver", "spawn"}

// suiteChunks split the driver's groups into runs of similar length, so
// that they run side by side: Process alone is the longest.
var suiteChunks = [][]string{
	{"Process"},
	{"Barrier", "Condition", "Manager", "Finalize", "SubclassingProcess"},
	{"Pool", "Queue", "Poll", "Connection", "SharedMemory", "Lock", "Semaphore", "Event",
		"Value", "Array", "Heap", "PoolWorkerErrors", "SharedCTypes", "SimpleQueue"},
}

// suiteParallel is how many runs go at once. Many tests sleep or wait on
// timeouts, so more runs than cores keep the cores busy.
const suiteParallel = 9

// suiteLimits lift every limit of a run in the sandbox far above what the
// tests need (a test starts up to 200 processes): a limit is not what the
// suite is about.
var suiteLimits = event.Limits{
	WallTime:    20 * time.Minute,
	MemoryBytes: 4 << 30,
	Pids:        2000,
	OutputBytes: 64 << 20,
	FileBytes:   256 << 20,
	OpenFiles:   4096,
	TmpBytes:    512 << 20,
	ShmBytes:    512 << 20,
}

// suiteResult is how one test ended (the driver's JSON line).
type suiteResult struct {
	ID     string  `json:"id"`
	Status string  `json:"status"` // pass, fail, error, skip
	Reason string  `json:"reason"`
	Trace  string  `json:"trace"`
	Secs   float64 `json:"secs"`
}

// suiteRun is one run of the driver: its results by test id, and what is
// known of how it ended.
type suiteRun struct {
	results map[string]suiteResult
	done    bool   // the driver said it had run every test
	end     string // how the run ended when it did not finish
}

// TestCPythonSuiteInsideTheSandbox runs the classes of
// test._test_multiprocessing the playground's subjects belong to, with each
// start method, bare and in the sandbox (IPC on), and fails on every test
// that passes bare and not inside. A test that fails inside is run once
// more, alone with the others that did, bare and inside: it fails the suite
// when it passes bare and fails inside again; one that fails bare on the
// second run is flaky bare and one that passes inside on it flaky inside,
// and both are only logged. Tests that fail bare are logged.
//
// Its wall time is 4 to 5 minutes on a 2-core machine busy with other work
// (3m46s to 5m9s measured with a load average of 11 to 23), nine runs at
// once, for about 7 minutes of CPU: the runs inside take two to three times
// as long as bare ones, and test_many_processes (200 processes) in the
// Process chunk is the longest test (70 s bare, 200 s inside there).
func TestCPythonSuiteInsideTheSandbox(t *testing.T) {
	if os.Getenv(cpythonSuiteEnv) == "" {
		t.Skipf("CPython's multiprocessing suite runs with %s=1 (make cpython-suite)", cpythonSuiteEnv)
	}
	if _, err := os.Stat(cpythonSuiteModule); err != nil {
		msg := fmt.Sprintf("CPython's testsuite is not installed (%v): apt-get install libpython3.11-testsuite", err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	r, err := New(Config{Python: debianPython})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer r.Close()
	if err := r.SandboxError(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the sandbox is required under CI: %v", err)
		}
		t.Skipf("no sandbox on this host: %v", err)
	}
	driver, err := os.ReadFile("testdata/cpython_suite.py")
	if err != nil {
		t.Fatal(err)
	}
	s := &suite{t: t, r: r, driver: driver, timeout: testload.Scaled(t, 5*time.Minute, 3000)}

	start := time.Now()
	bare, inside, unfinished := s.runAll(suiteChunks)
	t.Logf("first round in %v", time.Since(start).Round(time.Second))
	for _, end := range unfinished {
		t.Errorf("a bare run did not finish, its tests are not compared: %s", end)
	}

	again := map[string][]string{} // method: ids to run again
	for _, m := range suiteMethods {
		for _, id := range sortedIDs(bare[m]) {
			if bare[m][id].Status == "pass" && inside[m][id].Status != "pass" {
				again[m] = append(again[m], id)
			}
		}
	}
	bare2, inside2 := s.runAgain(again)
	t.Logf("in all %v", time.Since(start).Round(time.Second))

	for _, m := range suiteMethods {
		t.Run(m, func(t *testing.T) {
			s.judge(t, bare[m], inside[m], bare2[m], inside2[m])
		})
	}
}

// suite holds what every run of the driver shares.
type suite struct {
	t      *testing.T
	r      *Runner
	driver []byte
	// timeout is a test's own, past which the driver ends it: well above
	// the 2 minutes test_many_processes may take inside on a loaded machine.
	timeout time.Duration
}

// runAll runs every chunk with every start method, bare and inside,
// suiteParallel at once, the longest first; it returns their results by
// method and test id, and how the bare runs that did not finish ended.
func (s *suite) runAll(chunks [][]string) (bare, inside map[string]map[string]suiteResult, bareUnfinished []string) {
	type job struct {
		method  string
		names   []string
		sandbox bool
	}
	jobs := make(chan job, 2*len(chunks)*len(suiteMethods))
	for _, c := range chunks {
		for _, m := range suiteMethods {
			jobs <- job{m, c, false}
			jobs <- job{m, c, true}
		}
	}
	close(jobs)
	bare, inside = byMethod(), byMethod()
	unfinished := map[string][]string{} // method: how its runs inside ended
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range suiteParallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				run := s.run(j.method, j.names, j.sandbox)
				mu.Lock()
				into := bare[j.method]
				switch {
				case j.sandbox:
					into = inside[j.method]
					if !run.done {
						unfinished[j.method] = append(unfinished[j.method], run.end)
					}
				case !run.done:
					bareUnfinished = append(bareUnfinished, fmt.Sprintf("%s %s: %s", j.method, strings.Join(j.names, " "), run.end))
				}
				maps.Copy(into, run.results)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	// A test without a result inside did not pass there: say why.
	for _, m := range suiteMethods {
		for id := range bare[m] {
			if _, ok := inside[m][id]; !ok {
				why := "no result inside: " + strings.Join(unfinished[m], "; ")
				inside[m][id] = suiteResult{ID: id, Status: "error", Reason: why}
			}
		}
	}
	return bare, inside, bareUnfinished
}

// runAgain runs the given tests of each method once more, bare and inside,
// all at once.
func (s *suite) runAgain(ids map[string][]string) (bare, inside map[string]map[string]suiteResult) {
	bare, inside = byMethod(), byMethod()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, m := range suiteMethods {
		if len(ids[m]) == 0 {
			continue
		}
		var names []string
		for _, id := range ids[m] {
			names = append(names, shortID(id))
		}
		for _, sandbox := range []bool{false, true} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				run := s.run(m, names, sandbox)
				mu.Lock()
				defer mu.Unlock()
				into := bare[m]
				if sandbox {
					into = inside[m]
				}
				for _, id := range ids[m] {
					res, ok := run.results[id]
					if !ok {
						res = suiteResult{ID: id, Status: "error", Reason: "no result: " + run.end}
					}
					into[id] = res
				}
			}()
		}
	}
	wg.Wait()
	return bare, inside
}

// run runs the driver once, bare or inside, and logs how long it took.
func (s *suite) run(method string, names []string, sandbox bool) suiteRun {
	start := time.Now()
	where, run := "bare", suiteRun{}
	if sandbox {
		where, run = "inside", s.runInside(method, names)
	} else {
		run = s.runBare(method, names)
	}
	what := fmt.Sprintf("%s %s %s", method, where, strings.Join(names, " "))
	if len(what) > 120 {
		what = what[:120] + "…"
	}
	var slowest suiteResult
	for _, res := range run.results {
		if res.Secs > slowest.Secs {
			slowest = res
		}
	}
	s.t.Logf("%s: %d results in %v, the slowest %s in %.0f s", what, len(run.results),
		time.Since(start).Round(time.Second), shortID(slowest.ID), slowest.Secs)
	if !run.done {
		s.t.Logf("%s did not finish: %s", what, run.end)
	}
	return run
}

func byMethod() map[string]map[string]suiteResult {
	m := map[string]map[string]suiteResult{}
	for _, method := range suiteMethods {
		m[method] = map[string]suiteResult{}
	}
	return m
}

// judge compares one start method's results and fails on every test that
// passed bare in both rounds and failed inside in both.
func (s *suite) judge(t *testing.T, bare, inside, bare2, inside2 map[string]suiteResult) {
	count := func(rs map[string]suiteResult) string {
		n := map[string]int{}
		for _, r := range rs {
			n[r.Status]++
		}
		return fmt.Sprintf("%d pass, %d fail, %d error, %d skip", n["pass"], n["fail"], n["error"], n["skip"])
	}
	t.Logf("bare: %s; inside: %s", count(bare), count(inside))
	var failing []string
	for _, id := range sortedIDs(bare) {
		b, in := bare[id], inside[id]
		switch {
		case b.Status == "skip":
		case b.Status != "pass":
			t.Logf("fails bare (not counted): %s: %s: %s", shortID(id), b.Status, b.Reason)
		case in.Status == "pass":
		case bare2[id].Status != "pass":
			t.Logf("flaky bare (not counted): %s: inside %s: %s; bare again %s: %s",
				shortID(id), in.Status, in.Reason, bare2[id].Status, bare2[id].Reason)
		case inside2[id].Status == "pass":
			t.Logf("flaky inside (passed when run again): %s: %s: %s\n%s", shortID(id), in.Status, in.Reason, tail(in.Trace, 3000))
		default:
			failing = append(failing, id)
		}
	}
	for _, id := range sortedIDs(inside) {
		if _, ok := bare[id]; !ok && inside[id].Status != "pass" && inside[id].Status != "skip" {
			t.Logf("fails inside only, no bare result: %s: %s: %s", shortID(id), inside[id].Status, inside[id].Reason)
		}
	}
	if len(failing) == 0 {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "tests that pass bare and not in the sandbox (%d):\n", len(failing))
	for _, id := range failing {
		fmt.Fprintf(&b, "  %s: %s: %s\n", shortID(id), inside2[id].Status, inside2[id].Reason)
	}
	for _, id := range failing {
		if tr := inside2[id].Trace; tr != "" {
			fmt.Fprintf(&b, "\n%s inside:\n%s\n", shortID(id), strings.TrimRight(tr, "\n"))
		}
	}
	t.Error(b.String())
}

// runBare runs the driver with Debian's python3 in a directory of its own,
// the driver as its main.py, as the sandbox runs a program.
func (s *suite) runBare(method string, names []string) suiteRun {
	dir, err := os.MkdirTemp("", "cpython-suite-")
	if err != nil {
		return suiteRun{end: err.Error()}
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "main.py"), s.driver, 0o644); err != nil {
		return suiteRun{end: err.Error()}
	}
	ctx, cancel := context.WithTimeout(context.Background(), suiteLimits.WallTime)
	defer cancel()
	args := append([]string{"main.py", "--timeout", secondsArg(s.timeout), method}, names...)
	cmd := exec.CommandContext(ctx, debianPython, args...)
	cmd.Dir = dir
	cmd.Env = withoutPythonVars(os.Environ())
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	run := parseSuite(stdout.String())
	if !run.done {
		run.end = fmt.Sprintf("bare run: %v; stderr ends:\n%s", err, tail(stderr.String(), 2000))
	}
	return run
}

// runInside runs the driver as the program of a run in the sandbox, its
// arguments on standard input, the IPC reports on.
func (s *suite) runInside(method string, names []string) suiteRun {
	ctx, cancel := context.WithTimeout(context.Background(), suiteLimits.WallTime+time.Minute)
	defer cancel()
	args := append([]string{"--timeout", secondsArg(s.timeout), method}, names...)
	req := Request{Program: s.driver, Stdin: strings.NewReader(strings.Join(args, " ") + "\n"), Limits: suiteLimits}
	stdout := map[int]*strings.Builder{}
	var order []int
	var end event.Event
	var limits []string
	s.r.Run(ctx, req, func(e event.Event) {
		switch e.Type {
		case event.TypeOutput:
			if e.Stream == "stdout" {
				if stdout[e.PID] == nil {
					stdout[e.PID] = &strings.Builder{}
					order = append(order, e.PID)
				}
				stdout[e.PID].WriteString(e.Text)
			}
		case event.TypeLimit:
			limits = append(limits, e.Message)
		case event.TypeDiagnosis:
			// The suite's waits all end: none of its runs is stuck.
			s.t.Errorf("%s %s: diagnosed %s: %s", method, strings.Join(names, " "), e.Pattern, e.Message)
		case event.TypeRunEnd:
			end = e
		}
	})
	var all strings.Builder
	for _, pid := range order {
		all.WriteString(stdout[pid].String())
		all.WriteString("\n")
	}
	run := parseSuite(all.String())
	if !run.done {
		run.end = fmt.Sprintf("the run ended %s: %s %s", end.Status, end.Message, strings.Join(limits, " "))
	}
	return run
}

// parseSuite reads the driver's result lines out of its output.
func parseSuite(out string) suiteRun {
	run := suiteRun{results: map[string]suiteResult{}}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), suiteMark)
		if !ok {
			continue
		}
		var m struct {
			suiteResult
			Done bool `json:"done"`
		}
		if json.Unmarshal([]byte(line), &m) != nil {
			continue
		}
		if m.Done {
			run.done = true
		} else if m.ID != "" {
			run.results[m.ID] = m.suiteResult
		}
	}
	return run
}

// shortID drops the module from a test id: "WithProcessesTestQueue.test_get".
func shortID(id string) string {
	parts := strings.Split(id, ".")
	if len(parts) < 2 {
		return id
	}
	return strings.Join(parts[len(parts)-2:], ".")
}

func sortedIDs(rs map[string]suiteResult) []string {
	ids := make([]string, 0, len(rs))
	for id := range rs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func secondsArg(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 0, 64) }

// withoutPythonVars keeps the environment but for PYTHON* variables, which
// would change the interpreter's start (the sandbox builds its own).
func withoutPythonVars(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "PYTHON") {
			out = append(out, kv)
		}
	}
	return out
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
