package web

import (
	"context"
	"time"

	"mpplayground/event"
	"mpplayground/runner"
)

// Fleet runs the programs on workers elsewhere (package dispatch, wired by
// cmd/playground): with one, a web node keeps nothing a learner depends on.
// The run's place in the fleet's queue is told to the page, and a page that
// reconnects to another web node resumes its run there.
type Fleet interface {
	// RunPlaced is Executor.Run that also tells place the run's place in
	// the queue (1: next) while it waits for a worker.
	RunPlaced(ctx context.Context, req runner.Request, emit func(event.Event), place func(int)) runner.Result
	// Follow emits a run's events after seq after, as they come, until
	// its run.end; an error when the fleet no longer has the run.
	Follow(ctx context.Context, runID string, after int64, emit func(event.Event)) error
	// DispatchHealth says whether runs can be dispatched, and what
	// /healthz shows of the dispatch path.
	DispatchHealth(ctx context.Context) (ok bool, report any)
}

// followFor bounds a page's resumed run followed from the fleet: the
// longest a run may go on, and more.
const followFor = 10 * time.Minute

// execute runs the live run's program: on the fleet when there is one,
// telling the page its place in the fleet's queue, else in this process.
func (lr *liveRun) execute() {
	srv := lr.ss.srv
	if srv.cfg.Fleet == nil {
		srv.cfg.Executor.Run(lr.ctx, lr.req, lr.onEvent)
		return
	}
	srv.cfg.Fleet.RunPlaced(lr.ctx, lr.req, lr.onEvent, func(pos int) {
		lr.ss.sendJSON(queuedMessage{Type: "queued", Position: pos})
	})
}

// resumeFromFleet sends a page the rest of a run that another web node
// started, if it is this learner's: its owner is read from the shared
// store, its events from the fleet.
func (ss *session) resumeFromFleet(m clientMessage) {
	cfg := ss.srv.cfg
	if cfg.Fleet == nil || cfg.Runs == nil || !event.ValidRunID(m.RunID) {
		ss.sendError("That run is no longer available.")
		return
	}
	if !ss.resuming.CompareAndSwap(false, true) {
		ss.sendError("A run is already being resumed on this connection.")
		return
	}
	go func() {
		defer ss.resuming.Store(false)
		ctx, cancel := context.WithTimeout(ss.ctx, followFor)
		defer cancel()
		r, err := cfg.Runs.GetRun(ctx, m.RunID)
		if err != nil || r.Learner != ss.learner {
			ss.sendError("That run is no longer available.")
			return
		}
		var buf []byte
		err = cfg.Fleet.Follow(ctx, m.RunID, m.After, func(ev event.Event) {
			buf = ev.AppendJSON(buf[:0])
			ss.enqueue(append([]byte(nil), buf...))
		})
		if err != nil && ctx.Err() == nil {
			ss.log.Warn("resume a run from the fleet", "run", m.RunID, "err", err)
			ss.sendError("That run is no longer available.")
		}
	}()
}
