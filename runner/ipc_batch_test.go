package runner

import (
	"fmt"
	"strings"
	"testing"

	"mpplayground/event"
)

// The hook sends IPC reports in batches (hook/_playground_ipc.py). These
// tests hold the stream to the order it promises all the same.

// indexOf returns the position in the stream of the first event that
// matches, or -1.
func indexOf(events []event.Event, match func(event.Event) bool) int {
	for i, e := range events {
		if match(e) {
			return i
		}
	}
	return -1
}

func outputIs(text string) func(event.Event) bool {
	return func(e event.Event) bool { return e.Type == event.TypeOutput && strings.Contains(e.Text, text) }
}

// hotQueueProgram moves 6,000 items from one process to three others as
// fast as it can, 2,000 through each of three queues (an object's share of
// a process's events): the reports go in large batches.
const hotQueueProgram = `
import multiprocessing as mp
def consume(q, n):
    for _ in range(n):
        q.get()
if __name__ == "__main__":
    qs = [mp.Queue() for _ in range(3)]
    ps = [mp.Process(target=consume, args=(q, 2000)) for q in qs]
    for p in ps: p.start()
    for i in range(6000):
        qs[i % 3].put(("item", i))
    for p in ps: p.join()
`

// checkPutsBeforeGets asserts that every get comes after its put, that
// every item has its own msg id, that each get has its put's summary, and
// that all n items were put and taken.
func checkPutsBeforeGets(t *testing.T, rr runResult, n int) {
	t.Helper()
	puts := map[string]string{}
	gets := 0
	for _, e := range rr.Events {
		switch e.Type {
		case event.TypeQueuePut:
			if _, dup := puts[e.Msg]; dup {
				t.Fatalf("two puts with msg %q", e.Msg)
			}
			puts[e.Msg] = e.Summary
		case event.TypeQueueGet:
			gets++
			summary, ok := puts[e.Msg]
			if !ok {
				t.Fatalf("seq %d: get of %q before its put", e.Seq, e.Msg)
			}
			if e.Summary != summary || e.Size == nil {
				t.Fatalf("seq %d: get summary %q size %v, its put said %q", e.Seq, e.Summary, e.Size, summary)
			}
			delete(puts, e.Msg)
		}
	}
	if gets != n || len(puts) != 0 {
		t.Fatalf("%d gets, %d puts left without a get; want %d and 0", gets, len(puts), n)
	}
}

// A hot loop between three processes: every get after its put.
func TestIPCBatchedQueueKeepsPutBeforeGet(t *testing.T) {
	r := testRunner(t)
	rr := runProgram(t, r, hotQueueProgram, event.Limits{})
	mustStatus(t, rr, event.StatusOK)
	checkPutsBeforeGets(t, rr, 6000)
}

// A process that takes items in a burst and then waits shows the burst
// while it waits, not when it next does something.
func TestIPCBatchedReportsLeaveBeforeAWait(t *testing.T) {
	r := testRunner(t)
	rr := runProgram(t, r, `
import multiprocessing as mp, time
def consume(q, done):
    for _ in range(20):
        q.get()
    q.get()  # waits until the main process has printed
    done.set()
if __name__ == "__main__":
    q, done = mp.Queue(), mp.Event()
    for i in range(20):
        q.put(i)
    p = mp.Process(target=consume, args=(q, done))
    p.start()
    time.sleep(1)
    print("after the burst", flush=True)
    q.put("last")
    done.wait(); p.join()
`, event.Limits{})
	mustStatus(t, rr, event.StatusOK)
	mark := indexOf(rr.Events, outputIs("after the burst"))
	if mark < 0 {
		t.Fatal("no output")
	}
	n := 0
	for _, e := range rr.Events[:mark] {
		if e.Type == event.TypeQueueGet {
			n++
		}
	}
	if n != 20 {
		t.Errorf("%d of the 20 gets of the burst came before the other process's output a second later", n)
	}
}

// A report comes before what its process prints next, and before what
// another process does after learning of it (a release before the next
// acquire, a send before its recv).
func TestIPCBatchedReportsKeepCausalOrder(t *testing.T) {
	r := testRunner(t)
	rr := runProgram(t, r, `
import multiprocessing as mp
def child(lock, conn, q):
    for i in range(50):
        with lock:
            pass
    conn.send("hello")
    print("child got", q.get(), flush=True)
if __name__ == "__main__":
    lock, q = mp.Lock(), mp.Queue()
    a, b = mp.Pipe()
    p = mp.Process(target=child, args=(lock, b, q))
    p.start()
    for i in range(50):
        with lock:
            pass
    print("main received", a.recv(), flush=True)
    q.put("x")
    p.join()
`, event.Limits{})
	mustStatus(t, rr, event.StatusOK)
	ev := rr.Events
	send := indexOf(ev, func(e event.Event) bool { return e.Type == event.TypePipeSend })
	recv := indexOf(ev, func(e event.Event) bool { return e.Type == event.TypePipeRecv })
	printed := indexOf(ev, outputIs("main received"))
	get := indexOf(ev, func(e event.Event) bool { return e.Type == event.TypeQueueGet })
	childPrinted := indexOf(ev, outputIs("child got"))
	if send < 0 || recv < 0 || printed < 0 || get < 0 || childPrinted < 0 {
		t.Fatalf("missing events: send %d recv %d printed %d get %d child printed %d", send, recv, printed, get, childPrinted)
	}
	if !(send < recv && recv < printed) {
		t.Errorf("want send < recv < the receiver's print, got %d, %d, %d", send, recv, printed)
	}
	if !(get < childPrinted) {
		t.Errorf("the get (%d) comes after what its process printed next (%d)", get, childPrinted)
	}
	// Lock spans never overlap: each acquire follows the previous release.
	held := false
	for _, e := range ev {
		switch e.Type {
		case event.TypeLockAcquire:
			if held {
				t.Fatalf("seq %d: lock acquired while held", e.Seq)
			}
			held = true
		case event.TypeLockRelease:
			held = false
		}
	}
	if acquires := len(rr.byType(event.TypeLockAcquire)); acquires != 100 {
		t.Errorf("%d acquires, want 100", acquires)
	}
}

// A batch too large for one datagram goes out in pieces, in order.
func TestIPCBatchedLargeBatchesAreSplit(t *testing.T) {
	r := testRunner(t)
	rr := runProgram(t, r, `
import multiprocessing as mp, sitecustomize
sitecustomize._IPC_DATAGRAM = 2000  # as on a host with a small send buffer
if __name__ == "__main__":
    q = mp.Queue()
    for i in range(300):
        q.put("\u00e9" * 70 + str(i))
    for i in range(300):
        q.get()
`, event.Limits{})
	mustStatus(t, rr, event.StatusOK)
	var puts, gets []string
	for _, e := range rr.Events {
		switch e.Type {
		case event.TypeQueuePut:
			puts = append(puts, e.Summary)
		case event.TypeQueueGet:
			gets = append(gets, e.Summary)
		}
	}
	if len(puts) != 300 || len(gets) != 300 {
		t.Fatalf("%d puts and %d gets, want 300 each", len(puts), len(gets))
	}
	for i := range puts {
		want := "'" + strings.Repeat("\u00e9", 70) + fmt.Sprint(i) + "'"
		if puts[i] != want || gets[i] != want {
			t.Fatalf("item %d: put %q get %q, want %q", i, puts[i], gets[i], want)
		}
	}
}

// spinProgram has n processes take and release eight locks 750 times
// each: 12,000 IPC events a process, within each lock's share.
func spinProgram(n int) string {
	return fmt.Sprintf(`
import multiprocessing as mp
def spin(locks, n):
    for _ in range(n):
        for lock in locks:
            with lock:
                pass
if __name__ == "__main__":
    locks = [mp.Lock() for _ in range(8)]
    ps = [mp.Process(target=spin, args=(locks, 750)) for _ in range(%d)]
    for p in ps: p.start()
    for p in ps: p.join()
    print("done", flush=True)
`, n)
}

// truncations counts the ipc.truncated events of a process's bound and of
// the run's, and the IPC events after the run's.
func truncations(rr runResult) (perProcess, perRun, after int) {
	for _, e := range rr.Events {
		switch {
		case e.Type == event.TypeIPCTruncated && strings.Contains(e.Message, "more than 10000 messages"):
			perProcess++
		case e.Type == event.TypeIPCTruncated && strings.HasPrefix(e.Message, "More than 30,000"):
			perRun++
		case perRun > 0 && strings.HasPrefix(e.Type, "lock."):
			after++
		}
	}
	return
}

// A process stops reporting after 10,000 events and a run after 30,000,
// each bound said once; the run itself goes on to its end.
func TestIPCEventsAreBounded(t *testing.T) {
	r := testRunner(t)
	// run runs the spin program with n processes; it returns the number of
	// lock events and the truncations.
	run := func(t *testing.T, n int) (locks, perProcess, perRun, after int, rr runResult) {
		rr = runProgram(t, r, spinProgram(n), event.Limits{})
		mustStatus(t, rr, event.StatusOK)
		locks = len(rr.byType(event.TypeLockAcquire)) + len(rr.byType(event.TypeLockRelease))
		perProcess, perRun, after = truncations(rr)
		return
	}
	t.Run("process", func(t *testing.T) {
		locks, perProcess, perRun, _, _ := run(t, 2)
		if locks != 20000 || perProcess != 2 || perRun != 0 {
			t.Errorf("%d lock events, %d per-process and %d run bounds said; want 20,000, 2 and 0", locks, perProcess, perRun)
		}
	})
	t.Run("run", func(t *testing.T) {
		locks, _, perRun, after, rr := run(t, 4)
		if locks != 30000 || perRun != 1 || after != 0 {
			t.Errorf("%d lock events, the run's bound said %d times, %d lock events after it; want 30,000, 1 and 0", locks, perRun, after)
		}
		if !strings.Contains(rr.text("stdout"), "done") {
			t.Errorf("the program did not finish: %q", rr.text("stdout"))
		}
	})
}
