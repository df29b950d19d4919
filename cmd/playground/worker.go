package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"mpplayground/cmd/playground/internal/cli"
	"mpplayground/dispatch"
	"mpplayground/runner"
)

// workerOptions are the flags of `playground worker`.
type workerOptions struct {
	NATS   natsFlags
	Slots  int
	Addr   string // health and metrics
	Runner *cli.RunnerFlags
}

// workerCmd runs programs that web nodes put on the dispatch's queue,
// until SIGTERM or SIGINT; then it drains: it finishes the runs it has and
// takes no other.
func workerCmd(args []string) int {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	var o workerOptions
	o.NATS.add(fs, "`URLs` of the NATS servers (comma-separated) on which web nodes (playground serve --nats) queue the runs")
	fs.IntVar(&o.Slots, "slots", 0, "programs run at once (default: the number of CPUs)")
	fs.StringVar(&o.Addr, "addr", ":9090", "address of /healthz and /metrics")
	o.Runner = cli.AddRunnerFlags(fs)
	logFormat := addLogFormatFlag(fs)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: playground worker --nats URL [flags]\n\nRuns the programs that web nodes queue on NATS.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := cli.ParseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 || o.NATS.URL == "" {
		fmt.Fprintln(os.Stderr, "playground worker: --nats URL is required, and nothing else")
		return 2
	}
	return untilSignal(logFormat, func(ctx context.Context, log *slog.Logger) error {
		return work(ctx, o, log, nil)
	})
}

// work runs the worker until ctx is done and its runs have ended. ready,
// if not nil, is called with the address of /healthz.
func work(ctx context.Context, o workerOptions, log *slog.Logger, ready func(net.Addr)) error {
	rcfg, err := o.Runner.Config()
	if err != nil {
		return err
	}
	slots := o.Slots
	if slots <= 0 {
		slots = runtime.NumCPU()
	}
	run, err := runner.New(rcfg)
	if err != nil {
		return fmt.Errorf("start runner: %w", err)
	}
	defer run.Close()
	describeRunner(log, run)
	if err := checkUIDCapacity(run, slots); err != nil {
		return err
	}
	nc, err := connectNATS(o.NATS.URL, o.NATS.Token, "playground worker", log)
	if err != nil {
		return err
	}
	defer nc.Close()
	var w *dispatch.Worker
	err = retryStartup(ctx, "the dispatch's streams", func(ctx context.Context) error {
		w, err = dispatch.NewWorker(ctx, nc, o.NATS.streams(), run, slots)
		return err
	})
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.Addr, err)
	}
	srv := &http.Server{Handler: workerHandler(w, run), ReadHeaderTimeout: readHeaderTimeout}
	go srv.Serve(ln)
	defer srv.Close()
	log.Info("worker takes runs", "nats", o.NATS.URL, "slots", slots, "health", browserURL(ln.Addr())+"/healthz")
	if ready != nil {
		ready(ln.Addr())
	}
	err = w.Serve(ctx)
	log.Info("worker stopped", "runs_done", w.Done())
	return err
}

// workerHealth is the body of a worker's /healthz.
type workerHealth struct {
	OK       bool            `json:"ok"`
	Role     string          `json:"role"` // "worker"
	Draining bool            `json:"draining"`
	Slots    int             `json:"slots"`
	Running  int64           `json:"running"`
	Done     int64           `json:"done"`
	Sandbox  string          `json:"sandbox_error,omitempty"`
	Dispatch dispatch.Health `json:"dispatch"`
}

// workerHandler serves a worker's /healthz (200 while it can take runs,
// 503 when it cannot or drains) and /metrics.
func workerHandler(w *dispatch.Worker, run *runner.Runner) http.Handler {
	reg := prometheus.NewRegistry()
	node := prometheus.NewGauge(prometheus.GaugeOpts{Name: "playground_node_info",
		Help: "1, labelled with the node's role.", ConstLabels: prometheus.Labels{"role": "worker"}})
	node.Set(1)
	reg.MustRegister(node, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(w.Collectors()...)
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(rw http.ResponseWriter, r *http.Request) {
		h := workerHealth{Role: "worker", Draining: w.Draining(), Slots: w.Slots(), Running: w.Running(), Done: w.Done(),
			Dispatch: w.Health(r.Context())}
		if err := run.SandboxError(); err != nil {
			h.Sandbox = err.Error()
		}
		h.OK = h.Dispatch.OK() && h.Sandbox == "" && !h.Draining
		rw.Header().Set("Content-Type", "application/json")
		rw.Header().Set("Cache-Control", "no-store")
		if !h.OK {
			rw.WriteHeader(http.StatusServiceUnavailable)
		}
		json.NewEncoder(rw).Encode(h)
	})
	return mux
}
