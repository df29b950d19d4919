package sandbox

import (
	"bytes"
	"encoding/binary"
	"unsafe"

	"golang.org/x/sys/unix"

	"mpplayground/event"
	"mpplayground/runner/record"
)

// Without the memory and pids cgroup controllers (an ordinary container,
// a server that may not write to its cgroup), the runner asks the init to
// bound each process instead: RLIMIT_AS at the memory limit and
// RLIMIT_NPROC at the process limit (record.Config.AddressSpace, Nproc).
// The kernel then refuses quietly, where a cgroup would have counted the
// refusal: a fork fails with EAGAIN, an allocation with ENOMEM (Python's
// MemoryError). The init turns both into the same limit events a cgroup
// gives, and ends the run as the cgroup's limit does:
//
//   - pids: a fork, vfork or clone (a thread) of the program that fails
//     with EAGAIN. The second seccomp filter hands these calls to the
//     tracer (SECCOMP_RET_TRACE), which follows each to its end: a fork
//     that succeeds costs one more stop, one that fails is read from
//     PTRACE_GET_SYSCALL_INFO. Only the kernel's own answer counts; as with
//     the cgroup, a refused fork ends the run even if the program would
//     have caught the error.
//   - memory: a process that dies, with a non-zero exit status, whose last
//     line on stderr says it ran out of memory: Python's MemoryError
//     traceback ("MemoryError", "MemoryError: ..."), ENOMEM's sentence
//     ("Cannot allocate memory", e.g. "OSError: [Errno 12] ..." or a
//     shell's "fork: Cannot allocate memory"), or Python's "RuntimeError:
//     can't start new thread" where no fork was refused (the new thread's
//     stack, 8 MiB of address space, did not fit: a thread bomb ends here
//     before 64 threads). A program that catches its MemoryError and goes
//     on, or exits 0, is not stopped. A program can claim this by printing
//     the line and exiting: that ends its own run with a memory limit, and
//     nothing else.
//
// RLIMIT_AS counts address space, not memory used: the C library's malloc
// reserves 64 MiB of it for each thread that allocates (an arena of its
// own), so eight threads of a program would exhaust 256 MiB while using a
// few. Under RLIMIT_AS the program's threads therefore share one arena
// (MALLOC_ARENA_MAX=1); Python's own allocator does not use malloc's
// arenas for small objects, and the GIL serialises the rest anyway.

// traceForks says whether the tracer must see the end of every fork: the
// process limit is RLIMIT_NPROC, not a cgroup.
func traceForks(cfg *record.Config) bool { return cfg.Sandbox && cfg.Nproc > 0 }

// watchMemoryDeaths says whether a process's death may be a memory limit:
// the memory limit is RLIMIT_AS, not a cgroup.
func watchMemoryDeaths(cfg *record.Config) bool { return cfg.Sandbox && cfg.AddressSpace > 0 }

// ptraceSyscallInfoExit is PTRACE_SYSCALL_INFO_EXIT: the info of a
// syscall-exit stop.
const ptraceSyscallInfoExit = 2

// syscallReturn reads the return value of the system call at whose exit
// tid is stopped (struct ptrace_syscall_info: op at 0, exit.rval at 24,
// exit.is_error at 32).
func syscallReturn(tid int) (rval int64, ok bool) {
	var info [88]byte
	n, _, e := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_GET_SYSCALL_INFO, uintptr(tid),
		uintptr(len(info)), uintptr(unsafe.Pointer(&info[0])), 0, 0)
	if e != 0 || n < 33 || info[0] != ptraceSyscallInfoExit {
		return 0, false
	}
	return int64(binary.NativeEndian.Uint64(info[24:])), true
}

// onForkStop is the seccomp stop of a fork-like call: follow it to its
// end. A fork that succeeds reaches its fork event first, whose PtraceCont
// ends the following; one that fails reaches its syscall-exit stop.
func (t *tracer) onForkStop(tid int) {
	_ = unix.PtraceSyscall(tid, 0)
}

// onSyscallExit is the end of a fork-like call that did not start a task.
func (t *tracer) onSyscallExit(tid int) {
	if rval, ok := syscallReturn(tid); ok && rval == -int64(unix.EAGAIN) {
		t.fallbackLimit(event.LimitPids)
	}
	_ = unix.PtraceCont(tid, 0)
}

// fallbackLimit reports a limit the init found in the place of a cgroup
// and ends the run, once.
func (t *tracer) fallbackLimit(kind string) {
	if t.limitSent || t.diskFull || t.out.cut {
		return
	}
	t.limitSent = true
	t.out.flushPending(t)
	t.wire.send(record.Record{Limit: kind})
	t.killAllLocked()
}

// stderrTailBytes is how much of the end of each process's stderr is kept
// to tell what it died of.
const stderrTailBytes = 512

// keepStderrTail keeps the end of what pid wrote to stderr.
func (t *tracer) keepStderrTail(pid int, data []byte) {
	if t.errTail == nil {
		t.errTail = map[int][]byte{}
	}
	tail := append(t.errTail[pid], data...)
	if len(tail) > stderrTailBytes {
		tail = append(tail[:0:0], tail[len(tail)-stderrTailBytes:]...)
	}
	t.errTail[pid] = tail
}

// checkMemoryDeath stops the run when process pid, gone with exit status
// code, died of the address-space limit (see above).
func (t *tracer) checkMemoryDeath(pid int, code int, signaled bool) {
	tail := t.errTail[pid]
	delete(t.errTail, pid)
	if signaled || code == 0 || !diedOfMemory(tail) {
		return
	}
	t.fallbackLimit(event.LimitMemory)
}

// diedOfMemory says whether the last line a process wrote to stderr is
// Python's MemoryError or ENOMEM's sentence.
func diedOfMemory(stderr []byte) bool {
	s := bytes.TrimRight(stderr, " \t\r\n")
	if i := bytes.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	s = bytes.TrimSpace(s)
	return bytes.Equal(s, []byte("MemoryError")) || bytes.HasPrefix(s, []byte("MemoryError: ")) ||
		bytes.Contains(s, []byte("Cannot allocate memory")) ||
		bytes.Equal(s, []byte("RuntimeError: can't start new thread"))
}

// withArenaCap adds, where the memory limit is RLIMIT_AS, the cap on
// malloc's arenas to the program's environment (see above).
func withArenaCap(cfg *record.Config, env []string) []string {
	if !watchMemoryDeaths(cfg) {
		return env
	}
	return append(env, "MALLOC_ARENA_MAX=1")
}
