package main

import (
	"flag"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"mpplayground/cmd/playground/internal/cli"
	"mpplayground/internal/testload"
	"mpplayground/store"
)

// x32SyscallBit marks an x32 system call's number (__X32_SYSCALL_BIT).
const x32SyscallBit = 0x40000000

// pyI386Keyctl makes the i386 system call keyctl(KEYCTL_GET_KEYRING_ID,
// KEY_SPEC_SESSION_KEYRING, 1) with int 0x80 from an executable MAP_32BIT
// page: push rbx; mov eax, 288; mov ebx, 0; mov ecx, -3; mov edx, 1;
// int 0x80; pop rbx; ret.
const pyI386Keyctl = `import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long)
page = libc.mmap(None, 4096, 7, 0x02 | 0x20 | 0x40, -1, 0)
code = bytes.fromhex("53 b8 20010000 bb 00000000 b9 fdffffff ba 01000000 cd80 5b c3")
ctypes.memmove(page, code, len(code))
print("ESCAPED i386 keyctl returned", ctypes.CFUNCTYPE(ctypes.c_int)(page)(), flush=True)
`

// kernelAttack is a case of TestForeignABIsAndFamiliesAreRefused.
type kernelAttack struct {
	name     string
	program  string
	status   string   // the run.end status
	killedBy []string // for status error: the signals the message may name
	keep     string   // output that must be kept
}

// Programs that reach for kernel code through another system-call ABI, an
// untraced clone, a socket family or inotify: each ends with a plain
// message, keeps its output, escapes nothing, and the next run works.
func TestForeignABIsAndFamiliesAreRefused(t *testing.T) {
	requireSandbox(t)
	rf := cli.AddRunnerFlags(flag.NewFlagSet("kernel attacks", flag.ContinueOnError))
	rf.Timeout = testload.Scaled(t, 5*time.Second, 80)
	o := serveOptions{Addr: "127.0.0.1:0", DB: filepath.Join(t.TempDir(), "runs.db"), KeepRuns: store.DefaultKeepRuns, MaxRuns: 2, Runner: rf}
	base, _ := startServe(t, o)
	baseline := stableHost(t)

	pre := "print('" + attackMarker + "', flush=True)\n"
	cases := []kernelAttack{
		{name: "clone with CLONE_UNTRACED", program: pre + fmt.Sprintf(`import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
pid = libc.syscall(%d, %d, 0, 0, 0, 0)
if pid == 0:
    os.write(1, b"ESCAPED untraced child\n")
    os._exit(0)
if pid > 0:
    os.waitpid(pid, 0)
    print("ESCAPED clone returned", pid)
print("clone refused", ctypes.get_errno())
`, syscall.SYS_CLONE, syscall.CLONE_UNTRACED|syscall.SIGCHLD), status: "ok", keep: "clone refused 1"},
		{name: "netlink, vsock, packet and AF_ALG sockets", program: pre + `import socket
for family, kind in ((socket.AF_NETLINK, socket.SOCK_RAW), (socket.AF_VSOCK, socket.SOCK_STREAM), (socket.AF_PACKET, socket.SOCK_RAW), (socket.AF_ALG, socket.SOCK_SEQPACKET)):
    try:
        socket.socket(family, kind)
        print("ESCAPED", family)
    except OSError as e:
        if e.errno != 97:
            print("ESCAPED", family, "answered", e.errno)
try:
    socket.socketpair(socket.AF_INET)
    print("ESCAPED socketpair")
except OSError as e:
    if e.errno != 97:
        print("ESCAPED socketpair answered", e.errno)
for family in (socket.AF_UNIX, socket.AF_INET, socket.AF_INET6):
    socket.socket(family, socket.SOCK_STREAM).close()
print("families refused")
`, status: "ok", keep: "families refused"},
		{name: "inotify", program: pre + `import ctypes
libc = ctypes.CDLL(None, use_errno=True)
for name, fd in (("inotify_init1", libc.inotify_init1(0)), ("inotify_init", libc.inotify_init())):
    if fd >= 0:
        print("ESCAPED", name)
print("inotify refused", ctypes.get_errno())
`, status: "ok", keep: "inotify refused 1"},
	}
	if runtime.GOARCH == "amd64" {
		cases = append(cases,
			// Where the kernel has no i386 entry, int 0x80 faults first.
			kernelAttack{name: "i386 keyctl through int 0x80", program: pre + pyI386Keyctl,
				status: "error", killedBy: []string{"SIGSYS", "SIGSEGV"}, keep: attackMarker},
			kernelAttack{name: "x32 getpid", program: pre + fmt.Sprintf(`import ctypes
libc = ctypes.CDLL(None, use_errno=True)
print("ESCAPED x32 getpid returned", libc.syscall(%d), ctypes.get_errno())
`, x32SyscallBit|syscall.SYS_GETPID), status: "error", killedBy: []string{"SIGSYS"}, keep: attackMarker},
		)
	}
	for _, a := range cases {
		t.Run(a.name, func(t *testing.T) {
			c := dialWS(t, base)
			run, err := runWS(c, a.program, nil)
			c.Close()
			if err != nil || !run.End {
				t.Fatalf("the run did not end: %v", err)
			}
			hs := heads(run.Raws)
			end := hs[len(hs)-1]
			var out strings.Builder
			for _, h := range hs {
				if h.Type == "output" {
					out.WriteString(h.Text)
				}
			}
			if end.Status != a.status {
				t.Errorf("status %q (%s), want %q; output:\n%s", end.Status, end.Message, a.status, out.String())
			}
			if end.Message == "" || !strings.HasSuffix(end.Message, ".") || strings.Contains(end.Message, "exit status") {
				t.Errorf("not a plain message: %q", end.Message)
			}
			if a.killedBy != nil {
				named := ""
				for _, sig := range a.killedBy {
					if strings.Contains(end.Message, sig) {
						named = sig
					}
				}
				if named == "" {
					t.Errorf("message %q names none of %v", end.Message, a.killedBy)
				} else if named != a.killedBy[0] {
					t.Logf("killed by %s: this kernel has no entry for the ABI", named)
				}
			}
			if !strings.Contains(out.String(), a.keep) {
				t.Errorf("the output %q was not kept:\n%s", a.keep, out.String())
			}
			if strings.Contains(out.String(), "ESCAPED") {
				t.Errorf("escaped:\n%s", out.String())
			}
			waitForBaseline(t, baseline)
			c = dialWS(t, base)
			next, err := runWS(c, "print('next')\n", nil)
			c.Close()
			if err != nil || !next.End || heads(next.Raws)[len(next.Raws)-1].Status != "ok" {
				t.Errorf("the next run failed: %v", err)
			}
		})
	}
}
