// Package record is what the runner (in the server) and the sandbox's init
// (pid 1 of a run) say to each other, over three pipes passed as file
// descriptors 3, 4 and 5 of the init:
//
//	fd 3  runner -> init: one JSON Config line and the hook's files
//	      (HookBlob), CmdGo, then commands (CmdKill, CmdProbe).
//	      End of file means the runner is gone: the init kills the run.
//	fd 4  init -> runner: records (codec.go), in the order the init
//	      observed them.
//	fd 5  the program's standard input (read end), handed to the program.
//
// The init shares the sandbox with the program, so the runner takes every
// record as untrusted input.
package record

import (
	"fmt"
	"io"

	"golang.org/x/sys/unix"

	"mpplayground/event"
)

// The init's descriptors.
const (
	CtlFD   = 3
	WireFD  = 4
	StdinFD = 5
)

// Config is everything the init needs to set up the sandbox and start the
// program.
type Config struct {
	RunID   string   `json:"run_id"`
	Sandbox bool     `json:"sandbox"`
	Python  string   `json:"python"`
	Binds   []string `json:"binds"`   // host directories made visible read-only at the same path
	Program []byte   `json:"program"` // main.py
	// Hook is the startup hook: its files follow the line as raw bytes
	// (HookBlob), of the sizes HookSizes gives. As base64 in the JSON they
	// were three quarters of the line, and decoding them most of the time
	// the init took to read it.
	Hook      []HookFile `json:"-"`
	HookSizes []HookSize `json:"hook_sizes"`
	IPC       bool       `json:"ipc"` // report IPC events
	// StartMethod is multiprocessing's default start method in the run
	// ("": Python's own).
	StartMethod string       `json:"start_method,omitempty"`
	Limits      event.Limits `json:"limits"`
	UID         int          `json:"uid"`         // the program's uid inside
	GID         int          `json:"gid"`         // the program's gid inside
	SwitchUID   bool         `json:"switch_uid"`  // the init starts unmapped and becomes root of the user namespace
	DropGrps    bool         `json:"drop_groups"` // clear supplementary groups of the program
	PathDirs    []string     `json:"path_dirs"`   // PATH of the program
	Grace       int64        `json:"grace_ms"`    // how long other processes may outlive the main one
	// Per-process fallbacks for a host without the memory or pids cgroup
	// controller (0: not needed).
	AddressSpace uint64 `json:"rlimit_as"`
	Nproc        uint64 `json:"rlimit_nproc"`
}

// MaxOutputText bounds the text of one output event: the init merges
// consecutive writes of a process up to it and cuts a longer write into
// several events.
const MaxOutputText = 64 << 10

// HookSize names one file of the startup hook and the sizes of its source
// and compiled form, as they follow the config line.
type HookSize struct {
	Name    string `json:"name"`
	Source  int    `json:"source"`
	PycName string `json:"pyc_name"`
	Pyc     int    `json:"pyc"`
}

// MaxHookBytes bounds the hook's files as the init reads them.
const MaxHookBytes = 4 << 20

// HookBlob is how the hook's files travel after the config line: their
// sizes, for the line, and their bytes one after the other (each source,
// then its compiled form).
func HookBlob(files []HookFile) ([]HookSize, []byte) {
	sizes := make([]HookSize, 0, len(files))
	var blob []byte
	for _, f := range files {
		sizes = append(sizes, HookSize{Name: f.Name, Source: len(f.Source), PycName: f.PycName, Pyc: len(f.Pyc)})
		blob = append(append(blob, f.Source...), f.Pyc...)
	}
	return sizes, blob
}

// ReadHook reads the files of sizes from r, as HookBlob wrote them.
func ReadHook(r io.Reader, sizes []HookSize) ([]HookFile, error) {
	total := 0
	for _, s := range sizes {
		if s.Source < 0 || s.Pyc < 0 || s.Source > MaxHookBytes || s.Pyc > MaxHookBytes {
			return nil, fmt.Errorf("a size out of bounds for %s", s.Name)
		}
		total += s.Source + s.Pyc
		if total > MaxHookBytes {
			break
		}
	}
	if total > MaxHookBytes {
		return nil, fmt.Errorf("the hook's files take %d bytes, more than %d", total, MaxHookBytes)
	}
	blob := make([]byte, total)
	if _, err := io.ReadFull(r, blob); err != nil {
		return nil, err
	}
	files := make([]HookFile, 0, len(sizes))
	for _, s := range sizes {
		f := HookFile{Name: s.Name, PycName: s.PycName}
		f.Source, blob = blob[:s.Source:s.Source], blob[s.Source:]
		f.Pyc, blob = blob[:s.Pyc:s.Pyc], blob[s.Pyc:]
		files = append(files, f)
	}
	return files, nil
}

// HookFile is one file of the startup hook with its compiled form.
type HookFile struct {
	Name    string `json:"name"`
	Source  []byte `json:"source"`
	PycName string `json:"pyc_name"` // under __pycache__, for this interpreter
	Pyc     []byte `json:"pyc"`
}

// CmdGo follows the config once the init is in the run's cgroup: the init
// builds the sandbox while it is moved there, and starts the program only
// then, so that the program is born in the cgroup.
const CmdGo = "go\n"

// CmdKill is the command the runner sends to the init on fd 3 after the
// config: kill every process of the run.
const CmdKill = "kill\n"

// CmdProbe asks the init how much CPU the run's processes have used, and
// to ask each of them for its stack (sandbox.StackSignal): it answers with
// a Probe record, the stacks come as the hook's reports.
const CmdProbe = "probe\n"

// Probe is the init's answer to CmdProbe.
type Probe struct {
	CPUTicks int64 // user and system time of the live processes, in clock ticks
	PIDs     []int // the processes asked for their stack
}

// MaxProbePIDs bounds the processes a probe asks for their stack.
const MaxProbePIDs = 64

// Record is one message on fd 4. Exactly one of Event, IPC, Limit, Error is
// set. An Event is a process event (proc.start, proc.exec, output,
// proc.exit) with the fields of ProcFields; the runner numbers and times
// it.
type Record struct {
	NS    int64        `json:"ns"` // CLOCK_MONOTONIC of the observation
	Event *event.Event `json:"e,omitempty"`
	IPC   *IPCBatch    `json:"ipc,omitempty"`
	Probe *Probe       `json:"probe,omitempty"`
	Limit string       `json:"limit,omitempty"` // a limit the init itself enforced
	Where string       `json:"where,omitempty"` // for a disk limit: the full file system
	Error string       `json:"error,omitempty"` // the sandbox could not be set up
}

// IPCBatch is one datagram of the startup hook's IPC reports: the sender's
// pid (from the kernel) and one or more report lines, in the order they
// happened in that process. The init passes it on unread and bounded; the
// runner parses it.
type IPCBatch struct {
	PID   int
	Lines string
}

// MonoNS reads CLOCK_MONOTONIC, which the runner and the init share.
func MonoNS() int64 {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return ts.Nano()
}
