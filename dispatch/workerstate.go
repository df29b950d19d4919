package dispatch

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
)

// Health reports the worker's connection to NATS.
func (w *Worker) Health(ctx context.Context) Health { return queueHealth(ctx, w.nc, w.cons) }

// Draining is true once the worker takes no new run.
func (w *Worker) Draining() bool { return w.draining.Load() }

// Collectors are the worker's metrics: its slots, the runs it runs now and
// the runs it has finished.
func (w *Worker) Collectors() []prometheus.Collector {
	return []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "playground_worker_slots", Help: "Sandboxes this worker runs programs in at once."},
			func() float64 { return float64(w.slots) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "playground_worker_runs_running", Help: "Runs this worker runs now."},
			func() float64 { return float64(w.running.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "playground_worker_runs_total", Help: "Runs this worker has finished."},
			func() float64 { return float64(w.done.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "playground_worker_draining", Help: "1 once the worker takes no new run."},
			func() float64 {
				if w.draining.Load() {
					return 1
				}
				return 0
			}),
	}
}
