package runner

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mpplayground/event"
	"mpplayground/internal/testload"
)

// The program and its children are born in the run's cgroups, and the init
// is in them too (its tracer works for the program): on a v1 host
// the init is born there (forkInside); where the init is moved by its pid
// (v2, or placeByPID here), even when that takes longer than building the
// sandbox, as the init builds it meanwhile and starts the program only
// when told to.
func TestTheProgramIsBornInItsCgroup(t *testing.T) {
	testRunner(t) // skips, or fails under CI, without a sandbox
	for _, byPID := range []bool{false, true} {
		t.Run(fmt.Sprintf("by pid %v", byPID), func(t *testing.T) {
			cfg := Config{OneRun: true}
			if byPID {
				cfg.placeByPID, cfg.placeLag = true, 300*time.Millisecond
			}
			bornInItsCgroup(t, cfg)
		})
	}
}

func bornInItsCgroup(t *testing.T, cfg Config) {
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if !r.Info().Memory || !r.Info().Pids {
		if os.Getenv("CI") == "true" {
			t.Fatal("the memory and pids controllers are required under CI")
		}
		t.Skip("no cgroups on this host")
	}
	rr := runProgram(t, r, `
import multiprocessing as mp

def show(pid="self"):
    print(open("/proc/%s/cgroup" % pid).read(), flush=True)

if __name__ == "__main__":
    show()
    show(1)  # the init, whose work for the program is the run's too
    p = mp.Process(target=show)
    p.start()
    p.join()
`, event.Limits{})
	mustStatus(t, rr, event.StatusOK)
	want := fmt.Sprintf("/%s/run-%d-%s-", cgroupRunsName, os.Getpid(), r.token)
	lines := 0
	for _, line := range strings.Split(rr.text("stdout"), "\n") {
		// "7:memory:/…/playground-runs/run-<server pid>-<token>-<id>"
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 || !(strings.Contains(parts[1], "memory") || strings.Contains(parts[1], "pids")) {
			continue
		}
		lines++
		if !strings.Contains(parts[2], want) {
			t.Errorf("a process of the run was in %s (%s), not in its run's cgroup", parts[2], parts[1])
		}
	}
	if lines != 6 {
		t.Errorf("%d lines of the memory and pids controllers from the init and two processes, want 6:\n%s", lines, rr.text("stdout"))
	}
}

// A one-run runner (the CLI) starts its run's init in New, while the
// interpreter is found; the run takes that init, and a runner closed
// without a run ends it: no cgroup or uid is left either way.
func TestAOneRunRunnersInitStartsInNewAndIsNotLeft(t *testing.T) {
	testRunner(t) // skips, or fails under CI, without a sandbox
	cgroupsOf := func(r *Runner) []string {
		var out []string
		for _, base := range r.cgroups.bases {
			m, _ := filepath.Glob(filepath.Join(base, cgroupName(r.token+"-*")))
			out = append(out, m...)
		}
		return out
	}
	held := func(r *Runner) int {
		if r.uids == nil {
			return 0
		}
		return r.uids.held()
	}
	for _, withRun := range []bool{true, false} {
		r, err := New(Config{OneRun: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.cgroups.bases) == 0 {
			if os.Getenv("CI") == "true" {
				t.Fatal("cgroups are required under CI")
			}
			t.Skip("no cgroups on this host")
		}
		deadline := time.Now().Add(testload.Scaled(t, 2*time.Second, 40))
		for len(cgroupsOf(r)) == 0 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if len(cgroupsOf(r)) == 0 {
			t.Fatal("no init was started before the run")
		}
		if withRun {
			mustStatus(t, runProgram(t, r, "print('one')\n", event.Limits{}), event.StatusOK)
			if left := cgroupsOf(r); len(left) != 0 || held(r) != 0 {
				t.Errorf("after the one run: cgroups %v, %d uids held", left, held(r))
			}
		}
		r.Close()
		if left := cgroupsOf(r); len(left) != 0 || held(r) != 0 {
			t.Errorf("after Close (a run: %v): cgroups %v, %d uids held", withRun, left, held(r))
		}
	}
}
