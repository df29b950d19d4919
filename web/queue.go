package web

import (
	"context"
	"errors"
	"sync"
	"time"
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
	// held says since when each granted slot is in use, so that a slot a
	// run never gives back can be reported (/healthz).
	held   map[int64]time.Time
	nextID int64
}

type ticket struct {
	granted chan struct{} // closed when the run may start
	moved   chan struct{} // signalled when the place in the queue changed
}

func newAdmission(max, maxWaiting int) *admission {
	if max < 1 {
		max = 1
	}
	return &admission{max: max, maxWaiting: maxWaiting, held: map[int64]time.Time{}}
}

// enter waits for a slot. place is called with the 1-based place in the
// queue whenever it changes (never when a slot is free at once). The
// returned release must be called when the run is over.
func (a *admission) enter(ctx context.Context, place func(int)) (release func(), err error) {
	a.mu.Lock()
	if a.running < a.max && len(a.waiting) == 0 {
		a.running++
		release := a.grantLocked()
		a.mu.Unlock()
		return release, nil
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
			a.mu.Lock()
			release := a.grantLocked()
			a.mu.Unlock()
			return release, nil
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

// grantLocked notes a slot in use and returns the function, safe to call
// more than once, that gives it back.
func (a *admission) grantLocked() func() {
	id := a.nextID
	a.nextID++
	a.held[id] = time.Now()
	var o sync.Once
	return func() {
		o.Do(func() {
			a.mu.Lock()
			delete(a.held, id)
			a.mu.Unlock()
			a.release()
		})
	}
}

// stuck counts the slots held for longer than d.
func (a *admission) stuck(d time.Duration) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, since := range a.held {
		if time.Since(since) > d {
			n++
		}
	}
	return n
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
