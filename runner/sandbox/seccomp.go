package sandbox

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"unsafe"

	seccomp "github.com/elastic/go-seccomp-bpf"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// The program runs under two seccomp filters; for each system call the
// kernel applies the stricter answer of the two.
//
// The first, built with go-seccomp-bpf, refuses the system calls a
// playground program has no use for and that widen the kernel's attack
// surface: debugging other processes, kernel keyrings, BPF, io_uring, new
// namespaces, mounts, kernel modules, inotify (its instances are counted
// per host uid, which all runs share) and the like. Everything else is
// allowed: Python, the shell and multiprocessing need a broad set, and the
// namespaces, cgroup and rlimits already bound what a program can reach. A
// refused call fails with EPERM; clone3 fails with ENOSYS so that the C
// library falls back to clone, whose flags the filter can see. The second
// is guardFilter.
var refusedSyscalls = slices.Concat([]string{
	"ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd",
	"keyctl", "add_key", "request_key",
	"bpf", "perf_event_open", "userfaultfd",
	"io_uring_setup", "io_uring_enter", "io_uring_register",
	"unshare", "setns",
	"mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree",
	"fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
	"kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
	"open_by_handle_at", "name_to_handle_at",
	"swapon", "swapoff", "reboot", "acct", "quotactl", "syslog",
	"fanotify_init", "inotify_init1", "vhangup",
	"settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
	"sethostname", "setdomainname", "lookup_dcookie",
}, archRefusedSyscalls)

// refusedCloneFlags are clone flags the program may not use: those that
// would create a namespace, and CLONE_UNTRACED, which would start a
// process the init's tracer never sees.
var refusedCloneFlags = []uint64{
	unix.CLONE_NEWUSER, unix.CLONE_NEWNS, unix.CLONE_NEWPID, unix.CLONE_NEWNET,
	unix.CLONE_NEWIPC, unix.CLONE_NEWUTS, unix.CLONE_NEWCGROUP, unix.CLONE_NEWTIME,
	unix.CLONE_UNTRACED,
}

func programFilter() seccomp.Filter {
	var cloneFlags []seccomp.NameWithConditions
	for _, f := range refusedCloneFlags {
		cloneFlags = append(cloneFlags, seccomp.NameWithConditions{
			Name:       "clone",
			Conditions: seccomp.ArgumentConditions{{Argument: 0, Operation: seccomp.BitsSet, Value: f}},
		})
	}
	return seccomp.Filter{
		NoNewPrivs: true,
		Policy: seccomp.Policy{
			DefaultAction: seccomp.ActionAllow,
			Syscalls: []seccomp.SyscallGroup{
				{Names: refusedSyscalls, Action: seccomp.ActionErrno},
				{Names: []string{"clone3"}, Action: seccomp.ActionErrno | seccomp.Action(unix.ENOSYS)},
				// Last: the only group that checks an argument.
				{NamesWithCondtions: cloneFlags, Action: seccomp.ActionErrno},
			},
		},
	}
}

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

// guardFilter kills every system call made through an ABI other than the
// native one (another architecture, or x32) and refuses socket and
// socketpair for any address family not allowed, with EAFNOSUPPORT. Only
// the low 32 bits of the family are compared: the kernel reads it as an
// int. With traceForks, it hands every fork-like call (forkSyscalls) to
// the init's tracer, which then sees whether the process limit refused it
// (fallback.go), but for a clone with CLONE_PIDFD, which is how the init
// starts the program; the first filter's refusals still come first.
//
// It is a second filter, assembled by hand, because go-seccomp-bpf's
// program cannot say this (v1.6.0, filter.go): for an architecture other
// than the native one it jumps to the default action, which for a deny
// list is "allow", so a 64-bit program entering the kernel through the
// i386 ABI (int 0x80) escaped every rule; it answers x32 calls with ENOSYS
// rather than killing; and after an argument test it leaves the argument,
// not the call number, in the accumulator for the groups that follow, so
// an argument rule is safe there only in the last group.
func guardFilter(traceForks bool) []bpf.Instruction {
	const (
		kill     = unix.SECCOMP_RET_KILL_PROCESS
		allow    = unix.SECCOMP_RET_ALLOW
		trace    = unix.SECCOMP_RET_TRACE
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
			bpf.LoadAbsolute{Off: seccompDataNr, Size: seccompWord},
		)
		for _, nr := range forkSyscalls {
			prog = append(prog,
				bpf.JumpIf{Cond: bpf.JumpEqual, Val: nr, SkipFalse: 1},
				bpf.RetConstant{Val: trace})
		}
	}
	return append(prog, bpf.RetConstant{Val: allow})
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

// installSeccomp installs both filters on the calling thread, which must
// already have no_new_privs set.
func installSeccomp(traceForks bool) error {
	if err := seccomp.LoadFilter(programFilter()); err != nil {
		return fmt.Errorf("install the seccomp filter: %w", err)
	}
	if err := loadFilter(guardFilter(traceForks)); err != nil {
		return fmt.Errorf("install the seccomp guard filter: %w", err)
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
// with the goroutine, which never unlocks it. traceForks: see guardFilter.
func startOnProgramThread(withSeccomp, traceForks bool, start func() (*os.Process, error)) (*os.Process, error) {
	type result struct {
		p   *os.Process
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
		p, err := start()
		ch <- result{p, err}
	}()
	r := <-ch
	return r.p, r.err
}
