package web

import (
	"context"
	"errors"
	"sync"
)

// errBusy means the queue of waiting runs is full.
var errBusy = errors.New("too many runs are waiting")

// admission lets at most max runs execute at once and queues the others in
// order of arrival, telling each waiter its place.
type admission struct {
	mu         sync.Mutex
	max        int
	maxWaiting int
	running    int
	waiting    []*ticket
}

type ticket struct {
	granted chan struct{} // closed when the run may start
	moved   chan struct{} // signalled when the place in the queue changed
}

func newAdmission(max, maxWaiting int) *admission {
	if max < 1 {
		max = 1
	}
	return &admission{max: max, maxWaiting: maxWaiting}
}

// enter waits for a slot. place is called with the 1-based place in the
// queue whenever it changes (never when a slot is free at once). The
// returned release must be called when the run is over.
func (a *admission) enter(ctx context.Context, place func(int)) (release func(), err error) {
	a.mu.Lock()
	if a.running < a.max && len(a.waiting) == 0 {
		a.running++
		a.mu.Unlock()
		return a.once(), nil
	}
	if len(a.waiting) >= a.maxWaiting {
		a.mu.Unlock()
		return nil, errBusy
	}
	t := &ticket{granted: make(chan struct{}), moved: make(chan struct{}, 1)}
	a.waiting = append(a.waiting, t)
	pos := len(a.waiting)
	a.mu.Unlock()

	place(pos)
	for {
		select {
		case <-t.granted:
			return a.once(), nil
		case <-t.moved:
			a.mu.Lock()
			p := a.indexOf(t) + 1
			a.mu.Unlock()
			if p > 0 && p != pos {
				pos = p
				place(pos)
			}
		case <-ctx.Done():
			a.mu.Lock()
			if i := a.indexOf(t); i >= 0 {
				a.waiting = append(a.waiting[:i], a.waiting[i+1:]...)
				a.notifyLocked()
				a.mu.Unlock()
				return nil, ctx.Err()
			}
			a.mu.Unlock()
			// Granted while being cancelled: hand the slot back.
			a.release()
			return nil, ctx.Err()
		}
	}
}

func (a *admission) once() func() {
	var o sync.Once
	return func() { o.Do(a.release) }
}

func (a *admission) release() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.waiting) > 0 {
		t := a.waiting[0]
		a.waiting = a.waiting[1:]
		close(t.granted) // the slot passes straight to the next waiter
		a.notifyLocked()
		return
	}
	a.running--
}

func (a *admission) indexOf(t *ticket) int {
	for i, w := range a.waiting {
		if w == t {
			return i
		}
	}
	return -1
}

func (a *admission) notifyLocked() {
	for _, w := range a.waiting {
		select {
		case w.moved <- struct{}{}:
		default:
		}
	}
}
