package runner

import (
	"strings"
	"testing"

	"mpplayground/event"
)

// A run's default start method is the one asked for, in the main process
// and in the processes it starts, as with a newer Python's default; a
// program that chooses its own still gets it, and an unknown one is refused
// with a sentence.
func TestStartMethodSetsTheDefault(t *testing.T) {
	r := testRunner(t)
	const program = `
import multiprocessing as mp
import sys

def child():
    print("child", mp.get_start_method(), flush=True)

if __name__ == "__main__":
    print("main", mp.get_start_method(), flush=True)
    p = mp.Process(target=child)
    p.start()
    p.join()
    ctx = mp.get_context("fork")
    q = ctx.Process(target=print, args=("chosen",))
    q.start()
    q.join()
`
	wall := backstopWall(t)
	for _, method := range StartMethods {
		rr := runRequest(t, r, Request{Program: []byte(program), StartMethod: method, Limits: event.Limits{WallTime: wall}})
		mustStatus(t, rr, event.StatusOK)
		out := rr.text("stdout")
		if !strings.Contains(out, "main "+method+"\n") || !strings.Contains(out, "child "+method+"\n") || !strings.Contains(out, "chosen\n") {
			t.Errorf("%s: output %q", method, out)
		}
		var vias []string
		for _, e := range rr.byType(event.TypeProcStart) {
			if e.Via != "exec" { // the main process, a resource tracker, a fork server
				vias = append(vias, e.Via)
			}
		}
		if len(vias) < 2 || vias[0] != method || vias[len(vias)-1] != "fork" {
			t.Errorf("%s: the children were started by %v, want %s then fork", method, vias, method)
		}
	}
	rr := runRequest(t, r, Request{Program: []byte(program), StartMethod: "threads"})
	mustStatus(t, rr, event.StatusInternalError)
	if msg := rr.end().Message; !strings.Contains(msg, `no start method "threads"`) {
		t.Errorf("an unknown start method ended with %q", msg)
	}
}

// Children spawned one after another are named as multiprocessing names
// them, however the tracer happens to see their execs ordered.
func TestSpawnedChildrenKeepTheirNames(t *testing.T) {
	r := testRunner(t)
	const program = `
import multiprocessing as mp
def say():
    print(mp.current_process().name, flush=True)
if __name__ == "__main__":
    mp.set_start_method("spawn")
    ps = [mp.Process(target=say, name="child-%d" % i) for i in range(6)]
    for p in ps: p.start()
    for p in ps: p.join()
`
	for range 3 {
		rr := runProgram(t, r, program, event.Limits{})
		mustStatus(t, rr, event.StatusOK)
		for pid, e := range rr.procs() {
			if e.Via != "spawn" {
				continue
			}
			if said := strings.TrimSpace(rr.textOf(pid)); said != e.Name {
				t.Errorf("pid %d is named %q in proc.start and says it is %q", pid, e.Name, said)
			}
		}
	}
}
