package dispatch

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"mpplayground/event"
	"mpplayground/internal/testload"
	"mpplayground/runner"
)

// Events that come late, twice or out of order (an event sent again after
// a NATS node went away) are emitted once each, in seq order.
func TestEventsArePutBackInOrder(t *testing.T) {
	o := newInOrder()
	var got []int64
	emit := func(e event.Event) { got = append(got, e.Seq) }
	for _, seq := range []int64{1, 3, 2, 2, 5, 1, 4, 6, 6} {
		o.take(event.Event{Seq: seq}, emit)
	}
	if want := []int64{1, 2, 3, 4, 5, 6}; !equalSeqs(got, want) {
		t.Fatalf("emitted %v, want %v", got, want)
	}
	o.skipTo(10)
	o.take(event.Event{Seq: 8}, emit)
	o.take(event.Event{Seq: 11}, emit)
	if want := []int64{1, 2, 3, 4, 5, 6, 11}; !equalSeqs(got, want) {
		t.Fatalf("after skipTo(10): emitted %v, want %v", got, want)
	}
}

func equalSeqs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A page that reconnects to another web node follows the run there: from
// the event after the last it had, without a gap or a duplicate, to the
// same run.end, while the run goes on.
func TestAnotherWebNodeFollowsTheRun(t *testing.T) {
	r := realRunner(t)
	s := embedded(t)
	startWorker(t, connect(t, s), r, 1)
	a := newClient(t, connect(t, s))
	b := newClient(t, connect(t, s))

	program := "import time\nfor i in range(6):\n    print('tick', i, flush=True)\n    time.sleep(0.1)\n"
	req := runner.Request{RunID: event.NewRunID(), Program: []byte(program), Limits: event.Limits{WallTime: testload.Scaled(t, 20*time.Second, 150)}}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	var onA []event.Event
	followed := make(chan []event.Event, 1)
	started := false
	a.Run(ctx, req, func(e event.Event) {
		onA = append(onA, e)
		if !started && e.Type == event.TypeOutput && strings.Contains(e.Text, "tick 1") {
			started = true
			after := e.Seq
			go func() {
				var onB []event.Event
				if err := b.Follow(ctx, req.RunID, after, func(e event.Event) { onB = append(onB, e) }); err != nil {
					t.Errorf("Follow: %v", err)
				}
				followed <- onB
			}()
		}
	})
	checkStream(t, onA)
	onB := <-followed
	if len(onB) == 0 {
		t.Fatal("the other node followed nothing")
	}
	first := onB[0].Seq
	want := onA[first-1:]
	if len(onB) != len(want) || onB[len(onB)-1].Type != event.TypeRunEnd {
		t.Fatalf("followed %d events from seq %d, want %d ending in run.end", len(onB), first, len(want))
	}
	for i := range onB {
		if onB[i].Seq != want[i].Seq || onB[i].Type != want[i].Type || onB[i].Text != want[i].Text {
			t.Fatalf("event %d: %+v, want %+v", i, onB[i], want[i])
		}
	}
	if onA[first-2].Type != event.TypeOutput || !strings.Contains(onA[first-2].Text, "tick 1") {
		t.Errorf("the follow began at seq %d, not after the event it was given", first)
	}

	// A run the dispatch never had is said to be unknown.
	if err := b.Follow(ctx, event.NewRunID(), 0, func(event.Event) {}); !errors.Is(err, ErrUnknownRun) {
		t.Errorf("Follow of an unknown run: %v", err)
	}
}

// When the web node ends a run itself (its worker went away), the end it
// gives is the one every other node follows too.
func TestTheEndGivenByTheWebNodeIsFollowedElsewhere(t *testing.T) {
	r := realRunner(t)
	s := embedded(t)
	workerConn := connect(t, s)
	startWorker(t, workerConn, r, 1)
	a := newClient(t, connect(t, s))
	b := newClient(t, connect(t, s))
	req := runner.Request{RunID: event.NewRunID(), Program: []byte("import time\nprint('up', flush=True)\ntime.sleep(60)\n"),
		Limits: event.Limits{WallTime: testload.Scaled(t, 30*time.Second, 150)}}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var onA []event.Event
	a.Run(ctx, req, func(e event.Event) {
		onA = append(onA, e)
		if e.Type == event.TypeOutput && strings.Contains(e.Text, "up") {
			workerConn.Close()
		}
	})
	checkStream(t, onA)
	var onB []event.Event
	if err := b.Follow(ctx, req.RunID, 0, func(e event.Event) { onB = append(onB, e) }); err != nil {
		t.Fatalf("Follow: %v", err)
	}
	checkStream(t, onB)
	if end := onB[len(onB)-1]; end.Status != event.StatusInternalError || end.Message != WorkerGoneMessage || len(onB) != len(onA) {
		t.Errorf("followed %d events ending %s %q; the web node had %d", len(onB), end.Status, end.Message, len(onA))
	}
}
