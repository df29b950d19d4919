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
	LimitEvents   = "events" // the run's budget of events and bytes
)

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
}
