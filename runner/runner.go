package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"mpplayground/event"
	"mpplayground/runner/sandbox"
)

// Default limits of a run. Each can be changed per server (flags) and per run.
const (
	DefaultWallTime    = 10 * time.Second
	DefaultMemory      = 256 << 20 // all processes of the run together, no swap
	DefaultPids        = 64        // processes (and threads) at once
	DefaultFileBytes   = 16 << 20  // the largest file a program may write
	DefaultOpenFiles   = 256       // per process
	DefaultOutputBytes = 1 << 20   // then the run is stopped
	DefaultTmpBytes    = 32 << 20  // the run's own /tmp
	DefaultShmBytes    = 64 << 20  // the run's own /dev/shm
)

// DefaultPython is the interpreter runs use unless told otherwise: python3
// on PATH, resolved to its real path.
const DefaultPython = "python3"

const (
	// mainExitGrace is how long other processes may outlive the main one
	// (the resource tracker reports leaks ~35 ms after it) before the run
	// ends them.
	mainExitGrace = 500 * time.Millisecond
	// killBackstop is how long a run that was told to stop may take to
	// report its last exits before its init is killed outright. With
	// streamDrainGrace it keeps every end of a run within a second of its
	// deadline, whatever the run does.
	killBackstop = 500 * time.Millisecond
	// streamDrainGrace is how long the init's stream may go quiet, once
	// the init is gone, before the runner stops reading it, if another
	// process holds it open (a stream only the init held is read to its
	// end).
	streamDrainGrace = 250 * time.Millisecond
	// configDeadline bounds the handing of a run's configuration to its init.
	configDeadline = 5 * time.Second
	// limitPollInterval is how often the cgroup's counters are read.
	limitPollInterval = 20 * time.Millisecond
	// sandboxUID and sandboxGID are the program's ids inside the sandbox.
	sandboxUID = 1000
	sandboxGID = 1000
	// nobodyID is the host id the program runs as when the server is root
	// but has no range of per-run uids (see uidrange.go).
	nobodyID = 65534
	// initHostID is the host id of the sandbox's init when the server is
	// root: unprivileged, and distinct from the program's.
	initHostID = 65533
	// MaxProgramBytes bounds the source of a program.
	MaxProgramBytes = 64 << 10
	// ProgramFile is the name of the program's file, as its tracebacks
	// show it ('File "/home/learner/main.py", line 3').
	ProgramFile = sandbox.ProgramName
)

// Config configures a Runner.
type Config struct {
	// Python is the interpreter; "" means python3 on PATH.
	Python string
	// NoSandbox runs programs without namespaces and cgroups. It must be
	// asked for explicitly; run.start then says so.
	NoSandbox bool
	// Limits are the defaults of every run; zero fields take the defaults above.
	Limits event.Limits
	// UIDRange holds the host uids (and gids) a root server gives its
	// runs, one each; zero means DefaultUIDRange. A server that is not
	// root cannot map other ids: its runs share its own.
	UIDRange UIDRange
	// OneRun keeps no init ready ahead of runs (see warm.go): for a
	// command that makes one run and ends, where inits started for runs
	// that never come would only take the CPU from the one that does. Its
	// one init starts in New, for a run with these Limits.
	OneRun bool

	// placeByPID moves each init into its cgroup by its pid, as on a v2
	// host, on a v1 host too (where the init is born in it, forkInside):
	// the tests' way to follow that path here.
	placeByPID bool
	// placeLag delays the move of each init into its cgroup by its pid: a
	// test's stand-in for a kernel slower to move it than the init is to
	// build the sandbox.
	placeLag time.Duration
}

// Runner runs programs. It is safe for concurrent use: runs are independent.
type Runner struct {
	cfg        Config
	python     *interpreter
	cgroups    *cgroupManager
	info       event.SandboxInfo
	probeOnce  sync.Once
	sandboxErr atomic.Pointer[error] // why the probe failed
	hostUID    int                   // the host uid all runs share without per-run uids
	hostGID    int
	uids       *uidPool // the range of per-run uids; nil when runs share hostUID
	uidsOff    string   // why runs share hostUID
	uidsLocal  string   // why per-run uids are held in this process only
	pool       initPool
	token      string // names this runner's cgroups
}

// New resolves the interpreter and finds out which protections this host
// allows. A sandbox that cannot be set up is not an error here: Run then
// fails every run with a plain message (see SandboxError).
func New(cfg Config) (*Runner, error) {
	r := &Runner{cfg: cfg, hostUID: os.Geteuid(), hostGID: os.Getegid(), token: event.NewRunID()[:8]}
	r.cfg.Limits = r.withDefaults(cfg.Limits)
	if r.hostUID == 0 {
		r.hostUID, r.hostGID = nobodyID, nobodyID
	}
	if cfg.NoSandbox {
		r.info = event.SandboxInfo{Enabled: false, Namespaces: []string{}, Cgroup: "none", UID: os.Geteuid(), HostUID: os.Geteuid()}
		r.uidsOff = "the sandbox is off"
		return r, r.findPython()
	}
	r.cgroups = detectCgroups()
	r.info = event.SandboxInfo{
		Enabled:    true,
		Namespaces: []string{"user", "pid", "mount", "network", "ipc", "uts"},
		Cgroup:     r.cgroups.version,
		Memory:     r.cgroups.has("memory"),
		Pids:       r.cgroups.has("pids"),
		CPU:        r.cgroups.has("cpu"),
		NoNewPrivs: true,
		Seccomp:    true,
		UID:        sandboxUID,
		HostUID:    r.hostUID,
	}
	if r.info.Cgroup == "" {
		r.info.Cgroup = "none"
	}
	if err := r.setUpUIDs(cfg.UIDRange); err != nil {
		return nil, err
	}
	if cfg.OneRun {
		// The init starts (and is moved into its cgroup) while the
		// interpreter is found and the caller reads its program.
		r.startFirstInit()
	}
	if err := r.findPython(); err != nil {
		r.Close()
		return nil, err
	}
	if !cfg.OneRun {
		r.SandboxError() // a server learns at once whether it can run anything
	}
	return r, nil
}

// findPython resolves the interpreter of cfg.Python.
func (r *Runner) findPython() error {
	py, err := resolveInterpreter(r.cfg.Python)
	r.python = py
	return err
}

// probe runs an empty program to prove the sandbox can be built here.
func (r *Runner) probe() error {
	var msg string
	res := r.Run(context.Background(), Request{Program: []byte("pass\n")}, func(e event.Event) {
		if e.Type == event.TypeRunEnd {
			msg = e.Message
		}
	})
	if res.Status != event.StatusOK {
		return errors.New(msg)
	}
	return nil
}

// SandboxError says why the sandbox cannot be used on this host (nil when
// it can), proved by an empty run the first time it is asked. A one-run
// runner (the CLI) does not ask: its run is the proof, and a sandbox that
// cannot be built ends it with the same sentence.
func (r *Runner) SandboxError() error {
	r.probeOnce.Do(func() {
		if r.cfg.NoSandbox {
			return
		}
		if err := r.probe(); err != nil {
			r.sandboxErr.Store(&err)
		}
	})
	return r.sandboxFailed()
}

// sandboxFailed is the probe's verdict so far: nil before it or when it
// passed.
func (r *Runner) sandboxFailed() error {
	if p := r.sandboxErr.Load(); p != nil {
		return *p
	}
	return nil
}

// Info says which protections runs get.
func (r *Runner) Info() event.SandboxInfo { return r.info }

// CgroupProblem says why cgroup limits are not (fully) active, if they are not.
func (r *Runner) CgroupProblem() string {
	if r.cgroups == nil {
		return ""
	}
	return r.cgroups.reason
}

// PythonVersion is the version of the interpreter runs use.
func (r *Runner) PythonVersion() string { return r.python.Version }

// PythonPath is the absolute path of the interpreter runs use.
func (r *Runner) PythonPath() string { return r.python.Executable }

// Limits are the runner's default limits.
func (r *Runner) Limits() event.Limits { return r.cfg.Limits }

func (r *Runner) withDefaults(l event.Limits) event.Limits {
	d := r.cfg.Limits
	pick := func(v, def, builtin int64) int64 {
		switch {
		case v > 0:
			return v
		case def > 0:
			return def
		}
		return builtin
	}
	if l.WallTime <= 0 {
		l.WallTime = d.WallTime
	}
	if l.WallTime <= 0 {
		l.WallTime = DefaultWallTime
	}
	l.WallTimeMS = l.WallTime.Milliseconds()
	l.MemoryBytes = pick(l.MemoryBytes, d.MemoryBytes, DefaultMemory)
	l.Pids = int(pick(int64(l.Pids), int64(d.Pids), DefaultPids))
	l.OutputBytes = pick(l.OutputBytes, d.OutputBytes, DefaultOutputBytes)
	l.FileBytes = pick(l.FileBytes, d.FileBytes, DefaultFileBytes)
	l.OpenFiles = int(pick(int64(l.OpenFiles), int64(d.OpenFiles), DefaultOpenFiles))
	l.TmpBytes = pick(l.TmpBytes, d.TmpBytes, DefaultTmpBytes)
	l.ShmBytes = pick(l.ShmBytes, d.ShmBytes, DefaultShmBytes)
	l.CPUs = int(pick(int64(l.CPUs), int64(d.CPUs), int64(runtime.NumCPU())))
	if n := runtime.NumCPU(); l.CPUs > n {
		l.CPUs = n
	}
	return l
}

// Request is one program to run.
type Request struct {
	// RunID names the run; "" makes a new random one.
	RunID string
	// Program is the source of main.py.
	Program []byte
	// Stdin is the program's standard input, read until end of file; nil
	// gives an empty one.
	Stdin io.Reader
	// Limits override the runner's defaults field by field.
	Limits event.Limits
	// NoIPC switches off the IPC events (queue.put, lock.acquire ...).
	NoIPC bool
	// StartMethod, one of StartMethods, is the default start method of
	// multiprocessing in the run, as a newer Python's default would be: a
	// program that chooses its own still gets it. "" keeps Python's.
	StartMethod string
}

// StartMethods are the start methods a run's default may be set to.
var StartMethods = []string{"fork", "spawn", "forkserver"}

// Result sums up a finished run; its run.end event says the same.
type Result struct {
	RunID     string
	Status    string
	ExitCode  int
	Duration  time.Duration
	OutputCut bool
	Events    int64
}

// Run executes req and calls emit for each event, in order, from the
// calling goroutine, as the events happen: run.start first, run.end last,
// always. Cancelling ctx stops the run (status "stopped"). The run's host
// uid, if it has one of its own, is given back before Run returns.
func (r *Runner) Run(ctx context.Context, req Request, emit func(event.Event)) Result {
	s := newSession(r, req, emit)
	return s.run(ctx)
}

// signalExitCode is the exit code reported for a process killed by a
// signal: minus the signal's number, as Python's Process.exitcode has it.
func signalExitCode(name string) int {
	if sig := unix.SignalNum(name); sig != 0 {
		return -int(sig)
	}
	return -1
}

// sizeText writes a byte count for a learner: "256 MiB", "1 MiB", "700 bytes".
func sizeText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// secondsText writes a duration for a learner: "10 s", "0.25 s".
func secondsText(d time.Duration) string {
	s := fmt.Sprintf("%.2f", d.Seconds())
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s + " s"
}
