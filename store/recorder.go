package store

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

// Recorder batching: a run's events are written as one chunk when any of
// these is reached, so a crash loses at most this much of a live run.
const (
	RecorderMaxEvents = 512             // events per chunk
	RecorderMaxBytes  = 256 << 10       // raw bytes per chunk
	RecorderMaxDelay  = 2 * time.Second // age of the oldest unwritten event
)

// Recorder batches the events of one running run into chunks. Add is cheap
// (it writes only when a batch is full); a timer writes a batch that waits
// too long; Finish writes the rest together with the run's completion.
// A batch whose write fails stays queued and is written with the next one,
// so a passing error loses nothing. Its methods may be called from several
// goroutines.
type Recorder struct {
	db  runWriter
	id  string
	ctx context.Context

	mu      sync.Mutex
	pending []json.RawMessage
	bytes   int
	timer   *time.Timer
	done    bool
}

// runWriter is what a Recorder writes to: a store of either back end.
type runWriter interface {
	AppendEvents(ctx context.Context, runID string, events []json.RawMessage) error
	FinishRun(ctx context.Context, runID string, f Finish) error
}

// NewRecorder returns a Recorder for the running run id. ctx bounds the
// writes made by the timer; it should live as long as the run.
func (db *DB) NewRecorder(ctx context.Context, id string) *Recorder {
	return &Recorder{db: db, id: id, ctx: ctx}
}

// Add queues one event. The bytes are copied, so the caller may reuse its
// buffer. An event that is not valid JSON is refused with ErrInvalid. Add
// returns the error of a batch write that it started; the events stay
// queued.
func (r *Recorder) Add(event json.RawMessage) error {
	if !json.Valid(event) {
		return fmt.Errorf("record event of run %s: %w: not valid JSON", r.id, ErrInvalid)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return fmt.Errorf("record event of run %s: %w", r.id, ErrFinished)
	}
	r.pending = append(r.pending, append(json.RawMessage(nil), event...))
	r.bytes += len(event)
	if len(r.pending) >= RecorderMaxEvents || r.bytes >= RecorderMaxBytes {
		return r.flushLocked()
	}
	if r.timer == nil {
		r.timer = time.AfterFunc(RecorderMaxDelay, r.flushByTimer)
	}
	return nil
}

// Flush writes the queued events now.
func (r *Recorder) Flush() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return nil
	}
	return r.flushLocked()
}

func (r *Recorder) flushByTimer() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.timer = nil
	if !r.done {
		// On failure the batch stays queued for the next write.
		_ = r.flushLocked()
	}
}

func (r *Recorder) flushLocked() error {
	if r.timer != nil {
		r.timer.Stop()
		r.timer = nil
	}
	if len(r.pending) == 0 {
		return nil
	}
	if err := r.db.AppendEvents(r.ctx, r.id, r.pending); err != nil {
		return err
	}
	r.pending, r.bytes = nil, 0
	return nil
}

// Finish writes the queued events and completes the run in one
// transaction (see Store.FinishRun). f.Events, if any, come after the queued
// ones.
func (r *Recorder) Finish(ctx context.Context, f Finish) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return fmt.Errorf("finish run %s: %w", r.id, ErrFinished)
	}
	r.done = true
	if r.timer != nil {
		r.timer.Stop()
		r.timer = nil
	}
	f.Events = append(r.pending, f.Events...)
	r.pending = nil
	return r.db.FinishRun(ctx, r.id, f)
}
