package runner

import (
	"encoding/json"
	"slices"
	"sort"
	"testing"

	"mpplayground/event"
)

// contractProgram makes every event type but ipc.truncated: processes that
// exit and are killed, one that runs another program, output on both
// streams, each kind of object the startup hook reports (named after the
// variables they are assigned to), and a join that waits.
const contractProgram = `
import multiprocessing as mp, subprocess, sys, time
from multiprocessing import shared_memory
def square(x):
    return x * x
def fail(x):
    raise ValueError(x)
def work(q, jq, conn, lock, rlock, sem, bsem, v, arr, name):
    with lock, rlock, sem, bsem:
        q.put("to main")
        jq.put(1)
        conn.send({"n": 1})
        v.value = 2
        arr[1] = 3
    with v.get_lock():
        v.value += 1
    s = shared_memory.SharedMemory(name=name)
    s.buf[0:2] = b"hi"
    s.close()
def sleeper():
    time.sleep(60)
if __name__ == "__main__":
    mp.set_start_method("fork")
    q = mp.Queue()
    jq = mp.JoinableQueue()
    here, there = mp.Pipe()
    v = mp.Value("i", 0)
    arr = mp.Array("i", 3)
    lock = mp.Lock()
    s = shared_memory.SharedMemory(create=True, size=8)
    p = mp.Process(target=work, args=(q, jq, there, lock, mp.RLock(), mp.Semaphore(), mp.BoundedSemaphore(), v, arr, s.name))
    p.start()
    print(q.get(), jq.get(), here.recv())
    p.join()
    w = mp.Process(target=time.sleep, args=(0.2,))
    w.start(); w.join()
    k = mp.Process(target=sleeper)
    k.start(); k.terminate(); k.join()
    with mp.Pool(1) as pool:
        print(pool.apply_async(square, (3,)).get())
        try:
            pool.apply_async(fail, (4,)).get()
        except ValueError:
            print("failed", file=sys.stderr)
    subprocess.run(["true"])
    s.close(); s.unlink()
`

// Every event a run makes carries only the fields of its type in
// event.Table, and each field of the table is made by some event: the
// startup hook's reports, the init's records and the runner's own events
// are all held to the one table.
func TestEveryEventCarriesItsTablesFields(t *testing.T) {
	r := testRunner(t)
	rr := runProgram(t, r, contractProgram, event.Limits{})
	mustStatus(t, rr, event.StatusOK)
	limited := runProgram(t, r, "while True: print('x' * 1000)\n", event.Limits{OutputBytes: 4096})
	mustStatus(t, limited, event.StatusLimit)
	stuck := runProgram(t, r, stuckCases[0].program, event.Limits{})
	mustStatus(t, stuck, event.StatusLimit)

	seen := map[string]map[string]bool{}
	for _, e := range slices.Concat(rr.Events, limited.Events, stuck.Events) {
		if !event.Known(e.Type) {
			t.Errorf("an event of a type the table does not have: %+v", e)
			continue
		}
		allowed := append([]string{"seq", "t", "type"}, event.FieldsOf(e.Type)...)
		if seen[e.Type] == nil {
			seen[e.Type] = map[string]bool{}
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(e.AppendJSON(nil), &m); err != nil {
			t.Fatal(err)
		}
		for k := range m {
			if !slices.Contains(allowed, k) {
				t.Errorf("%s carries %q, which the table does not give it: %s", e.Type, k, e.AppendJSON(nil))
			}
			seen[e.Type][k] = true
		}
	}
	for _, s := range event.Table {
		if s.Type == event.TypeIPCTruncated {
			continue // TestIPCEventsAreBounded makes it
		}
		want := append([]string{"seq", "t", "type"}, event.FieldsOf(s.Type)...)
		sort.Strings(want)
		var got []string
		for k := range seen[s.Type] {
			got = append(got, k)
		}
		sort.Strings(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s: the runs gave the fields %v, the table %v", s.Type, got, want)
		}
	}
}
