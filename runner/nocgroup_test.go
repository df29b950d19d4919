package runner

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"mpplayground/event"
)

// Without cgroups (an ordinary container, a server that may not write to
// its cgroup) the process and memory limits are rlimits of each process,
// and the init reports their refusals as the cgroup would
// (runner/sandbox/fallback.go): the learner gets the same limit events
// and sentences, and the output so far.

// runnerWithoutCgroups is a sandboxed runner of this server that uses no
// cgroup, as if it could not write to its own.
func runnerWithoutCgroups(t *testing.T) *Runner {
	t.Helper()
	r, err := New(Config{OneRun: true})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	r.cgroups = &cgroupManager{bases: map[string]string{}, reason: "switched off by the test"}
	r.info.Cgroup, r.info.Memory, r.info.Pids, r.info.CPU = "none", false, false, false
	if err := r.SandboxError(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the sandbox is required under CI: %v", err)
		}
		t.Skipf("no sandbox on this host: %v", err)
	}
	return r
}

// noCgroupCases are the programs whose limit events must not depend on
// cgroups: a kind of "" means the run ends as the program does.
var noCgroupCases = []struct {
	name, program, kind, status, keep string
}{
	{"fork bomb that catches the refusal", `
import os, time
print("starting", flush=True)
while True:
    try:
        os.fork()
    except OSError:
        time.sleep(0.01)
`, event.LimitPids, event.StatusLimit, "starting"},
	// Each thread's stack is 8 MiB of address space: the memory limit
	// (RLIMIT_AS) comes before the 64th thread. With a cgroup, the pids
	// limit does (TestForkBombIsStoppedAtTheProcessLimit).
	{"thread bomb", `
import threading, time
print("starting", flush=True)
while True:
    threading.Thread(target=time.sleep, args=(30,), daemon=True).start()
`, event.LimitMemory, event.StatusLimit, "starting"},
	{"eight threads that allocate", `
import threading
sizes = []
def f():
    sizes.append(len([str(j) * 100 for j in range(20000)]))
ts = [threading.Thread(target=f) for _ in range(8)]
for t in ts: t.start()
for t in ts: t.join()
print(sum(sizes), "done", flush=True)
`, "", event.StatusOK, "done"},
	{"memory bomb", "print('eating', flush=True)\nx = []\nwhile True:\n    x.append(b'x' * (1 << 20))\n",
		event.LimitMemory, event.StatusLimit, "eating"},
	{"memory bomb in a child", `
import multiprocessing as mp
def eat():
    x = []
    while True:
        x.append(b'x' * (1 << 20))
if __name__ == "__main__":
    print('eating', flush=True)
    p = mp.Process(target=eat)
    p.start()
    p.join()
    print('child exit code', p.exitcode, flush=True)
`, event.LimitMemory, event.StatusLimit, "eating"},
	{"one large allocation", "print('asking', flush=True)\nx = bytearray(1 << 30)\n",
		event.LimitMemory, event.StatusLimit, "asking"},
	{"MemoryError caught", `
try:
    x = bytearray(1 << 30)
except MemoryError:
    print("recovered", flush=True)
`, "", event.StatusOK, "recovered"},
	{"a program that fails otherwise", "raise ValueError('no memory problem')\n", "", event.StatusError, "ValueError"},
	{"ten processes", `
import multiprocessing as mp
def f(i):
    return i * i
if __name__ == "__main__":
    with mp.Pool(4) as pool:
        print(sum(pool.map(f, range(10))), flush=True)
    ps = [mp.Process(target=f, args=(i,)) for i in range(10)]
    for p in ps: p.start()
    for p in ps: p.join()
    print("done", flush=True)
`, "", event.StatusOK, "done"},
}

// checkNoCgroupLimits runs every case on r and checks its end.
func checkNoCgroupLimits(t *testing.T, r *Runner) {
	t.Helper()
	if info := r.Info(); info.Memory || info.Pids {
		t.Fatalf("the runner has cgroup limits (memory %v, pids %v): this test is for a runner without", info.Memory, info.Pids)
	}
	// A bomb ends at its first refusal, well within a second on a quiet
	// machine.
	wall := backstopWall(t)
	for _, c := range noCgroupCases {
		t.Run(c.name, func(t *testing.T) {
			rr := runWithLimits(t, r, c.program, event.Limits{WallTime: wall})
			mustStatus(t, rr, c.status)
			if c.kind != "" {
				l := limitEvent(t, rr, c.kind)
				if want := (&session{limits: *rr.Events[0].Limits}).limitMessage(c.kind); l.Message != want {
					t.Errorf("message %q, want %q", l.Message, want)
				}
			} else if ls := rr.byType(event.TypeLimit); len(ls) > 0 {
				t.Errorf("limit events %+v for a program within its limits\n%s", ls, rr.dump())
			}
			if !strings.Contains(rr.text(""), c.keep) {
				t.Errorf("the output %q was lost:\n%s", c.keep, rr.dump())
			}
		})
	}
}

func TestLimitsWithoutCgroupsGiveTheSameEvents(t *testing.T) {
	checkNoCgroupLimits(t, runnerWithoutCgroups(t))
}

// unprivilegedChildEnv marks the copy of this test binary that runs as
// an ordinary user.
const unprivilegedChildEnv = "PLAYGROUND_TEST_UNPRIVILEGED_SERVER"

// unprivilegedUID is the uid a root test gives to the copy of itself that
// plays a server without privileges: no user of a usual host has it.
const unprivilegedUID = 64123

// A server that is not root has no cgroup of its own to write to and no
// per-run uids: its runs get the same limit events all the same. As root,
// the test runs a copy of its own binary as an ordinary user.
func TestLimitsOfAnUnprivilegedServerGiveTheSameEvents(t *testing.T) {
	if os.Getenv(unprivilegedChildEnv) != "" || os.Geteuid() != 0 {
		r, err := New(Config{OneRun: true})
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		if err := r.SandboxError(); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("the sandbox is required under CI, for a server that is not root too (user namespaces without privileges): %v", err)
			}
			t.Skipf("no sandbox for a server that is not root on this host: %v", err)
		}
		if r.uids != nil {
			t.Fatalf("a server that is not root has per-run uids: %s", r.PerRunUIDs())
		}
		checkNoCgroupLimits(t, r)
		return
	}
	// The copy lives where the ordinary user may run it (go test's
	// work directory is root's alone).
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "playground-unprivileged-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "runner.test")
	if err := copyFile(self, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^"+t.Name()+"$", "-test.count=1", "-test.v")
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TMPDIR=" + dir, "CI=" + os.Getenv("CI"),
		unprivilegedChildEnv + "=1"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: unprivilegedUID, Gid: unprivilegedUID, Groups: []uint32{}}}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	t.Logf("the server as uid %d:\n%s", unprivilegedUID, out.String())
	switch {
	case err != nil:
		t.Fatalf("as uid %d: %v", unprivilegedUID, err)
	case strings.Contains(out.String(), "--- SKIP"):
		t.Skip("skipped as an ordinary user")
	case !strings.Contains(out.String(), "--- PASS: "+t.Name()):
		t.Fatalf("as uid %d: the test did not pass", unprivilegedUID)
	}
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
