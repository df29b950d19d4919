package sandbox

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"mpplayground/runner/record"
)

// Arg0 is argv[0] of the re-executed binary when it is to act as the
// sandbox init. Any binary that links this package (the server, the tests)
// can therefore be the init, without the help of its main function.
const Arg0 = "playground-sandbox-init"

func init() {
	if len(os.Args) > 0 && os.Args[0] == Arg0 {
		os.Exit(initMain())
	}
}

// wireWriter serialises records to the runner. Callers hold the tracer's
// lock, so records leave in the order they were observed.
type wireWriter struct {
	w         *bufio.Writer
	buf, body []byte // reused for each record
}

func newWireWriter(f *os.File) *wireWriter {
	return &wireWriter{w: bufio.NewWriterSize(f, 64<<10)}
}

func (ww *wireWriter) send(r record.Record) {
	if r.NS == 0 {
		r.NS = record.MonoNS()
	}
	ww.body = record.AppendBody(ww.body[:0], r)
	ww.buf = record.Frame(ww.buf[:0], ww.body)
	_, _ = ww.w.Write(ww.buf)
}

func (ww *wireWriter) flush() { _ = ww.w.Flush() }

// initMain is the life of the init: read the config, build the sandbox,
// start the program under ptrace, report everything, reap everything.
func initMain() int {
	// ptrace requests must come from the thread that attached.
	runtime.LockOSThread()
	// pid 1 of a namespace receives from inside only the signals it
	// handles: catching and dropping them keeps a program from killing its
	// own observer. (Ignoring them instead would pass SIG_IGN on to the
	// program through exec.)
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, syscall.SIGQUIT,
		syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGPIPE, syscall.SIGALRM, syscall.SIGTSTP,
		syscall.SIGTTIN, syscall.SIGTTOU)
	go func() {
		for range sigs {
		}
	}()
	_ = unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
	_ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
	// Nothing the init holds, its pipes to the runner included, may cross
	// the exec of the program (fds.go).
	closeOnExecAbove3()

	ctl := os.NewFile(record.CtlFD, "ctl")
	wire := newWireWriter(os.NewFile(record.WireFD, "wire"))
	fail := func(format string, args ...any) int {
		wire.send(record.Record{Error: fmt.Sprintf(format, args...)})
		wire.flush()
		return 1
	}

	ctlr := bufio.NewReaderSize(ctl, 256<<10)
	line, err := ctlr.ReadBytes('\n')
	if err != nil {
		return fail("read the run's configuration: %v", err)
	}
	var cfg record.Config
	if err := json.Unmarshal(line, &cfg); err != nil {
		return fail("decode the run's configuration: %v", err)
	}
	if cfg.Hook, err = record.ReadHook(ctlr, cfg.HookSizes); err != nil {
		return fail("read the startup hook: %v", err)
	}

	if cfg.Sandbox {
		if err := buildSandbox(&cfg); err != nil {
			return fail("set up the sandbox: %v", err)
		}
	} else if err := prepareUnsandboxed(&cfg); err != nil {
		return fail("prepare the run directory: %v", err)
	}

	t, err := newTracer(&cfg, wire)
	if err != nil {
		return fail("%v", err)
	}
	if cmd, err := ctlr.ReadString('\n'); cmd != record.CmdGo {
		// The runner ended the run before its start, or is gone.
		if err != nil {
			return fail("wait for the start of the program: %v", err)
		}
		return 0
	}
	if err := t.startProgram(); err != nil {
		return fail("start python: %v", err)
	}

	// Commands from the runner; end of file means it is gone.
	go func() {
		for {
			cmd, err := ctlr.ReadString('\n')
			if cmd == record.CmdProbe {
				t.probe()
				continue
			}
			if err != nil || cmd == record.CmdKill {
				t.killAll()
				if err != nil {
					return
				}
			}
		}
	}()
	go t.receive()
	t.loop()
	return 0
}

// programEnv is the whole environment of the program, built from nothing.
func programEnv(cfg *record.Config, home string) []string {
	env := []string{
		"PATH=" + strings.Join(cfg.PathDirs, ":"),
		"HOME=" + home,
		"LANG=C.UTF-8",
		"PYTHONUTF8=1",
		"PYTHONDONTWRITEBYTECODE=1",
		"PYTHONPATH=" + hookDir(cfg),
		"TERM=dumb",
		"USER=learner",
		"PLAYGROUND_EVENTS=" + eventSocketName(cfg.RunID),
		fmt.Sprintf("PLAYGROUND_GO_FD=%d", goFD),
		"PLAYGROUND_IPC=" + map[bool]string{true: "on", false: "off"}[cfg.IPC],
		fmt.Sprintf("PLAYGROUND_SHM_BYTES=%d", shmBlockLimit(cfg)),
	}
	env = append(env, fmt.Sprintf("PLAYGROUND_STACK_SIGNAL=%d", StackSignal),
		"PLAYGROUND_PROGRAM="+filepath.Join(home, ProgramName))
	if cfg.StartMethod != "" {
		env = append(env, "PLAYGROUND_START_METHOD="+cfg.StartMethod)
	}
	return env
}

// goFD is where the main process finds the pipe it waits on until the init
// has attached to it, so that no process can start unobserved.
const goFD = 3

// graceTimer arms f after d; a small helper so the tracer reads plainly.
func graceTimer(d time.Duration, f func()) *time.Timer { return time.AfterFunc(d, f) }

// shmBlockLimit is the largest SharedMemory block the hook lets a program
// ask for: the size of the run's /dev/shm (0, no bound, without sandbox).
func shmBlockLimit(cfg *record.Config) int64 {
	if !cfg.Sandbox {
		return 0
	}
	return cfg.Limits.ShmBytes
}
