package runner

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"mpplayground/event"
	"mpplayground/internal/testload"
)

func limitEvent(t testing.TB, rr runResult, kind string) event.Event {
	t.Helper()
	ls := rr.byType(event.TypeLimit)
	if len(ls) != 1 || ls[0].Kind != kind {
		t.Fatalf("want one %s limit event, got %+v\n%s", kind, ls, rr.dump())
	}
	return ls[0]
}

func TestForkBombIsStoppedAtTheProcessLimit(t *testing.T) {
	r := testRunner(t)
	if !r.Info().Pids {
		t.Skip("no pids controller")
	}
	rr := runProgram(t, r, `
import os, time
print("starting", flush=True)
while True:
    try:
        os.fork()
    except OSError:
        time.sleep(0.01)
`, event.Limits{WallTime: 5 * time.Second})
	mustStatus(t, rr, event.StatusLimit)
	l := limitEvent(t, rr, event.LimitPids)
	if !strings.Contains(l.Message, "64 processes") {
		t.Errorf("message %q", l.Message)
	}
	if !strings.Contains(rr.text("stdout"), "starting") {
		t.Errorf("the output before the limit was lost")
	}
}

func TestMemoryBombIsStoppedAtTheMemoryLimit(t *testing.T) {
	r := testRunner(t)
	if !r.Info().Memory {
		t.Skip("no memory controller")
	}
	for _, tc := range []struct{ name, program string }{
		{"one process", "print('eating', flush=True)\nx = []\nwhile True:\n    x.append(b'x' * (1 << 20))\n"},
		{"four children", `
import multiprocessing as mp, time
def eat():
    x = []
    for _ in range(100):
        x.append(b'x' * (1 << 20))
    time.sleep(5)
if __name__ == "__main__":
    print('eating', flush=True)
    ps = [mp.Process(target=eat) for _ in range(4)]
    for p in ps: p.start()
    for p in ps: p.join()
`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Time enough to fill 256 MiB on a busy machine: the wall time
			// grows with the machine's load.
			rr := runProgram(t, r, tc.program, event.Limits{WallTime: testload.Scaled(t, 8*time.Second, 150)})
			mustStatus(t, rr, event.StatusLimit)
			l := limitEvent(t, rr, event.LimitMemory)
			if l.Message != "Stopped: the program used more than 256 MiB of memory." {
				t.Errorf("message %q", l.Message)
			}
			if !strings.Contains(rr.text("stdout"), "eating") {
				t.Errorf("the output before the limit was lost")
			}
		})
	}
}

func TestEndlessProgramsTimeOut(t *testing.T) {
	r := testRunner(t)
	for name, program := range map[string]string{
		"busy loop":               "print('spinning', flush=True)\nwhile True: pass\n",
		"endless sleep":           "import time\nprint('sleeping', flush=True)\ntime.sleep(1000)\n",
		"waits for stdin forever": "import sys\nprint('waiting', flush=True)\nsys.stdin.read()\n",
	} {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			var rr runResult
			// Long enough, on a busy machine, for the program to print
			// before it is stopped.
			wall := testload.Scaled(t, 1500*time.Millisecond, 40)
			req := Request{Program: []byte(program), Limits: event.Limits{WallTime: wall}}
			if strings.Contains(name, "stdin") {
				pr, pw := io_Pipe()
				defer pw.Close()
				req.Stdin = pr
			}
			rr.Result = r.Run(context.Background(), req, func(e event.Event) { rr.Events = append(rr.Events, e) })
			checkContract(t, rr.Events)
			mustStatus(t, rr, event.StatusTimeout)
			l := limitEvent(t, rr, event.LimitWallTime)
			if l.Message != "Stopped: the program ran longer than "+secondsText(wall)+"." {
				t.Errorf("message %q", l.Message)
			}
			if rr.text("stdout") == "" {
				t.Errorf("output before the timeout was lost")
			}
			// The wall time is the runner's own timer and a kill takes no
			// CPU work to speak of: 2 s past the limit on a quiet machine,
			// more where the machine is busy.
			if el, bound := time.Since(start), wall+testload.Scaled(t, 2*time.Second, 100); el > bound {
				t.Errorf("took %v to stop (bound %v)", el, bound)
			}
		})
	}
}

func TestDefaultLimits(t *testing.T) {
	r := testRunner(t)
	rr := runWithLimits(t, r, "pass\n", event.Limits{})
	l := rr.Events[0].Limits
	if l.WallTimeMS != 10000 || l.MemoryBytes != 256<<20 || l.Pids != 64 || l.OutputBytes != 1<<20 ||
		l.FileBytes != 16<<20 || l.OpenFiles != 256 || l.TmpBytes != 32<<20 || l.ShmBytes != 64<<20 || l.CPUs < 1 {
		t.Errorf("default limits %+v", l)
	}
	sb := rr.Events[0].Sandbox
	if !sb.Enabled || len(sb.Namespaces) != 6 || !sb.NoNewPrivs || sb.UID == 0 || sb.HostUID == 0 {
		t.Errorf("sandbox info %+v", sb)
	}
}

func TestSetsidDaemonDiesWithTheRun(t *testing.T) {
	r := testRunner(t)
	marker := fmt.Sprintf("%d.4242", time.Now().UnixNano()%100000)
	rr := runProgram(t, r, `
import os, signal, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        os.execv("/bin/sleep", ["sleep", "`+marker+`"])
    os._exit(0)
time.sleep(0.2)
print("main done", flush=True)
`, event.Limits{})
	mustStatus(t, rr, event.StatusOK)
	var daemon event.Event
	for _, p := range rr.procs() {
		if p.Via == "fork" && p.Name == "MainProcess" {
			continue
		}
	}
	for _, e := range rr.byType(event.TypeProcExec) {
		if len(e.Argv) == 2 && e.Argv[1] == marker {
			daemon = e
		}
	}
	if daemon.PID == 0 {
		t.Fatalf("the daemon's exec was not seen:\n%s", rr.dump())
	}
	if got := rr.exits()[daemon.PID]; got.Signal != "SIGKILL" {
		t.Errorf("daemon exit %+v, want SIGKILL", got)
	}
	deadline := time.Now().Add(time.Second)
	for {
		out, _ := exec.Command("pgrep", "-f", "sleep "+marker).Output()
		if len(strings.TrimSpace(string(out))) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("daemon still alive 1 s after run.end: %s", out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestOutputFloodIsStoppedAtTheCap(t *testing.T) {
	r := testRunner(t)
	rr := runProgram(t, r, "while True:\n    print('flood ' * 20)\n", event.Limits{})
	mustStatus(t, rr, event.StatusLimit)
	l := limitEvent(t, rr, event.LimitOutput)
	if l.Message != "Stopped: the program printed more than 1 MiB of output." {
		t.Errorf("message %q", l.Message)
	}
	n := len(rr.text(""))
	if n == 0 || n > 1<<20 {
		t.Errorf("kept %d bytes of output, want 1..1 MiB", n)
	}
	if n < 1<<20-4096 {
		t.Errorf("kept only %d bytes of output; the output before the cap must be kept", n)
	}
	if !rr.Result.OutputCut {
		t.Errorf("Result.OutputCut not set")
	}
}

func TestNoNetwork(t *testing.T) {
	r := testRunner(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan struct{}, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Close()
			accepted <- struct{}{}
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	rr := runProgram(t, r, fmt.Sprintf(`
import socket
for host in ("127.0.0.1", "localhost"):
    try:
        socket.create_connection((host, %d), timeout=2)
        print("CONNECTED", host)
    except OSError as e:
        print("refused", host, type(e).__name__)
try:
    socket.getaddrinfo("example.com", 80)
    print("RESOLVED")
except OSError as e:
    print("no dns", type(e).__name__)
`, port), event.Limits{})
	mustStatus(t, rr, event.StatusOK)
	out := rr.text("stdout")
	if strings.Contains(out, "CONNECTED") || strings.Contains(out, "RESOLVED") || !strings.Contains(out, "refused 127.0.0.1") {
		t.Errorf("network reachable from the sandbox:\n%s", out)
	}
	select {
	case <-accepted:
		t.Errorf("the host's listener got a connection from the sandbox")
	default:
	}
}

func TestHostFilesAreInvisibleAndOnlyTheRunsOwnAreWritable(t *testing.T) {
	r := testRunner(t)
	secret := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(secret, []byte("top secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	rr := runProgram(t, r, fmt.Sprintf(`
import os
for path in (%q, %q, "/etc/shadow", "/root", "/proc/1/environ"):
    try:
        with open(path) as f:
            print("READ", path, f.read(20))
    except OSError as e:
        print("hidden", path, type(e).__name__)
for path in ("/x", "/usr/x", "/home/x", "/etc/passwd", "/opt/playground/sitecustomize.py", "/tmp/ok", "/dev/shm/ok", "out.txt"):
    try:
        with open(path, "w") as f:
            f.write("x")
        print("WROTE", path)
    except OSError as e:
        print("denied", path, type(e).__name__)
print("uid", os.getuid(), "gid", os.getgid(), "groups", os.getgroups())
print("cwd", os.getcwd(), sorted(os.listdir(".")))
`, secret, filepath.Join(wd, "runner.go")), event.Limits{})
	mustStatus(t, rr, event.StatusOK)
	out := rr.text("stdout")
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		switch {
		case strings.HasPrefix(line, "READ"):
			t.Errorf("host file readable: %s", line)
		case strings.HasPrefix(line, "WROTE") && !strings.Contains(line, "/tmp/ok") && !strings.Contains(line, "/dev/shm/ok") && line != "WROTE out.txt":
			t.Errorf("wrote outside the run's own file systems: %s", line)
		}
	}
	for _, want := range []string{"WROTE /tmp/ok", "WROTE /dev/shm/ok", "uid 1000 gid 1000 groups []", "WROTE out.txt", "cwd /home/learner ['main.py', 'out.txt']"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
}

func TestConcurrentRunsKeepTheirEventsApart(t *testing.T) {
	r := testRunner(t)
	const runs = 4
	var wg sync.WaitGroup
	results := make([]runResult, runs)
	for i := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = runProgram(t, r, fmt.Sprintf(`
import multiprocessing as mp
def say(i):
    for k in range(200):
        print("run-%d", i, k)
if __name__ == "__main__":
    with mp.Pool(2) as p:
        p.map(say, range(4))
`, i), event.Limits{})
		}()
	}
	wg.Wait()
	ids := map[string]bool{}
	for i, rr := range results {
		mustStatus(t, rr, event.StatusOK)
		ids[rr.Events[0].RunID] = true
		out := rr.text("stdout")
		if got := strings.Count(out, fmt.Sprintf("run-%d ", i)); got != 800 {
			t.Errorf("run %d: %d of its own lines, want 800", i, got)
		}
		for j := range runs {
			if j != i && strings.Contains(out, fmt.Sprintf("run-%d ", j)) {
				t.Errorf("run %d got output of run %d", i, j)
			}
		}
	}
	if len(ids) != runs {
		t.Errorf("run ids not distinct: %v", ids)
	}
}

func TestStopEndsTheWholeTree(t *testing.T) {
	r := testRunner(t)
	ctx, cancel := context.WithCancel(context.Background())
	var rr runResult
	done := make(chan struct{})
	go func() {
		defer close(done)
		rr.Result = r.Run(ctx, Request{Program: []byte(`
import multiprocessing as mp, time
def forever():
    time.sleep(1000)
if __name__ == "__main__":
    for _ in range(3):
        mp.Process(target=forever).start()
    print("started", flush=True)
    time.sleep(1000)
`)}, func(e event.Event) {
			rr.Events = append(rr.Events, e)
			if e.Type == event.TypeOutput && strings.Contains(e.Text, "started") {
				cancel()
			}
		})
	}()
	select {
	case <-done:
	case <-time.After(testload.Scaled(t, 5*time.Second, 100)):
		t.Fatal("stop did not end the run")
	}
	checkContract(t, rr.Events)
	mustStatus(t, rr, event.StatusStopped)
	if n := len(rr.procs()); n != 4 {
		t.Errorf("%d processes, want 4", n)
	}
}

func TestNothingIsLeftInCgroups(t *testing.T) {
	testRunner(t)
	r, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	runProgram(t, r, "import multiprocessing as mp\nif __name__ == '__main__':\n    mp.Pool(2).map(abs, range(3))\n", event.Limits{})
	runProgram(t, r, "pass\n", event.Limits{Pids: 10}) // not the defaults: a cgroup of its own
	mine := func() []string {
		var out []string
		for _, base := range r.cgroups.bases {
			m, _ := filepath.Glob(filepath.Join(base, cgroupName(r.token+"-*")))
			out = append(out, m...)
		}
		return out
	}
	// Between runs only the warm inits' cgroups are there (one per
	// controller each); after Close, none.
	deadline := time.Now().Add(2 * time.Second)
	for len(mine()) > warmInits*len(r.cgroups.bases) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := len(mine()); n > warmInits*len(r.cgroups.bases) {
		t.Errorf("%d cgroups between runs, want at most %d (the warm inits')", n, warmInits*len(r.cgroups.bases))
	}
	r.Close()
	time.Sleep(300 * time.Millisecond) // inits being started when Close came end too
	if left := mine(); len(left) != 0 {
		t.Errorf("cgroups left after Close: %v", left)
	}
}

func TestWithoutSandboxRunStartSaysSo(t *testing.T) {
	r, err := New(Config{NoSandbox: true})
	if err != nil {
		t.Fatal(err)
	}
	rr := runProgram(t, r, "import os\nprint(os.getpid())\n", event.Limits{})
	mustStatus(t, rr, event.StatusOK)
	if rr.Events[0].Sandbox.Enabled {
		t.Errorf("run.start claims a sandbox: %+v", rr.Events[0].Sandbox)
	}
}

func TestTooLargeProgramIsRefusedPlainly(t *testing.T) {
	r := testRunner(t)
	rr := runProgram(t, r, strings.Repeat("#", MaxProgramBytes+1), event.Limits{})
	mustStatus(t, rr, event.StatusInternalError)
	if !strings.Contains(rr.end().Message, "too large") {
		t.Errorf("message %q", rr.end().Message)
	}
}

func TestDangerousSyscallsAreRefused(t *testing.T) {
	r := testRunner(t)
	rr := runProgram(t, r, `
import ctypes, os, threading, subprocess
libc = ctypes.CDLL(None, use_errno=True)
def call(name, nr, *args):
    ret = libc.syscall(nr, *args)
    print(name, "refused" if ret == -1 and ctypes.get_errno() in (1, 38) else "ALLOWED", flush=True)
call("ptrace", 101, 16, os.getppid(), 0, 0)
call("keyctl", 250, 0, 0, 0, 0)
call("bpf", 321, 0, 0, 0)
call("io_uring_setup", 425, 8, 0)
call("unshare", 272, 0x10000000)
call("mount", 165, b"none", b"/tmp", b"tmpfs", 0, None)
call("clone-newuser", 56, 0x10000000 | 17, 0, 0, 0, 0)
t = threading.Thread(target=print, args=("threads work",)); t.start(); t.join()
print(subprocess.run(["echo", "subprocesses work"], capture_output=True, text=True).stdout.strip())
`, event.Limits{})
	mustStatus(t, rr, event.StatusOK)
	out := rr.text("stdout")
	if strings.Contains(out, "ALLOWED") || strings.Count(out, "refused") != 7 {
		t.Errorf("seccomp let something through:\n%s", out)
	}
	for _, want := range []string{"threads work", "subprocesses work"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q:\n%s", want, out)
		}
	}
	if !rr.Events[0].Sandbox.Seccomp {
		t.Errorf("run.start does not say seccomp is on")
	}
}

func TestFullDisksStopTheRunPlainly(t *testing.T) {
	r := testRunner(t)
	for name, tc := range map[string]struct{ program, where string }{
		"tmp bytes":   {"for n in range(4):\n    with open(f'/tmp/fill{n}', 'wb') as f:\n        f.write(b'x' * (12 << 20))\n", "/tmp"},
		"tmp inodes":  {"import os\nos.makedirs('/tmp/d')\nfor i in range(100000):\n    open(f'/tmp/d/{i}', 'w').close()\n", "/tmp"},
		"dev shm":     {"for n in range(6):\n    with open(f'/dev/shm/fill{n}', 'wb') as f:\n        f.write(b'x' * (12 << 20))\n", "/dev/shm"},
		"working dir": {"for n in range(4):\n    with open(f'fill{n}', 'wb') as f:\n        f.write(b'x' * (12 << 20))\n", "its working directory /home/learner"},
	} {
		t.Run(name, func(t *testing.T) {
			rr := runProgram(t, r, tc.program, event.Limits{})
			mustStatus(t, rr, event.StatusLimit)
			l := limitEvent(t, rr, event.LimitDisk)
			if !strings.Contains(l.Message, "filled "+tc.where+" (") {
				t.Errorf("message %q", l.Message)
			}
		})
	}
	rr := runProgram(t, r, "f = open('/tmp/sparse', 'wb')\nf.truncate(1 << 40)\n", event.Limits{})
	mustStatus(t, rr, event.StatusError)
	if !strings.Contains(rr.text("stderr"), "File too large") {
		t.Errorf("a 1 TiB sparse file: %s", rr.text("stderr"))
	}
}

func TestRunsDoNotSeeEachOthersSharedMemory(t *testing.T) {
	r := testRunner(t)
	first := runProgram(t, r, `
import os, ctypes
open("/dev/shm/left-by-a", "w").write("a")
libc = ctypes.CDLL(None, use_errno=True)
print("shmget", libc.shmget(0x4242, 4096, 0o1666))
`, event.Limits{})
	mustStatus(t, first, event.StatusOK)
	if strings.Contains(first.text("stdout"), "shmget -1") {
		t.Fatalf("run A could not make a System V segment: %s", first.text(""))
	}
	second := runProgram(t, r, `
import os, ctypes
print("shm files", os.listdir("/dev/shm"))
libc = ctypes.CDLL(None, use_errno=True)
print("shmget", libc.shmget(0x4242, 4096, 0o666))
`, event.Limits{})
	mustStatus(t, second, event.StatusOK)
	out := second.text("stdout")
	if !strings.Contains(out, "shm files []") || !strings.Contains(out, "shmget -1") {
		t.Errorf("run B sees what run A left:\n%s", out)
	}
}

// A warm init that died while it waited does not fail the run that takes it.
func TestADeadWarmInitIsReplaced(t *testing.T) {
	testRunner(t)
	r, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		r.pool.mu.Lock()
		n := len(r.pool.ready)
		if n == warmInits {
			for _, si := range r.pool.ready {
				_ = si.cmd.Process.Kill()
			}
		}
		r.pool.mu.Unlock()
		if n == warmInits {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the pool did not fill")
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	rr := runProgram(t, r, "print('fine')\n", event.Limits{})
	mustStatus(t, rr, event.StatusOK)
}

// The working directory is the run's own: a program and its children write
// next to the program, and the next run starts with the program alone.
func TestTheWorkingDirectoryIsTheRunsOwn(t *testing.T) {
	r := testRunner(t)
	rr := runProgram(t, r, `
import multiprocessing as mp, os
def child():
    with open("from-child.txt", "w") as f:
        f.write("child")
if __name__ == "__main__":
    with open("out.txt", "w") as f:
        f.write("hello")
    p = mp.Process(target=child)
    p.start(); p.join()
    print(open("out.txt").read(), open("from-child.txt").read(), sorted(os.listdir(".")))
`, event.Limits{})
	mustStatus(t, rr, event.StatusOK)
	if out := rr.text("stdout"); !strings.Contains(out, "hello child ['from-child.txt', 'main.py', 'out.txt']") {
		t.Errorf("output %q", out)
	}
	next := runProgram(t, r, "import os\nprint(sorted(os.listdir('.')))\n", event.Limits{})
	if out := next.text("stdout"); strings.TrimSpace(out) != "['main.py']" {
		t.Errorf("the next run sees %s", out)
	}
}
