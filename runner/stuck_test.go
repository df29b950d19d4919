package runner

import (
	"testing"

	"mpplayground/event"
)

// A pool's workers that have not yet taken the tasks submitted to them are
// on their way (a spawned interpreter still starting, slow on a busy
// machine), not idle: the main process waiting for a result is then not
// stuck. Once every task has been taken, an idle worker is a helper and a
// run whose other processes all wait is.
func TestAPoolWorkerWithTasksWaitingForItIsNotIdle(t *testing.T) {
	var st stuckState
	st.init()
	ns := int64(1)
	send := func(e event.Event) {
		ns++
		st.observe(ns, &e)
	}
	ppid := func(p int) *int { return &p }
	send(event.Event{Type: event.TypeProcStart, PID: 9, Name: "MainProcess"})
	send(event.Event{Type: event.TypeProcStart, PID: 12, PPID: ppid(9), Name: "resource_tracker"})
	send(event.Event{Type: event.TypeProcStart, PID: 14, PPID: ppid(9), Name: "SpawnPoolWorker-1"})
	send(event.Event{Type: event.TypeProcStart, PID: 15, PPID: ppid(9), Name: "SpawnPoolWorker-2"})
	for range 2 {
		send(event.Event{Type: event.TypePoolSubmit, PID: 9, Pool: "pool-1"})
	}
	begin := event.Event{Type: event.TypeWaitBegin, PID: 9, Object: "pool-1", Op: "result"}
	st.wait(ns, &begin, &ipcMessage{})

	if _, stuck := st.allWaiting(false); stuck {
		t.Fatal("the main process waits for a result while both tasks wait for the starting workers: taken for stuck")
	}
	// Worker 14 takes and finishes the first task, worker 15 takes the
	// second and then waits (on a lock, say): no task is left to take.
	send(event.Event{Type: event.TypePoolStart, PID: 14, Pool: "pool-1"})
	send(event.Event{Type: event.TypePoolDone, PID: 14, Pool: "pool-1"})
	send(event.Event{Type: event.TypePoolStart, PID: 15, Pool: "pool-1"})
	lock := event.Event{Type: event.TypeWaitBegin, PID: 15, Object: "lock-1", Op: "acquire"}
	st.wait(ns, &lock, &ipcMessage{})
	if _, stuck := st.allWaiting(false); !stuck {
		t.Fatal("every task taken, the main process and a worker waiting, the other worker idle: not taken for stuck")
	}
}
