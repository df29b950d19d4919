package dispatch

import (
	"context"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"mpplayground/event"
)

// How a run's events are published: asynchronously, each acknowledgement
// awaited in order, an event whose publish failed (its NATS node went
// away, the cluster is electing a leader) sent again until it is stored.
const (
	// publishAckWait is how long an acknowledgement may take before the
	// event is sent again.
	publishAckWait = 5 * time.Second
	// publishRetryFor is how long an event is sent again before it is
	// given up: past it, the web node ends the run as the worker's loss.
	publishRetryFor = 30 * time.Second
	// publishInFlight bounds the events sent and not yet acknowledged; a
	// program that writes faster waits (its output socket fills up).
	publishInFlight = 4096
)

// eventMsgID names an event for JetStream's deduplication: an event sent
// again is stored once.
func eventMsgID(runID string, seq int64) string {
	return runID + "." + strconv.FormatInt(seq, 10)
}

// publisher sends one run's events to its subject.
type publisher struct {
	js      jetstream.JetStream
	gone    func() bool // the connection is closed for good
	runID   string
	subject string
	sent    chan sentEvent
	done    chan struct{}
	lost    atomic.Bool  // an event could not be stored
	stored  atomic.Int64 // the seq of the last event stored, in order
}

type sentEvent struct {
	ack  jetstream.PubAckFuture // nil: send again at once
	seq  int64
	data []byte
}

func newPublisher(js jetstream.JetStream, gone func() bool, runID string) *publisher {
	p := &publisher{js: js, gone: gone, runID: runID, subject: eventsSubject(runID),
		sent: make(chan sentEvent, publishInFlight), done: make(chan struct{})}
	go p.confirm()
	return p
}

// event sends e; it blocks only when publishInFlight events await their
// acknowledgement.
func (p *publisher) event(e event.Event) {
	data := e.AppendJSON(nil)
	ack, err := p.js.PublishAsync(p.subject, data, jetstream.WithMsgID(eventMsgID(p.runID, e.Seq)))
	if err != nil {
		ack = nil
	}
	p.sent <- sentEvent{ack: ack, seq: e.Seq, data: data}
}

// confirm waits for each acknowledgement in order and sends again what
// failed.
func (p *publisher) confirm() {
	defer close(p.done)
	for s := range p.sent {
		if s.ack != nil {
			select {
			case <-s.ack.Ok():
				p.stored.Store(s.seq)
				continue
			case <-s.ack.Err():
			}
		}
		if p.resend(s) {
			p.stored.Store(s.seq)
		}
	}
}

func (p *publisher) resend(s sentEvent) bool {
	deadline := time.Now().Add(publishRetryFor)
	for time.Now().Before(deadline) && !p.gone() {
		ctx, cancel := context.WithTimeout(context.Background(), publishAckWait)
		_, err := p.js.Publish(ctx, p.subject, s.data, jetstream.WithMsgID(eventMsgID(p.runID, s.seq)))
		cancel()
		if err == nil {
			return true
		}
		time.Sleep(200 * time.Millisecond)
	}
	p.lost.Store(true)
	return false
}

// close waits, at most wait, until every event is stored, and says
// whether they all were.
func (p *publisher) close(wait time.Duration) bool {
	close(p.sent)
	select {
	case <-p.done:
		return !p.lost.Load()
	case <-time.After(wait):
		return false
	}
}
