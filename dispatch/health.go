package dispatch

import (
	"context"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Health is what a node's /healthz says of the dispatch path.
type Health struct {
	Connected bool    `json:"connected"`
	Server    string  `json:"server,omitempty"` // the NATS server this node talks to
	RTTMS     float64 `json:"rtt_ms"`
	// Waiting is how many runs are on the queue, not yet taken by a
	// worker; FreeSlots how many free worker slots are asking for one now.
	Waiting   uint64 `json:"runs_waiting"`
	FreeSlots int    `json:"free_worker_slots"`
	Error     string `json:"error,omitempty"`
}

// OK is true when runs can be dispatched.
func (h Health) OK() bool { return h.Connected && h.Error == "" }

// Health reports the connection to NATS and the work queue.
func (c *Client) Health(ctx context.Context) Health { return queueHealth(ctx, c.nc, c.cons) }

// queueHealth reports a node's connection to NATS and the work queue, as
// the workers' consumer sees it.
func queueHealth(ctx context.Context, nc *nats.Conn, cons jetstream.Consumer) Health {
	h := Health{Connected: nc.Status() == nats.CONNECTED, Server: nc.ConnectedUrlRedacted()}
	if !h.Connected {
		h.Error = "not connected to NATS (" + nc.Status().String() + ")"
		return h
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	start := time.Now()
	info, err := cons.Info(ctx)
	h.RTTMS = float64(time.Since(start).Microseconds()) / 1000
	if err != nil {
		h.Error = err.Error()
		return h
	}
	h.Waiting, h.FreeSlots = info.NumPending, info.NumWaiting
	return h
}
