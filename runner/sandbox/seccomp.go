package sandbox

import (
	"fmt"
	"runtime"
	"slices"
	"unsafe"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// The program runs under one seccomp filter, assembled here. It refuses
// the system calls a playground program has no use for and that widen the
// kernel's attack surface: debugging other processes, kernel keyrings, BPF,
// io_uring, new namespaces, mounts, kernel modules, inotify (its instances
// are counted per host uid, which all runs share) and the like. Everything
// else is allowed: Python, the shell and multiprocessing need a broad set,
// and the namespaces, cgroup and rlimits already bound what a program can
// reach. A refused call fails with EPERM; clone3 fails with ENOSYS so that
// the C library falls back to clone, whose flags the filter can see.
var refusedSyscalls = slices.Concat([]uint32{
	unix.SYS_PTRACE, unix.SYS_PROCESS_VM_READV, unix.SYS_PROCESS_VM_WRITEV, unix.SYS_PIDFD_GETFD,
	unix.SYS_KEYCTL, unix.SYS_ADD_KEY, unix.SYS_REQUEST_KEY,
	unix.SYS_BPF, unix.SYS_PERF_EVENT_OPEN, unix.SYS_USERFAULTFD,
	unix.SYS_IO_URING_SETUP, unix.SYS_IO_URING_ENTER, unix.SYS_IO_URING_REGISTER,
	unix.SYS_UNSHARE, unix.SYS_SETNS,
	unix.SYS_MOUNT, unix.SYS_UMOUNT2, unix.SYS_PIVOT_ROOT, unix.SYS_CHROOT, unix.SYS_MOVE_MOUNT, unix.SYS_OPEN_TREE,
	unix.SYS_FSOPEN, unix.SYS_FSCONFIG, unix.SYS_FSMOUNT, unix.SYS_FSPICK, unix.SYS_MOUNT_SETATTR,
	unix.SYS_KEXEC_LOAD, unix.SYS_KEXEC_FILE_LOAD, unix.SYS_INIT_MODULE, unix.SYS_FINIT_MODULE, unix.SYS_DELETE_MODULE,
	unix.SYS_OPEN_BY_HANDLE_AT, unix.SYS_NAME_TO_HANDLE_AT,
	unix.SYS_SWAPON, unix.SYS_SWAPOFF, unix.SYS_REBOOT, unix.SYS_ACCT, unix.SYS_QUOTACTL, unix.SYS_SYSLOG,
	unix.SYS_FANOTIFY_INIT, unix.SYS_INOTIFY_INIT1, unix.SYS_VHANGUP,
	unix.SYS_SETTIMEOFDAY, unix.SYS_CLOCK_SETTIME, unix.SYS_CLOCK_ADJTIME, unix.SYS_ADJTIMEX,
	unix.SYS_SETHOSTNAME, unix.SYS_SETDOMAINNAME, unix.SYS_LOOKUP_DCOOKIE,
}, archRefusedSyscalls)

// refusedCloneFlags are clone flags the program may not use: those that
// would create a namespace, and CLONE_UNTRACED, which would start a
// process the init's tracer never sees. They all lie in the low 32 bits,
// the only ones the kernel reads of clone's flags.
const refusedCloneFlags = unix.CLONE_NEWUSER | unix.CLONE_NEWNS | unix.CLONE_NEWPID | unix.CLONE_NEWNET |
	unix.CLONE_NEWIPC | unix.CLONE_NEWUTS | unix.CLONE_NEWCGROUP | unix.CLONE_NEWTIME |
	unix.CLONE_UNTRACED

// Offsets in struct seccomp_data. An argument is 64 bits wide; its low
// half comes first on the little-endian architectures we build for.
const (
	seccompDataNr      = 0
	seccompDataArch    = 4
	seccompDataArg0Low = 16
	seccompWord        = 4 // bytes in one load
)

// allowedSocketFamilies are the address families socket() may create:
// pipes and multiprocessing use AF_UNIX, lessons may use the loopback.
// Netlink, vsock, packet, AF_ALG and the rest reach kernel code no lesson
// needs.
var allowedSocketFamilies = []uint32{unix.AF_UNIX, unix.AF_INET, unix.AF_INET6}

// allowedSocketpairFamilies are those socketpair() may create.
var allowedSocketpairFamilies = []uint32{unix.AF_UNIX}

// programFilter is the program's filter. In order: a system call made
// through an ABI other than the native one (another architecture, or x32)
// kills the process; clone with a refused flag, and every refused call,
// fail with EPERM; clone3 with ENOSYS; socket and socketpair for a family
// not allowed with EAFNOSUPPORT (only the low 32 bits of the family are
// compared: the kernel reads it as an int). With traceForks, every
// fork-like call (forkSyscalls) then goes to the init's tracer, which sees
// whether the process limit refused it (fallback.go), but for a clone with
// CLONE_PIDFD, which is how the init starts the program. Each rule reads
// the call number afresh, so no rule depends on what an earlier one left
// in the accumulator.
func programFilter(traceForks bool) []bpf.Instruction {
	const (
		kill     = unix.SECCOMP_RET_KILL_PROCESS
		allow    = unix.SECCOMP_RET_ALLOW
		trace    = unix.SECCOMP_RET_TRACE
		eperm    = unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM)
		enosys   = unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)
		noFamily = unix.SECCOMP_RET_ERRNO | uint32(unix.EAFNOSUPPORT)
	)
	prog := []bpf.Instruction{
		bpf.LoadAbsolute{Off: seccompDataArch, Size: seccompWord},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: nativeAuditArch, SkipTrue: 1},
		bpf.RetConstant{Val: kill},
	}
	if x32SyscallBit != 0 {
		prog = append(prog,
			bpf.LoadAbsolute{Off: seccompDataNr, Size: seccompWord},
			bpf.JumpIf{Cond: bpf.JumpBitsSet, Val: x32SyscallBit, SkipFalse: 1},
			bpf.RetConstant{Val: kill},
		)
	}
	prog = append(prog,
		bpf.LoadAbsolute{Off: seccompDataNr, Size: seccompWord},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: unix.SYS_CLONE, SkipFalse: 3},
		bpf.LoadAbsolute{Off: seccompDataArg0Low, Size: seccompWord},
		bpf.JumpIf{Cond: bpf.JumpBitsSet, Val: refusedCloneFlags, SkipFalse: 1},
		bpf.RetConstant{Val: eperm},
	)
	prog = append(prog, oneOfRule(refusedSyscalls, eperm)...)
	prog = append(prog, oneOfRule([]uint32{unix.SYS_CLONE3}, enosys)...)
	prog = append(prog, familyRule(unix.SYS_SOCKET, allowedSocketFamilies, noFamily, allow)...)
	prog = append(prog, familyRule(unix.SYS_SOCKETPAIR, allowedSocketpairFamilies, noFamily, allow)...)
	if traceForks {
		// clone with CLONE_PIDFD is the init's own start of the program
		// (startProgram), made after this filter is in place and before
		// any tracer could follow it: it is let through.
		prog = append(prog,
			bpf.LoadAbsolute{Off: seccompDataNr, Size: seccompWord},
			bpf.JumpIf{Cond: bpf.JumpEqual, Val: unix.SYS_CLONE, SkipFalse: 3},
			bpf.LoadAbsolute{Off: seccompDataArg0Low, Size: seccompWord},
			bpf.JumpIf{Cond: bpf.JumpBitsSet, Val: unix.CLONE_PIDFD, SkipFalse: 1},
			bpf.RetConstant{Val: allow},
		)
		prog = append(prog, oneOfRule(forkSyscalls, trace)...)
	}
	return append(prog, bpf.RetConstant{Val: allow})
}

// oneOfRule is a block that returns ret for any of the system calls nrs;
// for any other call it falls through to what follows.
func oneOfRule(nrs []uint32, ret uint32) []bpf.Instruction {
	n := len(nrs)
	block := []bpf.Instruction{bpf.LoadAbsolute{Off: seccompDataNr, Size: seccompWord}}
	for i, nr := range nrs {
		// A match jumps over the remaining tests and the skip, to ret.
		block = append(block, bpf.JumpIf{Cond: bpf.JumpEqual, Val: nr, SkipTrue: uint8(n - i)})
	}
	return append(block, bpf.Jump{Skip: 1}, bpf.RetConstant{Val: ret})
}

// familyRule is a block that, for system call nr, returns allow when the
// first argument is one of families and refuse otherwise; for any other
// call it falls through to what follows.
func familyRule(nr uint32, families []uint32, refuse, allow uint32) []bpf.Instruction {
	n := len(families)
	block := []bpf.Instruction{
		bpf.LoadAbsolute{Off: seccompDataNr, Size: seccompWord},
		// Not this call: skip the argument load, the family tests and both returns.
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: nr, SkipFalse: uint8(n + 3)},
		bpf.LoadAbsolute{Off: seccompDataArg0Low, Size: seccompWord},
	}
	for i, f := range families {
		// Skip the remaining tests and the refusal.
		block = append(block, bpf.JumpIf{Cond: bpf.JumpEqual, Val: f, SkipTrue: uint8(n - i)})
	}
	return append(block, bpf.RetConstant{Val: refuse}, bpf.RetConstant{Val: allow})
}

// installSeccomp installs the program's filter on the calling thread,
// which must already have no_new_privs set.
func installSeccomp(traceForks bool) error {
	if err := loadFilter(programFilter(traceForks)); err != nil {
		return fmt.Errorf("install the seccomp filter: %w", err)
	}
	return nil
}

// loadFilter assembles prog and installs it on the calling thread.
func loadFilter(prog []bpf.Instruction) error {
	raw, err := bpf.Assemble(prog)
	if err != nil {
		return fmt.Errorf("assemble: %w", err)
	}
	filter := make([]unix.SockFilter, len(raw))
	for i, r := range raw {
		filter[i] = unix.SockFilter{Code: r.Op, Jt: r.Jt, Jf: r.Jf, K: r.K}
	}
	fprog := unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
	if _, _, e := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, 0, uintptr(unsafe.Pointer(&fprog))); e != 0 {
		return fmt.Errorf("seccomp: %w", e)
	}
	runtime.KeepAlive(filter)
	return nil
}

// startOnProgramThread starts the program from a fresh OS thread that
// first gives up, for itself alone, what the program must not inherit:
// ambient capabilities, the right to gain privileges, and (in the
// sandbox) the freedom from the seccomp filter. The child inherits that
// thread's state; the init's tracer thread keeps ptrace. The thread ends
// with the goroutine, which never unlocks it. traceForks: see programFilter.
// It returns the pid start returns.
func startOnProgramThread(withSeccomp, traceForks bool, start func() (int, error)) (int, error) {
	type result struct {
		pid int
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); err != nil {
			ch <- result{err: fmt.Errorf("clear ambient capabilities: %w", err)}
			return
		}
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			ch <- result{err: fmt.Errorf("set no_new_privs: %w", err)}
			return
		}
		if withSeccomp {
			if err := installSeccomp(traceForks); err != nil {
				ch <- result{err: err}
				return
			}
		}
		pid, err := start()
		ch <- result{pid, err}
	}()
	r := <-ch
	return r.pid, r.err
}
