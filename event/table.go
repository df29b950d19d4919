package event

// Spec is one event type of the contract and the fields it may carry
// besides seq, t and type, as the tables of docs/events.md list them.
type Spec struct {
	Type   string
	Fields []string
	IPC    bool // an IPC event: it also carries pid, the process it happened in
}

// Table is the contract, in the order of docs/events.md. The Event struct
// has exactly these fields (and seq, t, type); the docs' tables, the
// startup hook's reports and the page's code are tested against it.
var Table = []Spec{
	{Type: TypeRunStart, Fields: []string{"run_id", "python", "limits", "sandbox"}},
	{Type: TypeProcStart, Fields: []string{"pid", "ppid", "name", "via"}},
	{Type: TypeProcExec, Fields: []string{"pid", "argv"}},
	{Type: TypeOutput, Fields: []string{"pid", "stream", "text"}},
	{Type: TypeProcExit, Fields: []string{"pid", "code", "signal"}},
	{Type: TypeLimit, Fields: []string{"kind", "message"}},
	{Type: TypeRunEnd, Fields: []string{"status", "exit_code", "duration_ms", "message"}},

	{Type: TypeQueuePut, IPC: true, Fields: []string{"queue", "name", "object", "msg", "summary", "size"}},
	{Type: TypeQueueGet, IPC: true, Fields: []string{"queue", "name", "object", "msg", "summary", "size", "waited_ms"}},
	{Type: TypePipeSend, IPC: true, Fields: []string{"pipe", "name", "end", "summary", "size"}},
	{Type: TypePipeRecv, IPC: true, Fields: []string{"pipe", "name", "end", "summary", "size", "waited_ms"}},
	{Type: TypePoolSubmit, IPC: true, Fields: []string{"pool", "task", "function"}},
	{Type: TypePoolStart, IPC: true, Fields: []string{"pool", "task", "function"}},
	{Type: TypePoolDone, IPC: true, Fields: []string{"pool", "task", "function", "summary", "error"}},
	{Type: TypeShmWrite, IPC: true, Fields: []string{"shm", "name", "object", "index", "summary"}},
	{Type: TypeLockAcquire, IPC: true, Fields: []string{"lock", "name", "object", "waited_ms"}},
	{Type: TypeLockRelease, IPC: true, Fields: []string{"lock", "name", "object"}},
	{Type: TypeIPCTruncated, IPC: true, Fields: []string{"message", "queue", "pipe", "pool", "lock", "shm", "name"}},

	{Type: TypeWaitBegin, Fields: []string{"pid", "object", "op"}},
	{Type: TypeWaitEnd, Fields: []string{"pid", "object", "op", "waited_ms"}},

	{Type: TypeDiagnosis, Fields: []string{"pattern", "pids", "message", "stacks"}},
}

// The closed sets of values of the contract.
var (
	Statuses   = []string{StatusOK, StatusError, StatusTimeout, StatusLimit, StatusStopped, StatusInternalError}
	LimitKinds = []string{LimitWallTime, LimitCPUTime, LimitMemory, LimitPids, LimitOutput, LimitDisk, LimitEvents, LimitDeadlock}
	Vias       = []string{"exec", "fork", "spawn", "forkserver"}
	Streams    = []string{"stdout", "stderr"}
	WaitOps    = []string{"get", "put", "recv", "send", "acquire", "wait", "join", "result"}
	Patterns   = []string{PatternJoinBeforeDrain, PatternMissingSentinel, PatternLockOrder, PatternLockNotReleased,
		PatternRecvNoSender, PatternPoolNotClosed, PatternResultNeverReady, PatternBarrierTooFew,
		PatternEventNeverSet, PatternDaemonWithChildren, PatternMainGuardMissing, PatternUnknownWait}
)

var specs = func() map[string]*Spec {
	m := make(map[string]*Spec, len(Table))
	for i := range Table {
		m[Table[i].Type] = &Table[i]
	}
	return m
}()

// Known reports whether typ is a type of the contract.
func Known(typ string) bool { return specs[typ] != nil }

// IsIPC reports whether typ is the type of an IPC event.
func IsIPC(typ string) bool {
	s := specs[typ]
	return s != nil && s.IPC
}

// FieldsOf is every field an event of type typ may carry besides seq, t
// and type (with pid for an IPC event); nil for an unknown type.
func FieldsOf(typ string) []string {
	s := specs[typ]
	if s == nil {
		return nil
	}
	if s.IPC {
		return append([]string{"pid"}, s.Fields...)
	}
	return s.Fields
}
