package web

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"mpplayground/event"
	"mpplayground/internal/testload"
	"mpplayground/runner"
)

// fullQueue returns a send queue holding sendQueueMessages small messages.
func fullQueue() *sendQueue {
	q := newSendQueue()
	for range sendQueueMessages {
		if err := q.push([]byte(`{"type":"output"}`), nil); err != nil {
			panic(err)
		}
	}
	return q
}

func TestWSSendQueue(t *testing.T) {
	t.Run("AProducerWaitsForRoomThenTheClientIsTakenForOneThatDoesNotRead", func(t *testing.T) {
		q := fullQueue()
		start := time.Now()
		err := q.push([]byte(`{}`), make(chan struct{}))
		waited := time.Since(start)
		if !errors.Is(err, errClientTooSlow) {
			t.Fatalf("push into a full queue: %v", err)
		}
		if waited < sendQueueFullWait || waited > sendQueueFullWait+time.Second {
			t.Errorf("gave up after %v, want %v", waited, sendQueueFullWait)
		}
	})

	t.Run("RoomMadeInTimeLetsTheMessageIn", func(t *testing.T) {
		q := fullQueue()
		go func() {
			time.Sleep(sendQueueFullWait / 4)
			q.take(nil)
		}()
		if err := q.push([]byte(`{}`), make(chan struct{})); err != nil {
			t.Errorf("push: %v", err)
		}
	})

	t.Run("AClosedSessionEndsTheWait", func(t *testing.T) {
		q := fullQueue()
		closed := make(chan struct{})
		time.AfterFunc(100*time.Millisecond, func() { close(closed) })
		start := time.Now()
		if err := q.push([]byte(`{}`), closed); !errors.Is(err, errSessionClosed) || time.Since(start) > testload.Scaled(t, time.Second, 20) {
			t.Errorf("push: %v after %v", err, time.Since(start))
		}
	})

	t.Run("BytesAreBoundedButOneLargeMessageFitsAnEmptyQueue", func(t *testing.T) {
		q := newSendQueue()
		big := make([]byte, 2*sendQueueBytes)
		if err := q.push(big, nil); err != nil {
			t.Fatalf("a large message into an empty queue: %v", err)
		}
		closed := make(chan struct{})
		close(closed)
		if err := q.push([]byte(`{}`), closed); !errors.Is(err, errSessionClosed) {
			t.Errorf("a queue over its bytes took more: %v", err)
		}
	})

	t.Run("BatchesAreBoundedAndAnIdleQueueKeepsNoArray", func(t *testing.T) {
		q := fullQueue()
		batch, more := q.take(nil)
		if len(batch) != maxBatchMessages || !more {
			t.Errorf("first batch: %d messages, more %v", len(batch), more)
		}
		for more {
			batch, more = q.take(batch[:0])
		}
		if q.items != nil || q.size != 0 {
			t.Errorf("an empty queue keeps %d slots, %d bytes", cap(q.items), q.size)
		}
	})
}

// pacedExecutor emits output events at a fixed pace, as a flooding
// program does on a machine too busy to run it at full speed, until its
// run is stopped; it reports how long that took.
func pacedExecutor(every time.Duration, stopped chan<- time.Duration) Executor {
	return ExecutorFunc(func(ctx context.Context, req runner.Request, emit func(event.Event)) runner.Result {
		start := time.Now()
		tick := time.NewTicker(every)
		defer tick.Stop()
		for seq := int64(1); ; seq++ {
			select {
			case <-ctx.Done():
				stopped <- time.Since(start)
				return runner.Result{Status: event.StatusStopped}
			case <-tick.C:
			}
			emit(event.Event{Seq: seq, Type: event.TypeOutput, PID: 2, Stream: "stdout",
				Text: "a line of output that a flooding program prints over and over again\n"})
		}
	})
}

// dialWS opens a WebSocket that the test reads from, or not, itself.
func dialWS(t *testing.T, base string) *websocket.Conn {
	t.Helper()
	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/ws", http.Header{"Origin": {base}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// The slow-client rule on a real socket: a client that reads nothing is
// dropped, and its run stopped, within a bound that a slow producer
// (2,000 events a second) does not stretch.
func TestWSClientThatNeverReadsIsDroppedByTheClock(t *testing.T) {
	// The queue's wait and a few seconds to fill it, more on a busy machine.
	bound := testload.Scaled(t, sendQueueFullWait+6*time.Second, 200)
	stopped := make(chan time.Duration, 1)
	_, ts := MustServer(t, Config{Executor: pacedExecutor(500*time.Microsecond, stopped)})
	conn := dialWS(t, ts.URL)
	// A small socket buffer, so that the server's writes back up soon.
	conn.UnderlyingConn().(*net.TCPConn).SetReadBuffer(4096)
	b, _ := json.Marshal(runMsg("pool", "flood"))
	conn.WriteMessage(websocket.TextMessage, b)
	select {
	case d := <-stopped:
		t.Logf("the run of a client that reads nothing was stopped after %v", d.Round(time.Millisecond))
		if d < sendQueueFullWait {
			t.Errorf("stopped after %v, before the queue could stay full for %v", d, sendQueueFullWait)
		}
		if d > bound {
			t.Errorf("stopped after %v, want within %v", d, bound)
		}
	case <-time.After(4 * bound):
		t.Fatalf("the run of a client that reads nothing was not stopped within %v", 4*bound)
	}
}

// A client that stops reading for less than sendQueueFullWait (a busy
// tab, a moment of bad Wi-Fi) keeps its connection and sees its run end.
// The run's 3 MB of events are more than the sockets and the queue hold,
// so the producer waits for the client.
func TestWSClientThatPausesIsKept(t *testing.T) {
	const events = 25_000
	ended := make(chan runner.Result, 1)
	var longestWait time.Duration // the longest emit: the producer waiting for room
	ex := ExecutorFunc(func(ctx context.Context, req runner.Request, emit func(event.Event)) runner.Result {
		emit(event.Event{Seq: 1, Type: event.TypeRunStart, RunID: req.RunID})
		for seq := int64(2); seq < events; seq++ {
			start := time.Now()
			emit(event.Event{Seq: seq, Type: event.TypeOutput, PID: 2, Stream: "stdout",
				Text: "a line of output that a flooding program prints over and over again\n"})
			longestWait = max(longestWait, time.Since(start))
		}
		res := runner.Result{Status: event.StatusOK}
		if ctx.Err() != nil {
			res.Status = event.StatusStopped
		}
		emit(event.Event{Seq: events, Type: event.TypeRunEnd, Status: res.Status})
		ended <- res
		return res
	})
	_, ts := MustServer(t, Config{Executor: ex})
	conn := dialWS(t, ts.URL)
	b, _ := json.Marshal(runMsg("pool", "flood"))
	conn.WriteMessage(websocket.TextMessage, b)
	time.Sleep(sendQueueFullWait / 2)
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			t.Fatalf("the connection ended: %v", err)
		}
		if strings.Contains(string(data), `"type":"run.end"`) {
			break
		}
	}
	if res := <-ended; res.Status != event.StatusOK {
		t.Errorf("the run ended %q", res.Status)
	}
	if longestWait < sendQueueFullWait/4 {
		t.Errorf("the run never waited for the client (at most %v): the pause did not fill the queue", longestWait)
	}
}
