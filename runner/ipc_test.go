package runner

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"mpplayground/event"
)

// ipcLine is an IPC event reduced to what a test can predict.
func ipcLine(e event.Event, names map[int]string) string {
	parts := []string{e.Type, names[e.PID]}
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	add("queue", e.Queue)
	add("pipe", e.Pipe)
	if e.End != nil {
		add("end", fmt.Sprint(*e.End))
	}
	add("pool", e.Pool)
	add("task", e.Task)
	add("function", e.Function)
	add("lock", e.Lock)
	add("shm", e.Shm)
	add("object", e.Object)
	add("msg", e.Msg)
	if e.Index != nil {
		add("index", fmt.Sprint(*e.Index))
	}
	add("summary", e.Summary)
	add("error", e.Error)
	return strings.Join(parts, " ")
}

func ipcLines(rr runResult) []string {
	names := map[int]string{}
	for pid, p := range rr.procs() {
		names[pid] = p.Name
	}
	var out []string
	for _, e := range rr.Events {
		if event.IsIPC(e.Type) {
			out = append(out, ipcLine(e, names))
		}
	}
	return out
}

func sameLines(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("IPC events\n got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestIPCEventsForAQueue(t *testing.T) {
	r := testRunner(t)
	for _, method := range []string{"fork", "spawn", "forkserver"} {
		t.Run(method, func(t *testing.T) {
			rr := runProgram(t, r, `
import multiprocessing as mp
def produce(q):
    q.put("a")
    q.put({"n": 2})
if __name__ == "__main__":
    ctx = mp.get_context("`+method+`")
    q = ctx.Queue()
    p = ctx.Process(target=produce, args=(q,), name="producer")
    p.start(); p.join()
    print(q.get(), q.get())
`, event.Limits{})
			mustStatus(t, rr, event.StatusOK)
			sameLines(t, ipcLines(rr), []string{
				"queue.put producer queue=queue-1 object=Queue msg=msg-1 summary='a'",
				"queue.put producer queue=queue-1 object=Queue msg=msg-2 summary={'n': 2}",
				"queue.get MainProcess queue=queue-1 object=Queue msg=msg-1 summary='a'",
				"queue.get MainProcess queue=queue-1 object=Queue msg=msg-2 summary={'n': 2}",
			})
			if !strings.Contains(rr.text("stdout"), "a {'n': 2}") {
				t.Errorf("the program saw wrapped items: %q", rr.text("stdout"))
			}
		})
	}
}

func TestIPCEventsForAPipe(t *testing.T) {
	r := testRunner(t)
	rr := runProgram(t, r, `
import multiprocessing as mp
def pong(conn):
    assert conn.recv() == "ping"
    conn.send("pong")
if __name__ == "__main__":
    a, b = mp.Pipe()
    p = mp.Process(target=pong, args=(b,), name="ponger")
    p.start()
    a.send("ping")
    print(a.recv())
    p.join()
`, event.Limits{})
	mustStatus(t, rr, event.StatusOK)
	sameLines(t, ipcLines(rr), []string{
		"pipe.send MainProcess pipe=pipe-1 end=0 summary='ping'",
		"pipe.recv ponger pipe=pipe-1 end=1 summary='ping'",
		"pipe.send ponger pipe=pipe-1 end=1 summary='pong'",
		"pipe.recv MainProcess pipe=pipe-1 end=0 summary='pong'",
	})
}

// A one-way pipe's two ends share one inode; they are still two ends, and
// each message is sent on one and received on the other, under every start
// method.
func TestIPCEventsForAOneWayPipe(t *testing.T) {
	r := testRunner(t)
	for _, method := range []string{"fork", "spawn", "forkserver"} {
		t.Run(method, func(t *testing.T) {
			rr := runProgram(t, r, fmt.Sprintf(`
import multiprocessing as mp
def produce(w):
    for i in range(3):
        w.send(i)
    w.close()
if __name__ == "__main__":
    mp.set_start_method(%q)
    r, w = mp.Pipe(duplex=False)
    p = mp.Process(target=produce, args=(w,), name="producer")
    p.start()
    print([r.recv() for _ in range(3)])
    p.join()
`, method), event.Limits{})
			mustStatus(t, rr, event.StatusOK)
			var sends, recvs []string
			for _, l := range ipcLines(rr) {
				switch {
				case strings.HasPrefix(l, "pipe.send"):
					sends = append(sends, l)
				case strings.HasPrefix(l, "pipe.recv"):
					recvs = append(recvs, l)
				}
			}
			for i := range 3 {
				want := []string{
					fmt.Sprintf("pipe.send producer pipe=pipe-1 end=1 summary=%d", i),
					fmt.Sprintf("pipe.recv MainProcess pipe=pipe-1 end=0 summary=%d", i),
				}
				if i >= len(sends) || i >= len(recvs) || sends[i] != want[0] || recvs[i] != want[1] {
					t.Fatalf("message %d: sends %q, receives %q; want %q", i, sends, recvs, want)
				}
			}
		})
	}
}

func TestIPCEventsForPoolTasks(t *testing.T) {
	r := testRunner(t)
	rr := runProgram(t, r, `
import multiprocessing as mp
def square(x):
    return x * x
def fail(x):
    raise ValueError("no " + str(x))
if __name__ == "__main__":
    with mp.Pool(1) as pool:
        print(pool.apply_async(square, (3,)).get())
        try:
            pool.apply_async(fail, (4,)).get()
        except ValueError as e:
            print("caught", e)
        print(pool.map(square, [5], chunksize=1))
`, event.Limits{})
	mustStatus(t, rr, event.StatusOK)
	sameLines(t, ipcLines(rr), []string{
		"pool.submit MainProcess pool=pool-1 task=task-1 function=square",
		"pool.start ForkPoolWorker-1 pool=pool-1 task=task-1 function=square",
		"pool.done ForkPoolWorker-1 pool=pool-1 task=task-1 function=square summary=9",
		"pool.submit MainProcess pool=pool-1 task=task-2 function=fail",
		"pool.start ForkPoolWorker-1 pool=pool-1 task=task-2 function=fail",
		"pool.done ForkPoolWorker-1 pool=pool-1 task=task-2 function=fail error=ValueError('no 4')",
		"pool.submit MainProcess pool=pool-1 task=task-3 function=square",
		"pool.start ForkPoolWorker-1 pool=pool-1 task=task-3 function=square",
		"pool.done ForkPoolWorker-1 pool=pool-1 task=task-3 function=square summary=[25]",
	})
}

func TestIPCEventsForLocksAndSharedValues(t *testing.T) {
	r := testRunner(t)
	rr := runProgram(t, r, `
import multiprocessing as mp
from multiprocessing import shared_memory
def work(lock, v, arr, name):
    with lock:
        v.value = 5
        arr[1] = 7
    with v.get_lock():
        v.value += 1
    s = shared_memory.SharedMemory(name=name)
    s.buf[2:4] = b"hi"
    s.close()
if __name__ == "__main__":
    lock = mp.Lock()
    v = mp.Value("i", 0)
    arr = mp.Array("i", 3)
    s = shared_memory.SharedMemory(create=True, size=8, name="pgtest")
    p = mp.Process(target=work, args=(lock, v, arr, s.name), name="worker")
    p.start(); p.join()
    print(v.value, arr[:], bytes(s.buf[:4]))
    s.close(); s.unlink()
`, event.Limits{})
	mustStatus(t, rr, event.StatusOK)
	sameLines(t, ipcLines(rr), []string{
		"lock.acquire worker lock=lock-1 object=Lock",
		"shm.write worker shm=value-1 object=Value summary=5",
		"shm.write worker shm=array-1 object=Array index=1 summary=7",
		"lock.release worker lock=lock-1 object=Lock",
		"lock.acquire worker lock=lock-2 object=Value lock",
		"shm.write worker shm=value-1 object=Value summary=6",
		"lock.release worker lock=lock-2 object=Value lock",
		"shm.write worker shm=pgtest object=SharedMemory index=2 summary=b'hi'",
	})
	for _, e := range rr.byType(event.TypeLockAcquire) {
		if e.WaitedMS == nil {
			t.Errorf("lock.acquire without waited_ms: %+v", e)
		}
	}
}

// Objects multiprocessing makes for its own use (a Pool's queues and locks,
// a Manager's connections) are not reported, and a run can switch the
// reports off.
func TestIPCEventsOnlyForTheProgramsObjects(t *testing.T) {
	r := testRunner(t)
	program := `
import multiprocessing as mp
if __name__ == "__main__":
    with mp.Manager() as m:
        d = m.dict(); d["k"] = 1
    with mp.Pool(2) as pool:
        pool.map(abs, range(4))
    q = mp.Queue(); q.put(1); q.get()
`
	rr := runProgram(t, r, program, event.Limits{})
	mustStatus(t, rr, event.StatusOK)
	for _, line := range ipcLines(rr) {
		if !strings.HasPrefix(line, "pool.") && !strings.HasPrefix(line, "queue.") {
			t.Errorf("an internal object was reported: %s", line)
		}
	}
	if n := len(rr.byType(event.TypeQueuePut)); n != 1 {
		t.Errorf("%d queue.put events, want 1 (the program's own queue)", n)
	}
	var events []event.Event
	res := r.Run(t.Context(), Request{Program: []byte(program), NoIPC: true}, func(e event.Event) { events = append(events, e) })
	off := runResult{Events: events, Result: res}
	checkContract(t, events)
	if lines := ipcLines(off); len(lines) != 0 {
		t.Errorf("IPC events with NoIPC: %v", lines)
	}
}

func TestIPCSummariesAreShort(t *testing.T) {
	r := testRunner(t)
	rr := runProgram(t, r, `
import multiprocessing as mp
if __name__ == "__main__":
    q = mp.Queue()
    q.put("x" * 1000000)
    q.put(list(range(100000)))
    q.get(); q.get()
`, event.Limits{})
	mustStatus(t, rr, event.StatusOK)
	for _, e := range rr.byType(event.TypeQueuePut) {
		if n := len([]rune(e.Summary)); n == 0 || n > 80 {
			t.Errorf("summary of %d characters: %q", n, e.Summary)
		}
	}
	if puts := rr.byType(event.TypeQueuePut); len(puts) != 2 || *puts[0].Size < 1000000 {
		t.Errorf("size of the big string not reported: %+v", puts)
	}
}

// The IPC reports rely on multiprocessing's internals: they are checked on
// every Python 3.12 and 3.13 found on this machine too.
func TestIPCEventsOnOtherPythons(t *testing.T) {
	testRunner(t)
	found := 0
	for _, name := range []string{"python3.12", "python3.13"} {
		var path string
		candidates, _ := filepath.Glob("/root/.pyenv/versions/" + strings.TrimPrefix(name, "python") + ".*/bin/" + name)
		if p, err := exec.LookPath(name); err == nil {
			candidates = append(candidates, p)
		}
		for _, c := range candidates {
			if exec.Command(c, "-c", "pass").Run() == nil {
				path = c
				break
			}
		}
		if path == "" {
			continue
		}
		found++
		t.Run(name, func(t *testing.T) {
			r, err := New(Config{Python: path})
			if err != nil {
				t.Fatal(err)
			}
			rr := runProgram(t, r, `
import multiprocessing as mp
def square(x): return x * x
def produce(q, lock):
    with lock:
        q.put("a")
if __name__ == "__main__":
    q, lock = mp.Queue(), mp.Lock()
    p = mp.Process(target=produce, args=(q, lock), name="producer")
    p.start(); p.join()
    print(q.get())
    with mp.Pool(1) as pool:
        print(pool.apply_async(square, (3,)).get())
`, event.Limits{})
			mustStatus(t, rr, event.StatusOK)
			sameLines(t, ipcLines(rr), []string{
				"lock.acquire producer lock=lock-1 object=Lock",
				"queue.put producer queue=queue-1 object=Queue msg=msg-1 summary='a'",
				"lock.release producer lock=lock-1 object=Lock",
				"queue.get MainProcess queue=queue-1 object=Queue msg=msg-1 summary='a'",
				"pool.submit MainProcess pool=pool-1 task=task-1 function=square",
				"pool.start ForkPoolWorker-2 pool=pool-1 task=task-1 function=square",
				"pool.done ForkPoolWorker-2 pool=pool-1 task=task-1 function=square summary=9",
			})
			hot := runProgram(t, r, hotQueueProgram, event.Limits{})
			mustStatus(t, hot, event.StatusOK)
			checkPutsBeforeGets(t, hot, 6000)
		})
	}
	t.Logf("checked %d other Python versions", found)
}

// The hook writes a report's fields in the order the runner reads them.
func TestTheHookWritesTheFieldsTheRunnerReads(t *testing.T) {
	src, err := hookFS.ReadFile("hook/_playground_ipc.py")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?s)\n_FIELDS = \(([^)]*)\)`).FindSubmatch(src)
	if m == nil {
		t.Fatal("the hook has no _FIELDS")
	}
	var hook []string
	for _, q := range regexp.MustCompile(`"([a-z_]+)"`).FindAllSubmatch(m[1], -1) {
		hook = append(hook, string(q[1]))
	}
	if !slices.Equal(hook, ipcFields[:]) {
		t.Errorf("the hook writes %v, the runner reads %v", hook, ipcFields)
	}
	// Each line the hook formats by hand has every field.
	lines := regexp.MustCompile(`\("\\x01[^"]*"`).FindAll(src, -1)
	if len(lines) == 0 {
		t.Fatal("no report line found in the hook")
	}
	for _, f := range lines {
		if tabs := strings.Count(string(f), `\t`); tabs != len(ipcFields)-1 {
			t.Errorf("a report line of %d fields: %s", tabs+1, f)
		}
	}
}

// A shared value's lock is the lock multiprocessing made, or the one the
// program passed in: get_lock() returns it as it is (equal, identical, of
// its own type), and its use by the program is reported, not its use by the
// value's own accessors.
func TestAValuesLockIsItself(t *testing.T) {
	r := testRunner(t)
	rr := runProgram(t, r, `
import multiprocessing as mp
from multiprocessing import synchronize
if __name__ == "__main__":
    mine = mp.Lock()
    v = mp.Value("i", 5, lock=mine)
    print("passed in", v.get_lock() == mine, v.get_lock() is mine)
    a = mp.Array("i", 3)
    l = a.get_lock()
    print("own", l is a.get_lock(), type(l) is synchronize.RLock, a.get_obj()[0] == 0)
    w = mp.Value("i", 0)
    with w.get_lock():
        w.value += 1
    print(w.value, a[1], sum(a[:]))
    raw = mp.Value("i", 0, lock=False)
    print("raw", hasattr(raw, "get_lock"), hasattr(raw, "get_obj"))
`, event.Limits{})
	mustStatus(t, rr, event.StatusOK)
	out := rr.text("stdout")
	for _, want := range []string{"passed in True True", "own True True True", "1 0 0", "raw False False"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	sameLines(t, ipcLines(rr), []string{
		"lock.acquire MainProcess lock=lock-1 object=Value lock",
		"shm.write MainProcess shm=value-1 object=Value summary=1",
		"lock.release MainProcess lock=lock-1 object=Value lock",
	})
}
