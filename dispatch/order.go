package dispatch

import "mpplayground/event"

// maxOutOfOrder bounds the events an inOrder holds while it waits for one
// that is late: far more than a worker has in flight (its publishes are
// acknowledged in order, and one that failed is sent again at once).
const maxOutOfOrder = 4096

// inOrder puts a run's events back in the order of their seq. A worker
// whose publish failed (a NATS node went away) sends the event again, and
// JetStream keeps each once (its message id is the run's id and the seq),
// but the copy may come after later events; a duplicate is dropped.
type inOrder struct {
	next  int64 // the seq to emit next
	ahead map[int64]event.Event
}

func newInOrder() *inOrder {
	return &inOrder{next: 1, ahead: map[int64]event.Event{}}
}

// take passes e, and every held event that follows it, to emit in seq
// order; an event seen before is dropped.
func (o *inOrder) take(e event.Event, emit func(event.Event)) {
	switch {
	case e.Seq < o.next:
		return
	case e.Seq > o.next:
		if len(o.ahead) < maxOutOfOrder {
			o.ahead[e.Seq] = e
		}
		return
	}
	emit(e)
	o.next++
	for {
		h, ok := o.ahead[o.next]
		if !ok {
			return
		}
		delete(o.ahead, o.next)
		emit(h)
		o.next++
	}
}

// skipTo makes seq the last event already seen: a stream that resumes
// after it.
func (o *inOrder) skipTo(seq int64) {
	if seq+1 > o.next {
		o.next = seq + 1
	}
}
