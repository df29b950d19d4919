package runner

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mpplayground/event"
	"mpplayground/internal/testload"
)

// A binary interpreter is probed once: the next resolution reads the cache,
// and a changed interpreter file is probed again.
func TestTheInterpreterProbeIsCached(t *testing.T) {
	python, err := exec.LookPath("/usr/bin/python3")
	if err != nil {
		t.Skip("no /usr/bin/python3")
	}
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	probes := 0
	real := probe
	probe = func(path string) (probed, error) { probes++; return real(path) }
	defer func() { probe = real }()

	first, err := resolveInterpreter(python)
	if err != nil {
		t.Fatal(err)
	}
	second, err := resolveInterpreter(python)
	if err != nil {
		t.Fatal(err)
	}
	if probes != 1 {
		t.Errorf("%d probes for two resolutions of %s, want 1", probes, python)
	}
	if first.Executable != second.Executable || first.Version != second.Version || len(second.Hook) != len(first.Hook) || len(second.Hook) == 0 {
		t.Errorf("the cached answer differs: %+v, then %+v", first, second)
	}
	for i := range first.Hook {
		if string(first.Hook[i].Pyc) != string(second.Hook[i].Pyc) || string(first.Hook[i].Source) != string(second.Hook[i].Source) {
			t.Errorf("hook file %s: the cached source or .pyc differs", first.Hook[i].Name)
		}
	}

	// An entry cut short, or with bytes after its hook, is not used: the
	// interpreter is probed again and the entry written whole.
	entries, _ := filepath.Glob(filepath.Join(probeCacheDir(), "*"+cacheSuffix))
	if len(entries) != 1 {
		t.Fatalf("cache entries %v, want one", entries)
	}
	whole, err := os.ReadFile(entries[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][]byte{whole[:len(whole)-1], append(append([]byte{}, whole...), 'x')} {
		if err := os.WriteFile(entries[0], bad, 0o600); err != nil {
			t.Fatal(err)
		}
		before := probes
		if _, err := resolveInterpreter(python); err != nil {
			t.Fatal(err)
		}
		if probes != before+1 {
			t.Errorf("an entry of %d bytes (whole: %d) was used", len(bad), len(whole))
		}
		var again probed
		if !readProbeCache(filepath.Base(strings.TrimSuffix(entries[0], cacheSuffix)), &again) {
			t.Errorf("the entry was not written whole again")
		}
	}
}

// The key follows the interpreter's file, and a script is not cached.
func TestTheProbeKeyFollowsTheInterpreter(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "python3")
	if err := os.WriteFile(bin, []byte("\x7fELF and the rest"), 0o755); err != nil {
		t.Fatal(err)
	}
	k1, ok := probeKey(bin)
	if !ok {
		t.Fatal("a binary is not cacheable")
	}
	link := filepath.Join(dir, "python")
	if err := os.Symlink(bin, link); err != nil {
		t.Fatal(err)
	}
	if k, _ := probeKey(link); k != k1 {
		t.Errorf("a link to the binary has another key")
	}
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(bin, later, later); err != nil {
		t.Fatal(err)
	}
	if k2, _ := probeKey(bin); k2 == k1 {
		t.Errorf("a changed interpreter keeps its key")
	}
	script := filepath.Join(dir, "shim")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nexec python3 \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, ok := probeKey(script); ok {
		t.Errorf("a script on PATH is cached")
	}
}

// A runner for one run starts no init ahead of it.
func TestAOneRunRunnerKeepsNoInitReady(t *testing.T) {
	testRunner(t)
	r, err := New(Config{OneRun: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rr := runProgram(t, r, "print('one')\n", event.Limits{})
	mustStatus(t, rr, event.StatusOK)
	time.Sleep(testload.Scaled(t, 300*time.Millisecond, 5))
	r.pool.mu.Lock()
	ready, filling := len(r.pool.ready), r.pool.filling
	r.pool.mu.Unlock()
	if ready+filling != 0 {
		t.Errorf("%d inits ready and %d starting after the one run", ready, filling)
	}
}

// A runner for one run does not prove the sandbox with a run of its own
// first: its run is the proof. A server's runner proves it as it starts.
func TestAOneRunRunnerRunsNoProbe(t *testing.T) {
	testRunner(t)
	r, err := New(Config{OneRun: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	probed := false
	r.probeOnce.Do(func() { probed = true })
	if !probed {
		t.Error("New of a one-run runner ran the probe")
	}
	server, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	server.probeOnce.Do(func() { t.Error("New of a server's runner did not run the probe") })
}

// The probe compiles the hook in a directory of its own and removes it: a
// server that starts often (a test suite, a restarted container) leaves
// nothing in the host's temporary directory.
func TestTheProbeLeavesNoFiles(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	python, err := exec.LookPath(DefaultPython)
	if err != nil {
		t.Fatalf("no %s on PATH: %v", DefaultPython, err)
	}
	if _, err := probe(python); err != nil {
		t.Fatal(err)
	}
	left, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("the probe left %d entries in TMPDIR, first %s", len(left), left[0].Name())
	}
}
