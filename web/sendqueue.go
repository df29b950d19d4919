package web

import (
	"errors"
	"sync"
	"time"
)

// The send queue holds what waits for a connection's writer. It starts
// empty and grows with what is queued, so an idle connection holds nothing
// but the queue itself; it is bounded, and a producer that finds it full
// waits for the writer to make room, so that a slow reader slows its own
// run rather than losing events.
//
// The slow-client rule: a client is dropped, and its run stopped, when the
// queue stays full for sendQueueFullWait, or when one write to it takes
// longer than writeWait (the conn's write deadline). Why the bound holds on
// a loaded machine: both are wall-clock deadlines, a timer and the socket's
// deadline, which expire without the server's CPU and without any more
// events. What must happen first is bounded in bytes: a client that
// reads nothing fills its socket's fixed buffer (wsSocketSendBuffer) and
// then this queue, a few hundred KiB or a few thousand events, which a
// flood produces in a fraction of a second (a few seconds when it gets
// little CPU). A program slower than that holds no more than these bytes
// until its run's own time limit ends it. A client that reads at all
// makes room well within sendQueueFullWait, since the writer takes at most
// maxBatchBytes at a time.
const (
	// sendQueueMessages and sendQueueBytes bound the queue: enough for a
	// burst of events to be written as a few batches, not so much that a
	// client which stopped reading holds the server's memory for long.
	sendQueueMessages = 1024
	sendQueueBytes    = 256 << 10
	// sendQueueFullWait is how long a producer waits for room in a full
	// queue before the client is taken for one that does not read: long
	// enough that a client which reads, but gets no CPU for a while on a
	// loaded machine, is not taken for one.
	sendQueueFullWait = 5 * time.Second
)

var (
	errClientTooSlow = errors.New("the client does not read: its send queue stayed full")
	errSessionClosed = errors.New("the connection is closed")
)

// sendQueue is a bounded FIFO of JSON messages with one reader (the
// writer goroutine) and any number of producers.
type sendQueue struct {
	// ready holds a token while messages wait: the writer selects on it.
	ready chan struct{}

	mu    sync.Mutex
	items [][]byte      // nil while empty
	size  int           // bytes in items
	room  chan struct{} // closed when the writer takes messages; nil when no producer waits
}

func newSendQueue() *sendQueue { return &sendQueue{ready: make(chan struct{}, 1)} }

// push queues b. While the queue is full it waits for room, until closed
// is closed (errSessionClosed) or sendQueueFullWait has passed
// (errClientTooSlow). One message is always accepted by an empty queue,
// whatever its size.
func (q *sendQueue) push(b []byte, closed <-chan struct{}) error {
	var timeout *time.Timer
	defer func() {
		if timeout != nil {
			timeout.Stop()
		}
	}()
	for {
		q.mu.Lock()
		if len(q.items) == 0 || len(q.items) < sendQueueMessages && q.size+len(b) <= sendQueueBytes {
			q.items = append(q.items, b)
			q.size += len(b)
			q.mu.Unlock()
			select {
			case q.ready <- struct{}{}:
			default:
			}
			return nil
		}
		if q.room == nil {
			q.room = make(chan struct{})
		}
		room := q.room
		q.mu.Unlock()
		if timeout == nil {
			timeout = time.NewTimer(sendQueueFullWait)
		}
		select {
		case <-room:
		case <-closed:
			return errSessionClosed
		case <-timeout.C:
			return errClientTooSlow
		}
	}
}

// take appends to batch the oldest messages, at most maxBatchMessages and
// maxBatchBytes of them (but at least one), and reports whether more wait.
func (q *sendQueue) take(batch [][]byte) ([][]byte, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	n, size := 0, 0
	for n < len(q.items) && n < maxBatchMessages && (n == 0 || size+len(q.items[n]) <= maxBatchBytes) {
		size += len(q.items[n])
		n++
	}
	batch = append(batch, q.items[:n]...)
	clear(q.items[:n]) // the writer holds them now; the array must not
	q.items = q.items[n:]
	q.size -= size
	if len(q.items) == 0 {
		q.items = nil // an idle connection keeps no array
	}
	if n > 0 && q.room != nil {
		close(q.room)
		q.room = nil
	}
	return batch, len(q.items) > 0
}
