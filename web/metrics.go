package web

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"mpplayground/event"
)

// Buckets of the histograms, in seconds. A lesson's example runs for
// 0.1-1 s; the wall-time limit is 10 s by default. A queue wait is zero
// on a quiet server and tens of seconds for a class on few cores.
var (
	runDurationBuckets = []float64{0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60}
	queueWaitBuckets   = []float64{0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120}
)

// metrics are the server's Prometheus figures, in a registry of its own so
// that several servers (in tests) do not share counters.
type metrics struct {
	reg         *prometheus.Registry
	runs        *prometheus.CounterVec // by run.end status
	duration    prometheus.Histogram
	queueWait   prometheus.Histogram
	active      prometheus.Gauge
	connections prometheus.Gauge
	events      prometheus.Counter
	limits      *prometheus.CounterVec // by limit kind
}

// newMetrics makes the figures of a web node whose programs run where
// dispatch says ("in-process" or "fleet").
func newMetrics(a *admission, dispatch string) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "playground_runs_total",
			Help: "Runs that ended, by the status of their run.end.",
		}, []string{"status"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "playground_run_duration_seconds",
			Help:    "Duration of a run, from run.start to run.end, as run.end reports it.",
			Buckets: runDurationBuckets,
		}),
		queueWait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "playground_queue_wait_seconds",
			Help:    "Time a run waited for a free slot before it started.",
			Buckets: queueWaitBuckets,
		}),
		active: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "playground_runs_active",
			Help: "Runs executing now.",
		}),
		connections: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "playground_websocket_connections",
			Help: "Open WebSocket connections.",
		}),
		events: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "playground_events_streamed_total",
			Help: "Events of runs sent to learners.",
		}),
		limits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "playground_limits_hit_total",
			Help: "Limits that stopped a run, by kind.",
		}, []string{"kind"}),
	}
	queued := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "playground_runs_queued",
		Help: "Runs waiting for a free slot.",
	}, func() float64 { _, waiting := a.load(); return float64(waiting) })
	slots := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "playground_run_slots",
		Help: "Runs that may execute at once (--max-runs).",
	})
	slots.Set(float64(a.max))
	node := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "playground_node_info",
		Help:        "1, labelled with the node's role and where its programs run.",
		ConstLabels: prometheus.Labels{"role": "web", "dispatch": dispatch},
	})
	node.Set(1)
	m.reg.MustRegister(m.runs, m.duration, m.queueWait, m.active, m.connections, m.events, m.limits,
		queued, slots, node,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Every status and kind is exported from the start, at zero, so that
	// rates and alerts work before the first of each.
	for _, s := range []string{event.StatusOK, event.StatusError, event.StatusTimeout, event.StatusLimit, event.StatusStopped, event.StatusInternalError} {
		m.runs.WithLabelValues(s)
	}
	for _, k := range []string{event.LimitWallTime, event.LimitCPUTime, event.LimitMemory, event.LimitPids, event.LimitOutput, event.LimitDisk} {
		m.limits.WithLabelValues(k)
	}
	return m
}

// runEnded counts a finished run.
func (m *metrics) runEnded(status string, d time.Duration) {
	m.runs.WithLabelValues(status).Inc()
	m.duration.Observe(d.Seconds())
}

// load returns the runs executing and the runs waiting.
func (a *admission) load() (running, waiting int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.running, len(a.waiting)
}

// handleMetrics serves the figures in Prometheus's text format.
func (s *Server) handleMetrics() http.Handler {
	return promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{
		ErrorLog: promErrorLog{s}, ErrorHandling: promhttp.ContinueOnError,
	})
}

// promErrorLog passes the exporter's errors to the server's log.
type promErrorLog struct{ s *Server }

func (l promErrorLog) Println(v ...any) { l.s.log.Error("metrics", "err", v) }
