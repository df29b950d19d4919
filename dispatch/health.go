package dispatch

import (
	"context"
	"time"

	"github.com/nats-io/nats.go"
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
func (c *Client) Health(ctx context.Context) Health {
	return connHealth(ctx, c.nc, func(ctx context.Context, h *Health) error {
		info, err := c.cons.Info(ctx)
		if err != nil {
			return err
		}
		h.Waiting, h.FreeSlots = info.NumPending, info.NumWaiting
		return nil
	})
}

// connHealth reports the connection, then what more adds.
func connHealth(ctx context.Context, nc *nats.Conn, more func(context.Context, *Health) error) Health {
	h := Health{Connected: nc.Status() == nats.CONNECTED, Server: nc.ConnectedUrlRedacted()}
	if !h.Connected {
		h.Error = "not connected to NATS (" + nc.Status().String() + ")"
		return h
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	start := time.Now()
	if err := more(ctx, &h); err != nil {
		h.Error = err.Error()
	}
	h.RTTMS = float64(time.Since(start).Microseconds()) / 1000
	return h
}
