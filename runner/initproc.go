package runner

import (
	"io"
	"os"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"mpplayground/runner/record"
)

// initAttr is how the init is created: in new namespaces, the program's
// ids mapped to host uid and gid, with the capabilities it needs to build
// the sandbox (only inside them), killed if the server dies.
func (r *Runner) initAttr(uid, gid int) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if !r.info.Enabled {
		return attr
	}
	attr.Cloneflags = syscall.CLONE_NEWUSER | syscall.CLONE_NEWPID | syscall.CLONE_NEWNS |
		syscall.CLONE_NEWNET | syscall.CLONE_NEWIPC | syscall.CLONE_NEWUTS
	attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: sandboxUID, HostID: uid, Size: 1}}
	attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: sandboxGID, HostID: gid, Size: 1}}
	if os.Geteuid() == 0 {
		// A privileged server maps root of the namespace too, to another
		// unprivileged host id, for the init to become once it has opened
		// what the sandbox shows (see becomeSandboxRoot).
		attr.UidMappings = append(attr.UidMappings, syscall.SysProcIDMap{ContainerID: 0, HostID: initHostID, Size: 1})
		attr.GidMappings = append(attr.GidMappings, syscall.SysProcIDMap{ContainerID: 0, HostID: initHostID, Size: 1})
		attr.GidMappingsEnableSetgroups = true
	}
	attr.AmbientCaps = []uintptr{unix.CAP_SYS_ADMIN, unix.CAP_NET_ADMIN, unix.CAP_SYS_PTRACE,
		unix.CAP_KILL, unix.CAP_SETUID, unix.CAP_SETGID, unix.CAP_SYS_RESOURCE}
	return attr
}

func (s *session) initConfig() record.Config {
	py := s.r.python
	cfg := record.Config{
		RunID:       s.req.RunID,
		Sandbox:     s.r.info.Enabled,
		Python:      py.Executable,
		Binds:       py.Binds,
		Program:     s.req.Program,
		HookSizes:   py.hookSizes,
		IPC:         !s.req.NoIPC,
		StartMethod: s.req.StartMethod,
		Limits:      s.limits,
		UID:         sandboxUID,
		GID:         sandboxGID,
		DropGrps:    os.Geteuid() == 0,
		SwitchUID:   os.Geteuid() == 0,
		PathDirs:    programPath(py.Executable),
		Grace:       mainExitGrace.Milliseconds(),
	}
	if s.r.info.Enabled && !s.r.info.Memory {
		// Without a memory cgroup, bound each process's address space
		// instead (Python then raises MemoryError).
		cfg.AddressSpace = uint64(s.limits.MemoryBytes)
	}
	if s.r.info.Enabled && !s.r.info.Pids {
		cfg.Nproc = uint64(s.limits.Pids)
	}
	return cfg
}

func programPath(python string) []string {
	dir := python[:strings.LastIndexByte(python, '/')]
	path := []string{dir}
	for _, d := range []string{"/usr/local/bin", "/usr/bin", "/bin"} {
		if d != dir {
			path = append(path, d)
		}
	}
	return path
}

// limitedWriter keeps the first n bytes written to it.
type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		_, _ = l.w.Write(p[:k])
		l.n -= k
	}
	return len(p), nil
}
