package runner

import (
	"fmt"
	"os"
	"runtime"

	seccomp "github.com/elastic/go-seccomp-bpf"
	"golang.org/x/sys/unix"
)

// The seccomp filter refuses the system calls a playground program has no
// use for and that widen the kernel's attack surface: debugging other
// processes, kernel keyrings, BPF, io_uring, new namespaces, mounts, kernel
// modules and the like. Everything else is allowed: Python, the shell and
// multiprocessing need a broad set, and the namespaces, cgroup and rlimits
// already bound what a program can reach. A refused call fails with EPERM;
// clone3 fails with ENOSYS so that the C library falls back to clone,
// whose flags the filter can see.
var refusedSyscalls = []string{
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
	"iopl", "ioperm", "fanotify_init", "vhangup",
	"settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
	"sethostname", "setdomainname", "uselib", "lookup_dcookie",
}

// namespaceFlags are clone flags that would create a namespace.
var namespaceFlags = []uint64{
	unix.CLONE_NEWUSER, unix.CLONE_NEWNS, unix.CLONE_NEWPID, unix.CLONE_NEWNET,
	unix.CLONE_NEWIPC, unix.CLONE_NEWUTS, unix.CLONE_NEWCGROUP, unix.CLONE_NEWTIME,
}

func programFilter() seccomp.Filter {
	var cloneNS []seccomp.NameWithConditions
	for _, f := range namespaceFlags {
		cloneNS = append(cloneNS, seccomp.NameWithConditions{
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
				{NamesWithCondtions: cloneNS, Action: seccomp.ActionErrno},
				{Names: []string{"clone3"}, Action: seccomp.ActionErrno | seccomp.Action(unix.ENOSYS)},
			},
		},
	}
}

// startOnProgramThread starts the program from a fresh OS thread that
// first gives up, for itself alone, what the program must not inherit:
// ambient capabilities, the right to gain privileges, and (in the
// sandbox) the freedom from the seccomp filter. The child inherits that
// thread's state; the init's tracer thread keeps ptrace. The thread ends
// with the goroutine, which never unlocks it.
func startOnProgramThread(withSeccomp bool, start func() (*os.Process, error)) (*os.Process, error) {
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
			if err := seccomp.LoadFilter(programFilter()); err != nil {
				ch <- result{err: fmt.Errorf("install the seccomp filter: %w", err)}
				return
			}
		}
		p, err := start()
		ch <- result{p, err}
	}()
	r := <-ch
	return r.p, r.err
}
