package runner

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"mpplayground/event"
)

// The order-and-attribution test of the issue: 8 processes, 2,000 lines
// each, alternating stdout and stderr, under a shared lock with a global
// counter. Every line must arrive, from the pid that wrote it, on the
// stream it was written to, in counter order.
func TestOutputIsCompleteAttributedAndInOrder(t *testing.T) {
	r := testRunner(t)
	rr := runProgram(t, r, `
import multiprocessing as mp, os, sys
def work(lock, counter):
    for k in range(2000):
        with lock:
            counter.value += 1
            stream = sys.stdout if k % 2 == 0 else sys.stderr
            print(os.getpid(), counter.value, "stdout" if stream is sys.stdout else "stderr", file=stream, flush=True)
if __name__ == "__main__":
    lock = mp.Lock()
    counter = mp.Value("i", 0, lock=False)
    ps = [mp.Process(target=work, args=(lock, counter)) for _ in range(8)]
    for p in ps: p.start()
    for p in ps: p.join()
`, event.Limits{})
	mustStatus(t, rr, event.StatusOK)
	want := 1
	partial := map[string]string{}
	for _, e := range rr.byType(event.TypeOutput) {
		key := fmt.Sprint(e.PID, e.Stream)
		text := partial[key] + e.Text
		lines := strings.Split(text, "\n")
		partial[key] = lines[len(lines)-1]
		for _, line := range lines[:len(lines)-1] {
			f := strings.Fields(line)
			if len(f) != 3 {
				t.Fatalf("malformed line %q", line)
			}
			pid, _ := strconv.Atoi(f[0])
			n, _ := strconv.Atoi(f[1])
			if pid != e.PID {
				t.Fatalf("line %q attributed to pid %d", line, e.PID)
			}
			if f[2] != e.Stream {
				t.Fatalf("line %q arrived on %s", line, e.Stream)
			}
			if n != want {
				t.Fatalf("line %q arrived when counter %d was due", line, want)
			}
			want++
		}
	}
	if want != 16001 {
		t.Fatalf("got %d lines, want 16000", want-1)
	}
	if len(rr.procs()) != 9 {
		t.Errorf("got %d processes, want 9", len(rr.procs()))
	}
}

func TestExitCodesAndSignals(t *testing.T) {
	r := testRunner(t)
	rr := runProgram(t, r, `
import multiprocessing as mp, os, sys, time
def code3(): sys.exit(3)
def boom(): raise ValueError("boom")
def sleeper(): time.sleep(30)
def suicide(): os.kill(os.getpid(), 9)
if __name__ == "__main__":
    for name, target in (("code3", code3), ("boom", boom), ("term", sleeper), ("kill9", suicide)):
        p = mp.Process(target=target, name=name)
        p.start()
        if name == "term":
            time.sleep(0.2)
            p.terminate()
        p.join()
        print(name, p.pid, p.exitcode, flush=True)
`, event.Limits{})
	mustStatus(t, rr, event.StatusOK)
	exits, procs := rr.exits(), rr.procs()
	byName := map[string]int{}
	for pid, e := range procs {
		byName[e.Name] = pid
	}
	check := func(name string, code int, signal string) {
		t.Helper()
		pid, ok := byName[name]
		if !ok {
			t.Fatalf("no process named %s in:\n%s", name, rr.dump())
		}
		e := exits[pid]
		if signal != "" {
			if e.Signal != signal {
				t.Errorf("%s: exit %+v, want signal %s", name, e, signal)
			}
			return
		}
		if exitCode(e) != code {
			t.Errorf("%s: exit %+v, want code %d", name, e, code)
		}
	}
	check("code3", 3, "")
	check("boom", 1, "")
	check("term", 0, "SIGTERM")
	check("kill9", 0, "SIGKILL")
	if !strings.Contains(rr.text("stderr"), "ValueError: boom") {
		t.Errorf("the traceback is missing from stderr")
	}
}

func TestMainProcessKilledBySignalEndsWithError(t *testing.T) {
	r := testRunner(t)
	rr := runProgram(t, r, "import os\nos.kill(os.getpid(), 9)\n", event.Limits{})
	mustStatus(t, rr, event.StatusError)
	if got := *rr.end().ExitCode; got != -9 {
		t.Errorf("exit_code %d, want -9", got)
	}
	rr = runProgram(t, r, "raise SystemExit(7)\n", event.Limits{})
	mustStatus(t, rr, event.StatusError)
	if got := *rr.end().ExitCode; got != 7 {
		t.Errorf("exit_code %d, want 7", got)
	}
}

// Names, via and ppid under each start method, for Process and Pool
// workers, and the pids the program itself sees.
func TestStartMethodsNamesViaAndPids(t *testing.T) {
	r := testRunner(t)
	for _, tc := range []struct {
		method, process, worker string
	}{
		{"fork", "ForkProcess-1", "ForkPoolWorker-"},
		{"spawn", "SpawnProcess-1", "SpawnPoolWorker-"},
		{"forkserver", "ForkServerProcess-1", "ForkServerPoolWorker-"},
	} {
		t.Run(tc.method, func(t *testing.T) {
			rr := runProgram(t, r, `
import multiprocessing as mp, os
def who(_=None):
    print("I am", mp.current_process().name, os.getpid(), os.getppid(), flush=True)
if __name__ == "__main__":
    ctx = mp.get_context("`+tc.method+`")
    print("I am", mp.current_process().name, os.getpid(), os.getppid(), flush=True)
    p = ctx.Process(target=who); p.start(); p.join()
    with ctx.Pool(2) as pool:
        pool.map(who, range(4), chunksize=1)
`, event.Limits{})
			mustStatus(t, rr, event.StatusOK)
			procs := rr.procs()
			seen := regexp.MustCompile(`I am (\S+) (\d+) (\d+)`)
			for _, e := range rr.byType(event.TypeOutput) {
				for _, m := range seen.FindAllStringSubmatch(e.Text, -1) {
					pid, _ := strconv.Atoi(m[2])
					ppid, _ := strconv.Atoi(m[3])
					if pid != e.PID {
						t.Errorf("%s printed pid %d but its output came as pid %d", m[1], pid, e.PID)
					}
					p := procs[pid]
					if p.Name != m[1] {
						t.Errorf("pid %d is named %q in proc.start, %q by multiprocessing", pid, p.Name, m[1])
					}
					if *p.PPID != ppid {
						t.Errorf("pid %d has ppid %d in proc.start, %d by os.getppid()", pid, *p.PPID, ppid)
					}
				}
			}
			var mainPID int
			workers := 0
			for pid, p := range procs {
				switch {
				case p.Name == "MainProcess":
					mainPID = pid
					if p.Via != "exec" {
						t.Errorf("main via %q", p.Via)
					}
				case p.Name == tc.process || strings.HasPrefix(p.Name, tc.worker):
					if p.Via != tc.method {
						t.Errorf("%s via %q, want %q", p.Name, p.Via, tc.method)
					}
					if strings.HasPrefix(p.Name, tc.worker) {
						workers++
					}
				}
			}
			if workers != 2 {
				t.Errorf("got %d pool workers named %s*, want 2:\n%s", workers, tc.worker, rr.dump())
			}
			if mainPID == 0 {
				t.Fatalf("no MainProcess")
			}
			if !strings.Contains(rr.textOf(mainPID), fmt.Sprintf("I am MainProcess %d", mainPID)) {
				t.Errorf("main's own pid differs from the event's")
			}
			if tc.method == "forkserver" {
				var fs int
				for pid, p := range procs {
					if p.Name == "forkserver" {
						fs = pid
					}
				}
				if fs == 0 || *procs[fs].PPID != mainPID {
					t.Fatalf("no forkserver process under main:\n%s", rr.dump())
				}
				for _, p := range procs {
					if p.Via == "forkserver" && *p.PPID != fs {
						t.Errorf("%s has ppid %d, want the forkserver %d", p.Name, *p.PPID, fs)
					}
				}
			}
		})
	}
}

// Shell children, os.fork and raw writes: the kernel sees them all.
func TestEveryKindOfChildIsObserved(t *testing.T) {
	r := testRunner(t)
	rr := runProgram(t, r, `
import os, subprocess, sys
os.system("echo from-system")
subprocess.run(["ls", "/home"])
print(os.popen("echo from-popen").read().strip(), flush=True)
subprocess.run("sh -c 'echo from-grandchild 1>&2'", shell=True)
pid = os.fork()
if pid == 0:
    os.write(1, b"raw from fork child\n")
    os._exit(5)
os.waitpid(pid, 0)
os.write(2, b"raw from main\n")
`, event.Limits{})
	mustStatus(t, rr, event.StatusOK)
	procs, exits := rr.procs(), rr.exits()
	var main int
	for pid, p := range procs {
		if p.Name == "MainProcess" && p.Via == "exec" {
			main = pid
		}
	}
	find := func(pred func(event.Event) bool) []event.Event {
		var out []event.Event
		for _, p := range procs {
			if pred(p) {
				out = append(out, p)
			}
		}
		return out
	}
	if ls := find(func(p event.Event) bool { return p.Name == "ls" }); len(ls) != 1 || *ls[0].PPID != main || ls[0].Via != "exec" {
		t.Errorf("ls: %+v", ls)
	}
	if len(find(func(p event.Event) bool { return p.Name == "sh" })) < 3 {
		t.Errorf("want at least 3 sh processes (system, popen, shell=True):\n%s", rr.dump())
	}
	forked := find(func(p event.Event) bool { return p.Via == "fork" && *p.PPID == main })
	if len(forked) != 1 || exitCode(exits[forked[0].PID]) != 5 {
		t.Fatalf("os.fork child: %+v\n%s", forked, rr.dump())
	}
	if got := rr.textOf(forked[0].PID); got != "raw from fork child\n" {
		t.Errorf("fork child wrote %q", got)
	}
	for _, want := range []string{"from-system", "from-popen", "from-grandchild", "raw from main"} {
		found := false
		for _, e := range rr.byType(event.TypeOutput) {
			if strings.Contains(e.Text, want) {
				found = true
				switch want {
				case "from-popen", "raw from main":
					if e.PID != main {
						t.Errorf("%q attributed to %d, want main %d", want, e.PID, main)
					}
				case "from-grandchild":
					if e.Stream != "stderr" || procs[e.PID].Name != "sh" {
						t.Errorf("%q: stream %s, process %s", want, e.Stream, procs[e.PID].Name)
					}
				}
			}
		}
		if !found {
			t.Errorf("output %q missing", want)
		}
	}
	// A grandchild's parent is the shell, not main.
	grand := find(func(p event.Event) bool { return p.Name == "sh" && *p.PPID != main })
	if len(grand) == 0 {
		t.Errorf("no grandchild shell:\n%s", rr.dump())
	}
}

func TestMultiprocessingWorksFullyInside(t *testing.T) {
	r := testRunner(t)
	rr := runProgram(t, r, `
import multiprocessing as mp
from multiprocessing import shared_memory
def square(x): return x * x
def put(q): q.put("hello")
def send(c): c.send({"a": 1}); c.close()
def bump(v, a, lock, sem, ev, bar):
    with lock: v.value += 1
    with sem: a[0] += 1
    ev.wait(5)
    bar.wait(5)
def fill(d, l): d["k"] = "v"; l.append(42)
def shm(name):
    s = shared_memory.SharedMemory(name=name); s.buf[0] = 7; s.close()
if __name__ == "__main__":
    for method in ("fork", "spawn", "forkserver"):
        ctx = mp.get_context(method)
        with ctx.Pool(2) as p: assert p.map(square, range(5)) == [0, 1, 4, 9, 16]
        q = ctx.Queue(); w = ctx.Process(target=put, args=(q,)); w.start(); assert q.get(timeout=5) == "hello"; w.join()
        a, b = ctx.Pipe(); w = ctx.Process(target=send, args=(b,)); w.start(); assert a.recv() == {"a": 1}; w.join()
        v = ctx.Value("i", 0); arr = ctx.Array("i", 3); lock = ctx.Lock(); sem = ctx.Semaphore(1); ev = ctx.Event(); bar = ctx.Barrier(2)
        w = ctx.Process(target=bump, args=(v, arr, lock, sem, ev, bar)); w.start(); ev.set(); bar.wait(5); w.join()
        assert v.value == 1 and arr[0] == 1
        with ctx.Manager() as m:
            d, l = m.dict(), m.list()
            w = ctx.Process(target=fill, args=(d, l)); w.start(); w.join()
            assert d["k"] == "v" and list(l) == [42]
        s = shared_memory.SharedMemory(create=True, size=1024)
        w = ctx.Process(target=shm, args=(s.name,)); w.start(); w.join()
        assert s.buf[0] == 7
        s.close(); s.unlink()
        print(method, "ok", flush=True)
    print("ALL OK")
`, event.Limits{})
	mustStatus(t, rr, event.StatusOK)
	if !strings.Contains(rr.text("stdout"), "ALL OK") {
		t.Fatalf("multiprocessing failed inside:\n%s", rr.text(""))
	}
}

func TestOutputTextIsValidUTF8AndCharactersStayWhole(t *testing.T) {
	r := testRunner(t)
	rr := runProgram(t, r, `
import os, sys
os.write(1, b"bad \xff\xfe bytes\n")
s = "héllo wörld ✓ 中文\n".encode()
for i in range(len(s)):
    os.write(1, s[i:i+1])
sys.stdout.write("x" * 300000 + "\n")
`, event.Limits{})
	mustStatus(t, rr, event.StatusOK)
	out := rr.text("stdout")
	if !strings.Contains(out, "bad \uFFFD") {
		t.Errorf("invalid UTF-8 not replaced: %q", out[:40])
	}
	if !strings.Contains(out, "héllo wörld ✓ 中文\n") {
		t.Errorf("a character split across writes was broken: %q", out)
	}
	if !strings.Contains(out, strings.Repeat("x", 300000)+"\n") {
		t.Errorf("a 300 KB line did not arrive whole")
	}
}

func TestStdinReachesTheProgram(t *testing.T) {
	r := testRunner(t)
	var events []event.Event
	res := r.Run(t.Context(), Request{Program: []byte("name = input('name? ')\nprint('hello', name)\nprint(repr(input()))\n"),
		Stdin: strings.NewReader("Ada\n")}, func(e event.Event) { events = append(events, e) })
	rr := runResult{Events: events, Result: res}
	checkContract(t, events)
	if !strings.Contains(rr.text("stdout"), "name? hello Ada") {
		t.Errorf("stdout %q", rr.text("stdout"))
	}
	if !strings.Contains(rr.text("stderr"), "EOFError") {
		t.Errorf("reading past the end of stdin should raise EOFError, stderr %q", rr.text("stderr"))
	}
}
