package main

import (
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"mpplayground/event"
	"mpplayground/runner"
)

// runnerFlags are the flags that configure the runner, shared by the run
// and serve commands.
type runnerFlags struct {
	timeout     time.Duration
	memory      byteSize
	pids        int
	outputLimit byteSize
	fileSize    byteSize
	openFiles   int
	tmpSize     byteSize
	shmSize     byteSize
	python      string
	sandbox     string
	uidRange    string
}

// The defaults of the flags are the runner's: the help text prints them
// from its constants.
func addRunnerFlags(fs *flag.FlagSet) *runnerFlags {
	f := &runnerFlags{memory: runner.DefaultMemory, outputLimit: runner.DefaultOutputBytes,
		fileSize: runner.DefaultFileBytes, tmpSize: runner.DefaultTmpBytes, shmSize: runner.DefaultShmBytes}
	fs.DurationVar(&f.timeout, "timeout", runner.DefaultWallTime, "wall-time limit of a run")
	fs.Var(&f.memory, "memory", "memory limit of a run, all processes together (a `size` in bytes, or with KiB/MiB/GiB)")
	fs.IntVar(&f.pids, "pids", runner.DefaultPids, "how many processes a run may have at once")
	fs.Var(&f.outputLimit, "output-limit", "output a run may print before it is stopped (a `size`)")
	fs.Var(&f.fileSize, "file-size", "largest file a program may write (a `size`)")
	fs.IntVar(&f.openFiles, "open-files", runner.DefaultOpenFiles, "open files per process")
	fs.Var(&f.tmpSize, "tmp-size", "`size` of the run's own /tmp, and of its working directory")
	fs.Var(&f.shmSize, "shm-size", "`size` of the run's own /dev/shm")
	fs.StringVar(&f.python, "python", runner.DefaultPython, "the Python interpreter (resolved to its real path)")
	fs.StringVar(&f.sandbox, "sandbox", "on", "on, or off to run programs without any sandbox (trusted use only)")
	fs.StringVar(&f.uidRange, "uid-range", runner.DefaultUIDRange.String(), "host uids (and gids) FIRST-LAST of which a root server gives each run its own, so that the kernel's per-user limits are per run; a server that is not root runs every program as its own uid")
	return f
}

func (f *runnerFlags) config() (runner.Config, error) {
	var cfg runner.Config
	l := event.Limits{WallTime: f.timeout, Pids: f.pids, OpenFiles: f.openFiles,
		MemoryBytes: int64(f.memory), OutputBytes: int64(f.outputLimit), FileBytes: int64(f.fileSize),
		TmpBytes: int64(f.tmpSize), ShmBytes: int64(f.shmSize)}
	if f.timeout <= 0 || f.pids <= 0 || f.openFiles <= 0 {
		return cfg, fmt.Errorf("--timeout, --pids and --open-files must be positive")
	}
	switch f.sandbox {
	case "on", "true":
	case "off", "false":
		cfg.NoSandbox = true
	default:
		return cfg, fmt.Errorf("--sandbox must be on or off, not %q", f.sandbox)
	}
	uids, err := runner.ParseUIDRange(f.uidRange)
	if err != nil {
		return cfg, fmt.Errorf("--uid-range: %w", err)
	}
	cfg.UIDRange = uids
	cfg.Python = f.python
	cfg.Limits = l
	return cfg, nil
}

// byteSize is a flag of a size in bytes, written with a binary unit.
type byteSize int64

func (b *byteSize) Set(s string) error {
	n, err := parseBytes(s)
	if err == nil {
		*b = byteSize(n)
	}
	return err
}

// String writes the size in the largest unit that holds it whole: 256MiB.
func (b *byteSize) String() string {
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

// parseBytes reads "1048576", "1MiB", "512KiB", "2GiB" (and K/M/G, KB/MB/GB as binary units).
func parseBytes(s string) (int64, error) {
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

// open builds the runner of a command that runs programs itself (run,
// lessons check); oneRun for a command that makes a single run. On failure
// it says why on stderr and returns the exit status: 2 for a bad flag, 1
// when the runner cannot start.
func (f *runnerFlags) open(stderr io.Writer, oneRun bool) (*runner.Runner, int) {
	cfg, err := f.config()
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
