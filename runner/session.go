package runner

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// session is the runner's side of one run: it starts the init, turns its
// records into numbered events, watches the limits and always ends the
// stream with run.end.
type session struct {
	r      *Runner
	req    Request
	emit   func(Event)
	limits Limits
	ipc    ipcState

	startNS int64
	seq     int64
	lastT   float64

	open      map[int]bool // processes started and not yet exited
	mainPID   int
	mainCode  *int
	mainSig   string
	outputCut bool

	limitKind string // the first limit hit
	diskWhere string // the file system that filled up
	stopped   bool
	internal  string // why the run could not be carried out
	killSent  bool
}

func newSession(r *Runner, req Request, emit func(Event)) *session {
	if req.RunID == "" {
		req.RunID = NewRunID()
	}
	s := &session{r: r, req: req, emit: emit, limits: r.withDefaults(req.Limits), open: map[int]bool{}}
	s.ipc.init()
	return s
}

// send numbers an event and hands it on. Times never go backwards.
func (s *session) send(ns int64, e Event) {
	s.seq++
	e.Seq = s.seq
	t := float64(ns-s.startNS) / 1e6
	if t < s.lastT {
		t = s.lastT
	}
	s.lastT = t
	e.T = float64(int64(t*1000)) / 1000
	s.emit(e)
}

func (s *session) run(ctx context.Context) Result {
	s.startNS = monoNS()
	info := s.r.info
	lim := s.limits
	s.send(s.startNS, Event{Type: TypeRunStart, RunID: s.req.RunID, Python: s.r.python.Version, Limits: &lim, Sandbox: &info})

	if len(s.req.Program) > MaxProgramBytes {
		s.internal = fmt.Sprintf("The program is too large: %s, and the limit is %s.", sizeText(int64(len(s.req.Program))), sizeText(MaxProgramBytes))
		return s.end()
	}
	if s.r.sandboxErr != nil {
		s.internal = "The sandbox cannot be set up on this server, so nothing can run: " + s.r.sandboxErr.Error()
		return s.end()
	}
	if err := s.execute(ctx); err != nil {
		s.internal = "The run could not be started: " + err.Error()
	}
	return s.end()
}

// execute starts the init and follows the run to its end.
func (s *session) execute(ctx context.Context) error {
	line, _ := json.Marshal(s.initConfig())
	line = append(line, '\n')
	si, err := s.r.takeInit(s.limits)
	if err != nil {
		return err
	}
	if _, err := si.ctl.Write(line); err != nil {
		// A warm init that died while it waited: start a fresh one.
		si.close()
		if si, err = s.r.startInit(s.limits); err != nil {
			return err
		}
		if _, err := si.ctl.Write(line); err != nil {
			si.close()
			return fmt.Errorf("hand the program to the sandbox: %w", err)
		}
	}
	cmd, cg, ctlW, wireR, stdinW, initErr := si.cmd, si.cg, si.ctl, si.wire, si.stdin, si.initErr
	if cg != nil {
		defer cg.destroy()
	}
	defer ctlW.Close()
	defer wireR.Close()
	go feedStdin(s.req.Stdin, stdinW)

	records := make(chan []record, 16)
	go readRecords(wireR, records)

	wall := time.NewTimer(s.limits.WallTime)
	defer wall.Stop()
	poll := time.NewTicker(limitPollInterval)
	defer poll.Stop()
	var backstop <-chan time.Time
	done := ctx.Done()

	kill := func() {
		if s.killSent {
			return
		}
		s.killSent = true
		_, _ = ctlW.Write([]byte(cmdKill))
		backstop = time.After(killBackstop)
	}
	checkCgroup := func() {
		if cg == nil || s.limitKind != "" {
			return
		}
		switch {
		case cg.oomKills() > 0:
			s.hitLimit(LimitMemory)
			kill()
		case cg.pidsRefused() > 0:
			s.hitLimit(LimitPids)
			kill()
		}
	}

loop:
	for {
		select {
		case batch, ok := <-records:
			if !ok {
				break loop
			}
			for _, rec := range batch {
				switch {
				case rec.Error != "":
					s.internal = "The sandbox could not be set up: " + rec.Error
				case rec.Limit != "":
					s.outputCut = s.outputCut || rec.Limit == LimitOutput
					s.diskWhere = rec.Where
					s.hitLimit(rec.Limit)
					kill()
				case rec.IPC != nil:
					s.forwardIPC(rec)
				case rec.Event != nil:
					s.forward(rec)
					if rec.Event.Type == TypeProcExit && rec.Event.Signal == "SIGKILL" {
						checkCgroup()
					}
				}
			}
		case <-poll.C:
			checkCgroup()
		case <-wall.C:
			if s.limitKind == "" {
				s.hitLimit(LimitWallTime)
			}
			kill()
		case <-done:
			done = nil
			if s.limitKind == "" {
				s.stopped = true
			}
			kill()
		case <-backstop:
			// The init did not finish in time: end it, and with it, as pid 1
			// of the namespace, every process of the run.
			_ = cmd.Process.Kill()
			backstop = nil
		}
	}
	_ = cmd.Wait()
	if s.internal == "" && s.mainPID == 0 && initErr.Len() > 0 {
		s.internal = "The sandbox stopped unexpectedly: " + strings.TrimSpace(initErr.String())
	}
	checkCgroup()
	return nil
}

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

func (s *session) initConfig() initConfig {
	py := s.r.python
	cfg := initConfig{
		RunID:     s.req.RunID,
		Sandbox:   s.r.info.Enabled,
		Python:    py.Executable,
		Binds:     py.Binds,
		Program:   s.req.Program,
		Hook:      py.Hook,
		IPC:       !s.req.NoIPC,
		Limits:    s.limits,
		UID:       sandboxUID,
		GID:       sandboxGID,
		DropGrps:  os.Geteuid() == 0,
		SwitchUID: os.Geteuid() == 0,
		PathDirs:  programPath(py.Executable),
		Grace:     mainExitGrace.Milliseconds(),
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

// forward passes one observed event on, keeping track of the processes.
func (s *session) forward(rec record) {
	e := *rec.Event
	switch e.Type {
	case TypeProcStart:
		if s.mainPID == 0 {
			s.mainPID = e.PID
		}
		s.open[e.PID] = true
	case TypeProcExit:
		if !s.open[e.PID] {
			return
		}
		delete(s.open, e.PID)
		if e.PID == s.mainPID {
			s.mainCode, s.mainSig = e.Code, e.Signal
		}
	case TypeRunStart, TypeRunEnd, TypeLimit:
		return // only the runner itself makes these
	default:
		if !s.open[e.PID] {
			return
		}
	}
	s.send(rec.NS, e)
}

// forwardIPC passes on the IPC events of one batch of reports.
func (s *session) forwardIPC(rec record) {
	if !s.open[rec.IPC.PID] {
		return
	}
	// Each event keeps the time its process took when it happened (the
	// hook sends reports in batches), if not later than the batch's arrival.
	rec.IPC.each(func(line string) {
		m, ok := parseIPC(line)
		if !ok {
			return
		}
		var e Event
		if !s.ipc.event(rec.IPC.PID, &m, &e) {
			return
		}
		ns := m.NS
		if ns <= 0 || ns > rec.NS {
			ns = rec.NS
		}
		s.send(ns, e)
	})
}

func (s *session) hitLimit(kind string) {
	if s.limitKind != "" {
		return
	}
	s.limitKind = kind
	s.send(monoNS(), Event{Type: TypeLimit, Kind: kind, Message: s.limitMessage(kind)})
}

func (s *session) limitMessage(kind string) string {
	l := s.limits
	switch kind {
	case LimitWallTime:
		return fmt.Sprintf("Stopped: the program ran longer than %s.", secondsText(l.WallTime))
	case LimitMemory:
		return fmt.Sprintf("Stopped: the program used more than %s of memory.", sizeText(l.MemoryBytes))
	case LimitPids:
		return fmt.Sprintf("Stopped: the program tried to run more than %d processes at once.", l.Pids)
	case LimitOutput:
		return fmt.Sprintf("Stopped: the program printed more than %s of output.", sizeText(l.OutputBytes))
	case LimitDisk:
		size := l.TmpBytes
		if s.diskWhere == "/dev/shm" {
			size = l.ShmBytes
		}
		return fmt.Sprintf("Stopped: the program filled %s (%s, %d files at most).", s.diskWhere, sizeText(size), tmpfsInodes)
	}
	return "Stopped: the program hit a limit."
}

// end closes every process still open and emits run.end.
func (s *session) end() Result {
	now := monoNS()
	for pid := range s.open {
		s.send(now, Event{Type: TypeProcExit, PID: pid, Signal: "SIGKILL"})
		if pid == s.mainPID && s.mainCode == nil && s.mainSig == "" {
			s.mainSig = "SIGKILL"
		}
	}
	s.open = map[int]bool{}
	dur := time.Duration(now - s.startNS)
	res := Result{RunID: s.req.RunID, Duration: dur, OutputCut: s.outputCut, ExitCode: -1}
	switch {
	case s.mainCode != nil:
		res.ExitCode = *s.mainCode
	case s.mainSig != "":
		res.ExitCode = signalExitCode(s.mainSig)
	}
	var msg string
	switch {
	case s.internal != "":
		res.Status, msg = StatusInternalError, s.internal
	case s.limitKind == LimitWallTime:
		res.Status, msg = StatusTimeout, s.limitMessage(s.limitKind)
	case s.limitKind != "":
		res.Status, msg = StatusLimit, s.limitMessage(s.limitKind)
	case s.stopped:
		res.Status, msg = StatusStopped, "Stopped before the program finished."
	case s.mainCode != nil && *s.mainCode == 0:
		res.Status, msg = StatusOK, fmt.Sprintf("The program finished in %s.", secondsText(dur))
	case s.mainSig != "":
		res.Status, msg = StatusError, fmt.Sprintf("The program was killed by %s.", s.mainSig)
	default:
		res.Status, msg = StatusError, fmt.Sprintf("The program exited with code %d.", res.ExitCode)
	}
	ms := float64(dur.Microseconds()) / 1000
	code := res.ExitCode
	s.send(now, Event{Type: TypeRunEnd, Status: res.Status, ExitCode: &code, DurationMS: &ms, Message: msg})
	res.Events = s.seq
	return res
}

// readRecords reads the init's records and hands them on in batches: a
// burst of thousands crosses the channel in a few steps.
func readRecords(r io.Reader, out chan<- []record) {
	defer close(out)
	br := bufio.NewReaderSize(r, 256<<10)
	var buf []byte
	for {
		var batch []record
		for {
			rec, b, err := readRecord(br, buf)
			buf = b
			if err != nil {
				if len(batch) > 0 {
					out <- batch
				}
				return
			}
			batch = append(batch, rec)
			if br.Buffered() == 0 || len(batch) == recordBatch {
				break
			}
		}
		out <- batch
	}
}

// recordBatch bounds a batch of records.
const recordBatch = 512

func feedStdin(src io.Reader, w *os.File) {
	defer w.Close()
	if src != nil {
		_, _ = io.Copy(w, src)
	}
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
