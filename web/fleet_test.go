package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"mpplayground/event"
	"mpplayground/runner"
	"mpplayground/store"
)

// fakeFleet follows every run until the follow is cancelled, counting
// the follows.
type fakeFleet struct{ follows atomic.Int64 }

func (f *fakeFleet) RunPlaced(ctx context.Context, req runner.Request, emit func(event.Event), place func(int)) runner.Result {
	return runner.Result{Status: event.StatusInternalError}
}

func (f *fakeFleet) Follow(ctx context.Context, runID string, after int64, emit func(event.Event)) error {
	f.follows.Add(1)
	<-ctx.Done()
	return ctx.Err()
}

func (f *fakeFleet) DispatchHealth(context.Context) (bool, any) { return true, nil }

// ownedRuns says every run is the test learner's.
type ownedRuns struct{ learner string }

func (o ownedRuns) GetRun(_ context.Context, id string) (*store.Run, error) {
	return &store.Run{RunSummary: store.RunSummary{ID: id, Learner: o.learner}}, nil
}

func (ownedRuns) ListRuns(context.Context, store.Filter) ([]store.RunSummary, error) { return nil, nil }

// A client that sends "resume" over and over for a run another web node
// started gets one follower: the others are refused in a sentence, not
// piled up as store reads and subscriptions.
func TestResumesFromTheFleetAreOneAtATime(t *testing.T) {
	const learner = "5eed5eed5eed5eed5eed5eed5eed5eed"
	f := &fakeFleet{}
	_, ts := MustServer(t, Config{Executor: f.RunPlacedExecutor(), Fleet: f, Runs: ownedRuns{learner}})
	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(ts.URL, "http")+"/ws",
		http.Header{"Origin": {ts.URL}, "Cookie": {"pg_learner=" + learner}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	msg, _ := json.Marshal(map[string]any{"type": "resume", "run_id": event.NewRunID(), "after": 0})
	const sent = 50
	for range sent {
		if err := conn.WriteMessage(websocket.TextMessage, msg); err != nil {
			t.Fatal(err)
		}
	}
	refused := 0
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for refused < sent-1 {
		_, data, err := conn.ReadMessage()
		if err != nil {
			t.Fatalf("after %d refusals: %v", refused, err)
		}
		refused += strings.Count(string(data), "already being resumed") // messages may come as a batch
	}
	if n := f.follows.Load(); n != 1 {
		t.Errorf("%d follows for %d resumes, want 1", n, sent)
	}
}

// RunPlacedExecutor is the fleet as the server's Executor.
func (f *fakeFleet) RunPlacedExecutor() Executor {
	return ExecutorFunc(func(ctx context.Context, req runner.Request, emit func(event.Event)) runner.Result {
		return f.RunPlaced(ctx, req, emit, nil)
	})
}
