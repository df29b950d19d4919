package event

// Event types of the run's event stream.
const (
	TypeRunStart  = "run.start"
	TypeProcStart = "proc.start"
	TypeProcExec  = "proc.exec"
	TypeOutput    = "output"
	TypeProcExit  = "proc.exit"
	TypeLimit     = "limit"
	TypeRunEnd    = "run.end"

	// IPC events (docs/events.md, "What flows between processes").
	TypeQueuePut    = "queue.put"
	TypeQueueGet    = "queue.get"
	TypePipeSend    = "pipe.send"
	TypePipeRecv    = "pipe.recv"
	TypePoolSubmit  = "pool.submit"
	TypePoolStart   = "pool.start"
	TypePoolDone    = "pool.done"
	TypeShmWrite    = "shm.write"
	TypeLockAcquire = "lock.acquire"
	TypeLockRelease = "lock.release"

	// TypeIPCTruncated says that further IPC events of a process, or of
	// the run, are not reported.
	TypeIPCTruncated = "ipc.truncated"

	// Waits (docs/events.md, "Waits"): a process blocks on a
	// multiprocessing object, and stops waiting.
	TypeWaitBegin = "wait.begin"
	TypeWaitEnd   = "wait.end"

	// TypeDiagnosis says why a run is stuck (docs/diagnosis.md).
	TypeDiagnosis = "diagnosis"
)

// Run statuses carried by run.end.
const (
	StatusOK            = "ok"
	StatusError         = "error"
	StatusTimeout       = "timeout"
	StatusLimit         = "limit"
	StatusStopped       = "stopped"
	StatusInternalError = "internal_error"
)

// Limit kinds carried by limit events.
const (
	LimitWallTime = "wall_time"
	LimitCPUTime  = "cpu_time"
	LimitMemory   = "memory"
	LimitPids     = "pids"
	LimitOutput   = "output"
	LimitDisk     = "disk"
	LimitEvents   = "events"   // the run's budget of events and bytes
	LimitDeadlock = "deadlock" // a deadlock the runner is certain of
)

// Patterns of the diagnosis event (docs/diagnosis.md): why a run is stuck.
const (
	PatternJoinBeforeDrain    = "join-before-drain"
	PatternMissingSentinel    = "missing-sentinel"
	PatternLockOrder          = "lock-order"
	PatternLockNotReleased    = "lock-not-released"
	PatternRecvNoSender       = "recv-no-sender"
	PatternPoolNotClosed      = "pool-not-closed"
	PatternResultNeverReady   = "result-never-ready"
	PatternBarrierTooFew      = "barrier-too-few"
	PatternEventNeverSet      = "event-never-set"
	PatternDaemonWithChildren = "daemon-with-children"
	PatternMainGuardMissing   = "main-guard-missing"
	PatternUnknownWait        = "unknown-wait"
)

// Frame is one frame of a process's Python stack, as a diagnosis shows it:
// the learner's own frames only.
type Frame struct {
	File     string `json:"file"`
	Line     int    `json:"line"`
	Function string `json:"function"`
}

// Event is one object of a run's event stream. Every event has Seq, T and
// Type; the other fields belong to particular types and are omitted from
// the JSON form when they do not apply. Fields whose zero value is
// meaningful (an exit code of 0) are pointers.
type Event struct {
	Seq  int64   `json:"seq"`
	T    float64 `json:"t"`
	Type string  `json:"type"`

	// run.start
	RunID   string       `json:"run_id,omitempty"`
	Python  string       `json:"python,omitempty"`
	Limits  *Limits      `json:"limits,omitempty"`
	Sandbox *SandboxInfo `json:"sandbox,omitempty"`

	// proc.start, proc.exec, output, proc.exit
	PID    int      `json:"pid,omitempty"`
	PPID   *int     `json:"ppid,omitempty"`
	Name   string   `json:"name,omitempty"`
	Via    string   `json:"via,omitempty"`
	Argv   []string `json:"argv,omitempty"`
	Stream string   `json:"stream,omitempty"`
	Text   string   `json:"text,omitempty"`
	Code   *int     `json:"code,omitempty"`
	Signal string   `json:"signal,omitempty"`

	// limit
	Kind string `json:"kind,omitempty"`

	// limit and run.end
	Message string `json:"message,omitempty"`

	// run.end
	Status     string   `json:"status,omitempty"`
	ExitCode   *int     `json:"exit_code,omitempty"`
	DurationMS *float64 `json:"duration_ms,omitempty"`

	// IPC events: the object concerned (one id per object in every
	// process), and what happened to it.
	Queue    string   `json:"queue,omitempty"`
	Pipe     string   `json:"pipe,omitempty"`
	End      *int     `json:"end,omitempty"`
	Pool     string   `json:"pool,omitempty"`
	Task     string   `json:"task,omitempty"`
	Function string   `json:"function,omitempty"`
	Lock     string   `json:"lock,omitempty"`
	Shm      string   `json:"shm,omitempty"`
	Object   string   `json:"object,omitempty"`
	Msg      string   `json:"msg,omitempty"`
	Index    *int     `json:"index,omitempty"`
	Summary  string   `json:"summary,omitempty"`
	Size     *int     `json:"size,omitempty"`
	WaitedMS *float64 `json:"waited_ms,omitempty"`
	Error    string   `json:"error,omitempty"`
	Op       string   `json:"op,omitempty"` // wait events

	// diagnosis: the pattern, the processes it concerns, and their stacks
	// by pid.
	Pattern string          `json:"pattern,omitempty"`
	PIDs    []int           `json:"pids,omitempty"`
	Stacks  map[int][]Frame `json:"stacks,omitempty"`
}
