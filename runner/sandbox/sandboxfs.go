package sandbox

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"

	"mpplayground/runner/record"
)

// Paths inside the sandbox.
const (
	Home           = "/home/learner" // the run's working directory, the program's file in it
	sandboxHookDir = "/opt/playground"
	ProgramName    = "main.py" // the program's file in Home, as its tracebacks name it
	sandboxHost    = "playground"
	stagingRoot    = "/tmp" // where the new root is assembled before pivot_root
)

// HostDirs are the host directories a Python interpreter and the usual
// command-line tools need; each is made visible read-only (or re-created as
// the same symlink, on merged-/usr systems).
var HostDirs = []string{"/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32"}

// unsandboxedDir is the host directory of a run without sandbox.
var unsandboxedDir string

func hookDir(cfg *record.Config) string {
	if cfg.Sandbox {
		return sandboxHookDir
	}
	return filepath.Join(unsandboxedDir, "hook")
}

func eventSocketName(runID string) string { return "@playground-" + runID + "-events" }

// hostPath is a host file or directory to show inside the sandbox, opened
// before the init gives up the host identity it was started with.
type hostPath struct {
	path   string
	fd     int    // O_PATH descriptor, -1 for a symlink
	link   string // symlink target
	isDir  bool
	device bool // a device node: bound read-write
}

// openHostPaths opens what the sandbox will show. It runs first, with the
// server's own identity, so that a directory such as an interpreter under
// /root (mode 0700) can be reached; the mounts then use the descriptors.
func openHostPaths(cfg *record.Config) ([]hostPath, error) {
	var out []hostPath
	add := func(p string, device bool) error {
		fi, err := os.Lstat(p)
		if os.IsNotExist(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("look at %s: %w", p, err)
		}
		hp := hostPath{path: p, fd: -1, isDir: fi.IsDir(), device: device}
		if fi.Mode()&os.ModeSymlink != 0 {
			if hp.link, err = os.Readlink(p); err != nil {
				return err
			}
		} else if hp.fd, err = unix.Open(p, unix.O_PATH|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0); err != nil {
			return fmt.Errorf("open %s: %w", p, err)
		}
		out = append(out, hp)
		return nil
	}
	for _, p := range append(append([]string{}, HostDirs...), cfg.Binds...) {
		if err := add(p, false); err != nil {
			return nil, err
		}
	}
	// The loader cache only speeds up starting programs; it reveals nothing.
	if err := add("/etc/ld.so.cache", false); err != nil {
		return nil, err
	}
	for _, name := range devices {
		if err := add("/dev/"+name, true); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// devices are the device nodes a program gets in its /dev.
var devices = []string{"null", "zero", "full", "random", "urandom"}

// becomeSandboxRoot switches the init from the identity it was started with
// (unmapped in the user namespace: it can create no file) to root of the
// user namespace, which maps to an unprivileged host id.
func becomeSandboxRoot() error {
	if err := syscall.Setgroups([]int{}); err != nil {
		return fmt.Errorf("setgroups: %w", err)
	}
	if err := syscall.Setresgid(0, 0, 0); err != nil {
		return fmt.Errorf("setresgid: %w", err)
	}
	if err := syscall.Setresuid(0, 0, 0); err != nil {
		return fmt.Errorf("setresuid: %w", err)
	}
	return nil
}

// buildSandbox turns the init's fresh namespaces into the run's world: a
// tmpfs root holding only what python needs, read-only, with a private
// /proc, /tmp and /dev/shm, and the program as a real file.
func buildSandbox(cfg *record.Config) error {
	paths, err := openHostPaths(cfg)
	if err != nil {
		return err
	}
	if cfg.SwitchUID {
		if err := becomeSandboxRoot(); err != nil {
			return err
		}
	}
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make mounts private: %w", err)
	}
	root := stagingRoot
	if err := unix.Mount("tmpfs", root, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "size=4m,nr_inodes=1024,mode=755"); err != nil {
		return fmt.Errorf("mount the root tmpfs: %w", err)
	}
	for _, hp := range paths {
		if err := exposeHostPath(root, hp); err != nil {
			return err
		}
	}
	if err := buildEtc(root); err != nil {
		return err
	}
	if err := buildDev(root, cfg.Limits.ShmBytes); err != nil {
		return err
	}
	if err := mountTmpfs(root+"/tmp", cfg.Limits.TmpBytes, 1777); err != nil {
		return err
	}
	if err := os.MkdirAll(root+"/proc", 0o755); err != nil {
		return err
	}
	if err := unix.Mount("proc", root+"/proc", "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("mount /proc: %w", err)
	}
	// The working directory is the run's own, bounded like /tmp: a program
	// writes "out.txt" next to itself, as on the learner's own machine.
	// (Sticky and open to all: the init that writes main.py is not the
	// program's uid on a root server, and it may not chown.)
	if err := mountTmpfs(root+Home, cfg.Limits.TmpBytes, 1777); err != nil {
		return err
	}
	if err := writeRunFiles(cfg, root+Home, root+sandboxHookDir); err != nil {
		return err
	}
	if err := pivotInto(root); err != nil {
		return err
	}
	// The root itself becomes read-only: only the working directory, /tmp
	// and /dev/shm are writable (WritableDirs).
	if err := unix.Mount("", "/", "", unix.MS_REMOUNT|unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV, ""); err != nil {
		return fmt.Errorf("make the root read-only: %w", err)
	}
	if err := unix.Sethostname([]byte(sandboxHost)); err != nil {
		return fmt.Errorf("set the host name: %w", err)
	}
	if err := loopbackUp(); err != nil {
		return fmt.Errorf("bring up loopback: %w", err)
	}
	// Datagrams queue here until the init reads them; a deeper queue lets
	// bursts of output through without stalling the writers.
	_ = os.WriteFile("/proc/sys/net/unix/max_dgram_qlen", []byte("512"), 0)
	return os.Chdir(Home)
}

// exposeHostPath makes a host path visible under root at the same place:
// a symlink is copied, anything else is bind-mounted (read-only but for
// device nodes).
func exposeHostPath(root string, hp hostPath) error {
	dst := root + hp.path
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if hp.fd < 0 {
		return os.Symlink(hp.link, dst)
	}
	defer unix.Close(hp.fd)
	if hp.isDir {
		if err := os.MkdirAll(dst, 0o755); err != nil {
			return err
		}
	} else if err := os.WriteFile(dst, nil, 0o644); err != nil {
		return err
	}
	src := fmt.Sprintf("/proc/self/fd/%d", hp.fd)
	if hp.device {
		if err := unix.Mount(src, dst, "", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("bind %s: %w", hp.path, err)
		}
		return nil
	}
	return bindReadOnly(src, dst, hp.path)
}

// bindReadOnly bind-mounts src on dst and makes the bind read-only, keeping
// the flags the kernel locks for mounts inherited into a user namespace.
func bindReadOnly(src, dst, name string) error {
	if err := unix.Mount(src, dst, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind %s: %w", name, err)
	}
	var st unix.Statfs_t
	if err := unix.Statfs(dst, &st); err != nil {
		return fmt.Errorf("statfs %s: %w", dst, err)
	}
	flags := uintptr(unix.MS_BIND | unix.MS_REMOUNT | unix.MS_RDONLY | unix.MS_NOSUID)
	for _, f := range []struct{ st, ms int64 }{
		{unix.ST_NODEV, unix.MS_NODEV}, {unix.ST_NOEXEC, unix.MS_NOEXEC},
		{unix.ST_NOATIME, unix.MS_NOATIME}, {unix.ST_NODIRATIME, unix.MS_NODIRATIME},
		{unix.ST_RELATIME, unix.MS_RELATIME},
	} {
		if st.Flags&f.st != 0 {
			flags |= uintptr(f.ms)
		}
	}
	if err := unix.Mount("", dst, "", flags, ""); err != nil {
		return fmt.Errorf("make %s read-only: %w", name, err)
	}
	return nil
}

func mountTmpfs(dir string, size int64, mode int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	opts := fmt.Sprintf("size=%d,nr_inodes=%d,mode=%d", size, TmpfsInodes, mode)
	if err := unix.Mount("tmpfs", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, opts); err != nil {
		return fmt.Errorf("mount tmpfs on %s: %w", dir, err)
	}
	return nil
}

// TmpfsInodes bounds the files of /tmp and /dev/shm, so that a program
// cannot exhaust kernel memory with empty files.
const TmpfsInodes = 16384

func buildEtc(root string) error {
	etc := root + "/etc"
	if err := os.MkdirAll(etc, 0o755); err != nil {
		return err
	}
	files := map[string]string{
		"passwd":   "root:x:0:0:root:/root:/usr/sbin/nologin\nlearner:x:1000:1000:learner:/home/learner:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
		"group":    "root:x:0:\nlearner:x:1000:\nnogroup:x:65534:\n",
		"hosts":    "127.0.0.1\tlocalhost " + sandboxHost + "\n::1\tlocalhost\n",
		"hostname": sandboxHost + "\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(etc, name), []byte(body), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func buildDev(root string, shmBytes int64) error {
	dev := root + "/dev"
	if err := os.MkdirAll(dev, 0o755); err != nil {
		return err
	}
	links := map[string]string{"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0", "stdout": "/proc/self/fd/1", "stderr": "/proc/self/fd/2"}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(dev, name)); err != nil {
			return err
		}
	}
	// multiprocessing keeps its semaphores and SharedMemory in /dev/shm.
	return mountTmpfs(dev+"/shm", shmBytes, 1777)
}

// writeRunFiles writes the program and the startup hook.
func writeRunFiles(cfg *record.Config, home, hook string) error {
	if err := os.MkdirAll(home, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(home, ProgramName), cfg.Program, 0o644); err != nil {
		return fmt.Errorf("write the program: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(hook, "__pycache__"), 0o755); err != nil {
		return err
	}
	for _, f := range cfg.Hook {
		if err := os.WriteFile(filepath.Join(hook, f.Name), f.Source, 0o644); err != nil {
			return err
		}
		if len(f.Pyc) > 0 {
			if err := os.WriteFile(filepath.Join(hook, "__pycache__", f.PycName), f.Pyc, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

func pivotInto(root string) error {
	old := root + "/.oldroot"
	if err := os.MkdirAll(old, 0o700); err != nil {
		return err
	}
	if err := unix.PivotRoot(root, old); err != nil {
		return fmt.Errorf("pivot_root: %w", err)
	}
	if err := os.Chdir("/"); err != nil {
		return err
	}
	if err := unix.Unmount("/.oldroot", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("detach the host's root: %w", err)
	}
	return os.Remove("/.oldroot")
}

func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}

// prepareUnsandboxed writes the run's files into a host temporary
// directory, for runs with the sandbox explicitly switched off.
func prepareUnsandboxed(cfg *record.Config) error {
	dir, err := os.MkdirTemp("", "playground-run-")
	if err != nil {
		return err
	}
	unsandboxedDir = dir
	if err := writeRunFiles(cfg, dir, filepath.Join(dir, "hook")); err != nil {
		return err
	}
	return os.Chdir(dir)
}

// applyRlimits bounds every process the init starts (and the init itself).
func applyRlimits(cfg *record.Config) error {
	l := cfg.Limits
	for _, r := range []struct {
		res int
		v   uint64
	}{
		{unix.RLIMIT_NOFILE, uint64(l.OpenFiles)},
		{unix.RLIMIT_FSIZE, uint64(fileSizeLimit(cfg))},
		{unix.RLIMIT_CORE, 0},
	} {
		lim := unix.Rlimit{Cur: r.v, Max: r.v}
		if err := unix.Setrlimit(r.res, &lim); err != nil {
			return fmt.Errorf("set rlimit %d: %w", r.res, err)
		}
	}
	return nil
}

// applyFallbackRlimits bounds the main process (and so its descendants)
// where the cgroup controllers are missing. They are set on the program
// only: the init's own runtime needs more address space than a program.
func applyFallbackRlimits(pid int, cfg *record.Config) error {
	for _, r := range []struct {
		res int
		v   uint64
	}{{unix.RLIMIT_AS, cfg.AddressSpace}, {unix.RLIMIT_NPROC, cfg.Nproc}} {
		if r.v == 0 {
			continue
		}
		lim := unix.Rlimit{Cur: r.v, Max: r.v}
		if err := unix.Prlimit(pid, r.res, &lim, nil); err != nil {
			return fmt.Errorf("set rlimit %d of the program: %w", r.res, err)
		}
	}
	return nil
}

// fileSizeLimit is RLIMIT_FSIZE of a run. In the sandbox a SharedMemory
// block is a file of /dev/shm: blocks as large as /dev/shm must work, and
// every writable file system is bounded by its own size anyway.
func fileSizeLimit(cfg *record.Config) int64 {
	if cfg.Sandbox {
		return max(cfg.Limits.FileBytes, cfg.Limits.ShmBytes)
	}
	return cfg.Limits.FileBytes
}
