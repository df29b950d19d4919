package dispatch

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"mpplayground/event"
	"mpplayground/runner"
)

// Executor runs one program and emits its events; *runner.Runner is one.
type Executor interface {
	Run(ctx context.Context, req runner.Request, emit func(event.Event)) runner.Result
}

// Worker takes runs from the work queue, one per free slot, and runs them.
type Worker struct {
	nc    *nats.Conn
	js    jetstream.JetStream
	cons  jetstream.Consumer
	exec  Executor
	slots int

	running  atomic.Int64 // runs in progress
	done     atomic.Int64 // runs finished
	draining atomic.Bool  // ctx of Serve has ended
}

// NewWorker makes a worker with slots sandboxes on a connection, creating
// the streams as s says if they are not there.
func NewWorker(ctx context.Context, nc *nats.Conn, s Streams, exec Executor, slots int) (*Worker, error) {
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncTimeout(publishAckWait))
	if err != nil {
		return nil, err
	}
	cons, err := ensureStreams(ctx, js, s)
	if err != nil {
		return nil, err
	}
	return &Worker{nc: nc, js: js, cons: cons, exec: exec, slots: max(slots, 1)}, nil
}

// Slots is how many runs the worker runs at once; Running how many it
// runs now; Done how many it has finished.
func (w *Worker) Slots() int     { return w.slots }
func (w *Worker) Running() int64 { return w.running.Load() }
func (w *Worker) Done() int64    { return w.done.Load() }

// Serve takes runs until ctx ends, then drains: it takes no new run and
// returns once the runs it took have finished.
func (w *Worker) Serve(ctx context.Context) error {
	free := make(chan struct{}, w.slots)
	for range w.slots {
		free <- struct{}{}
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		// A run is asked for only with a slot free: a learner's place in
		// the queue is the place of the run, not of a worker's backlog.
		select {
		case <-ctx.Done():
			w.draining.Store(true)
			return nil
		case <-free:
		}
		j, ok, err := w.take()
		if err != nil && ctx.Err() == nil && !errors.Is(err, nats.ErrConnectionClosed) {
			time.Sleep(100 * time.Millisecond) // NATS is away: try again
		}
		if errors.Is(err, nats.ErrConnectionClosed) {
			free <- struct{}{}
			return err
		}
		if !ok {
			free <- struct{}{}
			continue
		}
		wg.Add(1)
		w.running.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				w.running.Add(-1)
				w.done.Add(1)
				free <- struct{}{}
			}()
			w.run(j)
		}()
	}
}

// take waits a little for the next run and acknowledges it at once: from
// then on it is this worker's, and no other will ever get it.
func (w *Worker) take() (job, bool, error) {
	batch, err := w.cons.Fetch(1, jetstream.FetchMaxWait(time.Second))
	if err != nil {
		return job{}, false, err
	}
	for m := range batch.Messages() {
		// Taken even if the worker began to drain meanwhile: it finishes
		// what it took. The acknowledgement is not waited for: with at most
		// one delivery, the run is this worker's whether it arrives or not
		// (it only takes the run off the stream).
		if err := m.Ack(); err != nil {
			return job{}, false, nil
		}
		var j job
		if json.Unmarshal(m.Data(), &j) != nil || j.RunID == "" {
			return job{}, false, nil
		}
		return j, true, nil
	}
	return job{}, false, batch.Error()
}

// run executes one run: its events go out on the run's subject, its
// control messages come in, and a heartbeat says it is alive.
func (w *Worker) run(j job) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req := j.request()
	var stdinW *io.PipeWriter
	if j.Stdin {
		var r *io.PipeReader
		r, stdinW = io.Pipe()
		req.Stdin = r
		defer stdinW.Close()
	}
	// The run starts while its control messages are being subscribed to:
	// the control stream keeps a stop sent meanwhile.
	stopCtl := make(chan func(), 1)
	go func() { stopCtl <- w.followControl(ctx, j.RunID, cancel, stdinW) }()
	defer func() { (<-stopCtl)() }()

	pub := newPublisher(w.js, w.nc.IsClosed, j.RunID)
	alive := aliveSubject(j.RunID)
	_ = w.nc.Publish(alive, aliveWord(0, false))
	// The heartbeat goes on until every event is stored, past the end of
	// the program.
	beating, stopBeat := context.WithCancel(context.Background())
	defer stopBeat()
	go func() {
		beat := time.NewTicker(heartbeat)
		defer beat.Stop()
		// Cut off from NATS for workerGone, the worker is given up by the
		// web node, which has ended the run: the program is stopped too.
		lastConnected := time.Now()
		for {
			select {
			case <-beating.Done():
				return
			case <-beat.C:
				_ = w.nc.Publish(alive, aliveWord(pub.stored.Load(), false))
			}
			if w.nc.Status() == nats.CONNECTED {
				lastConnected = time.Now()
			} else if w.nc.IsClosed() || time.Since(lastConnected) > workerGone {
				cancel()
				return
			}
		}
	}()

	w.exec.Run(ctx, req, pub.event)
	if pub.close(publishRetryFor) {
		stopBeat()
		_ = w.nc.Publish(alive, aliveWord(pub.stored.Load(), true))
	}
}

// followControl passes the run's control messages on: stop cancels it,
// input goes to its standard input. It returns a function that stops it.
func (w *Worker) followControl(ctx context.Context, runID string, stop context.CancelFunc, stdin *io.PipeWriter) func() {
	cons, err := w.js.OrderedConsumer(ctx, ctlStream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{ctlSubject(runID)}})
	if err != nil {
		return func() {}
	}
	// Input is written in the order it came, by one goroutine, which
	// closes the program's input after the end of the learner's. The
	// handler never blocks on it: a stop behind input the program does not
	// read still stops the run.
	in := &inputQueue{ready: make(chan struct{}, 1)}
	closeInput := in.close
	if stdin != nil {
		go in.writeTo(ctx, stdin)
	}
	cc, err := cons.Consume(func(m jetstream.Msg) {
		var c control
		if json.Unmarshal(m.Data(), &c) != nil {
			return
		}
		switch c.Type {
		case "stop":
			stop()
		case "stdin":
			if stdin != nil {
				in.push(c.Text)
			}
		case "eof":
			closeInput()
		}
	}, jetstream.PullExpiry(2*time.Second), jetstream.PullHeartbeat(500*time.Millisecond)) // as pullBriefly
	if err != nil {
		closeInput()
		return func() {}
	}
	return func() {
		cc.Stop()
		closeInput()
	}
}

// inputQueue holds the learner's input on its way to the program.
type inputQueue struct {
	mu     sync.Mutex
	texts  []string
	closed bool
	ready  chan struct{} // something to write, or the end
}

func (q *inputQueue) push(text string) {
	q.mu.Lock()
	if !q.closed {
		q.texts = append(q.texts, text)
	}
	q.mu.Unlock()
	q.signal()
}

func (q *inputQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.signal()
}

func (q *inputQueue) signal() {
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// writeTo writes the queue to w in order, and closes w after the end.
func (q *inputQueue) writeTo(ctx context.Context, w io.WriteCloser) {
	defer w.Close()
	for {
		q.mu.Lock()
		texts, closed := q.texts, q.closed
		q.texts = nil
		q.mu.Unlock()
		for _, t := range texts {
			if _, err := io.WriteString(w, t); err != nil {
				return
			}
		}
		if closed {
			return
		}
		select {
		case <-q.ready:
		case <-ctx.Done():
			return
		}
	}
}
