package sandbox

import (
	"encoding/binary"
	"testing"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// i386 system call numbers (arch/x86/entry/syscalls/syscall_32.tbl).
const (
	i386Getpid = 20
	i386Keyctl = 288
)

// seccompData is the part of struct seccomp_data the filters read.
type seccompData struct {
	nr   uint32
	arch uint32
	args [6]uint64
}

// packet lays d out for x/net/bpf's VM. Its loads are big-endian where the
// kernel's seccomp loads are native, so each 32-bit word of the
// little-endian struct is written big-endian.
func (d seccompData) packet() []byte {
	b := make([]byte, seccompDataArg0Low+6*8)
	be := binary.BigEndian
	be.PutUint32(b[seccompDataNr:], d.nr)
	be.PutUint32(b[seccompDataArch:], d.arch)
	for i, a := range d.args {
		be.PutUint32(b[seccompDataArg0Low+8*i:], uint32(a))
		be.PutUint32(b[seccompDataArg0Low+8*i+4:], uint32(a>>32))
	}
	return b
}

// seccompAnswer runs the program's filter on d and returns its answer.
func seccompAnswer(t *testing.T, d seccompData) uint32 {
	t.Helper()
	return seccompAnswerOf(t, d, false)
}

// seccompAnswerOf is seccompAnswer with the filter as it is built for
// traceForks.
func seccompAnswerOf(t *testing.T, d seccompData, traceForks bool) uint32 {
	t.Helper()
	vm, err := bpf.NewVM(programFilter(traceForks))
	if err != nil {
		t.Fatalf("a filter the VM refuses: %v", err)
	}
	ret, err := vm.Run(d.packet())
	if err != nil {
		t.Fatalf("run the filter: %v", err)
	}
	return uint32(ret)
}

// The filters' answers, computed from their BPF programs: this holds on a
// kernel without the i386 entry too, where no real program can reach it.
func TestSeccompFiltersKillForeignABIsAndCheckArguments(t *testing.T) {
	const (
		allow    = unix.SECCOMP_RET_ALLOW
		kill     = unix.SECCOMP_RET_KILL_PROCESS
		eperm    = unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM)
		enosys   = unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)
		noFamily = unix.SECCOMP_RET_ERRNO | uint32(unix.EAFNOSUPPORT)
		native   = nativeAuditArch
		sigchld  = uint64(unix.SIGCHLD)
	)
	call := func(nr uintptr, args ...uint64) seccompData {
		d := seccompData{nr: uint32(nr), arch: native}
		copy(d.args[:], args)
		return d
	}
	type filterCase struct {
		name string
		d    seccompData
		want uint32
	}
	cases := []filterCase{
		{"native getpid", call(unix.SYS_GETPID), allow},
		{"native keyctl", call(unix.SYS_KEYCTL), eperm},
		{"i386 getpid", seccompData{nr: i386Getpid, arch: unix.AUDIT_ARCH_I386}, kill},
		{"i386 keyctl", seccompData{nr: i386Keyctl, arch: unix.AUDIT_ARCH_I386}, kill},
		{"32-bit arm getpid", seccompData{nr: i386Getpid, arch: unix.AUDIT_ARCH_ARM}, kill},
		{"fork-like clone", call(unix.SYS_CLONE, unix.CLONE_CHILD_SETTID|unix.CLONE_CHILD_CLEARTID|sigchld), allow},
		{"thread clone", call(unix.SYS_CLONE, unix.CLONE_VM|unix.CLONE_FS|unix.CLONE_FILES|unix.CLONE_SIGHAND|unix.CLONE_THREAD|unix.CLONE_SYSVSEM|unix.CLONE_SETTLS|unix.CLONE_PARENT_SETTID|unix.CLONE_CHILD_CLEARTID), allow},
		{"clone with CLONE_UNTRACED", call(unix.SYS_CLONE, unix.CLONE_UNTRACED|sigchld), eperm},
		{"clone with CLONE_NEWUSER", call(unix.SYS_CLONE, unix.CLONE_NEWUSER|sigchld), eperm},
		{"clone3", call(unix.SYS_CLONE3), enosys},
		{"inotify_init1", call(unix.SYS_INOTIFY_INIT1), eperm},
		{"socket AF_UNIX", call(unix.SYS_SOCKET, unix.AF_UNIX, unix.SOCK_STREAM), allow},
		{"socket AF_INET", call(unix.SYS_SOCKET, unix.AF_INET, unix.SOCK_DGRAM), allow},
		{"socket AF_INET6", call(unix.SYS_SOCKET, unix.AF_INET6, unix.SOCK_STREAM), allow},
		{"socket AF_INET, high bits set (the kernel reads an int)", call(unix.SYS_SOCKET, 1<<32|unix.AF_INET), allow},
		{"socket AF_NETLINK", call(unix.SYS_SOCKET, unix.AF_NETLINK, unix.SOCK_RAW), noFamily},
		{"socket AF_NETLINK, high bits set", call(unix.SYS_SOCKET, 1<<32|unix.AF_NETLINK), noFamily},
		{"socket AF_VSOCK", call(unix.SYS_SOCKET, unix.AF_VSOCK, unix.SOCK_STREAM), noFamily},
		{"socket AF_PACKET", call(unix.SYS_SOCKET, unix.AF_PACKET, unix.SOCK_RAW), noFamily},
		{"socketpair AF_UNIX", call(unix.SYS_SOCKETPAIR, unix.AF_UNIX, unix.SOCK_STREAM), allow},
		{"socketpair AF_INET", call(unix.SYS_SOCKETPAIR, unix.AF_INET, unix.SOCK_STREAM), noFamily},
		// A call whose first argument is socket's number is not socket.
		{"write to fd 41", call(unix.SYS_WRITE, unix.SYS_SOCKET), allow},
	}
	if x32SyscallBit != 0 {
		cases = append(cases, filterCase{"x32 getpid", call(x32SyscallBit | unix.SYS_GETPID), kill})
	}
	for _, c := range cases {
		if got := seccompAnswer(t, c.d); got != c.want {
			t.Errorf("%s: answer %#x, want %#x", c.name, got, c.want)
		}
	}
}

// Every refused call and every refused clone flag is refused, forks traced
// or not; the calls a Python program lives on are not.
func TestFilterRefusesEachCallAndFlagAlone(t *testing.T) {
	eperm := unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM)
	call := func(nr uint32, args ...uint64) seccompData {
		d := seccompData{nr: nr, arch: nativeAuditArch}
		copy(d.args[:], args)
		return d
	}
	for _, traceForks := range []bool{false, true} {
		for _, nr := range refusedSyscalls {
			if got := seccompAnswerOf(t, call(nr), traceForks); got != eperm {
				t.Errorf("call %d (traceForks %v): answer %#x, want EPERM", nr, traceForks, got)
			}
		}
		for bit := uint64(1); bit < 1<<32; bit <<= 1 {
			if refusedCloneFlags&bit == 0 {
				continue
			}
			flags := bit | uint64(unix.SIGCHLD)
			if got := seccompAnswerOf(t, call(unix.SYS_CLONE, flags), traceForks); got != eperm {
				t.Errorf("clone with %#x (traceForks %v): answer %#x, want EPERM", flags, traceForks, got)
			}
		}
		for _, nr := range []uint32{unix.SYS_READ, unix.SYS_WRITE, unix.SYS_OPENAT, unix.SYS_CLOSE, unix.SYS_MMAP,
			unix.SYS_FUTEX, unix.SYS_WAIT4, unix.SYS_EXECVE, unix.SYS_KILL, unix.SYS_PIPE2, unix.SYS_SENDTO,
			unix.SYS_RECVFROM, unix.SYS_EXIT_GROUP, unix.SYS_GETPID, unix.SYS_MEMFD_CREATE, unix.SYS_FTRUNCATE} {
			if got := seccompAnswerOf(t, call(nr), traceForks); got != unix.SECCOMP_RET_ALLOW {
				t.Errorf("call %d (traceForks %v): answer %#x, want SECCOMP_RET_ALLOW", nr, traceForks, got)
			}
		}
	}
}

// Where the process limit is RLIMIT_NPROC, every fork-like call goes to the
// tracer; the refusals still win, and nothing else is traced.
func TestFilterTracesForksOnlyWhenAsked(t *testing.T) {
	const (
		allow  = unix.SECCOMP_RET_ALLOW
		trace  = unix.SECCOMP_RET_TRACE
		eperm  = unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM)
		enosys = unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)
	)
	call := func(nr uint32, args ...uint64) seccompData {
		d := seccompData{nr: nr, arch: nativeAuditArch}
		copy(d.args[:], args)
		return d
	}
	sigchld := uint64(unix.SIGCHLD)
	for _, c := range []struct {
		name       string
		d          seccompData
		off, armed uint32
	}{
		{"fork-like clone", call(unix.SYS_CLONE, sigchld), allow, trace},
		{"thread clone", call(unix.SYS_CLONE, unix.CLONE_VM|unix.CLONE_THREAD|unix.CLONE_SIGHAND), allow, trace},
		{"clone with CLONE_NEWUSER", call(unix.SYS_CLONE, unix.CLONE_NEWUSER|sigchld), eperm, eperm},
		{"clone3", call(unix.SYS_CLONE3), enosys, enosys},
		{"getpid", call(unix.SYS_GETPID), allow, allow},
		{"write", call(unix.SYS_WRITE, 1), allow, allow},
		{"socket AF_UNIX", call(unix.SYS_SOCKET, unix.AF_UNIX), allow, allow},
	} {
		if got := seccompAnswerOf(t, c.d, false); got != c.off {
			t.Errorf("%s, forks not traced: answer %#x, want %#x", c.name, got, c.off)
		}
		if got := seccompAnswerOf(t, c.d, true); got != c.armed {
			t.Errorf("%s, forks traced: answer %#x, want %#x", c.name, got, c.armed)
		}
	}
	for _, nr := range forkSyscalls {
		if got := seccompAnswerOf(t, call(nr, sigchld), true); got != trace {
			t.Errorf("call %d: answer %#x, want SECCOMP_RET_TRACE", nr, got)
		}
	}
}

func TestDiedOfMemory(t *testing.T) {
	for text, want := range map[string]bool{
		"Traceback (most recent call last):\n  File \"/home/learner/main.py\", line 3, in <module>\nMemoryError\n": true,
		"Process Process-1:\nTraceback (most recent call last):\nMemoryError: cannot allocate array\n":             true,
		"OSError: [Errno 12] Cannot allocate memory\n":                                                             true,
		"sh: 1: Cannot fork: Cannot allocate memory\n\n":                                                           true,
		"MemoryError\nValueError: then something else\n":                                                           false,
		"print('no MemoryError here')\n":                                                                           false,
		"MemoryErrors are caught by this program\n":                                                                false,
		"": false,
	} {
		if got := diedOfMemory([]byte(text)); got != want {
			t.Errorf("diedOfMemory(%q) = %v, want %v", text, got, want)
		}
	}
}

// The init starts the program with clone(CLONE_PIDFD) on a thread that
// already has the filter: that one call is let through untraced.
func TestFilterLetsTheInitsOwnStartThrough(t *testing.T) {
	d := seccompData{nr: unix.SYS_CLONE, arch: nativeAuditArch,
		args: [6]uint64{unix.CLONE_VM | unix.CLONE_VFORK | unix.CLONE_PIDFD | uint64(unix.SIGCHLD)}}
	if got := seccompAnswerOf(t, d, true); got != unix.SECCOMP_RET_ALLOW {
		t.Errorf("clone with CLONE_PIDFD: answer %#x, want SECCOMP_RET_ALLOW", got)
	}
}
