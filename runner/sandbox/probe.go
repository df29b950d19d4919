package sandbox

import (
	"bytes"
	"os"
	"slices"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"

	"mpplayground/runner/record"
)

// StackSignal is the signal the startup hook answers with its process's
// stack (a real-time one, which no library of the program is likely to
// use; SIGRTMAX-2 as glibc numbers them).
const StackSignal = syscall.Signal(62)

// probe answers record.CmdProbe: the CPU time the run's live processes
// have used so far, and which of them were sent StackSignal (only those
// that catch it: its default action would end any other).
func (t *tracer) probe() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.killing {
		return
	}
	pids := make([]int, 0, len(t.procs))
	for pid, p := range t.procs {
		if p.started {
			pids = append(pids, pid)
		}
	}
	slices.Sort(pids)
	var pr record.Probe
	for _, pid := range pids {
		cpu, catches := readProbe(pid)
		pr.CPUTicks += cpu
		if catches && len(pr.PIDs) < record.MaxProbePIDs && unix.Kill(pid, StackSignal) == nil {
			pr.PIDs = append(pr.PIDs, pid)
		}
	}
	t.wire.send(record.Record{NS: record.MonoNS(), Probe: &pr})
}

// readProbe reads a process's user and system time (all its threads, in
// clock ticks) and whether it catches StackSignal.
func readProbe(pid int) (ticks int64, catches bool) {
	dir := "/proc/" + strconv.Itoa(pid)
	if b, err := os.ReadFile(dir + "/stat"); err == nil {
		// The fields after the command name, which may hold anything, are
		// state, ppid, ...: utime and stime are the 12th and 13th of them.
		if i := bytes.LastIndexByte(b, ')'); i >= 0 {
			f := bytes.Fields(b[i+1:])
			if len(f) > 12 {
				u, _ := strconv.ParseInt(string(f[11]), 10, 64)
				s, _ := strconv.ParseInt(string(f[12]), 10, 64)
				ticks = u + s
			}
		}
	}
	if b, err := os.ReadFile(dir + "/status"); err == nil {
		for _, line := range bytes.Split(b, []byte{'\n'}) {
			if v, ok := bytes.CutPrefix(line, []byte("SigCgt:")); ok {
				mask, err := strconv.ParseUint(string(bytes.TrimSpace(v)), 16, 64)
				catches = err == nil && mask&(1<<(uint(StackSignal)-1)) != 0
				break
			}
		}
	}
	return ticks, catches
}
