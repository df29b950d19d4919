package dispatch

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"mpplayground/event"
	"mpplayground/runner"
)

// Client is a web node's side: it puts runs on the work queue and streams
// back their events. It has the web server's Executor method.
type Client struct {
	nc   *nats.Conn
	js   jetstream.JetStream
	cons jetstream.Consumer // the workers' consumer, for positions in the queue
	runs jetstream.Stream   // the work queue, to take back a run stopped while queued
}

// NewClient makes a client on a connection, creating the streams as s
// says if they are not there.
func NewClient(ctx context.Context, nc *nats.Conn, s Streams) (*Client, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	cons, err := ensureStreams(ctx, js, s)
	if err != nil {
		return nil, err
	}
	runs, err := js.Stream(ctx, runsStream)
	if err != nil {
		return nil, err
	}
	return &Client{nc: nc, js: js, cons: cons, runs: runs}, nil
}

// WorkerGoneMessage is what a learner reads when the worker running the
// program stopped answering.
const WorkerGoneMessage = "The machine running your program stopped; run it again."

// Run puts req on the work queue and emits the run's events as its worker
// sends them, in order; cancelling ctx stops the run. Whatever happens to
// the worker, the stream ends with run.end: a worker that goes silent for
// workerGone ends it as an internal error, and the run is never given to
// another worker.
func (c *Client) Run(ctx context.Context, req runner.Request, emit func(event.Event)) runner.Result {
	return c.RunPlaced(ctx, req, emit, nil)
}

// RunPlaced is Run that also tells place, if not nil, the run's place in
// the queue (1: next) whenever it changes while the run waits for a free
// sandbox on any worker.
func (c *Client) RunPlaced(ctx context.Context, req runner.Request, emit func(event.Event), place func(int)) runner.Result {
	if req.RunID == "" {
		req.RunID = event.NewRunID()
	}
	r := &remoteRun{c: c, req: req, emit: emit, place: place, start: time.Now(),
		order: newInOrder(), open: map[int]bool{}}
	return r.follow(ctx)
}

// remoteRun is one run followed by a client.
type remoteRun struct {
	c     *Client
	req   runner.Request
	emit  func(event.Event)
	place func(int)
	start time.Time
	order *inOrder // the worker's events, put back in their order

	seq     int64 // the last event's
	t       float64
	started bool         // run.start came
	open    map[int]bool // processes started and not exited
	res     runner.Result
	ended   bool
}

func (r *remoteRun) follow(ctx context.Context) runner.Result {
	id := r.req.RunID
	done := make(chan struct{})
	defer close(done)
	followed, endFollow := context.WithCancel(ctx) // ends what follows the run here
	defer endFollow()
	// The events come as the worker publishes them, on a plain
	// subscription made before the run is queued; JetStream, which keeps
	// them too, fills in what that subscription missed (catchUp).
	incoming := make(chan []byte, 256)
	deliver := func(data []byte) {
		select {
		case incoming <- data:
		case <-done:
		}
	}
	evSub, err := r.c.nc.Subscribe(eventsSubject(id), func(m *nats.Msg) { deliver(m.Data) })
	if err != nil {
		return r.fail("The run could not be dispatched: " + err.Error())
	}
	defer evSub.Unsubscribe()
	w := &workerWord{}
	aliveSub, err := r.c.nc.Subscribe(aliveSubject(id), w.heard)
	if err != nil {
		return r.fail("The run could not be dispatched: " + err.Error())
	}
	defer aliveSub.Unsubscribe()

	body, _ := json.Marshal(jobOf(r.req))
	var ack *jetstream.PubAck
	err = retry(ctx, func(ctx context.Context) (err error) {
		// Sent again, it is queued once: its message id is the run's.
		ack, err = r.c.js.Publish(ctx, runsSubject, body, jetstream.WithMsgID(id))
		return err
	})
	if err != nil {
		return r.fail("The run could not be queued: " + err.Error())
	}
	if r.req.Stdin != nil {
		go r.forwardStdin(r.req.Stdin)
	}

	tick := time.NewTicker(heartbeat / 2)
	defer tick.Stop()
	stop := ctx.Done()
	taken := false
	var takenAt time.Time
	lastPos := -1
	behind := 0         // ticks in a row at which the worker had stored events not received here
	catchingUp := false // JetStream is replaying the run's subject
	for !r.ended {
		select {
		case data := <-incoming:
			var e event.Event
			if json.Unmarshal(data, &e) != nil {
				continue
			}
			w.alive.Store(time.Now().UnixNano())
			r.order.take(e, r.pass)
		case <-stop:
			stop = nil
			r.control(control{Type: "stop"})
			if !taken {
				// Still queued: take it off the queue, if no worker has.
				if r.c.runs.DeleteMsg(context.Background(), ack.Sequence) == nil {
					return r.endHere(event.StatusStopped, "Stopped before the program started.")
				}
			}
		case <-tick.C:
			if last := w.alive.Load(); last > 0 && !taken {
				taken, takenAt = true, time.Now()
			}
			if !taken {
				pos, delivered := r.position(ctx, ack.Sequence)
				if delivered {
					// A worker took it: its first word must follow soon.
					taken, takenAt = true, time.Now()
				} else if pos > 0 {
					r.queued(pos, &lastPos)
				}
				continue
			}
			// Events the worker has stored and this node has not seen for
			// two ticks were lost on the way (a NATS server went away):
			// JetStream replays the run's subject from its start.
			if w.stored.Load() > r.seq {
				behind++
			} else {
				behind = 0
			}
			if behind >= 2 && !catchingUp {
				catchingUp = true
				go r.catchUp(followed, deliver)
			}
			last := time.Unix(0, w.alive.Load())
			if w.alive.Load() == 0 {
				last = takenAt
			}
			// A worker that has stored every event of the run is not gone:
			// they are on their way.
			if gone := time.Since(last); gone > workerGone && !w.published.Load() || gone > retryFor {
				return r.endHere(event.StatusInternalError, WorkerGoneMessage)
			}
		}
	}
	return r.res
}

// workerWord is what the run's worker said last on its alive subject.
type workerWord struct {
	alive     atomic.Int64 // unix nanoseconds of the worker's last word, or of its last event
	stored    atomic.Int64 // the last seq JetStream has stored of the run
	published atomic.Bool  // the program has ended and every event is stored
}

func (w *workerWord) heard(m *nats.Msg) {
	w.alive.Store(time.Now().UnixNano())
	seq, all := parseAlive(m.Data)
	if seq > w.stored.Load() {
		w.stored.Store(seq)
	}
	if all {
		w.published.Store(true)
	}
}

// catchUp replays the run's subject from JetStream to deliver, until ctx
// or the run ends; the events already seen are dropped by the run's
// inOrder.
func (r *remoteRun) catchUp(ctx context.Context, deliver func([]byte)) {
	var msgs jetstream.MessagesContext
	err := retry(ctx, func(ctx context.Context) error {
		events, err := r.c.js.OrderedConsumer(ctx, eventsStream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{eventsSubject(r.req.RunID)}})
		if err == nil {
			msgs, err = events.Messages(pullBriefly...)
		}
		return err
	})
	if err != nil {
		return // the worker's silence will end the run
	}
	stop := context.AfterFunc(ctx, msgs.Stop)
	defer stop()
	defer msgs.Stop()
	for {
		m, err := msgs.Next()
		if err != nil {
			return
		}
		deliver(m.Data())
	}
}

// position is the run's place in the queue, and whether a worker has
// taken it already: the runs queued after the one the workers took last,
// up to this one, but for those stopped before a worker took them (taken
// off the queue, they leave gaps in its sequence).
func (r *remoteRun) position(ctx context.Context, seq uint64) (int, bool) {
	info, err := r.c.cons.Info(ctx)
	if err != nil {
		return 0, false
	}
	taken := info.Delivered.Stream
	if taken >= seq {
		return 0, true
	}
	queue, err := r.c.runs.Info(ctx, jetstream.WithDeletedDetails(true))
	if err != nil {
		return int(seq - taken), false
	}
	ahead := taken
	if first := queue.State.FirstSeq; first > 0 {
		ahead = max(ahead, first-1) // the queue's head moves past stopped runs
	}
	pos := int(seq - ahead)
	for _, gone := range queue.State.Deleted {
		if gone > ahead && gone < seq {
			pos--
		}
	}
	return max(pos, 1), false
}

func (r *remoteRun) queued(pos int, last *int) {
	if r.place != nil && pos != *last {
		*last = pos
		r.place(pos)
	}
}

// pass emits one event of the worker's stream, in order, keeping what the
// end of the run needs should the worker go.
func (r *remoteRun) pass(e event.Event) {
	if r.ended {
		return // one after the end
	}
	r.seq, r.t = e.Seq, e.T
	switch e.Type {
	case event.TypeRunStart:
		r.started = true
	case event.TypeProcStart:
		r.open[e.PID] = true
	case event.TypeProcExit:
		delete(r.open, e.PID)
	case event.TypeRunEnd:
		r.ended = true
		r.res = runner.Result{RunID: r.req.RunID, Status: e.Status, Events: e.Seq}
		if e.ExitCode != nil {
			r.res.ExitCode = *e.ExitCode
		}
		if e.DurationMS != nil {
			r.res.Duration = time.Duration(*e.DurationMS * float64(time.Millisecond))
		}
	}
	r.emit(e)
}

// endHere ends the stream on the web node: the worker cannot, or has not
// started the run. Every process still open is said to be gone, as the
// runner does at the end of a run.
func (r *remoteRun) endHere(status, message string) runner.Result {
	t := max(r.t, float64(time.Since(r.start).Microseconds())/1000)
	// Each event is also put on the run's subject, so that a page that
	// follows the run from another web node sees the same end.
	next := func(e event.Event) {
		r.seq++
		e.Seq, e.T = r.seq, t
		r.emit(e)
		r.c.publishEvent(r.req.RunID, e)
	}
	if !r.started {
		next(event.Event{Type: event.TypeRunStart, RunID: r.req.RunID})
	}
	for pid := range r.open {
		next(event.Event{Type: event.TypeProcExit, PID: pid, Signal: "SIGKILL"})
	}
	code, ms := -1, t
	next(event.Event{Type: event.TypeRunEnd, Status: status, ExitCode: &code, DurationMS: &ms, Message: message})
	r.ended = true
	return runner.Result{RunID: r.req.RunID, Status: status, ExitCode: -1, Duration: time.Since(r.start), Events: r.seq}
}

func (r *remoteRun) fail(message string) runner.Result {
	return r.endHere(event.StatusInternalError, message)
}

// control sends the run's worker a message; the control stream keeps it
// for a worker that takes the run later.
func (r *remoteRun) control(m control) {
	body, _ := json.Marshal(m)
	_ = retry(context.Background(), func(ctx context.Context) error {
		_, err := r.c.js.Publish(ctx, ctlSubject(r.req.RunID), body)
		return err
	})
}

// forwardStdin passes the learner's input on to the worker, as it comes.
func (r *remoteRun) forwardStdin(in io.Reader) {
	buf := make([]byte, 32<<10)
	for {
		n, err := in.Read(buf)
		if n > 0 {
			r.control(control{Type: "stdin", Text: string(buf[:n])})
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				r.control(control{Type: "eof"})
			}
			return
		}
	}
}

// publishEvent puts an event the web node made on the run's subject, under
// the message id a worker would give it: the first of the two is kept.
func (c *Client) publishEvent(runID string, e event.Event) {
	ctx, cancel := context.WithTimeout(context.Background(), publishAckWait)
	defer cancel()
	_, _ = c.js.Publish(ctx, eventsSubject(runID), e.AppendJSON(nil), jetstream.WithMsgID(eventMsgID(runID, e.Seq)))
}

// retryFor is how long a request to JetStream is tried again: a cluster
// that lost a server elects new leaders for its streams within seconds,
// and its requests fail meanwhile.
const retryFor = 20 * time.Second

// retry calls try until it succeeds, ctx ends or retryFor has passed; it
// returns try's last error.
func retry(ctx context.Context, try func(context.Context) error) error {
	deadline := time.Now().Add(retryFor)
	for {
		attempt, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := try(attempt)
		cancel()
		if err == nil || ctx.Err() != nil || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(250 * time.Millisecond):
		}
	}
}
