package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"mpplayground/cmd/playground/internal/cli"
	"mpplayground/event"
	"mpplayground/runner"
)

var sandboxOnce sync.Once
var sandboxErr error

// requireSandbox skips outside CI on a host without the sandbox, and fails under CI=true.
func requireSandbox(t testing.TB) {
	t.Helper()
	sandboxOnce.Do(func() {
		r, err := runner.New(runner.Config{})
		if err == nil {
			err = r.SandboxError()
		}
		sandboxErr = err
	})
	if sandboxErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the sandbox is required under CI: %v", sandboxErr)
		}
		t.Skipf("no sandbox: %v", sandboxErr)
	}
}

func writeProgram(t *testing.T, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "prog.py")
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const poolProgram = `
import multiprocessing as mp, os
def f(x):
    print("worker", os.getpid(), x, flush=True)
    return x * x
if __name__ == "__main__":
    with mp.Pool(2) as p:
        print(p.map(f, range(4)))
`

func TestRunJSONPrintsOnlyTheEvents(t *testing.T) {
	requireSandbox(t)
	var out, errb bytes.Buffer
	code := cli.Run([]string{"--json", "--stdin=false", writeProgram(t, poolProgram)}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var types []string
	for i, l := range lines {
		var e event.Event
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("line %d is not an event: %q", i+1, l)
		}
		if e.Seq != int64(i+1) {
			t.Fatalf("line %d has seq %d", i+1, e.Seq)
		}
		types = append(types, e.Type)
	}
	if types[0] != "run.start" || types[len(types)-1] != "run.end" {
		t.Errorf("first %s, last %s", types[0], types[len(types)-1])
	}
	if n := strings.Count(strings.Join(types, " "), "proc.start"); n != 3 {
		t.Errorf("%d proc.start events, want 3 (main and two workers)", n)
	}
}

func TestRunTranscriptLabelsLinesAndEndsWithTheTree(t *testing.T) {
	requireSandbox(t)
	var out, errb bytes.Buffer
	if code := cli.Run([]string{"--stdin=false", writeProgram(t, poolProgram)}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	s := out.String()
	for _, re := range []string{
		// Either worker may take all four tasks: the line carries its name.
		`(?m)^\[\d+ ForkPoolWorker-[12]\] worker \d+ \d`,
		`(?m)^\[\d+ MainProcess\] \[0, 1, 4, 9\]$`,
		`(?m)^── ok in [\d.]+ ms: The program finished`,
		`(?m)^[├└]─ \[\d+ ForkPoolWorker-2\] `,
	} {
		if !regexp.MustCompile(re).MatchString(s) {
			t.Errorf("transcript lacks %s:\n%s", re, s)
		}
	}
	if strings.Contains(s, "\x1b[") {
		t.Errorf("colours written to a non-terminal")
	}
}

func TestRunExitStatus(t *testing.T) {
	requireSandbox(t)
	var out, errb bytes.Buffer
	if code := cli.Run([]string{"--stdin=false", writeProgram(t, "raise SystemExit(3)\n")}, &out, &errb); code != 1 {
		t.Errorf("failing program: exit %d, want 1", code)
	}
	if code := cli.Run([]string{"--stdin=false", "--timeout", "300ms", writeProgram(t, "while True: pass\n")}, &out, &errb); code != 1 {
		t.Errorf("timeout: exit %d, want 1", code)
	}
	if !strings.Contains(out.String(), "Stopped: the program ran longer than 0.3 s.") {
		t.Errorf("no timeout message in %s", out.String())
	}
	for _, args := range [][]string{{"--no-such-flag", "x.py"}, {filepath.Join(t.TempDir(), "missing.py")}, {}, {"--memory", "lots", "x.py"}} {
		errb.Reset()
		if code := cli.Run(args, &out, &errb); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
		if errb.Len() == 0 {
			t.Errorf("%v: nothing said on stderr", args)
		}
	}
}

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]int64{"1048576": 1 << 20, "1MiB": 1 << 20, "256MiB": 256 << 20, "512K": 512 << 10, "2GiB": 2 << 30, "64mb": 64 << 20} {
		if got, err := cli.ParseBytes(in); err != nil || got != want {
			t.Errorf("cli.ParseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "lots", "-5", "0", "1.5MiB"} {
		if _, err := cli.ParseBytes(in); err == nil {
			t.Errorf("cli.ParseBytes(%q) accepted", in)
		}
	}
}

// The flags' defaults are the runner's constants, in the help text and in
// the configuration they give.
func TestRunnerFlagsDefaultToTheRunnersConstants(t *testing.T) {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	cfg, err := cli.AddRunnerFlags(fs).Config()
	if err != nil {
		t.Fatal(err)
	}
	want := event.Limits{WallTime: runner.DefaultWallTime, MemoryBytes: runner.DefaultMemory, Pids: runner.DefaultPids,
		OutputBytes: runner.DefaultOutputBytes, FileBytes: runner.DefaultFileBytes, OpenFiles: runner.DefaultOpenFiles,
		TmpBytes: runner.DefaultTmpBytes, ShmBytes: runner.DefaultShmBytes}
	if cfg.Limits != want || cfg.Python != runner.DefaultPython || cfg.UIDRange.String() != runner.DefaultUIDRange.String() {
		t.Errorf("defaults %+v %q %v, want %+v %q %v", cfg.Limits, cfg.Python, cfg.UIDRange, want, runner.DefaultPython, runner.DefaultUIDRange)
	}
	var help strings.Builder
	fs.SetOutput(&help)
	fs.PrintDefaults()
	for _, d := range []string{"(default 256MiB)", "(default 1MiB)", "(default 16MiB)", "(default 32MiB)", "(default 64MiB)", "(default 10s)"} {
		if !strings.Contains(help.String(), d) {
			t.Errorf("the help does not say %s:\n%s", d, help.String())
		}
	}
	for in, want := range map[cli.ByteSize]string{256 << 20: "256MiB", 1 << 30: "1GiB", 1536: "1536", 3 << 10: "3KiB"} {
		if got := in.String(); got != want {
			t.Errorf("%d is written %q, want %q", in, got, want)
		}
	}
}
