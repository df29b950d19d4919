package record

// The startup hook's IPC module writes its reports as lines that start with
// IPCPrefix, in datagrams of many lines (the runner's ipc.go reads their
// fields). The init passes them on in IPCBatch records, unread, up to the
// bounds below; the runner turns them into events.
const (
	IPCPrefix = '\x01'
	// MaxIPCObjects bounds the objects (queues, pipes, locks, tasks ...) the
	// reports of one run may name.
	MaxIPCObjects = 4096
	// MaxIPCEvents bounds the IPC events of one run; past it they are
	// dropped, after one ipc.truncated event says so. (Each process also
	// stops reporting after PLAYGROUND_IPC_BUDGET, 10,000, events of its
	// own, so that a hot loop does not pay for reports nobody will see.)
	MaxIPCEvents = 30000
	// IPCForwardLines bounds the report lines of a run the init passes on:
	// enough for the runner to report MaxIPCEvents events shared among the
	// objects (it drops an object's events past its share, so it reads more
	// than it reports), name the objects and say what is cut.
	IPCForwardLines = 4*MaxIPCEvents + 2*MaxIPCObjects + 1
	// IPCForwardBytes bounds the bytes of report lines of a run the init
	// passes on (an honest report is about 100 bytes).
	IPCForwardBytes = 16 << 20
)
