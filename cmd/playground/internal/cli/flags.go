package cli

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"mpplayground/event"
	"mpplayground/runner"
)

// RunnerFlags are the flags that configure the runner, shared by every
// command that runs programs or serves them (tests set them directly).
type RunnerFlags struct {
	Timeout     time.Duration
	Memory      ByteSize
	Pids        int
	OutputLimit ByteSize
	FileSize    ByteSize
	OpenFiles   int
	TmpSize     ByteSize
	ShmSize     ByteSize
	Python      string
	Sandbox     string
	UIDRange    string
}

// AddRunnerFlags defines the runner's flags on fs. Their defaults are the
// runner's: the help text prints them from its constants.
func AddRunnerFlags(fs *flag.FlagSet) *RunnerFlags {
	f := &RunnerFlags{Memory: runner.DefaultMemory, OutputLimit: runner.DefaultOutputBytes,
		FileSize: runner.DefaultFileBytes, TmpSize: runner.DefaultTmpBytes, ShmSize: runner.DefaultShmBytes}
	fs.DurationVar(&f.Timeout, "timeout", runner.DefaultWallTime, "wall-time limit of a run")
	fs.Var(&f.Memory, "memory", "memory limit of a run, all processes together (a `size` in bytes, or with KiB/MiB/GiB)")
	fs.IntVar(&f.Pids, "pids", runner.DefaultPids, "how many processes a run may have at once")
	fs.Var(&f.OutputLimit, "output-limit", "output a run may print before it is stopped (a `size`)")
	fs.Var(&f.FileSize, "file-size", "largest file a program may write (a `size`)")
	fs.IntVar(&f.OpenFiles, "open-files", runner.DefaultOpenFiles, "open files per process")
	fs.Var(&f.TmpSize, "tmp-size", "`size` of the run's own /tmp, and of its working directory")
	fs.Var(&f.ShmSize, "shm-size", "`size` of the run's own /dev/shm")
	fs.StringVar(&f.Python, "python", runner.DefaultPython, "the Python interpreter (resolved to its real path)")
	fs.StringVar(&f.Sandbox, "sandbox", "on", "on, or off to run programs without any sandbox (trusted use only)")
	fs.StringVar(&f.UIDRange, "uid-range", runner.DefaultUIDRange.String(), "host uids (and gids) FIRST-LAST of which a root server gives each run its own, so that the kernel's per-user limits are per run; a server that is not root runs every program as its own uid")
	return f
}

// Config is the runner's configuration the flags describe.
func (f *RunnerFlags) Config() (runner.Config, error) {
	var cfg runner.Config
	l := event.Limits{WallTime: f.Timeout, Pids: f.Pids, OpenFiles: f.OpenFiles,
		MemoryBytes: int64(f.Memory), OutputBytes: int64(f.OutputLimit), FileBytes: int64(f.FileSize),
		TmpBytes: int64(f.TmpSize), ShmBytes: int64(f.ShmSize)}
	if f.Timeout <= 0 || f.Pids <= 0 || f.OpenFiles <= 0 {
		return cfg, fmt.Errorf("--timeout, --pids and --open-files must be positive")
	}
	switch f.Sandbox {
	case "on", "true":
	case "off", "false":
		cfg.NoSandbox = true
	default:
		return cfg, fmt.Errorf("--sandbox must be on or off, not %q", f.Sandbox)
	}
	uids, err := runner.ParseUIDRange(f.UIDRange)
	if err != nil {
		return cfg, fmt.Errorf("--uid-range: %w", err)
	}
	cfg.UIDRange = uids
	cfg.Python = f.Python
	cfg.Limits = l
	return cfg, nil
}

// ByteSize is a flag of a size in bytes, written with a binary unit.
type ByteSize int64

// Set reads a size as ParseBytes does.
func (b *ByteSize) Set(s string) error {
	n, err := ParseBytes(s)
	if err == nil {
		*b = ByteSize(n)
	}
	return err
}

// String writes the size in the largest unit that holds it whole: 256MiB.
func (b *ByteSize) String() string {
	n := int64(*b)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.m && n%u.m == 0 {
			return strconv.FormatInt(n/u.m, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}

// ParseBytes reads "1048576", "1MiB", "512KiB", "2GiB" (and K/M/G, KB/MB/GB as binary units).
func ParseBytes(s string) (int64, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(strings.ToUpper(t), strings.ToUpper(u.suffix)) {
			mult = u.m
			t = strings.TrimSpace(t[:len(t)-len(u.suffix)])
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a size in bytes", s)
	}
	return n * mult, nil
}

// OpenProgram reads the program in file and opens a one-run runner for
// it. On failure it has told stderr why, and the runner is nil beside the
// command's exit status.
func (f *RunnerFlags) OpenProgram(stderr io.Writer, file string) ([]byte, *runner.Runner, int) {
	program, err := os.ReadFile(file)
	if err != nil {
		fmt.Fprintf(stderr, "playground: %v\n", err)
		return nil, nil, 2
	}
	r, status := f.Open(stderr, true)
	return program, r, status
}

// Open builds the runner of a command that runs programs itself (run,
// lessons check); oneRun for a command that makes a single run. On failure
// it says why on stderr and returns the exit status: 2 for a bad flag, 1
// when the runner cannot start.
func (f *RunnerFlags) Open(stderr io.Writer, oneRun bool) (*runner.Runner, int) {
	cfg, err := f.Config()
	if err != nil {
		fmt.Fprintf(stderr, "playground: %v\n", err)
		return nil, 2
	}
	cfg.OneRun = oneRun
	r, err := runner.New(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "playground: %v\n", err)
		return nil, 1
	}
	return r, 0
}
