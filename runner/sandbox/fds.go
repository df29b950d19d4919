package sandbox

import (
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// A learner's program must start with fds 0, 1 and 2 only. Two kinds of
// descriptor would otherwise reach it through exec: the init's own pipes to
// the runner (handed to the init without close-on-exec), and anything the
// process that started the server or the CLI left open (a shell's
// directory descriptor, a parent's pipe), which Go passes on to every
// child it starts. With the record pipe a program could forge output, exits
// and errors; with a directory descriptor it could reach the host's files.

// CloseInheritedFDs closes every descriptor above 2 that this process did
// not open itself: Go opens all of its own descriptors close-on-exec, so a
// descriptor without that flag was inherited. The server and the CLI call
// it first thing, before any run can start.
func CloseInheritedFDs() {
	for _, fd := range openFDs() {
		flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		if err == nil && flags&unix.FD_CLOEXEC == 0 {
			_ = unix.Close(fd)
		}
	}
}

// closeOnExecAbove3 marks every descriptor above 2 close-on-exec: the init
// keeps using its pipes, but none of them crosses the exec of the program.
func closeOnExecAbove3() {
	if err := unix.CloseRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC); err == nil {
		return
	}
	// Kernels before 5.11: one descriptor at a time.
	for _, fd := range openFDs() {
		_, _ = unix.FcntlInt(uintptr(fd), unix.F_SETFD, unix.FD_CLOEXEC)
	}
}

// openFDs lists this process's descriptors above 2 (without the one used to
// list them).
func openFDs() []int {
	d, err := os.Open("/proc/self/fd")
	if err != nil {
		return nil
	}
	defer d.Close()
	names, _ := d.Readdirnames(-1)
	var fds []int
	for _, n := range names {
		fd, err := strconv.Atoi(n)
		if err == nil && fd > 2 && uintptr(fd) != d.Fd() {
			fds = append(fds, fd)
		}
	}
	return fds
}
