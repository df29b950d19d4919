package dispatch

import (
	"context"
	"testing"
	"time"

	"mpplayground/event"
	"mpplayground/internal/testload"
	"mpplayground/runner"
)

// holdSlot is an executor whose runs start, say so on started, and then
// hold the worker's slot until they are stopped.
func holdSlot(started chan<- string) Executor {
	return executorFunc(func(ctx context.Context, req runner.Request, emit func(event.Event)) runner.Result {
		emit(event.Event{Seq: 1, Type: event.TypeRunStart, RunID: req.RunID})
		started <- req.RunID
		<-ctx.Done()
		d := 0.0
		emit(event.Event{Seq: 2, Type: event.TypeRunEnd, Status: event.StatusStopped, Message: "Stopped.", DurationMS: &d})
		return runner.Result{RunID: req.RunID, Status: event.StatusStopped, Events: 2}
	})
}

// A queued run that is stopped before a worker takes it gives up its
// place: the runs behind it move up, and their learners are told.
func TestAStoppedQueuedRunGivesUpItsPlace(t *testing.T) {
	s := embedded(t)
	started := make(chan string, 4)
	startWorker(t, connect(t, s), holdSlot(started), 1)
	c := newClient(t, connect(t, s))
	patience := testload.Scaled(t, 10*time.Second, 100)

	// queue sends a run and reports each place it is told on places.
	queue := func() (stop func(), places chan int) {
		ctx, cancel := context.WithCancel(context.Background())
		places, done := make(chan int, 16), make(chan struct{})
		req := runner.Request{Program: []byte("pass\n"), Limits: event.Limits{WallTime: time.Minute}}
		go func() {
			c.RunPlaced(ctx, req, func(event.Event) {}, func(pos int) { places <- pos })
			close(done)
		}()
		t.Cleanup(func() { cancel(); <-done })
		return cancel, places
	}
	// waitPlace waits until places says pos.
	waitPlace := func(who string, places chan int, pos int) {
		t.Helper()
		deadline := time.After(patience)
		for {
			select {
			case p := <-places:
				if p == pos {
					return
				}
			case <-deadline:
				t.Fatalf("%s was never told place %d", who, pos)
			}
		}
	}

	queue() // takes the only slot
	select {
	case <-started:
	case <-time.After(patience):
		t.Fatal("the worker never took the first run")
	}
	stopB, placesB := queue()
	waitPlace("the second run", placesB, 1)
	stopC, placesC := queue()
	waitPlace("the third run", placesC, 2)
	_, placesD := queue()
	waitPlace("the fourth run", placesD, 3)
	stopC() // from the middle of the queue
	waitPlace("the fourth run, once the third was stopped", placesD, 2)
	stopB() // from its head
	waitPlace("the fourth run, once the second was stopped too", placesD, 1)
}
