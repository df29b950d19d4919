package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"mpplayground/runner"
)

// Limits and timings of a WebSocket connection.
const (
	// maxMessageBytes is the read limit of one client message. It is well
	// above runner.MaxProgramBytes, the cap of a program, because JSON
	// escaping can make a program up to six times longer; a program over
	// the cap but under this limit gets a plain error and the connection
	// stays usable.
	maxMessageBytes = 8 * runner.MaxProgramBytes
	// writeWait bounds one write to the client: the conn's write deadline.
	writeWait = 10 * time.Second
	// pongWait is how long the connection may be silent before it is
	// taken for dead; pings go out at half of it, so that a pong has half
	// a minute to come back: a learner waiting in the queue of a busy
	// server (whose CPU the runs take) is not taken for a dead client.
	pongWait   = 60 * time.Second
	pingPeriod = pongWait / 2
	// maxBatchMessages and maxBatchBytes bound one WebSocket message when
	// events arrive faster than they can be written. The bytes also bound
	// the room one write makes in the send queue (sendqueue.go): a client
	// that reads 32 KiB/s is not taken for one that does not read.
	maxBatchMessages = 512
	maxBatchBytes    = 64 << 10
	// wsReadBufferSize and wsWriteBufferSize are the connection's I/O
	// buffers; they do not limit message sizes. The write buffer comes
	// from a pool for the time of one message.
	wsReadBufferSize  = 1 << 10
	wsWriteBufferSize = 8 << 10
	// wsSocketSendBuffer is the kernel's send buffer of a WebSocket (Linux
	// doubles it for its own bookkeeping). 128 KiB in flight still moves
	// over 1 MB/s at 100 ms round trip, more than a run's events need.
	wsSocketSendBuffer = 64 << 10
)

// clientMessage is any message the page sends.
type clientMessage struct {
	Type     string  `json:"type"`
	Lesson   string  `json:"lesson"`
	Exercise string  `json:"exercise"` // the exercise worked on; "" for the example
	Code     *string `json:"code"`
	Text     string  `json:"text"`
	EOF      bool    `json:"eof"`
	RunID    string  `json:"run_id"`
	After    int64   `json:"after"`
	// IPC false switches off the run's IPC events (queue.put, lock.acquire
	// ...); absent or true keeps them.
	IPC *bool `json:"ipc"`
}

// errorMessage is the server's answer to a message it cannot act on.
type errorMessage struct {
	Type    string `json:"type"` // "error"
	Message string `json:"message"`
}

// queuedMessage tells the page its place in the queue before a run starts.
type queuedMessage struct {
	Type     string `json:"type"` // "queued"
	Position int    `json:"position"`
}

// session is one WebSocket connection. The handler goroutine reads; one
// writer goroutine owns every write; runs emit into the bounded send queue.
type session struct {
	srv     *Server
	conn    *websocket.Conn
	log     *slog.Logger
	learner string
	lang    string // the page's language: checks are sent in it

	send      *sendQueue    // JSON values (objects or arrays) for the writer
	closed    chan struct{} // closed when the session ends
	closeOnce sync.Once
	dropped   atomic.Bool     // closed for not reading: nothing more is written
	ctx       context.Context // cancelled when the session ends: stops its run
	cancel    context.CancelFunc

	// resuming is set while a run is followed from the fleet for this
	// connection: one at a time, so that repeated "resume" messages cannot
	// pile up store reads and followers.
	resuming atomic.Bool

	mu  sync.Mutex
	run *liveRun // the run of this connection, nil when idle
	// active counts the session's runs until each has sent run.end.
	active sync.WaitGroup
}

func (s *Server) handleWS(w http.ResponseWriter, r *http.Request) {
	release, ok := s.admitConn(w, r)
	if !ok {
		return
	}
	conn, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		// Upgrade has answered with an HTTP error (bad origin, not a
		// WebSocket request).
		s.log.Info("websocket refused", "err", err, "origin", r.Header.Get("Origin"))
		release()
		return
	}
	if tc, ok := conn.NetConn().(*net.TCPConn); ok {
		// A fixed socket buffer instead of one the kernel grows to
		// megabytes: a client that does not read holds little of the
		// kernel's memory, and fills it soon (sendqueue.go).
		tc.SetWriteBuffer(wsSocketSendBuffer)
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	ss := &session{
		srv: s, conn: conn, log: s.log, learner: Learner(r.Context()), lang: Lang(r.Context()),
		send: newSendQueue(), closed: make(chan struct{}),
		ctx: ctx, cancel: cancel,
	}
	if !s.track(ss) {
		conn.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseGoingAway, "server is shutting down"),
			time.Now().Add(time.Second))
		conn.Close()
		release()
		return
	}
	// The session goes on in goroutines of its own and this handler
	// returns, so that the HTTP server's state for the request (its
	// buffers, the request, the response) is freed now rather than held
	// for the connection's life.
	go ss.serve(release)
}

// serve runs the session until the connection ends and its run with it;
// release then gives back the connection's place under its client's cap.
func (ss *session) serve(release func()) {
	s := ss.srv
	defer release()
	defer s.untrack(ss)
	s.metrics.connections.Inc()
	defer s.metrics.connections.Dec()
	go ss.writeLoop()
	ss.readLoop()
	ss.close()
	ss.waitRun()
}

// close ends the session: the run is stopped and the writer says goodbye.
func (ss *session) close() {
	ss.closeOnce.Do(func() {
		ss.cancel()
		close(ss.closed)
	})
}

// waitRun waits for the session's run to finish after the session closed,
// so that a server shutdown does not leave programs behind.
func (ss *session) waitRun() { ss.active.Wait() }

func (ss *session) readLoop() {
	c := ss.conn
	c.SetReadLimit(maxMessageBytes)
	c.SetReadDeadline(time.Now().Add(pongWait))
	c.SetPongHandler(func(string) error {
		return c.SetReadDeadline(time.Now().Add(pongWait))
	})
	for {
		_, data, err := c.ReadMessage()
		if err != nil {
			if errors.Is(err, websocket.ErrReadLimit) {
				ss.log.Info("websocket message over the read limit")
			}
			return
		}
		c.SetReadDeadline(time.Now().Add(pongWait))
		ss.handle(data)
	}
}

func (ss *session) writeLoop() {
	ticker := time.NewTicker(pingPeriod)
	defer func() {
		ticker.Stop()
		ss.conn.Close() // unblocks the reader
		ss.close()
	}()
	// One batch per turn, so that pings go out during a long stream. The
	// batch's array is dropped once the queue is empty: an idle connection
	// keeps none.
	var batch [][]byte
	for {
		select {
		case <-ss.send.ready:
			// Send what is ready now in one message: the first event of
			// a run goes out at once, a burst goes out as an array.
			var more bool
			batch, more = ss.send.take(batch[:0])
			if len(batch) > 0 {
				err := ss.writeBatch(batch)
				clear(batch)
				if err != nil {
					return
				}
			}
			if more {
				select {
				case ss.send.ready <- struct{}{}:
				default:
				}
			} else {
				batch = nil
			}
		case <-ticker.C:
			ss.conn.SetWriteDeadline(time.Now().Add(writeWait))
			if err := ss.conn.WriteMessage(websocket.PingMessage, nil); err != nil {
				return
			}
		case <-ss.closed:
			if ss.dropped.Load() {
				return // it does not read: nothing more is written to it
			}
			// Send what is already queued (a run's last events), then
			// say goodbye.
			for more := true; more; {
				batch, more = ss.send.take(batch[:0])
				if len(batch) > 0 && ss.writeBatch(batch) != nil {
					return
				}
			}
			ss.conn.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""),
				time.Now().Add(time.Second))
			return
		}
	}
}

// writeBatch writes one message: a single JSON value as it is, several as
// one JSON array (arrays among them are spliced in).
func (ss *session) writeBatch(batch [][]byte) error {
	ss.conn.SetWriteDeadline(time.Now().Add(writeWait))
	w, err := ss.conn.NextWriter(websocket.TextMessage)
	if err != nil {
		return err
	}
	if len(batch) == 1 {
		w.Write(batch[0])
		return w.Close()
	}
	w.Write([]byte{'['})
	first := true
	for _, b := range batch {
		if len(b) > 0 && b[0] == '[' {
			b = bytes.TrimSpace(b[1 : len(b)-1])
			if len(b) == 0 {
				continue
			}
		}
		if !first {
			w.Write([]byte{','})
		}
		first = false
		w.Write(b)
	}
	w.Write([]byte{']'})
	return w.Close()
}

// enqueue hands a message to the writer. While the send queue is full it
// waits for room; a client that makes none within sendQueueFullWait does
// not read: it is dropped and its run stopped (sendqueue.go).
func (ss *session) enqueue(b []byte) bool {
	select {
	case <-ss.closed:
		return false
	default:
	}
	switch err := ss.send.push(b, ss.closed); {
	case errors.Is(err, errClientTooSlow):
		ss.log.Warn("websocket client too slow; dropping it", "learner", ss.learner, "err", err)
		ss.dropped.Store(true)
		ss.close()
		ss.conn.Close() // ends a write blocked on it and the reader
		return false
	case err != nil:
		return false
	}
	return true
}

func (ss *session) sendJSON(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		ss.log.Error("encode message", "err", err)
		return
	}
	ss.enqueue(b)
}

func (ss *session) sendError(format string, args ...any) {
	ss.sendJSON(errorMessage{Type: "error", Message: fmt.Sprintf(format, args...)})
}

// handle acts on one client message. Every problem is answered with an
// error message; none ends the connection.
func (ss *session) handle(data []byte) {
	var m clientMessage
	if err := json.Unmarshal(data, &m); err != nil {
		ss.sendError("The message is not valid JSON.")
		return
	}
	switch m.Type {
	case "run":
		ss.startRun(m)
	case "stop":
		ss.mu.Lock()
		if ss.run != nil {
			ss.run.cancel()
		}
		ss.mu.Unlock()
	case "stdin":
		ss.stdin(m)
	case "resume":
		ss.resume(m)
	case "":
		ss.sendError("The message has no type.")
	default:
		ss.sendError("Unknown message type %q.", m.Type)
	}
}

// startRun starts the run a "run" message asks for, if the session has
// none going and the server is not shutting down.
func (ss *session) startRun(m clientMessage) {
	lesson, ok := ss.runLesson(m)
	if !ok {
		return
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.run != nil {
		ss.sendError("A program is already running. Stop it before starting another.")
		return
	}
	// Checked and counted under the server's lock, so that Shutdown, which
	// sets closing under it, waits for every run it did not refuse. The
	// run's detach ends its count.
	srv := ss.srv
	srv.mu.Lock()
	closing := srv.closing
	if !closing {
		ss.active.Add(1)
	}
	srv.mu.Unlock()
	if closing {
		ss.sendError(msgShutdownRefused)
		return
	}
	lr := newLiveRun(ss, lesson, m.Exercise, *m.Code, m.IPC == nil || *m.IPC)
	ss.run = lr
	go lr.run()
}

// runLesson checks a "run" message and finds the lesson it is for; false
// when the page has been told what is wrong with it.
func (ss *session) runLesson(m clientMessage) (Lesson, bool) {
	if m.Code == nil {
		ss.sendError("A run needs the program's code.")
		return Lesson{}, false
	}
	if len(*m.Code) > runner.MaxProgramBytes {
		ss.sendError("The program is too large: %d KiB, the limit is %d KiB.",
			(len(*m.Code)+1023)/1024, runner.MaxProgramBytes/1024)
		return Lesson{}, false
	}
	lesson, ok := ss.srv.cfg.Catalog.Lesson(m.Lesson, ss.lang)
	if !ok {
		ss.sendError("There is no lesson called %q.", m.Lesson)
		return Lesson{}, false
	}
	if m.Exercise != "" {
		if _, ok := lesson.exercise(m.Exercise); !ok {
			ss.sendError("The lesson %q has no exercise %q.", m.Lesson, m.Exercise)
			return Lesson{}, false
		}
	}
	return lesson, true
}

// dropRun makes the session idle, unless it has moved on from lr already.
func (ss *session) dropRun(lr *liveRun) {
	ss.mu.Lock()
	if ss.run == lr {
		ss.run = nil
	}
	ss.mu.Unlock()
}

func (ss *session) stdin(m clientMessage) {
	ss.mu.Lock()
	lr := ss.run
	ss.mu.Unlock()
	if lr == nil {
		ss.sendError("No program is running to receive input.")
		return
	}
	if m.Text != "" {
		if _, err := lr.stdin.Write([]byte(m.Text)); err != nil {
			ss.sendError("The input was not sent: %v.", err)
			return
		}
	}
	if m.EOF {
		lr.stdin.CloseWrite()
	}
}
