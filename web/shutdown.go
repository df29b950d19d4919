package web

import (
	"context"
	"fmt"
	"time"
)

// shutdownStopMargin is the part of Shutdown's deadline kept to stop the
// runs that did not finish in time and to store them: killing a run's
// processes and writing its last events take well under a second.
const shutdownStopMargin = 3 * time.Second

// Messages to the learners whose runs the shutdown ends.
const (
	msgShutdownStopped = "Stopped: the server is shutting down. Run the program again when it is back."
	msgShutdownNotRun  = "The server is shutting down, so the program was not started. Run it again when the server is back."
	msgShutdownRefused = "The server is shutting down and takes no new runs. Run the program again when it is back."
	msgCancelledQueued = "The run was cancelled before it started."
	msgBusy            = "The server is busy. Please try again in a minute."
)

// Shutdown ends the server's work in order:
//
//  1. no new connection and no new run is accepted, and runs still waiting
//     for a slot are told that they will not start;
//  2. runs that are executing may finish, until ctx's deadline less
//     shutdownStopMargin;
//  3. the runs still going are stopped; their run.end says that the
//     server is shutting down, and they are stored as they ended;
//  4. the WebSocket connections are closed once their last events are
//     written.
//
// http.Server.Shutdown does not see hijacked WebSocket connections, so
// call both: the http.Server's first, to stop accepting.
func (s *Server) Shutdown(ctx context.Context) error {
	s.classHub.close() // the grids' event streams
	s.mu.Lock()
	s.closing = true
	open := make([]*session, 0, len(s.sessions))
	for ss := range s.sessions {
		open = append(open, ss)
	}
	s.mu.Unlock()

	for _, ss := range open {
		ss.stopForShutdown(true)
	}
	grace := ctx
	if dl, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		grace, cancel = context.WithDeadline(ctx, dl.Add(-shutdownStopMargin))
		defer cancel()
	}
	for _, ss := range open {
		ss.waitRuns(grace)
	}
	for _, ss := range open {
		ss.stopForShutdown(false)
	}
	for _, ss := range open {
		ss.waitRuns(ctx)
		ss.close()
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("web: runs still ending: %w", ctx.Err())
	}
}

// stopForShutdown stops the session's run (only one still waiting for a
// slot when queuedOnly), marking it as ended by the shutdown.
func (ss *session) stopForShutdown(queuedOnly bool) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if lr := ss.run; lr != nil && (!queuedOnly || !lr.admitted.Load()) {
		lr.shutdown.Store(true)
		lr.cancel()
	}
}

// waitRuns waits until the session's runs have ended and sent run.end, or
// until ctx is done.
func (ss *session) waitRuns(ctx context.Context) {
	done := make(chan struct{})
	go func() { ss.active.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
}
