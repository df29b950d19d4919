package store

import (
	"context"
	"sync"
	"time"
)

// Retention defaults.
const (
	DefaultKeepRuns      = 100000      // runs kept when Retention.Keep is 0
	DefaultPruneInterval = time.Minute // time between passes
	DefaultPruneBatch    = 200         // runs deleted per write transaction
)

// Retention configures StartRetention. The zero value gives the defaults.
type Retention struct {
	Keep     int           // newest runs kept; 0 means DefaultKeepRuns
	Interval time.Duration // between passes; 0 means DefaultPruneInterval
	Batch    int           // runs per delete transaction; 0 means DefaultPruneBatch
	// OnError, when set, is told of a failed pass (the next pass retries).
	OnError func(error)
}

type retention struct {
	cancel context.CancelFunc
	done   chan struct{}
}

func (r *retention) stop() {
	r.cancel()
	<-r.done
}

// background is the work a store does on its own until it is closed:
// retention. Both back ends embed it.
type background struct {
	mu        sync.Mutex
	closed    bool
	retention *retention
}

// startRetention starts a goroutine that calls prune at once and then every
// cfg.Interval, until stopBackground. Calling it again replaces the
// previous configuration.
func (bg *background) startRetention(cfg Retention, prune func(ctx context.Context, keep, batch int) (int, error)) {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultPruneInterval
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &retention{cancel: cancel, done: make(chan struct{})}

	bg.mu.Lock()
	if bg.closed {
		bg.mu.Unlock()
		cancel()
		return
	}
	old := bg.retention
	bg.retention = r
	bg.mu.Unlock()
	if old != nil {
		old.stop()
	}

	go func() {
		defer close(r.done)
		t := time.NewTicker(cfg.Interval)
		defer t.Stop()
		for {
			if _, err := prune(ctx, cfg.Keep, cfg.Batch); err != nil && ctx.Err() == nil && cfg.OnError != nil {
				cfg.OnError(err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// stopBackground marks the store closed and waits for its background work
// to stop. It returns false when the store was already closed.
func (bg *background) stopBackground() bool {
	bg.mu.Lock()
	if bg.closed {
		bg.mu.Unlock()
		return false
	}
	bg.closed = true
	ret := bg.retention
	bg.retention = nil
	bg.mu.Unlock()

	if ret != nil {
		ret.stop()
	}
	return true
}
