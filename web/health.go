package web

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"mpplayground/event"
	"mpplayground/runner"
	"mpplayground/store"
)

// healthDBTimeout bounds the database read of /healthz: a health check
// must answer quickly, and a database that cannot answer a one-row read in
// this time is not serving learners either.
const healthDBTimeout = 2 * time.Second

// SandboxReporter says which protections guard the runs; *runner.Runner
// satisfies it. Without one (Config.Sandbox nil) /healthz reports the
// sandbox as unknown.
type SandboxReporter interface {
	Info() event.SandboxInfo
	SandboxError() error
	CgroupProblem() string
}

var _ SandboxReporter = (*runner.Runner)(nil)

// health is the body of /healthz.
type health struct {
	OK           bool           `json:"ok"`
	ShuttingDown bool           `json:"shutting_down"`
	Sandbox      healthSandbox  `json:"sandbox"`
	Database     healthDB       `json:"database"`
	Queue        healthQueue    `json:"queue"`
	Dispatch     healthDispatch `json:"dispatch"`
}

// healthDispatch says where the programs run: "in-process" on this
// node's sandbox, or "fleet" on workers, with the fleet's report.
type healthDispatch struct {
	Path   string `json:"path"`
	OK     bool   `json:"ok"`
	Report any    `json:"report,omitempty"`
}

type healthSandbox struct {
	// Known is false when no SandboxReporter is configured (a test
	// double runs the programs).
	Known bool `json:"known"`
	*event.SandboxInfo
	// Error says why programs cannot run; CgroupProblem why the cgroup
	// limits are not (all) active. Both are absent when all is well.
	Error         string `json:"error,omitempty"`
	CgroupProblem string `json:"cgroup_problem,omitempty"`
}

type healthDB struct {
	Kept      bool    `json:"kept"` // runs are kept in a database
	Reachable bool    `json:"reachable"`
	LatencyMS float64 `json:"latency_ms"`
	Error     string  `json:"error,omitempty"`
}

type healthQueue struct {
	Running    int `json:"running"`
	Waiting    int `json:"waiting"`
	MaxRunning int `json:"max_running"`
	MaxWaiting int `json:"max_waiting"`
	// Stuck counts run slots held far longer than a run may last: a run
	// that never gave its slot back.
	Stuck int `json:"stuck"`
}

// handleHealth reports whether the server can do its work: 200 when it
// can run programs and keep them, 503 when the sandbox cannot be built,
// the database does not answer, a run slot is stuck, or the server is
// shutting down.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	h := health{OK: true, ShuttingDown: s.isClosing()}
	if sr := s.cfg.Sandbox; sr != nil {
		info := sr.Info()
		h.Sandbox = healthSandbox{Known: true, SandboxInfo: &info, CgroupProblem: sr.CgroupProblem()}
		if err := sr.SandboxError(); err != nil {
			h.Sandbox.Error = err.Error()
			h.OK = false
		}
	}
	h.Database = s.checkDatabase(r.Context())
	if h.Database.Kept && !h.Database.Reachable {
		h.OK = false
	}
	h.Dispatch = healthDispatch{Path: "in-process", OK: true}
	if f := s.cfg.Fleet; f != nil {
		ok, report := f.DispatchHealth(r.Context())
		h.Dispatch = healthDispatch{Path: "fleet", OK: ok, Report: report}
		h.OK = h.OK && ok
	}
	running, waiting := s.admission.load()
	h.Queue = healthQueue{Running: running, Waiting: waiting, MaxRunning: s.admission.max, MaxWaiting: s.admission.maxWaiting,
		Stuck: s.admission.stuck(s.cfg.SlotStuckAfter)}
	if h.ShuttingDown || h.Queue.Stuck > 0 {
		h.OK = false
	}
	status := http.StatusOK
	if !h.OK {
		status = http.StatusServiceUnavailable
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(h)
}

// checkDatabase reads the newest run: one indexed row.
func (s *Server) checkDatabase(ctx context.Context) healthDB {
	if s.cfg.Runs == nil {
		return healthDB{}
	}
	ctx, cancel := context.WithTimeout(ctx, healthDBTimeout)
	defer cancel()
	start := time.Now()
	_, err := s.cfg.Runs.ListRuns(ctx, store.Filter{Limit: 1})
	d := healthDB{Kept: true, Reachable: err == nil, LatencyMS: float64(time.Since(start).Microseconds()) / 1000}
	if err != nil {
		d.Error = err.Error()
		s.log.Error("health: the database does not answer", "err", err)
	}
	return d
}

// isClosing is true once Shutdown has begun.
func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}
