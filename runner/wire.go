package runner

// The sandbox init (pid 1 of the run, see init.go) and the runner talk over
// three pipes passed as file descriptors 3, 4 and 5 of the init:
//
//	fd 3  runner -> init: one JSON initConfig line, then commands ("kill\n").
//	      End of file means the runner is gone: the init kills the run.
//	fd 4  init -> runner: records (wirecodec.go), in the order the init
//	      observed them.
//	fd 5  the program's standard input (read end), handed to the program.
const (
	ctlFD   = 3
	wireFD  = 4
	stdinFD = 5
)

// initConfig is everything the init needs to set up the sandbox and start
// the program.
type initConfig struct {
	RunID     string     `json:"run_id"`
	Sandbox   bool       `json:"sandbox"`
	Python    string     `json:"python"`
	Binds     []string   `json:"binds"`   // host directories made visible read-only at the same path
	Program   []byte     `json:"program"` // main.py
	Hook      []hookFile `json:"hook"`    // the startup hook
	IPC       bool       `json:"ipc"`     // report IPC events
	Limits    Limits     `json:"limits"`
	UID       int        `json:"uid"`         // the program's uid inside
	GID       int        `json:"gid"`         // the program's gid inside
	SwitchUID bool       `json:"switch_uid"`  // the init starts unmapped and becomes root of the user namespace
	DropGrps  bool       `json:"drop_groups"` // clear supplementary groups of the program
	PathDirs  []string   `json:"path_dirs"`   // PATH of the program
	Grace     int64      `json:"grace_ms"`    // how long other processes may outlive the main one
	// Per-process fallbacks for a host without the memory or pids cgroup
	// controller (0: not needed).
	AddressSpace uint64 `json:"rlimit_as"`
	Nproc        uint64 `json:"rlimit_nproc"`
}

// Commands the runner sends to the init on fd 3 after the config.
const cmdKill = "kill\n"

// record is one message on fd 4 (encoded by wirecodec.go). Exactly one of
// Event, IPC, Limit, Error is set.
type record struct {
	NS    int64     `json:"ns"` // CLOCK_MONOTONIC of the observation
	Event *Event    `json:"e,omitempty"`
	IPC   *ipcBatch `json:"ipc,omitempty"`
	Limit string    `json:"limit,omitempty"` // a limit the init itself enforced
	Where string    `json:"where,omitempty"` // for a disk limit: the full file system
	Error string    `json:"error,omitempty"` // the sandbox could not be set up
}
