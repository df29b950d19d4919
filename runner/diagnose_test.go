package runner

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"mpplayground/event"
	"mpplayground/internal/testload"
)

// stuckCase is a program as a learner writes it that hangs or fails, and
// the diagnosis it must get: its pattern, whether the run ends as a
// certain deadlock, and the line of the program the first process of the
// diagnosis is at (marked "# <-" in the source).
type stuckCase struct {
	name, pattern, program string
	deadlock               bool
	// who are the processes of the diagnosis, in its order, by their
	// names under fork (SpawnProcess-1 under spawn is Process-1 here).
	who []string
}

var stuckCases = []stuckCase{
	{"two locks in opposite orders", event.PatternLockOrder, `
import multiprocessing as mp

def worker(first, second, ready):
    with first:
        ready.wait()
        with second:  # <-
            print("never")

if __name__ == "__main__":
    a, b = mp.Lock(), mp.Lock()
    ready = mp.Barrier(2)
    p = mp.Process(target=worker, args=(a, b, ready))
    q = mp.Process(target=worker, args=(b, a, ready))
    p.start(); q.start()
    p.join(); q.join()
`, true, []string{"Process-1", "Process-2"}},
	{"join before the queue is drained", event.PatternJoinBeforeDrain, `
import multiprocessing as mp

def producer(q):
    q.put("x" * 1_000_000)

if __name__ == "__main__":
    q = mp.Queue()
    p = mp.Process(target=producer, args=(q,))
    p.start()
    p.join()  # <-
    print(len(q.get()))
`, true, []string{"MainProcess", "Process-1"}},
	{"join before the pipe is read", event.PatternJoinBeforeDrain, `
import multiprocessing as mp

def producer(conn):
    conn.send("x" * 1_000_000)

if __name__ == "__main__":
    here, there = mp.Pipe()
    p = mp.Process(target=producer, args=(there,))
    p.start()
    p.join()  # <-
    print(len(here.recv()))
`, true, []string{"MainProcess", "Process-1"}},
	{"no sentinel for the consumer", event.PatternMissingSentinel, `
import multiprocessing as mp

def consumer(q):
    while True:
        item = q.get()  # <-
        if item is None:
            break
        print("got", item)

if __name__ == "__main__":
    q = mp.Queue()
    c = mp.Process(target=consumer, args=(q,))
    c.start()
    for i in range(3):
        q.put(i)
    c.join()
`, true, []string{"Process-1", "MainProcess"}},
	{"no sentinel, and no join but Python's at the end", event.PatternMissingSentinel, `
import multiprocessing as mp

def consumer(q):
    while True:
        print("got", q.get())  # <-

if __name__ == "__main__":
    q = mp.Queue()
    mp.Process(target=consumer, args=(q,)).start()
    q.put("one")
`, true, []string{"Process-1", "MainProcess"}},
	{"a lock its holder never releases", event.PatternLockNotReleased, `
import multiprocessing as mp

def grab(lock):
    lock.acquire()
    print("took it")

if __name__ == "__main__":
    lock = mp.Lock()
    p = mp.Process(target=grab, args=(lock,))
    p.start()
    p.join()
    with lock:  # <-
        print("never")
`, true, []string{"MainProcess", "Process-1"}},
	{"recv with nobody to send", event.PatternRecvNoSender, `
import multiprocessing as mp

def quiet(conn):
    conn.send("hello")

if __name__ == "__main__":
    here, there = mp.Pipe()
    p = mp.Process(target=quiet, args=(there,))
    p.start()
    print(here.recv())
    print(here.recv())  # <-
    p.join()
`, true, []string{"MainProcess"}},
	{"a result of a terminated pool", event.PatternResultNeverReady, `
import multiprocessing as mp, time

def slow(x):
    time.sleep(5)
    return x

if __name__ == "__main__":
    pool = mp.Pool(2)
    r = pool.apply_async(slow, (1,))
    pool.terminate()
    print(r.get())  # <-
`, true, []string{"MainProcess"}},
	{"a barrier with too few parties", event.PatternBarrierTooFew, `
import multiprocessing as mp

def arrive(barrier):
    barrier.wait()  # <-
    print("through")

if __name__ == "__main__":
    barrier = mp.Barrier(3)
    ps = [mp.Process(target=arrive, args=(barrier,)) for _ in range(2)]
    for p in ps:
        p.start()
    for p in ps:
        p.join()
`, true, []string{"Process-1", "Process-2"}},
	{"an event nobody sets", event.PatternEventNeverSet, `
import multiprocessing as mp

def wait_for_go(go):
    go.wait()  # <-
    print("go!")

if __name__ == "__main__":
    go = mp.Event()
    p = mp.Process(target=wait_for_go, args=(go,))
    p.start()
    p.join()
    go.set()
`, true, []string{"Process-1"}},
	{"a pool joined before it is closed", event.PatternPoolNotClosed, `
import multiprocessing as mp

def square(x):
    return x * x

if __name__ == "__main__":
    pool = mp.Pool(2)
    print(pool.map(square, range(4)))
    pool.join()  # <-
`, false, []string{"MainProcess"}},
	{"a daemon that starts a child", event.PatternDaemonWithChildren, `
import multiprocessing as mp

def child():
    print("child")

def daemon():
    p = mp.Process(target=child)
    p.start()  # <-
    p.join()

if __name__ == "__main__":
    d = mp.Process(target=daemon, daemon=True)
    d.start()
    d.join()
`, false, []string{"Process-1"}},
	{"no main guard under spawn", event.PatternMainGuardMissing, `
import multiprocessing as mp
mp.set_start_method("spawn", force=True)

def hello():
    print("hello")

p = mp.Process(target=hello)
p.start()  # <-
p.join()
`, false, []string{"Process-1"}},
	{"a JoinableQueue whose items are never marked done", event.PatternUnknownWait, `
import multiprocessing as mp

def worker(q):
    while True:
        item = q.get()
        print("did", item)

if __name__ == "__main__":
    q = mp.JoinableQueue()
    w = mp.Process(target=worker, args=(q,), daemon=True)
    w.start()
    for i in range(3):
        q.put(i)
    q.join()  # <-
`, true, []string{"MainProcess"}},
	{"a condition nobody notifies", event.PatternUnknownWait, `
import multiprocessing as mp

def waiter(cond):
    with cond:
        cond.wait()  # <-

if __name__ == "__main__":
    cond = mp.Condition()
    p = mp.Process(target=waiter, args=(cond,))
    p.start()
    p.join()
`, true, []string{"Process-1", "MainProcess"}},
}

// lastActivity is the last event before seq that a process of the program
// caused: its last start, output or wait.
func lastActivity(events []event.Event, seq int64) event.Event {
	var last event.Event
	for _, e := range events {
		if e.Seq < seq && e.Type != event.TypeDiagnosis {
			last = e
		}
	}
	return last
}

func firstPID(d event.Event) int {
	if len(d.PIDs) == 0 {
		return 0
	}
	return d.PIDs[0]
}

// markedLine is the line of the program marked "# <-".
func markedLine(program string) int {
	for i, line := range strings.Split(program, "\n") {
		if strings.HasSuffix(line, "# <-") {
			return i + 1
		}
	}
	return 0
}

// Each program that hangs or fails as learners' programs do gets the one
// diagnosis of its pattern, naming the processes concerned and the
// learner's line; a certain deadlock ends the run at once with a deadlock
// limit, long before its wall time.
func TestDiagnosisOfEachPattern(t *testing.T) {
	r := testRunner(t)
	type run struct {
		stuckCase
		method string
	}
	var runs []run
	for i, c := range stuckCases {
		runs = append(runs, run{c, ""})
		// The waits and their matching hold under every start method.
		if i < 4 || c.pattern == event.PatternResultNeverReady {
			runs = append(runs, run{c, "spawn"}, run{c, "forkserver"})
		}
	}
	for _, c := range runs {
		t.Run(strings.TrimSpace(c.name+" "+c.method), func(t *testing.T) {
			t.Parallel()
			rr := runRequest(t, r, Request{Program: []byte(c.program), StartMethod: c.method, Limits: event.Limits{WallTime: backstopWall(t)}})
			diags := rr.byType(event.TypeDiagnosis)
			if len(diags) != 1 {
				t.Fatalf("%d diagnosis events, want 1:\n%s", len(diags), rr.dump())
			}
			d := diags[0]
			if d.Pattern != c.pattern {
				t.Errorf("pattern %q, want %q: %s", d.Pattern, c.pattern, d.Message)
			}
			if _, ok := rr.procs()[firstPID(d)]; !ok {
				t.Fatalf("pids %v are not processes of the run: %s", d.PIDs, d.Message)
			}
			names := rr.procs()
			var got []string
			for _, pid := range d.PIDs {
				n := names[pid].Name
				for _, prefix := range []string{"Spawn", "ForkServer"} {
					n = strings.TrimPrefix(n, prefix)
				}
				got = append(got, n)
			}
			if c.pattern == event.PatternLockOrder || c.pattern == event.PatternBarrierTooFew {
				// A cycle, or a barrier's waiters, have no first: the
				// processes started together, in any order of pids.
				got, c.who = sortedCopy(got), sortedCopy(c.who)
			}
			if !slices.Equal(got, c.who) {
				t.Errorf("the diagnosis concerns %v (%v), want %v: %s", got, d.PIDs, c.who, d.Message)
			}
			frames := d.Stacks[d.PIDs[0]]
			want := markedLine(c.program)
			if len(frames) == 0 || frames[len(frames)-1].Line != want || frames[len(frames)-1].File != ProgramFile {
				t.Errorf("the stack of process %d is %+v, want it to end at %s line %d", d.PIDs[0], frames, ProgramFile, want)
			}
			if !strings.Contains(d.Message, fmt.Sprint(d.PIDs[0])) {
				t.Errorf("the message does not name process %d: %s", d.PIDs[0], d.Message)
			}
			end := rr.end()
			limits := rr.byType(event.TypeLimit)
			if c.deadlock {
				if end.Status != event.StatusLimit || len(limits) != 1 || limits[0].Kind != event.LimitDeadlock {
					t.Errorf("a certain deadlock ended %s with limits %+v, want one deadlock limit", end.Status, limits)
				}
				if d.Seq > limits[0].Seq {
					t.Errorf("the diagnosis came after the limit")
				}
				// Found 2 s after the processes stopped (a second of quiet,
				// a second between the probes), counted from the last thing
				// a process did: a busy machine may take most of the wall
				// time to start the processes under spawn, which is not the
				// detector's time. The bound grows with the load as the
				// probes slow with it: each asks every process for its
				// stack (6.2 s once beside two busy loops and the race
				// detector, at 85 ms a unit).
				last := lastActivity(rr.Events, d.Seq)
				if quiet, bound := limits[0].T-last.T, float64(testload.Scaled(t, 5*time.Second, 100).Milliseconds()); quiet > bound {
					t.Errorf("the deadlock was ended %.0f ms after the last %s, not at once (bound %.0f ms)", quiet, last.Type, bound)
				}
			} else if slices.ContainsFunc(limits, func(e event.Event) bool { return e.Kind == event.LimitDeadlock }) {
				t.Errorf("a program that fails rather than hangs ended with a deadlock limit")
			}
		})
	}
}

// Programs that wait, sleep, compute or take input, and whose processes
// all wait at times, are never diagnosed.
func TestNoDiagnosisWithoutAHang(t *testing.T) {
	r := testRunner(t)
	for name, program := range map[string]string{
		"a child that sleeps while the parent joins it": `
import multiprocessing as mp, time
def f():
    time.sleep(2.5)
    print("done")
if __name__ == "__main__":
    p = mp.Process(target=f); p.start(); p.join()
`,
		"a thread that feeds the queue the main thread waits on": `
import multiprocessing as mp, threading, time
def feed(q):
    for i in range(2):
        time.sleep(1.5)
        q.put(i)
if __name__ == "__main__":
    q = mp.Queue()
    threading.Thread(target=feed, args=(q,)).start()
    print(q.get(), q.get())
`,
		"waits with timeouts that poll": `
import multiprocessing as mp, queue
def slow(q):
    import time
    time.sleep(2.5)
    q.put("late")
if __name__ == "__main__":
    q = mp.Queue()
    p = mp.Process(target=slow, args=(q,)); p.start()
    while True:
        try:
            print(q.get(timeout=2)); break
        except queue.Empty:
            print("still waiting")
    p.join()
`,
		"a computing child": `
import multiprocessing as mp
def spin():
    n = 0
    for i in range(3_000_000):
        n += i
    print(n)
if __name__ == "__main__":
    p = mp.Process(target=spin); p.start(); p.join()
`,
		"a pool that works": `
import multiprocessing as mp, time
def slow(x):
    time.sleep(1.2)
    return x * x
if __name__ == "__main__":
    with mp.Pool(2) as pool:
        print(pool.map(slow, range(4)))
`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rr := runProgram(t, r, program, event.Limits{})
			mustStatus(t, rr, event.StatusOK)
			if d := rr.byType(event.TypeDiagnosis); len(d) > 0 {
				t.Errorf("diagnosed: %+v", d[0])
			}
		})
	}
}

// A cycle of lock waits is a deadlock whatever the other processes do: it
// ends the run while the main process still prints. At the wall time, a
// run whose other processes sleep gets only a diagnosis that their sleep
// cannot undo: a lock whose holder ended.
func TestDiagnosisWhileOthersAreBusy(t *testing.T) {
	r := testRunner(t)
	t.Run("a cycle while the main process prints", func(t *testing.T) {
		t.Parallel()
		rr := runProgram(t, r, `
import multiprocessing as mp, time

def worker(first, second, ready):
    with first:
        ready.wait()
        with second:
            print("never")

if __name__ == "__main__":
    a, b = mp.Lock(), mp.Lock()
    ready = mp.Barrier(2)
    ps = [mp.Process(target=worker, args=(a, b, ready)), mp.Process(target=worker, args=(b, a, ready))]
    for p in ps:
        p.start()
    while True:
        print("still here", flush=True)
        time.sleep(0.3)
`, event.Limits{})
		d := rr.byType(event.TypeDiagnosis)
		if len(d) != 1 || d[0].Pattern != event.PatternLockOrder || len(d[0].PIDs) != 2 {
			t.Fatalf("diagnosis %+v, want lock-order of the two workers", d)
		}
		if l := rr.byType(event.TypeLimit); len(l) != 1 || l[0].Kind != event.LimitDeadlock {
			t.Errorf("limits %+v, want a deadlock", l)
		}
	})
	t.Run("a lock whose holder ended, while another process sleeps", func(t *testing.T) {
		t.Parallel()
		rr := runProgram(t, r, `
import multiprocessing as mp, time

def grab(lock):
    lock.acquire()

if __name__ == "__main__":
    lock = mp.Lock()
    p = mp.Process(target=grab, args=(lock,))
    p.start(); p.join()
    mp.Process(target=time.sleep, args=(600,)).start()
    lock.acquire()  # <-
`, event.Limits{WallTime: testload.Scaled(t, 4*time.Second, 150)})
		mustStatus(t, rr, event.StatusTimeout)
		d := rr.byType(event.TypeDiagnosis)
		if len(d) != 1 || d[0].Pattern != event.PatternLockNotReleased {
			t.Fatalf("diagnosis %+v, want lock-not-released at the wall time", d)
		}
	})
	t.Run("a join of a sleeping child is not diagnosed at the wall time", func(t *testing.T) {
		t.Parallel()
		rr := runProgram(t, r, `
import multiprocessing as mp, time
if __name__ == "__main__":
    p = mp.Process(target=time.sleep, args=(600,))
    p.start()
    p.join()
`, event.Limits{WallTime: testload.Scaled(t, 3*time.Second, 150)})
		mustStatus(t, rr, event.StatusTimeout)
		if d := rr.byType(event.TypeDiagnosis); len(d) != 0 {
			t.Errorf("diagnosed %+v", d[0])
		}
	})
}

// A ThreadPool, whose workers are threads of the main process reading a
// queue.SimpleQueue, works as bare, with its tasks reported and no
// diagnosis.
func TestAThreadPoolWorksAndIsNotStuck(t *testing.T) {
	r := testRunner(t)
	rr := runProgram(t, r, `
from multiprocessing.pool import ThreadPool
def square(x):
    return x * x
with ThreadPool(3) as pool:
    print(pool.map(square, range(5)))
`, event.Limits{})
	mustStatus(t, rr, event.StatusOK)
	if out := rr.text("stdout"); out != "[0, 1, 4, 9, 16]\n" {
		t.Errorf("output %q", out)
	}
	starts := rr.byType(event.TypePoolStart)
	if len(starts) != 5 || starts[0].Pool != "pool-1" {
		t.Errorf("pool.start events %+v, want 5 of pool-1", starts)
	}
	if d := rr.byType(event.TypeDiagnosis); len(d) > 0 {
		t.Errorf("diagnosed %+v", d[0])
	}
}

// A program that forges the reports the diagnosis reads (waits on objects
// it never used, stacks nobody asked for, misuses of every kind, frames
// with junk) gets at most one diagnosis, of its own run, with bounded
// stacks; the run still ends as the program does.
func TestForgedStuckReportsAreBounded(t *testing.T) {
	r := testRunner(t)
	rr := runProgram(t, r, `
import os, socket, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.connect('\0' + os.environ['PLAYGROUND_EVENTS'][1:])
def line(kind, key, obj="", msg="", summary="", other=""):
    return ("\x01%s\t%s\t%s\t%s\t%s\t-1\t-1\t-1.000\t\t\t\t%s\t%d" % (kind, key, obj, msg, summary, other, time.monotonic_ns())).encode()
junk = "\x1e".join("%d\x1f%s" % (i, "f" * (i % 200)) for i in range(2000))
for i in range(300):
    for m in (line("stack", str(i), summary=junk, other="w"),
              line("misuse", ("pool-not-closed", "daemon-with-children", "nonsense")[i % 3], summary=junk),
              line("wait.begin", "q%d" % i, "Queue", "get", summary="x" * 5000),
              line("wait.begin", str(10 ** 9 + i), "Process", "join")):
        try:
            s.send(m)
        except OSError:
            pass
print("done", flush=True)
`, event.Limits{})
	mustStatus(t, rr, event.StatusOK)
	diags := rr.byType(event.TypeDiagnosis)
	if len(diags) > 1 {
		t.Fatalf("%d diagnoses", len(diags))
	}
	for _, d := range diags {
		if !slices.Contains(event.Patterns, d.Pattern) || len(d.Stacks) > 64 {
			t.Errorf("diagnosis %s with %d stacks", d.Pattern, len(d.Stacks))
		}
		for _, frames := range d.Stacks {
			if len(frames) > maxStackFrames {
				t.Errorf("%d frames", len(frames))
			}
			for _, f := range frames {
				if len(f.Function) > 80 || f.File != ProgramFile {
					t.Errorf("frame %+v", f)
				}
			}
		}
	}
	if n := len(rr.byType(event.TypeWaitBegin)); n > maxWaitEvents {
		t.Errorf("%d wait events", n)
	}
}
