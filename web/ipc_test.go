package web

import (
	"testing"

	"mpplayground/event"
)

// Programs whose IPC events the tests look at.
const (
	// queueProgram: a producer process puts three items; the main process
	// gets them.
	queueProgram = `import multiprocessing as mp


def producer(q):
    for i in range(3):
        q.put(f"item {i}")


if __name__ == "__main__":
    q = mp.Queue()
    p = mp.Process(target=producer, args=(q,))
    p.start()
    for _ in range(3):
        print("got", q.get(), flush=True)
    p.join()
`
	// taskProgram: eight tasks on three workers; the task of 4 fails.
	taskProgram = `import multiprocessing as mp
import time


def work(n):
    time.sleep(0.02 * (n % 3 + 1))
    if n == 4:
        raise ValueError("no fours")
    return n * n


if __name__ == "__main__":
    with mp.Pool(3) as pool:
        results = [pool.apply_async(work, (n,)) for n in range(8)]
        for r in results:
            try:
                print(r.get(), flush=True)
            except ValueError as e:
                print("failed:", e, flush=True)
`
	// sharedProgram: a pipe both ways, a lock that the two processes take
	// in turn, a shared Value and Array.
	sharedProgram = `import multiprocessing as mp
import time


def child(conn, total, lock, cells):
    conn.send("ready")
    print("child got", conn.recv(), flush=True)
    for i in range(3):
        with lock:
            total.value += 1
            cells[i] = total.value
            time.sleep(0.01)


if __name__ == "__main__":
    here, there = mp.Pipe()
    total = mp.Value("i", 0)
    cells = mp.Array("i", 3)
    lock = mp.Lock()
    p = mp.Process(target=child, args=(there, total, lock, cells))
    p.start()
    print("main got", here.recv(), flush=True)
    here.send({"go": True})
    for _ in range(3):
        with lock:
            total.value += 10
            time.sleep(0.01)
    p.join()
    print("total", total.value, list(cells), flush=True)
`
)

// manyProgram puts 60,000 items through thirty queues: more IPC events than a
// run reports, so the page gets ipc.truncated too.
const manyProgram = `import multiprocessing as mp


def producer(qs, n):
    for i in range(n):
        qs[i % len(qs)].put(i)


if __name__ == "__main__":
    qs = [mp.Queue() for _ in range(30)]
    p = mp.Process(target=producer, args=(qs, 60000))
    p.start()
    got = 0
    for i in range(60000):
        qs[i % len(qs)].get()
        got += 1
    p.join()
    print("got", got, flush=True)
`

// ipcCatalog holds a lesson for each of the programs above.
func ipcCatalog() *StaticCatalog {
	return &StaticCatalog{List: []Lesson{
		{Slug: "queue", Number: 1, Title: "A queue between two processes", Summary: "Put and get.", Prose: "A producer puts, the main process gets.\n", Example: queueProgram},
		{Slug: "tasks", Number: 2, Title: "Tasks on a pool", Summary: "Workers take tasks.", Prose: "Eight tasks, three workers.\n", Example: taskProgram},
		{Slug: "shared", Number: 3, Title: "Pipes, locks and shared values", Summary: "Take turns.", Prose: "Two processes share a counter.\n", Example: sharedProgram},
		{Slug: "many", Number: 4, Title: "Sixty thousand items", Summary: "A busy queue.", Prose: "More than the page draws one by one.\n", Example: manyProgram},
	}}
}

func TestLessonPageIPCToggle(t *testing.T) {
	_, ts := MustServer(t, Config{Catalog: ipcCatalog()})
	_, doc := MustGet(t, nil, ts.URL+"/lessons/queue")
	box := byTestID(doc, "ipc-toggle")
	t.Run("IsACheckedCheckbox", func(t *testing.T) {
		if box.Length() != 1 || box.AttrOr("type", "") != "checkbox" {
			t.Fatalf("no single checkbox with data-testid=ipc-toggle: %d", box.Length())
		}
		if _, ok := box.Attr("checked"); !ok {
			t.Error("IPC events are off by default")
		}
	})
	t.Run("HasALabelThatExplainsIt", func(t *testing.T) {
		label := box.Closest("label")
		if label.Text() == "" || label.AttrOr("title", "") == "" {
			t.Errorf("label %q, title %q", label.Text(), label.AttrOr("title", ""))
		}
	})
	t.Run("TheViewsHaveTheObjectsPanelAndLegend", func(t *testing.T) {
		for _, id := range []string{"ipc", "ipc-objects", "ipc-legend", "ipc-note"} {
			if byTestID(doc, id).Length() != 1 {
				t.Errorf("no single element with data-testid=%q", id)
			}
		}
		if _, hidden := byTestID(doc, "ipc").Attr("hidden"); !hidden {
			t.Error("the objects panel shows before any run")
		}
	})
	t.Run("InChinese", func(t *testing.T) {
		_, doc := MustGet(t, nil, ts.URL+"/lessons/queue?lang=zh")
		if s := byTestID(doc, "ipc-toggle").Closest("label").Text(); !hasHan(s) {
			t.Errorf("label %q", s)
		}
	})
}

func TestWebSocketIPC(t *testing.T) {
	_, ts := MustServer(t, Config{Catalog: ipcCatalog()})
	count := func(events []event.Event) (puts, gets int, msgs map[string]int) {
		msgs = map[string]int{}
		for _, e := range events {
			switch e.Type {
			case event.TypeQueuePut:
				puts++
				msgs[e.Msg]++
			case event.TypeQueueGet:
				gets++
				msgs[e.Msg]++
			}
		}
		return
	}
	t.Run("ARunReportsWhatFlowsBetweenProcesses", func(t *testing.T) {
		c := MustDial(t, ts, nil)
		c.send(runMsg("queue", queueProgram))
		events, _, _ := c.runToEnd(runTimeout)
		puts, gets, msgs := count(events)
		if puts != 3 || gets != 3 {
			t.Fatalf("%d puts and %d gets, want 3 and 3", puts, gets)
		}
		for id, n := range msgs {
			if n != 2 {
				t.Errorf("message %q appears %d times, want a put and a get", id, n)
			}
		}
	})
	t.Run("IPCFalseSwitchesThemOff", func(t *testing.T) {
		c := MustDial(t, ts, nil)
		m := runMsg("queue", queueProgram)
		m["ipc"] = false
		c.send(m)
		events, _, _ := c.runToEnd(runTimeout)
		if puts, gets, _ := count(events); puts+gets != 0 {
			t.Errorf("%d puts and %d gets with ipc false", puts, gets)
		}
		lines := 0
		for _, e := range events {
			if e.Type == event.TypeOutput {
				lines++
			}
		}
		if lines == 0 || events[len(events)-1].Status != event.StatusOK {
			t.Errorf("the run itself changed: %d outputs, end %+v", lines, events[len(events)-1])
		}
	})
	t.Run("IPCTrueKeepsThem", func(t *testing.T) {
		c := MustDial(t, ts, nil)
		m := runMsg("queue", queueProgram)
		m["ipc"] = true
		c.send(m)
		events, _, _ := c.runToEnd(runTimeout)
		if puts, _, _ := count(events); puts != 3 {
			t.Errorf("%d puts with ipc true", puts)
		}
	})
}
