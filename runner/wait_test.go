package runner

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"mpplayground/event"
	"mpplayground/internal/testload"
)

// waitsProgram blocks the main process once on each kind of object, each
// time for a pause (%[2]v s) after it has told the child, through the
// semaphore go, that it is about to.
const waitsProgram = `
import multiprocessing as mp, time
PAUSE = %[2]v
def slow(q, conn, lock, go, held):
    go.acquire(); time.sleep(PAUSE); q.put("x")
    go.acquire(); time.sleep(PAUSE); conn.send("y")
    go.acquire(); lock.acquire(); held.release(); time.sleep(PAUSE); lock.release()
    time.sleep(PAUSE)
def square(n):
    time.sleep(PAUSE)
    return n * n
if __name__ == "__main__":
    mp.set_start_method(%[1]q)
    q = mp.Queue()
    a, b = mp.Pipe()
    lock, go, held = mp.Lock(), mp.Semaphore(0), mp.Semaphore(0)
    p = mp.Process(target=slow, args=(q, b, lock, go, held))
    p.start()
    go.release(); print(q.get(), flush=True)
    go.release(); print(a.recv(), flush=True)
    go.release(); held.acquire()
    with lock:
        pass
    p.join()
    with mp.Pool(1) as pool:
        print(pool.apply(square, (3,)), flush=True)
    p = mp.Process(target=time.sleep, args=(PAUSE,))
    p.start()
    p.join()
`

// waitsOf lists "begin|end object op" for the wait events of a run, and
// checks that each end follows its begin with a plausible waited_ms. With
// only, it lists those of the main process but on the objects whose id
// starts with skip.
func waitsOf(t *testing.T, rr runResult, only ...string) []string {
	t.Helper()
	var out []string
	open := map[string]bool{}
	main := 0
	for _, e := range rr.byType(event.TypeProcStart) {
		if e.Name == "MainProcess" {
			main = e.PID
		}
	}
	for _, e := range rr.Events {
		if len(only) > 0 && (e.PID != main || strings.HasPrefix(e.Object, only[0])) {
			continue
		}
		switch e.Type {
		case event.TypeWaitBegin:
			k := fmt.Sprint(e.PID, e.Object, e.Op)
			if open[k] {
				t.Errorf("seq %d: %s begins again before it ended", e.Seq, k)
			}
			open[k] = true
			out = append(out, "begin "+e.Object+" "+e.Op)
		case event.TypeWaitEnd:
			k := fmt.Sprint(e.PID, e.Object, e.Op)
			if !open[k] {
				t.Errorf("seq %d: %s ends without a begin", e.Seq, k)
			}
			delete(open, k)
			if e.WaitedMS == nil || *e.WaitedMS < 1 {
				t.Errorf("seq %d: %s waited %v ms", e.Seq, k, e.WaitedMS)
			}
			out = append(out, "end "+e.Object+" "+e.Op)
		}
	}
	return out
}

// A process that blocks on a queue, a pipe, a lock, a child, or a pool's
// result reports the wait, and its end, under every start method.
func TestWaitsAreReported(t *testing.T) {
	r := testRunner(t)
	for _, method := range []string{"fork", "spawn", "forkserver"} {
		t.Run(method, func(t *testing.T) {
			pause := testload.Scaled(t, 200*time.Millisecond, 3)
			rr := runProgram(t, r, fmt.Sprintf(waitsProgram, method, pause.Seconds()), event.Limits{})
			mustStatus(t, rr, event.StatusOK)
			got := waitsOf(t, rr, "semaphore-")
			var procs []string
			for _, e := range rr.byType(event.TypeProcStart) {
				if e.Name == "Process-1" || e.Name == "Process-3" {
					procs = append(procs, fmt.Sprint("proc-", e.PID))
				}
			}
			if len(procs) != 2 {
				t.Fatalf("processes %v", procs)
			}
			want := []string{
				"begin queue-1 get", "end queue-1 get",
				"begin pipe-1 recv", "end pipe-1 recv",
				"begin lock-1 acquire", "end lock-1 acquire",
				"begin " + procs[0] + " join", "end " + procs[0] + " join",
				"begin pool-1 result", "end pool-1 result",
				"begin " + procs[1] + " join", "end " + procs[1] + " join",
			}
			if strings.Join(got, ", ") != strings.Join(want, ", ") {
				t.Errorf("waits\n got %v\nwant %v", got, want)
			}
		})
	}
}

// A process that never blocks on an object reports no wait: it gets from a
// queue that holds items, takes free locks, sleeps, computes, and joins a
// child that has ended (a get that waits for the feeder thread to send
// an item already put is no wait).
func TestNoWaitWhereNothingBlocks(t *testing.T) {
	r := testRunner(t)
	rr := runProgram(t, r, `
import multiprocessing as mp, time
def fill(q):
    for i in range(100):
        q.put(i)
if __name__ == "__main__":
    q = mp.Queue()
    # A process ends only once its feeder has sent all it put: then every
    # item is in the pipe, however busy the machine.
    f = mp.Process(target=fill, args=(q,))
    f.start()
    while f.is_alive():
        time.sleep(0.05)
    f.join()
    total = sum(q.get() for _ in range(100))
    lock = mp.Lock()
    for _ in range(100):
        with lock:
            total += 1
    time.sleep(0.2)
    sum(i * i for i in range(300000))
    p = mp.Process(target=print, args=(total,))
    p.start()
    while p.is_alive():
        time.sleep(0.05)
    p.join()
`, event.Limits{})
	mustStatus(t, rr, event.StatusOK)
	if got := waitsOf(t, rr); len(got) != 0 {
		t.Errorf("waits reported: %v", got)
	}
}

// A process that waits forever shows its wait begun and never ended when
// the run is stopped by its wall time, and the run gets its diagnosis
// before it ends.
func TestAHungWaitIsShownOpen(t *testing.T) {
	r := testRunner(t)
	rr := runProgram(t, r, `
import multiprocessing as mp, threading, time
if __name__ == "__main__":
    # A thread that sleeps might still put: no certain deadlock.
    threading.Thread(target=time.sleep, args=(600,), daemon=True).start()
    q = mp.Queue()
    print("waiting", flush=True)
    q.get()
`, event.Limits{WallTime: testload.Scaled(t, 3*time.Second, 150)})
	mustStatus(t, rr, event.StatusTimeout)
	if got := waitsOf(t, rr); strings.Join(got, ", ") != "begin queue-1 get" {
		t.Errorf("waits %v, want the get begun", got)
	}
	if d := rr.byType(event.TypeDiagnosis); len(d) != 1 || d[0].Pattern != event.PatternMissingSentinel || d[0].Seq > rr.end().Seq {
		t.Errorf("diagnosis %+v, want one missing-sentinel before run.end", d)
	}
}

// A put to a full queue waits for room: the wait is reported before the
// put, and a put that gives up (its timeout) is no put at all.
func TestAPutToAFullQueueWaits(t *testing.T) {
	r := testRunner(t)
	rr := runProgram(t, r, `
import multiprocessing as mp, queue, time
def take(q):
    time.sleep(0.5)
    print("took", q.get(), flush=True)
if __name__ == "__main__":
    q = mp.Queue(2)
    q.put(1); q.put(2)
    try:
        q.put(3, timeout=0.2)
    except queue.Full:
        print("full", flush=True)
    p = mp.Process(target=take, args=(q,))
    p.start()
    q.put(4)
    p.join()
    print(q.get(), q.get())
`, event.Limits{})
	mustStatus(t, rr, event.StatusOK)
	var puts []string
	for _, e := range rr.byType(event.TypeQueuePut) {
		puts = append(puts, e.Summary)
	}
	if strings.Join(puts, ",") != "1,2,4" {
		t.Errorf("puts %v, want 1, 2 and 4 (3 gave up)", puts)
	}
	var waits []string
	for _, e := range rr.Events {
		if (e.Type == event.TypeWaitBegin || e.Type == event.TypeWaitEnd) && e.Op == "put" {
			waits = append(waits, e.Type)
		}
	}
	if len(waits) != 4 {
		t.Errorf("put waits %v, want two begun and ended", waits)
	}
	if out := rr.text("stdout"); !strings.Contains(out, "full\n") || !strings.Contains(out, "2 4\n") {
		t.Errorf("output %q", out)
	}
}
