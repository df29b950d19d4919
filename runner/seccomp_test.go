package runner

import (
	"context"
	"encoding/binary"
	"fmt"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"mpplayground/event"
)

// A program's attempts to reach the kernel through another ABI: each, in a
// child of its own, is killed by SIGSYS before the call runs, while its
// parent goes on.
func TestSeccompKillsForeignABICalls(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("the i386 and x32 ABIs are x86-64's")
	}
	r := testRunner(t)
	const keySpecSessionKeyring, keyctlGetKeyringID = 0xfffffffd, 0
	prog := pyI386 + fmt.Sprintf(`
import multiprocessing as mp
def i386_keyctl():
    ret = call_i386(%q)
    print("ESCAPED i386 keyctl returned", ret, flush=True)
def x32_getpid():
    libc.syscall.restype = ctypes.c_long
    ret = libc.syscall(%d)
    print("ESCAPED x32 getpid returned", ret, ctypes.get_errno(), flush=True)
if __name__ == "__main__":
    mp.set_start_method("fork")
    for target in (i386_keyctl, x32_getpid):
        p = mp.Process(target=target, name=target.__name__)
        p.start()
        p.join()
        print(target.__name__, p.exitcode, flush=True)
    print("the parent goes on")
`, i386Code(i386Keyctl, keyctlGetKeyringID, keySpecSessionKeyring, 1), x32SyscallBit|unix.SYS_GETPID)
	rr := runProgram(t, r, prog, event.Limits{})
	mustStatus(t, rr, event.StatusOK)
	out := rr.text("")
	if strings.Contains(out, "ESCAPED") || !strings.Contains(out, "the parent goes on") {
		t.Fatalf("a foreign-ABI call ran:\n%s", out)
	}
	wantI386 := "SIGSYS"
	if !hostHasI386ABI(t, r.PythonPath()) {
		// int 0x80 faults before any filter runs; the filter's own answer
		// is checked by TestSeccompFiltersKillForeignABIsAndCheckArguments.
		t.Log("this kernel has no i386 entry: int 0x80 faults with SIGSEGV")
		wantI386 = "SIGSEGV"
	}
	exits := rr.exits()
	for pid, e := range rr.procs() {
		want := map[string]string{"i386_keyctl": wantI386, "x32_getpid": "SIGSYS"}[e.Name]
		if want != "" && exits[pid].Signal != want {
			t.Errorf("%s ended %+v, want killed by %s", e.Name, exits[pid], want)
		}
	}
	if !strings.Contains(out, "x32_getpid -"+strconv.Itoa(int(unix.SIGSYS))) {
		t.Errorf("the parent did not see its x32 child killed by SIGSYS:\n%s", out)
	}
}

// clone with CLONE_UNTRACED would start a process the tracer never sees.
func TestSeccompRefusesUntracedClone(t *testing.T) {
	r := testRunner(t)
	rr := runProgram(t, r, fmt.Sprintf(`
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
CLONE_UNTRACED, SIGCHLD = %d, %d
pid = libc.syscall(%d, CLONE_UNTRACED | SIGCHLD, 0, 0, 0, 0)
if pid == 0:
    os.write(1, b"ESCAPED untraced child\n")
    os._exit(0)
if pid > 0:
    os.waitpid(pid, 0)
    print("ESCAPED clone returned", pid)
else:
    print("clone refused", ctypes.get_errno())
if os.fork() == 0:
    print("a plain fork works", flush=True)
    os._exit(0)
os.wait()
`, unix.CLONE_UNTRACED, unix.SIGCHLD, unix.SYS_CLONE), event.Limits{})
	mustStatus(t, rr, event.StatusOK)
	out := rr.text("")
	want := fmt.Sprintf("clone refused %d", unix.EPERM)
	if strings.Contains(out, "ESCAPED") || !strings.Contains(out, want) || !strings.Contains(out, "a plain fork works") {
		t.Errorf("want %q and a working fork:\n%s", want, out)
	}
	if n := len(rr.procs()); n != 2 {
		t.Errorf("%d processes seen, want 2 (the program and its fork):\n%s", n, rr.dump())
	}
}

// Sockets: only Unix and Internet ones, as lessons need; netlink, vsock,
// packet and the rest reach kernel code no lesson needs.
func TestSeccompRefusesOtherSocketFamilies(t *testing.T) {
	r := testRunner(t)
	rr := runProgram(t, r, `
import socket
for name, family, kind in (("netlink", socket.AF_NETLINK, socket.SOCK_RAW), ("vsock", socket.AF_VSOCK, socket.SOCK_STREAM),
                           ("packet", socket.AF_PACKET, socket.SOCK_RAW), ("alg", socket.AF_ALG, socket.SOCK_SEQPACKET)):
    try:
        socket.socket(family, kind).close()
        print("ESCAPED", name)
    except OSError as e:
        print(name, "refused", e.errno)
for name, family in (("unix", socket.AF_UNIX), ("inet", socket.AF_INET), ("inet6", socket.AF_INET6)):
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        socket.socket(family, kind).close()
    print(name, "works")
a, b = socket.socketpair()
a.send(b"x")
print("socketpair works", b.recv(1).decode())
try:
    socket.socketpair(socket.AF_INET)
    print("ESCAPED socketpair inet")
except OSError as e:
    print("socketpair inet refused", e.errno)
`, event.Limits{})
	mustStatus(t, rr, event.StatusOK)
	out := rr.text("")
	if strings.Contains(out, "ESCAPED") {
		t.Errorf("a socket family escaped:\n%s", out)
	}
	noFamily := strconv.Itoa(int(unix.EAFNOSUPPORT))
	for _, want := range []string{
		"netlink refused " + noFamily, "vsock refused " + noFamily, "packet refused " + noFamily, "alg refused " + noFamily,
		"unix works", "inet works", "inet6 works", "socketpair works x", "socketpair inet refused " + noFamily,
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("missing %q:\n%s", want, out)
		}
	}
}

// inotify instances are counted per host uid, which every run shares: a
// run could use up the server's.
func TestSeccompRefusesInotify(t *testing.T) {
	r := testRunner(t)
	rr := runProgram(t, r, `
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
for name, call in (("inotify_init1", lambda: libc.inotify_init1(0)), ("inotify_init", libc.inotify_init)):
    fd = call()
    print(name, "ESCAPED" if fd >= 0 else "refused %d" % ctypes.get_errno())
`, event.Limits{})
	mustStatus(t, rr, event.StatusOK)
	out := rr.text("")
	for _, want := range []string{"inotify_init1 refused 1\n", "inotify_init refused 1\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q:\n%s", want, out)
		}
	}
}

// i386 system call numbers (arch/x86/entry/syscalls/syscall_32.tbl), and
// the bit that marks an x32 call (__X32_SYSCALL_BIT).
const (
	i386Getpid    = 20
	i386Keyctl    = 288
	x32SyscallBit = 0x40000000
)

// i386Code is machine code run from a MAP_32BIT page that makes an i386
// system call with int 0x80 and returns its result (rbx, which the i386
// ABI takes the first argument in, is saved: the caller keeps it).
func i386Code(nr uint32, args ...uint32) string {
	code := "53 b8" + le32(nr) // push rbx; mov eax, nr
	for i, op := range []string{"bb", "b9", "ba"} {
		if i < len(args) {
			code += " " + op + le32(args[i]) // mov ebx/ecx/edx, arg
		}
	}
	return code + " cd80 5b c3" // int 0x80; pop rbx; ret
}

func le32(v uint32) string {
	b := binary.LittleEndian.AppendUint32(nil, v)
	return fmt.Sprintf(" %x", b)
}

// pyI386 defines call_i386(hex_code) in a Python program.
const pyI386 = `
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long)
PROT_RWX = 7
MAP_PRIVATE_ANONYMOUS_32BIT = 0x02 | 0x20 | 0x40
def call_i386(hex_code):
    page = libc.mmap(None, 4096, PROT_RWX, MAP_PRIVATE_ANONYMOUS_32BIT, -1, 0)
    code = bytes.fromhex(hex_code)
    ctypes.memmove(page, code, len(code))
    return ctypes.CFUNCTYPE(ctypes.c_int)(page)()
`

// hostHasI386ABI says whether this kernel lets a 64-bit process make i386
// system calls at all: without seccomp, int 0x80 must answer getpid.
// Some kernels (ia32_emulation=0, some hypervisors' guests) fault instead.
func hostHasI386ABI(t *testing.T, python string) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	prog := pyI386 + fmt.Sprintf("import os\nprint(call_i386(%q) == os.getpid())\n", i386Code(i386Getpid))
	out, err := exec.CommandContext(ctx, python, "-c", prog).Output()
	return err == nil && strings.TrimSpace(string(out)) == "True"
}

// The refused calls, made by a real program: each answers EPERM (clone3
// ENOSYS) and the program goes on.
func TestSeccompRefusesTheKernelsRiskierCalls(t *testing.T) {
	r := testRunner(t)
	rr := runProgram(t, r, fmt.Sprintf(`
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
for name, nr, args in (("ptrace", %d, (0, 0, 0, 0)), ("unshare", %d, (%d,)), ("keyctl", %d, (0, 0xfffffffd, 1)),
                       ("bpf", %d, (0, 0, 0)), ("mount", %d, (0, 0, 0, 0, 0)), ("clone3", %d, (0, 0))):
    ret = libc.syscall(nr, *args)
    print(name, ret, ctypes.get_errno(), flush=True)
print("the program goes on")
`, unix.SYS_PTRACE, unix.SYS_UNSHARE, unix.CLONE_NEWUSER, unix.SYS_KEYCTL, unix.SYS_BPF, unix.SYS_MOUNT, unix.SYS_CLONE3), event.Limits{})
	mustStatus(t, rr, event.StatusOK)
	out := rr.text("")
	for name, errno := range map[string]unix.Errno{"ptrace": unix.EPERM, "unshare": unix.EPERM, "keyctl": unix.EPERM,
		"bpf": unix.EPERM, "mount": unix.EPERM, "clone3": unix.ENOSYS} {
		if want := fmt.Sprintf("%s -1 %d\n", name, errno); !strings.Contains(out, want) {
			t.Errorf("want %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "the program goes on") {
		t.Errorf("the program did not go on:\n%s", out)
	}
}
