package runner

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"mpplayground/event"
)

// The program and its children are born in the run's cgroups, even when
// moving the init there takes longer than building the sandbox: the init
// builds it meanwhile and starts the program only when told to.
func TestTheProgramIsBornInItsCgroup(t *testing.T) {
	testRunner(t) // skips, or fails under CI, without a sandbox
	r, err := New(Config{OneRun: true})
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
	r.placeLag = 300 * time.Millisecond
	rr := runProgram(t, r, `
import multiprocessing as mp

def show():
    print(open("/proc/self/cgroup").read(), flush=True)

if __name__ == "__main__":
    show()
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
			t.Errorf("a process of the program was in %s (%s), not in its run's cgroup", parts[2], parts[1])
		}
	}
	if lines != 4 {
		t.Errorf("%d lines of the memory and pids controllers from two processes, want 4:\n%s", lines, rr.text("stdout"))
	}
}
