package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mpplayground/internal/benchprog"
)

// BenchmarkCLIColdStart times `playground run --json FILE`, a fresh
// process each time as a learner or a script calls it, against the bare
// interpreter it runs (its real path, not a shim on PATH; PLAYGROUND_PYTHON
// names another, as for the CLI), in 25 alternating pairs, and reports the
// medians. What the CLI learns of an interpreter is cached across calls (a
// first call fills the cache). It fails past the floors of the fidelity
// issue, on the medians: 40 ms more on a trivial program, 1.25x on a
// Pool(4).map.
//
//	go test -run '^$' -bench CLIColdStart -benchtime 1x ./cmd/playground
func BenchmarkCLIColdStart(b *testing.B) {
	requireSandbox(b)
	dir := b.TempDir()
	bin := filepath.Join(dir, "playground")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("build: %v: %s", err, out)
	}
	python := "python3"
	if p := os.Getenv("PLAYGROUND_PYTHON"); p != "" {
		python = p
	}
	out, err := exec.Command(python, "-c", "import sys; print(sys.executable)").Output()
	if err != nil {
		b.Fatal(err)
	}
	python = strings.TrimSpace(string(out))
	env := append(os.Environ(), "XDG_CACHE_HOME="+filepath.Join(dir, "cache"))
	const pairs = 25
	for _, tc := range []struct {
		name, program string
		ok            func(bare, cli time.Duration) bool
		floor         string
	}{
		{"trivial", benchprog.Trivial, func(bare, cli time.Duration) bool { return cli-bare <= 40*time.Millisecond }, "at most 40 ms more"},
		{"pool4", benchprog.Pool4, func(bare, cli time.Duration) bool { return float64(cli) <= 1.25*float64(bare) }, "at most 1.25x"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			file := filepath.Join(dir, tc.name+".py")
			if err := os.WriteFile(file, []byte(tc.program), 0o644); err != nil {
				b.Fatal(err)
			}
			timed := func(name string, args ...string) time.Duration {
				cmd := exec.Command(name, args...)
				cmd.Env = env
				start := time.Now()
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("%s: %v: %s", name, err, out)
				}
				return time.Since(start)
			}
			timed(bin, "run", "--json", "--python", python, file) // fills the cache
			var bare, cli []time.Duration
			for range b.N * pairs {
				bare = append(bare, timed(python, file))
				cli = append(cli, timed(bin, "run", "--json", "--python", python, file))
			}
			mb, mc := benchprog.Compare(b, bare, cli, "cli", "cost")
			if !tc.ok(mb, mc) {
				b.Errorf("%s: the CLI's median %v against bare %v; the floor is %s", tc.name, mc, mb, tc.floor)
			}
		})
	}
}
