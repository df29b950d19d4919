package runner

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"mpplayground/event"
)

// namesProgram makes one object of each kind, each assigned to a name or
// an attribute, and uses each once in a child, under a start method.
const namesProgram = `
import multiprocessing as mp
from multiprocessing import shared_memory
def work(counter, squares, sem, cond, ev, bar, lock, q, w):
    with sem:
        counter.value += 1
    with cond:
        cond.notify_all()
    ev.set()
    bar.wait()
    with lock:
        squares[0] = 4
    q.put(1)
    w.send("hi")
class Holder:
    def __init__(self):
        self.lock = mp.Lock()
if __name__ == "__main__":
    mp.set_start_method(%q)
    counter = mp.Value("i", 0)
    squares = mp.Array("i", 3)
    sem = mp.Semaphore(2)
    cond = mp.Condition()
    ev = mp.Event()
    bar = mp.Barrier(2)
    h = Holder()
    q = mp.Queue()
    r, w = mp.Pipe(duplex=False)
    shm = shared_memory.SharedMemory(create=True, size=16)
    p = mp.Process(target=work, args=(counter, squares, sem, cond, ev, bar, h.lock, q, w))
    p.start()
    bar.wait()
    print(q.get(), r.recv(), flush=True)
    p.join()
    with counter.get_lock():
        counter.value += 1
    shm.buf[0] = 1
    shm.close()
    shm.unlink()
`

// objectsOf lists "type id name" once for each IPC event type, object and
// name in the run.
func objectsOf(rr runResult) []string {
	var out []string
	for _, e := range rr.Events {
		if !event.IsIPC(e.Type) {
			continue
		}
		id := e.Queue + e.Pipe + e.Lock + e.Shm
		if strings.HasPrefix(id, "psm_") {
			id = "psm"
		}
		line := fmt.Sprintf("%s %s %s", e.Type, id, e.Name)
		if !slices.Contains(out, line) {
			out = append(out, line)
		}
	}
	slices.Sort(out)
	return out
}

// Every object is named after the variable the program assigns it to, and
// a Semaphore, a Condition, an Event and a Barrier are numbered as what
// they are, under every start method.
func TestIPCObjectsAreNamedAsTheProgramNamesThem(t *testing.T) {
	r := testRunner(t)
	want := []string{
		"lock.acquire barrier-1 bar",
		"lock.acquire condition-1 cond",
		"lock.acquire event-1 ev",
		"lock.acquire lock-1 self.lock",
		"lock.acquire lock-2 counter.get_lock()",
		"lock.acquire semaphore-1 sem",
		"lock.release barrier-1 bar",
		"lock.release condition-1 cond",
		"lock.release event-1 ev",
		"lock.release lock-1 self.lock",
		"lock.release lock-2 counter.get_lock()",
		"lock.release semaphore-1 sem",
		"pipe.recv pipe-1 r/w",
		"pipe.send pipe-1 r/w",
		"queue.get queue-1 q",
		"queue.put queue-1 q",
		"shm.write array-1 squares",
		"shm.write psm shm",
		"shm.write value-1 counter",
	}
	for _, method := range []string{"fork", "spawn", "forkserver"} {
		t.Run(method, func(t *testing.T) {
			rr := runProgram(t, r, fmt.Sprintf(namesProgram, method), event.Limits{})
			mustStatus(t, rr, event.StatusOK)
			sameLines(t, objectsOf(rr), want)
		})
	}
}

// An object made inside a list or passed straight on has no name; its id
// stands for it.
func TestIPCObjectsWithoutANameHaveTheirID(t *testing.T) {
	r := testRunner(t)
	rr := runProgram(t, r, `
import multiprocessing as mp
def use(lock):
    with lock:
        pass
if __name__ == "__main__":
    locks = [mp.Lock() for _ in range(2)]
    for lock in locks:
        p = mp.Process(target=use, args=(lock,))
        p.start(); p.join()
    p = mp.Process(target=use, args=(mp.RLock(),))
    p.start(); p.join()
`, event.Limits{})
	mustStatus(t, rr, event.StatusOK)
	sameLines(t, objectsOf(rr), []string{
		"lock.acquire lock-1 ", "lock.acquire lock-2 ", "lock.acquire lock-3 ",
		"lock.release lock-1 ", "lock.release lock-2 ", "lock.release lock-3 ",
	})
}

// The races lesson's three phases each show their counter and their lock:
// a hot loop on one object takes its share of the run's events, not all of
// them, and each cut says which object it cut.
func TestIPCBoundIsSharedByTheObjects(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	src, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "lessons", "14-races-and-locks", "example.py"))
	if err != nil {
		t.Fatal(err)
	}
	r := testRunner(t)
	rr := runProgram(t, r, string(src), event.Limits{})
	mustStatus(t, rr, event.StatusOK)
	perObject := map[string]int{}
	cut := map[string]string{}
	for _, e := range rr.Events {
		switch {
		case e.Type == event.TypeIPCTruncated:
			id := e.Queue + e.Pipe + e.Lock + e.Shm + e.Pool
			if id == "" {
				t.Errorf("a bound of a process or of the run was reached: %s", e.Message)
			}
			if _, again := cut[id]; again {
				t.Errorf("%s cut twice", id)
			}
			cut[id] = e.Message
		case e.Type == event.TypeLockAcquire || e.Type == event.TypeShmWrite:
			perObject[e.Lock+e.Shm]++
		}
	}
	// unsafe: value-1; safe: value-2 and its lock; batch: value-3 and the
	// Lock passed in; a barrier each.
	for _, id := range []string{"value-1", "value-2", "lock-1", "value-3", "lock-2", "barrier-1", "barrier-2", "barrier-3"} {
		if perObject[id] == 0 {
			t.Errorf("no events of %s: %v", id, perObject)
		}
		if perObject[id] > 5000 {
			t.Errorf("%s has %d events, more than its share", id, perObject[id])
		}
	}
	for _, id := range []string{"value-1", "value-2", "lock-1"} {
		if !strings.Contains(cut[id], "counter") {
			t.Errorf("the cut of %s does not name it: %q", id, cut[id])
		}
	}
	// Every acquire reported has its release: no span is left open.
	if a, rel := len(rr.byType(event.TypeLockAcquire)), len(rr.byType(event.TypeLockRelease)); a != rel {
		t.Errorf("%d acquires and %d releases", a, rel)
	}
}

// Locks that different processes make for themselves are different locks,
// under every start method: four workers each with a lock of its own show
// four locks, not one lock that all four take (under fork, a lock has no
// name, and each child may place its own at the same address).
func TestLocksOfDifferentProcessesAreDifferentLocks(t *testing.T) {
	r := testRunner(t)
	const program = `
import multiprocessing as mp
def work(ready):
    own = mp.Lock()
    ready.wait()
    for _ in range(3):
        with own:
            pass
if __name__ == "__main__":
    mp.set_start_method(%q)
    ready = mp.Barrier(4)
    workers = [mp.Process(target=work, args=(ready,)) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
`
	for _, method := range []string{"fork", "spawn", "forkserver"} {
		t.Run(method, func(t *testing.T) {
			rr := runRequest(t, r, Request{Program: []byte(fmt.Sprintf(program, method))})
			owners := map[string]map[int]bool{} // lock id -> processes that took it
			for _, e := range rr.byType(event.TypeLockAcquire) {
				if e.Name != "own" {
					continue
				}
				if owners[e.Lock] == nil {
					owners[e.Lock] = map[int]bool{}
				}
				owners[e.Lock][e.PID] = true
			}
			if len(owners) != 4 {
				t.Fatalf("the four workers' own locks are %d locks: %v\n%s", len(owners), owners, rr.dump())
			}
			for id, pids := range owners {
				if len(pids) != 1 {
					t.Errorf("%s is taken by %d processes, want 1", id, len(pids))
				}
			}
		})
	}
}
